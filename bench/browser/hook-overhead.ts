/**
 * What the extension costs the inspected page: the same fetches in the same run, with and without the
 * extension. Four more Chromiums beside the bench's own (same flags, same loopback servers, same emulator):
 *
 * - hooked: the bench's Chromium with the extension as installed, a page of a loopback origin, where the page
 *   hook is on by default from page load (nothing clicked): the hook's wrapper, and for session-API calls its
 *   copy of the response, the relay's batch and the worker's write.
 * - bare: a Chromium without the extension: the baseline of the budgeted ratios.
 * - unhooked: the bench's Chromium, a page of a loopback origin where the user switched the hook off: the
 *   extension's presence alone (its worker, its DevTools page registration; no webRequest, which is optional).
 * - background: a Chromium with the extension built with `webRequest` granted at load (background capture
 *   on, the hook switched off on its page's origin): what a user who turns background capture on pays.
 *   Context only.
 * - bare2: a second Chromium without the extension: how far two browser instances differ in this run, the
 *   band within which the other ratios cannot be told from 1. Context only.
 *
 * A few fetches at a time (PER_TURN), in turn in each browser (the order rotating every round), timed in the
 * page with performance.now(): neighbouring turns share the machine's load of that moment, which on this
 * shared 2-core VM moves by ±15% from one second to the next; the figure is the median of the per-round
 * ratios. Session-API fetches leave work behind them (the relay sends its batch when the page is idle, the
 * worker stores it); the bench waits for it to be stored before the next turn, outside the timing, so it does not
 * land in another browser's fetch. What the page feels is then what is timed: the wrapper, the copy, the
 * message to the relay. The deferred part is measured end to end by the live-latency measure. The hooked page is
 * replaced by a fresh tab of its origin every 100 session-API captures, between turns: the hook's reports have a
 * budget per tab, which this many fetches a minute would exceed (the worker would drop the rest unstored).
 *
 * Non-session fetches: same-origin GETs of a ~1 KB JSON body, every other one with an `accept` header in
 * `init` (so the hook's look at init headers is exercised too), body read. Session-API fetches:
 * `GET /v1/session/password/compliancy` on the emulator, cross-origin with credentials as the SDK does, body
 * read.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../../test/e2e/harness/launch.ts';
import { PANEL_PATH, tabIdOf } from '../../test/e2e/harness/extension.ts';
import { BACKGROUND_CAPTURE_HOSTS, BACKGROUND_CAPTURE_PERMISSIONS } from '../../src/shared/permissions.ts';
import { median, type BenchMeasure, type Figure } from '../types.ts';
import { browserBench, extensionDir, openTab, openWindow, SESSION_DOMAIN } from './harness.ts';

type Kind = 'app' | 'session';
type Variant = 'hooked' | 'bare' | 'unhooked' | 'background' | 'bare2';

interface Runner {
  variant: Variant;
  page: Page;
  /**
   * Resolves once the extension has stored `count` exchanges of this page's tab (counted by the log's sequence
   * number: at the storage quota the oldest are evicted); absent: nothing to wait for.
   */
  settle?: (count: number) => Promise<void>;
  /** Exchanges captured in all, and in the current page's tab. */
  captured: number;
  inTab: number;
  /**
   * Replaces the page with a fresh one of the same origin in a window of its own (a new tab): the page hook's
   * reports have a budget per tab (src/background/page-budget.ts: a burst of 120, then 300 a minute), which
   * the bench's hundreds of session-API fetches a minute would exceed: beyond it the worker would drop them
   * unstored. Absent: the page is kept.
   */
  renew?: () => Promise<void>;
  times: number[];
}

/** Captures per tab before the hooked page is renewed: under the page budget's burst. */
const CAPTURES_PER_TAB = 100;

/**
 * Fetches per turn: a page's clock has 0.1 ms steps (performance.now() is coarsened outside cross-origin
 * isolation), 2-3% of one loopback fetch; a turn of a few fetches in a row is timed to 0.5%. The relay only
 * sends its batch after 10 ms of quiet, so a turn's trailing work still comes after its timing.
 */
const PER_TURN = 4;

/** `count` fetches in a row in the page, timed together (page clock). */
function timedFetches(page: Page, kind: Kind, url: string, first: number, count: number): Promise<number> {
  return page.evaluate(
    async ({ kind, url, first, count }) => {
      const start = performance.now();
      for (let n = first; n < first + count; n += 1) {
        const init: RequestInit | undefined =
          kind === 'session'
            ? { credentials: 'include', headers: { accept: 'application/json' } }
            : n % 2 === 0
              ? undefined
              : { headers: { accept: 'application/json' } };
        const response = await fetch(`${url}?i=${n}`, init);
        await response.text();
      }
      return performance.now() - start;
    },
    { kind, url, first, count },
  );
}

/**
 * Waits in an extension page until the tab's log has stored `count` exchanges. Written as a string: tsx would
 * wrap the named inner functions of an evaluated function in a helper the page does not have.
 */
const SETTLE_SCRIPT = `({ key, count }) => new Promise((resolve, reject) => {
  const done = (value) => (value && typeof value.seq === 'number' ? value.seq : 0) >= count;
  const timeout = setTimeout(() => reject(new Error(key + ': ' + count + ' exchanges not stored in 5 s')), 5000);
  const listener = (changes) => { if (changes[key] && done(changes[key].newValue)) finish(); };
  const finish = () => {
    clearTimeout(timeout);
    chrome.storage.session.onChanged.removeListener(listener);
    resolve();
  };
  chrome.storage.session.onChanged.addListener(listener);
  chrome.storage.session.get(key).then((items) => { if (done(items[key])) finish(); });
})`;

function settler(probe: Page, tabId: number): (count: number) => Promise<void> {
  return async (count) => {
    await probe.evaluate(`(${SETTLE_SCRIPT})(${JSON.stringify({ key: `tab:${tabId}`, count })})`);
  };
}

/**
 * A copy of the built extension with background capture required, as if granted before the extension loaded:
 * `webRequest` and the step-up API hosts it observes (webRequest sees only hosts the extension may access).
 */
async function backgroundCaptureBuild(dir: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'stepup-bench-bgcapture-'));
  await cp(dir, copy, { recursive: true });
  const path = join(copy, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as {
    permissions: string[];
    optional_permissions?: string[];
    host_permissions?: string[];
    optional_host_permissions?: string[];
  };
  const hosts = new Set(BACKGROUND_CAPTURE_HOSTS);
  manifest.permissions = [...manifest.permissions, ...BACKGROUND_CAPTURE_PERMISSIONS];
  manifest.optional_permissions = (manifest.optional_permissions ?? []).filter((p) => p !== 'webRequest');
  manifest.host_permissions = [...(manifest.host_permissions ?? []), ...hosts];
  manifest.optional_host_permissions = (manifest.optional_host_permissions ?? []).filter(
    (h) => !hosts.has(h),
  );
  await writeFile(path, JSON.stringify(manifest, null, 2));
  return copy;
}

async function measureKind(
  runners: Runner[],
  kind: Kind,
  url: string,
  rounds: number,
  log: (m: string) => void,
): Promise<Map<Variant, number[]>> {
  for (const r of runners) r.times = [];
  const one = async (r: Runner, n: number, timed: boolean) => {
    if (kind === 'session' && r.renew && r.inTab + PER_TURN > CAPTURES_PER_TAB) await r.renew();
    const t = await timedFetches(r.page, kind, url, n * PER_TURN, PER_TURN);
    if (timed) r.times.push(t);
    if (r.settle && kind === 'session') {
      r.captured += PER_TURN;
      await r.settle((r.inTab += PER_TURN)).catch((error: unknown) => {
        throw new Error(`${r.variant} page, ${r.captured} captures in all: ${String(error)}`);
      });
    }
  };
  // Warm-up: connections, JIT, every worker awake.
  for (let i = 0; i < 10; i += 1) for (const r of runners) await one(r, 1_000_000 + i, false);
  for (let round = 0; round < rounds; round += 1) {
    const rotated = runners.map((_, i) => runners[(i + round) % runners.length] as Runner);
    for (const r of Math.floor(round / runners.length) % 2 === 0 ? rotated : rotated.reverse())
      await one(r, round, true);
  }
  const base = runners.find((r) => r.variant === 'bare') as Runner;
  const ratios = new Map<Variant, number[]>();
  for (const r of runners)
    ratios.set(
      r.variant,
      r.times.map((t, i) => t / (base.times[i] as number)),
    );
  log(
    `${kind}: ${rounds} rounds of ${PER_TURN} fetches; median per fetch ${runners.map((r) => `${r.variant} ${(median([...r.times]) / PER_TURN).toFixed(2)} ms`).join(', ')}`,
  );
  return ratios;
}

function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return `IQR ${q(0.25).toFixed(3)}–${q(0.75).toFixed(3)}`;
}

export const hookOverheadMeasure: BenchMeasure = {
  id: 'hook',
  title: 'Extension overhead on the inspected page (Chromium)',
  async run({ quick, build, log }): Promise<Figure[]> {
    const bench = await browserBench(log, build);
    const fetches = quick ? 400 : 2_000;
    const rounds = fetches / PER_TURN;
    const args = [
      `--host-resolver-rules=MAP ${SESSION_DOMAIN} 127.0.0.1:${bench.emulator.port}`,
      '--ignore-certificate-errors',
    ];
    const bgDir = await backgroundCaptureBuild(await extensionDir(log, build));
    const browsers: LaunchedChromium[] = [];
    const pages: Page[] = [];
    try {
      const bare = await launchChromium({ headless: true, extensionPath: null, args });
      browsers.push(bare);
      const bare2 = await launchChromium({ headless: true, extensionPath: null, args });
      browsers.push(bare2);
      const background = await launchChromium({ headless: true, extensionPath: bgDir, args });
      browsers.push(background);
      if (!background.extensionId) throw new Error('the background-capture build did not start');
      // Every measured page is the active tab of a window of its own, as an inspected page is.
      const open = async (context: LaunchedChromium['context'], url: string, own = true) => {
        const page = own ? await openWindow(context, url) : await openTab(context, url);
        pages.push(page);
        return page;
      };
      const unhookedPage = await open(bench.context, `${bench.plainOrigin}/`);
      let hookedTabs = 0;
      const hookedUrl = () => `${bench.hookedOrigin}/?tab=${(hookedTabs += 1)}`;
      const hookedPage = await open(bench.context, hookedUrl());
      const barePage = await open(bare.context, `${bench.hookedOrigin}/`);
      const bare2Page = await open(bare2.context, `${bench.hookedOrigin}/`);
      // The probe first, so that the measured page is the focused window of its browser, as in the others.
      const bgProbe = await open(
        background.context,
        `chrome-extension://${background.extensionId}/${PANEL_PATH}`,
      );
      // Background capture alone: the hook, on by default on this loopback origin, switched off there.
      const off = (await bgProbe.evaluate(
        (origin) => chrome.runtime.sendMessage({ v: 1, type: 'setHook', origin, enabled: false }),
        bench.plainOrigin,
      )) as { ok?: boolean };
      if (off.ok !== true) throw new Error(`could not switch the hook off: ${JSON.stringify(off)}`);
      const bgPage = await open(background.context, `${bench.plainOrigin}/`);
      const hookIn = (p: Page) =>
        p.evaluate(() => (window as { __stepupHook?: boolean }).__stepupHook === true);
      const present = await Promise.all([hookedPage, unhookedPage, barePage, bgPage].map(hookIn));
      if (present.join() !== 'true,false,false,false')
        throw new Error(
          `page hook present in hooked / unhooked / bare / background pages: ${present.join()}`,
        );
      const hooked: Runner = {
        variant: 'hooked',
        page: hookedPage,
        settle: settler(bench.probe, await bench.tabIdOf(hookedPage)),
        captured: 0,
        inTab: 0,
        times: [],
        async renew() {
          const old = hooked.page;
          // Opened last, the new window is the focused one of its browser, as the old one was.
          hooked.page = await open(bench.context, hookedUrl());
          if (!(await hookIn(hooked.page))) throw new Error('no page hook in the renewed hooked page');
          hooked.settle = settler(bench.probe, await bench.tabIdOf(hooked.page));
          hooked.inTab = 0;
          // Its tab's log goes with it (the worker forgets closed tabs): the storage quota stays far.
          await old.close();
        },
      };
      const runners: Runner[] = [
        hooked,
        { variant: 'bare', page: barePage, captured: 0, inTab: 0, times: [] },
        { variant: 'bare2', page: bare2Page, captured: 0, inTab: 0, times: [] },
        { variant: 'unhooked', page: unhookedPage, captured: 0, inTab: 0, times: [] },
        {
          variant: 'background',
          page: bgPage,
          settle: settler(bgProbe, await tabIdOf(background.context, background.extensionId, bgPage)),
          captured: 0,
          inTab: 0,
          times: [],
        },
      ];
      // Relative: each page fetches its own origin's app API (both page servers serve it).
      const app = await measureKind(runners, 'app', '/api/data', rounds, log);
      const session = await measureKind(
        runners,
        'session',
        `${bench.sessionApi}/password/compliancy`,
        rounds,
        log,
      );
      const hookedRunner = runners[0] as Runner;
      const backgroundRunner = runners.find((r) => r.variant === 'background') as Runner;
      const m = (ratios: Map<Variant, number[]>, v: Variant) => median([...(ratios.get(v) as number[])]);
      const n = `${fetches.toLocaleString('en')} fetches each`;
      return [
        {
          id: 'hook.app.ratio',
          label: `page hook, non-session fetches (${n}), with / without the extension`,
          unit: 'ratio',
          measured: m(app, 'hooked'),
          budget: 1.02,
          note: `median of ${rounds} per-round ratios (${PER_TURN} fetches each), ${spread(app.get('hooked') as number[])}`,
        },
        {
          id: 'hook.session.ratio',
          label: `page hook, session-API fetches, bodies read (${n}), with / without the extension`,
          unit: 'ratio',
          measured: m(session, 'hooked'),
          budget: 1.05,
          note: `${spread(session.get('hooked') as number[])}; ${hookedRunner.captured.toLocaleString('en')} exchanges captured by the hook, each stored before the next fetch, in ${hookedTabs} tabs (the page budget is per tab)`,
        },
        {
          id: 'hook.unhooked.app_ratio',
          label: 'extension present, hook off: non-session fetches, with / without',
          unit: 'ratio',
          measured: m(app, 'unhooked'),
          note: spread(app.get('unhooked') as number[]),
        },
        {
          id: 'hook.unhooked.session_ratio',
          label: 'extension present, hook off: session-API fetches, with / without',
          unit: 'ratio',
          measured: m(session, 'unhooked'),
          note: spread(session.get('unhooked') as number[]),
        },
        {
          id: 'hook.background.app_ratio',
          label: 'background capture on (webRequest): non-session fetches, with / without',
          unit: 'ratio',
          measured: m(app, 'background'),
          note: `${spread(app.get('background') as number[])}; opt-in (docs/performance.md)`,
        },
        {
          id: 'hook.background.session_ratio',
          label: 'background capture on (webRequest): session-API fetches, with / without',
          unit: 'ratio',
          measured: m(session, 'background'),
          note: `${spread(session.get('background') as number[])}; ${backgroundRunner.captured.toLocaleString('en')} exchanges captured by webRequest`,
        },
        {
          id: 'hook.instance.app_ratio',
          label: 'two Chromiums without the extension, one against the other: non-session fetches',
          unit: 'ratio',
          measured: m(app, 'bare2'),
          note: `how far two browser instances differ in this run, with no extension code involved; ${spread(app.get('bare2') as number[])}`,
        },
        {
          id: 'hook.instance.session_ratio',
          label: 'two Chromiums without the extension, one against the other: session-API fetches',
          unit: 'ratio',
          measured: m(session, 'bare2'),
          note: spread(session.get('bare2') as number[]),
        },
      ];
    } finally {
      for (const page of pages) await page.close().catch(() => undefined);
      for (const b of browsers) await b.close().catch(() => undefined);
      await rm(bgDir, { recursive: true, force: true });
    }
  },
};
