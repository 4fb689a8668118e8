/**
 * What the page hook costs the inspected page, in one Chromium with the extension. Fetch loops timed inside
 * the pages with performance.now(), three variants interleaved block by block:
 *
 * - hooked: `window.fetch` of a page on a loopback origin where the hook is registered (setHook): the hook's
 *   wrapper, and for session-API calls its clone, body read and message to the relay and worker;
 * - native: the same page, the same origin, at the same moment, but the `fetch` of a same-origin
 *   `about:blank` iframe, which the hook (top frame only) does not wrap. Everything else is shared: renderer,
 *   extension, webRequest observer, worker. hooked / native is the page hook's cost: the budgeted figures.
 * - off-the-record: the same URL in an off-the-record context of the same browser, where the extension is
 *   not enabled at all. hooked / off-the-record is the whole extension's cost (hook + webRequest observer +
 *   worker), reported for context only: the two profiles also differ in their HTTP cache backend.
 *
 * Blocks alternate round after round (the order rotates and reverses every round), with a short pause between
 * blocks so one variant's trailing work does not land in the next one's timing; each figure is the median of
 * the per-round ratios, so drifts in machine load (this machine is shared) hit all variants alike.
 *
 * Non-session fetches leave no trailing work behind (the hook only looks at the URL and the headers, then
 * calls through), so their budgeted ratio is measured more finely: 2,000 pairs of one hooked and one native
 * fetch, back to back in the same page (order alternating ABBA), the figure being the median of the 2,000 pair
 * ratios. Per-round block ratios on this shared machine spread over ±15%, too wide to resolve a 2% budget in
 * 80 rounds; adjacent pairs share the same moment's load.
 *
 * Non-session fetches: same-origin GETs of a ~1 KB JSON body from the loopback page server, every other one
 * with an `accept` header in `init` (so the hook's look at init headers is exercised too), body read.
 * Session-API fetches: `GET /v1/session/password/compliancy` on the emulator (cross-origin, credentials
 * included as the SDK does), body read; the hook reads its own copy and posts it.
 */
import type { Page } from 'playwright-core';
import { median, type BenchMeasure, type Figure } from '../types.ts';
import { browserBench, openTab } from './harness.ts';

type Kind = 'app' | 'session';
type Variant = 'hooked' | 'native' | 'offTheRecord';

interface BlockArgs {
  kind: Kind;
  count: number;
  appUrl: string;
  sessionUrl: string;
  offset: number;
  /** Use the iframe's (unwrapped) fetch instead of the page's. */
  native: boolean;
}

/** Adds the same-origin about:blank iframe whose fetch the hook does not wrap. */
async function addNativeFrame(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const frame = document.createElement('iframe');
    frame.src = 'about:blank';
    frame.style.display = 'none';
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    await loaded;
    (window as { __nativeFetch?: typeof fetch }).__nativeFetch = (
      frame.contentWindow as Window & typeof globalThis
    ).fetch.bind(frame.contentWindow);
  });
}

/** Runs `count` sequential fetches in the page; returns the elapsed ms (page clock). */
function runBlock(page: Page, args: BlockArgs): Promise<number> {
  return page.evaluate(async ({ kind, count, appUrl, sessionUrl, offset, native }) => {
    const f = native ? ((window as { __nativeFetch?: typeof fetch }).__nativeFetch as typeof fetch) : fetch;
    const start = performance.now();
    for (let i = 0; i < count; i += 1) {
      const n = offset + i;
      const response =
        kind === 'app'
          ? await f(`${appUrl}?i=${n}`, n % 2 === 0 ? undefined : { headers: { accept: 'application/json' } })
          : await f(`${sessionUrl}?i=${n}`, {
              credentials: 'include',
              headers: { accept: 'application/json' },
            });
      await response.text();
    }
    const elapsed = performance.now() - start;
    // Let this block's trailing work (the hook's last message) settle outside the timing.
    await new Promise((resolve) => setTimeout(resolve, 15));
    return elapsed;
  }, args);
}

/** `count` pairs of back-to-back hooked and native fetches; per-fetch times (page clock). */
function runPairs(
  page: Page,
  appUrl: string,
  offset: number,
  count: number,
): Promise<{ hooked: number[]; native: number[] }> {
  return page.evaluate(
    async ({ appUrl, offset, count }) => {
      const nativeFetch = (window as { __nativeFetch?: typeof fetch }).__nativeFetch as typeof fetch;
      const hooked: number[] = [];
      const native: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const n = offset + i;
        const init = n % 2 === 0 ? undefined : { headers: { accept: 'application/json' } };
        // ABBA: hooked first in pairs 0 and 3 of every four, native first in 1 and 2.
        const hookedFirst = n % 4 === 0 || n % 4 === 3;
        for (const useHook of hookedFirst ? [true, false] : [false, true]) {
          const start = performance.now();
          const response = await (useHook ? fetch : nativeFetch)(
            `${appUrl}?p=${n}&h=${useHook ? 1 : 0}`,
            init,
          );
          await response.text();
          (useHook ? hooked : native).push(performance.now() - start);
        }
      }
      return { hooked, native };
    },
    { appUrl, offset, count },
  );
}

interface Runner {
  variant: Variant;
  page: Page;
  native: boolean;
  times: number[];
}

interface KindResult {
  hookRatios: number[];
  extensionRatios: number[];
  webRequestRatios: number[];
  perFetch: Record<Variant, number>;
}

async function measureKind(
  runners: Runner[],
  kind: Kind,
  total: number,
  rounds: number,
  urls: { app: string; session: string },
  log: (m: string) => void,
): Promise<KindResult> {
  const block = Math.ceil(total / rounds);
  for (const r of runners) r.times = [];
  const args = (r: Runner, offset: number, count: number): BlockArgs => ({
    kind,
    count,
    appUrl: urls.app,
    sessionUrl: urls.session,
    offset,
    native: r.native,
  });
  // Warm-up: connections, JIT, the worker awake.
  for (const r of runners) await runBlock(r.page, args(r, 1_000_000, 40));
  for (let round = 0; round < rounds; round += 1) {
    const rotated = runners.map((_, i) => runners[(i + round) % runners.length] as Runner);
    const order = round % 2 === 0 ? rotated : rotated.reverse();
    for (const r of order) {
      await r.page.bringToFront();
      r.times.push(await runBlock(r.page, args(r, round * block, block)));
    }
  }
  const by = (v: Variant) => runners.find((r) => r.variant === v) as Runner;
  const ratios = (a: Runner, b: Runner) => a.times.map((t, i) => t / (b.times[i] as number));
  const perFetch = (v: Variant) => median([...by(v).times]) / block;
  const result: KindResult = {
    hookRatios: ratios(by('hooked'), by('native')),
    extensionRatios: ratios(by('hooked'), by('offTheRecord')),
    webRequestRatios: ratios(by('native'), by('offTheRecord')),
    perFetch: {
      hooked: perFetch('hooked'),
      native: perFetch('native'),
      offTheRecord: perFetch('offTheRecord'),
    },
  };
  log(
    `${kind}: ${rounds} rounds × ${block} fetches per variant; median per fetch: hooked ${result.perFetch.hooked.toFixed(2)} ms, native ${result.perFetch.native.toFixed(2)} ms, off-the-record ${result.perFetch.offTheRecord.toFixed(2)} ms`,
  );
  return result;
}

function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return `IQR ${q(0.25).toFixed(3)}–${q(0.75).toFixed(3)}`;
}

export const hookOverheadMeasure: BenchMeasure = {
  id: 'hook',
  title: 'Page hook overhead (Chromium)',
  async run({ quick, build, log }): Promise<Figure[]> {
    const bench = await browserBench(log, build);
    const total = quick ? 400 : 2_000;
    const rounds = quick ? 16 : 80;
    const incognito = await bench.chromium.context.browser()?.newContext();
    if (!incognito) throw new Error('no browser to open an off-the-record context in');
    const hookedPage = await openTab(bench.context, `${bench.hookedOrigin}/`);
    const otrPage = await openTab(incognito, `${bench.hookedOrigin}/`);
    try {
      await addNativeFrame(hookedPage);
      const present = await Promise.all(
        [hookedPage, otrPage].map((p) =>
          p.evaluate(() => (window as { __stepupHook?: boolean }).__stepupHook === true),
        ),
      );
      if (present.join() !== 'true,false')
        throw new Error(`page hook present in the hooked / off-the-record page: ${present.join()}`);
      const runners: Runner[] = [
        { variant: 'hooked', page: hookedPage, native: false, times: [] },
        { variant: 'native', page: hookedPage, native: true, times: [] },
        { variant: 'offTheRecord', page: otrPage, native: false, times: [] },
      ];
      const urls = {
        app: `${bench.hookedOrigin}/api/data`,
        session: `${bench.sessionApi}/password/compliancy`,
      };
      // Non-session: the budgeted pairs, then the blocks for the whole-extension comparison (half as many).
      await runPairs(hookedPage, urls.app, 1_000_000, 40); // warm-up
      const pairs = { hooked: [] as number[], native: [] as number[] };
      for (let done = 0; done < total; done += 250) {
        const chunk = await runPairs(hookedPage, urls.app, done, Math.min(250, total - done));
        pairs.hooked.push(...chunk.hooked);
        pairs.native.push(...chunk.native);
      }
      const pairRatios = pairs.hooked.map((t, i) => t / (pairs.native[i] as number));
      log(
        `app: ${total} pairs; median per fetch hooked ${median([...pairs.hooked]).toFixed(2)} ms, native ${median([...pairs.native]).toFixed(2)} ms`,
      );
      const app = await measureKind(runners, 'app', total / 2, rounds / 2, urls, log);
      const session = await measureKind(runners, 'session', total, rounds, urls, log);
      const captured = await bench.probe.evaluate(
        async (id) => {
          const state = (await chrome.storage.session.get(`tab:${id}`))[`tab:${id}`] as
            { ids?: string[] } | undefined;
          return state?.ids?.length ?? 0;
        },
        await bench.tabIdOf(hookedPage),
      );
      const n = `${total.toLocaleString('en')} fetches each`;
      return [
        {
          id: 'hook.app.ratio',
          label: `page hook, non-session fetches (${n}), hooked / native`,
          unit: 'ratio',
          measured: median([...pairRatios]),
          budget: 1.02,
          note: `median of ${total} back-to-back pair ratios, ${spread(pairRatios)}; ${median([...pairs.native]).toFixed(2)} ms per fetch native; in ${rounds / 2} rounds of blocks: ${median([...app.hookRatios]).toFixed(3)}×, ${spread(app.hookRatios)}`,
        },
        {
          id: 'hook.session.ratio',
          label: `page hook, session-API fetches, bodies read (${n}), hooked / native`,
          unit: 'ratio',
          measured: median([...session.hookRatios]),
          budget: 1.05,
          note: `median of ${rounds} per-round ratios, ${spread(session.hookRatios)}; ${session.perFetch.native.toFixed(2)} ms per fetch native; ${captured.toLocaleString('en')} exchanges in the tab's log`,
        },
        {
          id: 'hook.app.extension_ratio',
          label: 'whole extension, non-session fetches, with / off-the-record',
          unit: 'ratio',
          measured: median([...app.extensionRatios]),
          note: `hook + webRequest observer + worker; without the hook (native fetch) ${median([...app.webRequestRatios]).toFixed(3)}×; ${spread(app.extensionRatios)}`,
        },
        {
          id: 'hook.session.extension_ratio',
          label: 'whole extension, session-API fetches, with / off-the-record',
          unit: 'ratio',
          measured: median([...session.extensionRatios]),
          note: `without the hook (native fetch) ${median([...session.webRequestRatios]).toFixed(3)}×; ${spread(session.extensionRatios)}`,
        },
      ];
    } finally {
      await hookedPage.close().catch(() => undefined);
      await otrPage.close().catch(() => undefined);
      await incognito.close().catch(() => undefined);
    }
  },
};
