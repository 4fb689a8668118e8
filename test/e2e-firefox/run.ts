/**
 * End-to-end tests of the Firefox build (dist-firefox/) in Debian's Firefox ESR, headless, driven over WebDriver
 * BiDi by puppeteer-core, against the local stack (Session API emulator + demo app on the real Prelude SDK).
 *
 *   npm run test:e2e:firefox     (ensure-firefox, build:firefox, then this file)
 *
 * A plain runner: one line per test (`PASS name (ms)`, or `FAIL name` and the error), then `N passed, M failed`;
 * the exit code is non-zero when anything failed. FIREFOX_PATH picks the browser (scripts/ensure-firefox.mjs).
 * STEPUP_E2E_FIREFOX_ONLY=<text> runs only the tests whose name contains it.
 *
 * Each test gets a blank emulator and demo tabs in a fresh Firefox container (user context: own cookies and
 * storage); the add-on, its pages and its session storage are shared, as in one browser session.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { PROJECT_ROOT, startStack, type Stack } from '../../demo/stack.ts';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import { ensureFirefox } from '../../scripts/ensure-firefox.mjs';
import { OtpReader } from '../e2e/harness/otp.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BACKGROUND_CAPTURE_HOSTS,
  BACKGROUND_CAPTURE_PERMISSIONS,
  LOOPBACK_HOST_PERMISSIONS,
  PAGE_HOOK_PERMISSIONS,
} from '../../src/shared/permissions.ts';
import { backgroundState, suspendBackground } from './chrome-scope.ts';
import {
  completeTransferStepUp,
  loginWithPhone,
  openDemo,
  requestTransferStepUp,
  stepUpTransfer,
  type ReadOtp,
} from './demo-driver.ts';
import { addonToolUrl, addonTools, closeToolbox, openToolbox, selectTool, snapshotTool } from './devtools.ts';
import {
  expectCapturedAsServed,
  isSessionApi,
  readLog,
  setHook,
  tabIdOf,
  waitUntilCaughtUp,
} from './extension.ts';
import {
  ADDON_ID,
  EXTENSION_ORIGIN,
  PANEL_PATH,
  launchFirefox,
  openExtensionPage,
  waitFor,
  type ExtensionApi,
  type LaunchedFirefox,
} from './firefox.ts';
import { startHostProxy, type HostProxy } from './proxy.ts';

const EXTENSION_DIST = join(PROJECT_ROOT, 'dist-firefox');
/** Pictures the run keeps (screenshots/ is not committed). */
const SCREENSHOT_DIR = join(PROJECT_ROOT, 'screenshots', 'firefox');

interface Context {
  stack: Stack;
  browser: Browser;
  /** The add-on id Firefox reports. */
  addonId: string;
  /** The demo origin (`http://localhost:<port>`). */
  demoOrigin: string;
  otp: ReadOtp;
  /** A fresh demo tab, in a fresh container, with a unique URL. */
  newDemoPage(): Promise<Page>;
}

interface Test {
  name: string;
  run(ctx: Context): Promise<void>;
}

/**
 * Reloads the demo so the page hook, turned on after the page loaded, is in place from document start; in
 * front, since turning the hook on clicked in the probe (a background tab's frames are throttled).
 */
async function reloadDemo(page: Page): Promise<void> {
  await page.bringToFront();
  await page.reload();
  await page.waitForSelector('[data-testid="flow-login"]');
}

const tests: Test[] = [
  {
    name: 'manifest: derived for Firefox from the one manifest.json',
    async run({ addonId, browser }) {
      const read = (dir: string) =>
        JSON.parse(readFileSync(join(PROJECT_ROOT, dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      const source = read('.');
      const firefox = read('dist-firefox');
      assert.equal(firefox['key'], undefined);
      assert.equal(firefox['minimum_chrome_version'], undefined);
      assert.deepEqual(firefox['background'], { scripts: ['service-worker-loader.js'], type: 'module' });
      assert.deepEqual(firefox['browser_specific_settings'], {
        gecko: {
          id: ADDON_ID,
          strict_min_version: '128.0',
          data_collection_permissions: { required: ['none'] },
        },
      });
      assert.equal(addonId, ADDON_ID);
      assert.deepEqual(firefox['devtools_page'], source['devtools_page']);
      // Background capture (webRequest and the step-up API hosts it observes) is optional in Chrome only:
      // part of the install in Firefox, always on. The page hook's scripting is part of the install in both.
      assert.deepEqual(firefox['permissions'], [
        ...(source['permissions'] as string[]),
        ...BACKGROUND_CAPTURE_PERMISSIONS,
      ]);
      assert.deepEqual(firefox['optional_permissions'], []);
      assert.deepEqual(firefox['host_permissions'], [
        ...(source['host_permissions'] as string[]),
        ...BACKGROUND_CAPTURE_HOSTS,
      ]);
      assert.deepEqual(
        firefox['optional_host_permissions'],
        (source['optional_host_permissions'] as string[]).filter(
          (h) => !BACKGROUND_CAPTURE_HOSTS.includes(h),
        ),
      );
      // What Firefox made of it: granted at install, the page hook's scripting and loopback hosts too.
      const probe = await openExtensionPage(browser, PANEL_PATH);
      try {
        const held = await probe.evaluate(
          async (hosts, hook, loopback) => {
            const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
            return {
              capture: await api.permissions.contains({ permissions: ['webRequest'], origins: hosts }),
              hook: await api.permissions.contains({ permissions: hook, origins: loopback }),
              all: await api.permissions.getAll(),
            };
          },
          [...BACKGROUND_CAPTURE_HOSTS],
          [...PAGE_HOOK_PERMISSIONS],
          [...LOOPBACK_HOST_PERMISSIONS],
        );
        assert.equal(held.capture, true, JSON.stringify(held.all));
        assert.equal(held.hook, true, JSON.stringify(held.all));
      } finally {
        await probe.close();
      }
    },
  },
  {
    name: 'panel as a page: transfer:write with the real SDK shows its challenge lane, completed',
    async run({ browser, otp, newDemoPage }) {
      const demoPage = await newDemoPage();
      const probe = await openExtensionPage(browser, PANEL_PATH);
      const tabId = await tabIdOf(probe, demoPage.url());
      const panel = await openExtensionPage(browser, `${PANEL_PATH}?tabId=${tabId}`);
      try {
        // "From page load" is on by default on localhost: nothing to click, the demo had the hook from its load.
        const toggle = '[data-testid="hook-toggle"]';
        await waitFor('the hook toggle to show on', () =>
          panel.$eval(toggle, (el) => (el as HTMLInputElement).checked && !(el as HTMLInputElement).disabled),
        );
        await demoPage.bringToFront();

        await loginWithPhone(demoPage, otp);
        await stepUpTransfer(demoPage, otp);

        await panel.bringToFront();
        const lane = await waitFor(
          'a challenge lane with transfer:write, completed',
          () =>
            panel.evaluate(() => {
              const lanes = [...document.querySelectorAll('[data-testid="challenge-lane"]')];
              const found = lanes.find((l) => l.textContent?.includes('transfer:write'));
              return found?.textContent?.includes('completed')
                ? { text: found.textContent, status: found.getAttribute('data-status') }
                : undefined;
            }),
          20_000,
        );
        assert.match(lane.text, /transfer:write/);
        assert.match(lane.text, /completed/);
        assert.equal(lane.status, 'completed');
      } finally {
        await Promise.all([panel.close(), probe.close()]);
      }
    },
  },
  {
    name: 'capture: every session-API request served is logged once, with its DPoP proof and both bodies',
    async run({ browser, otp, newDemoPage, stack }) {
      const probe = await openExtensionPage(browser, PANEL_PATH);
      const demoPage = await newDemoPage();
      const tabId = await tabIdOf(probe, demoPage.url());
      try {
        // On localhost the hook is on from page load by default: nothing turned on.
        await demoPage.bringToFront();
        await loginWithPhone(demoPage, otp);
        await stepUpTransfer(demoPage, otp);
        await expectCapturedAsServed(probe, tabId, stack.emulator.requests, 'page-hook');
      } finally {
        await probe.close();
      }
    },
  },
  {
    name: 'page hook switched off on one port of localhost: the other port keeps it (patterns have no port: the relay stands down)',
    async run({ browser, demoOrigin, newDemoPage, stack }) {
      const probe = await openExtensionPage(browser, PANEL_PATH);
      // Another port of localhost, with a page that fetches the session API when asked.
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>other port</title><p>other port</p>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const otherOrigin = `http://localhost:${(server.address() as AddressInfo).port}`;
      const demoPage = await newDemoPage();
      const otherPage = await browser.newPage();
      const registered = () =>
        probe.evaluate(async () => {
          const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
          const scripts = await api.scripting.getRegisteredContentScripts();
          return scripts
            .map(
              (s) =>
                `${s.id} ${(s.matches ?? []).length} ${(s.excludeMatches ?? []).join()} ${s.world ?? 'ISOLATED'} ` +
                `allFrames=${String(s.allFrames)} fallback=${String((s as { matchOriginAsFallback?: boolean }).matchOriginAsFallback)} ${s.runAt ?? ''}`,
            )
            .sort();
        });
      const fetchTagged = (page: Page, tag: string) =>
        page.evaluate(
          (url) => fetch(url, { credentials: 'include' }).then((r) => r.text()),
          `https://${stack.domain}/v1/session/password/compliancy?i=${tag}`,
        );
      const sourcesOf = async (tabId: number, tag: string) =>
        (await readLog(probe, tabId)).exchanges
          .filter((x) => x.url.endsWith(`?i=${tag}`))
          .map((x) => x.sources);
      // Every frame, and the frames without a URL of their own, from document_start; read back as registered.
      const onByDefault = [
        `stepup-loopback:hook ${LOOPBACK_HOST_PERMISSIONS.length}  MAIN allFrames=true fallback=true document_start`,
        `stepup-loopback:relay ${LOOPBACK_HOST_PERMISSIONS.length}  ISOLATED allFrames=true fallback=true document_start`,
      ];
      try {
        await otherPage.goto(`${otherOrigin}/`);
        const demoTab = await tabIdOf(probe, demoPage.url());
        const otherTab = await tabIdOf(probe, otherPage.url());
        assert.deepEqual(await registered(), onByDefault);
        await setHook(probe, demoOrigin, false);
        // Firefox cannot leave one port out of a pattern: the registrations stay as they are.
        assert.deepEqual(await registered(), onByDefault);
        await reloadDemo(demoPage);
        await fetchTagged(demoPage, 'switched-off-port');
        await otherPage.bringToFront();
        await otherPage.reload();
        await fetchTagged(otherPage, 'other-port');
        // webRequest (always on in Firefox) sees both; the hook only the port where it is on.
        await waitFor('the other port captured by its hook', async () => {
          const sources = await sourcesOf(otherTab, 'other-port');
          return sources.length === 1 && sources[0]?.includes('page-hook') ? sources : undefined;
        });
        const off = await waitFor('the switched-off port captured by webRequest', async () => {
          const sources = await sourcesOf(demoTab, 'switched-off-port');
          return sources.length === 1 ? sources : undefined;
        });
        assert.deepEqual(off, [['webrequest']]);
        assert.equal(
          await demoPage.evaluate(() => (window as { __stepupHook?: boolean }).__stepupHook === true),
          true,
          'Firefox injected the hook (it cannot leave the port out); it stood down',
        );
      } finally {
        await setHook(probe, demoOrigin, true, await tabIdOf(probe, demoPage.url()));
        await Promise.all([probe.close(), otherPage.close()]);
        server.close();
      }
    },
  },
  {
    name: 'event page: nothing lost or duplicated when Firefox suspends the background between the steps of a flow',
    async run({ browser, otp, newDemoPage, stack, addonId }) {
      const probe = await openExtensionPage(browser, PANEL_PATH);
      const demoPage = await newDemoPage();
      const tabId = await tabIdOf(probe, demoPage.url());
      try {
        await reloadDemo(demoPage);
        // Firefox suspends an event page that has been idle (30 s without events): here, as soon as the page's
        // traffic has stopped for half a second and the log has caught up with it. (Suspending it in the middle
        // of handling an event is not what Firefox does, and can lose that event: see the report.)
        const suspend = async () => {
          for (let served = -1; served !== stack.emulator.requests.length;) {
            served = stack.emulator.requests.length;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          await waitUntilCaughtUp(probe, tabId, stack.emulator.requests, 'page-hook');
          assert.equal(await suspendBackground(browser, addonId), 'stopped');
        };
        await suspend();
        await loginWithPhone(demoPage, otp);
        // The requests woke it (webRequest and runtime.onMessage listeners registered at top level persist).
        await waitFor('the event page to run again', async () =>
          (await backgroundState(browser, addonId)) === 'running' ? true : undefined,
        );
        await suspend();
        await requestTransferStepUp(demoPage);
        await suspend();
        await completeTransferStepUp(demoPage, otp);
        await suspend();
        await expectCapturedAsServed(probe, tabId, stack.emulator.requests, 'page-hook');
        // Each start checked the page hook's registrations: the last one (asking woke the background again)
        // found nothing to repair.
        const repairs = await waitFor('the background to have checked the registrations', () =>
          probe.evaluate(async () => {
            const api = (
              globalThis as unknown as { browser: { runtime: { getBackgroundPage(): Promise<Window> } } }
            ).browser;
            const page = (await api.runtime.getBackgroundPage()) as Window & {
              __stepupHookRepairs?: unknown;
            };
            return page.__stepupHookRepairs;
          }),
        );
        assert.deepEqual(repairs, { registered: [], updated: [], removed: [] });
      } finally {
        await probe.close();
      }
    },
  },
  {
    name: 'DevTools (Console shown, Network panel never opened): the Step-Up tool loads and devtools.network supplies the bodies',
    async run({ browser, otp, newDemoPage, stack, demoOrigin }) {
      const demoPage = await newDemoPage();
      const url = demoPage.url();
      const probe = await openExtensionPage(browser, PANEL_PATH);
      // DevTools alone brings the bodies here: the page hook, on by default on localhost, switched off.
      await setHook(probe, demoOrigin, false);
      try {
        await reloadDemo(demoPage);
        const tabId = await tabIdOf(probe, url);
        await openToolbox(browser, url, 'webconsole');
        // The DevTools page ran: it added its network listener, then the Step-Up tool.
        const tool = await waitFor('the Step-Up tool in the toolbox', async () => {
          const tools = (await addonTools(browser, url)).filter((t) => t.label === 'Step-Up');
          return tools.length === 1 ? tools[0] : undefined;
        });
        // Its page path is resolved from the extension root (Firefox resolves it from the DevTools page).
        await selectTool(browser, url, tool.id);
        const panelUrl = await waitFor('the Step-Up tool to load its page', async () => {
          const loaded = await addonToolUrl(browser, url, tool.id);
          return loaded.startsWith(EXTENSION_ORIGIN) ? loaded : undefined;
        });
        assert.equal(panelUrl, `${EXTENSION_ORIGIN}/${PANEL_PATH}`);
        await openToolbox(browser, url, 'webconsole');

        await demoPage.bringToFront();
        await loginWithPhone(demoPage, otp);
        await stepUpTransfer(demoPage, otp);
        // No page hook: the bodies come from the DevTools network log, merged with webRequest's capture.
        const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, 'devtools');
        const posts: HttpExchange[] = log.exchanges.filter((x) => isSessionApi(x) && x.method === 'POST');
        assert.ok(posts.length > 0 && posts.every((x) => !x.sources.includes('page-hook')));
        assert.equal((await readLog(probe, tabId)).state?.rejected ?? 0, 0);

        // A picture of the Step-Up panel inside DevTools, for people (its DOM is out of reach, see devtools.ts).
        await selectTool(browser, url, tool.id);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const shot = join(SCREENSHOT_DIR, 'devtools-panel.png');
        writeFileSync(shot, await snapshotTool(browser, url, tool.id));
        console.log(`  screenshot of the Step-Up panel in Firefox DevTools: ${shot}`);
      } finally {
        await closeToolbox(browser, url);
        await setHook(probe, demoOrigin, true, await tabIdOf(probe, url));
        await probe.close();
      }
    },
  },
];

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `\n  cause: ${error.cause.message}` : '';
  return `${error.stack ?? error.message}${cause}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  if (!existsSync(join(EXTENSION_DIST, 'manifest.json'))) {
    console.error(
      'dist-firefox/ holds no build: run `npm run build:firefox` (or `npm run test:e2e:firefox`).',
    );
    return 1;
  }
  const only = process.env['STEPUP_E2E_FIREFOX_ONLY'];
  const selected = only ? tests.filter((t) => t.name.includes(only)) : tests;
  if (selected.length === 0) {
    console.error(`No test name contains STEPUP_E2E_FIREFOX_ONLY=${only}.`);
    return 1;
  }
  const executablePath = ensureFirefox();
  let stack: Stack | undefined;
  let proxy: HostProxy | undefined;
  let firefox: LaunchedFirefox | undefined;
  let passed = 0;
  let failed = 0;
  try {
    stack = await startStack({ quiet: true });
    proxy = await startHostProxy({ [stack.domain]: stack.emulator.port });
    firefox = await launchFirefox({ executablePath, extensionPath: EXTENSION_DIST, pacUrl: proxy.pacUrl });
    console.log(
      `${firefox.version}, add-on ${firefox.addonId} at ${EXTENSION_ORIGIN}/, demo ${stack.demoUrl}, ` +
        `ready in ${Date.now() - started} ms`,
    );
    const liveStack = stack;
    const browser = firefox.browser;
    const otpReader = new OtpReader(() => liveStack.emulator.inbox);
    let run = 0;
    let containers: BrowserContext[] = [];
    const ctx: Context = {
      stack,
      browser,
      addonId: firefox.addonId,
      demoOrigin: new URL(stack.demoUrl).origin,
      otp: async (query) => (await otpReader.next(query)).code,
      async newDemoPage() {
        const container = await browser.createBrowserContext();
        containers.push(container);
        const page = await container.newPage();
        await openDemo(page, `${liveStack.demoUrl}?run=${++run}`);
        return page;
      },
    };
    for (const test of selected) {
      liveStack.emulator.reset();
      otpReader.forget();
      const t0 = Date.now();
      try {
        await test.run(ctx);
        passed += 1;
        console.log(`PASS ${test.name} (${Date.now() - t0} ms)`);
      } catch (error) {
        failed += 1;
        console.log(`FAIL ${test.name} (${Date.now() - t0} ms)`);
        console.log(describe(error));
      } finally {
        await Promise.all(containers.map((c) => c.close().catch(() => undefined)));
        containers = [];
      }
    }
  } catch (error) {
    failed += 1;
    console.log('FAIL setup (stack, proxy, Firefox, add-on)');
    console.log(describe(error));
  } finally {
    await firefox?.close().catch(() => undefined);
    await proxy?.close();
    await stack?.close();
  }
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
