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
import {
  BACKGROUND_CAPTURE_HOSTS,
  BACKGROUND_CAPTURE_PERMISSIONS,
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
      // part of the install in Firefox, always on. The page hook's scripting stays optional in both.
      assert.deepEqual(firefox['permissions'], [
        ...(source['permissions'] as string[]),
        ...BACKGROUND_CAPTURE_PERMISSIONS,
      ]);
      assert.deepEqual(firefox['optional_permissions'], [...PAGE_HOOK_PERMISSIONS]);
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
      // What Firefox made of it: granted at install, and scripting not (until the hook asks for it).
      const probe = await openExtensionPage(browser, PANEL_PATH);
      try {
        const held = await probe.evaluate(
          async (hosts) => {
            const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
            return {
              capture: await api.permissions.contains({ permissions: ['webRequest'], origins: hosts }),
              all: await api.permissions.getAll(),
            };
          },
          [...BACKGROUND_CAPTURE_HOSTS],
        );
        assert.equal(held.capture, true, JSON.stringify(held.all));
      } finally {
        await probe.close();
      }
    },
  },
  {
    name: 'panel as a page: transfer:write with the real SDK shows its challenge lane, completed',
    async run({ browser, otp, newDemoPage, demoOrigin }) {
      const demoPage = await newDemoPage();
      const probe = await openExtensionPage(browser, PANEL_PATH);
      const tabId = await tabIdOf(probe, demoPage.url());
      const panel = await openExtensionPage(browser, `${PANEL_PATH}?tabId=${tabId}`);
      try {
        // "Capture before DevTools opens", from the panel's own toolbar: the click is the user gesture that
        // Firefox's permissions.request needs; localhost is granted already (host_permissions): no prompt.
        const toggle = '[data-testid="hook-toggle"]';
        await waitFor('the hook toggle to be enabled', () =>
          panel.$eval(toggle, (el) => !(el as HTMLInputElement).disabled),
        );
        await panel.locator(toggle).click();
        await waitFor('the hook toggle to stay checked', () =>
          panel.$eval(toggle, (el) => (el as HTMLInputElement).checked && !(el as HTMLInputElement).disabled),
        );
        await demoPage.bringToFront();
        await demoPage.reload();
        await demoPage.waitForSelector('[data-testid="flow-login"]');

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
        await setHook(probe, demoOrigin, false);
        await Promise.all([panel.close(), probe.close()]);
      }
    },
  },
  {
    name: 'capture: every session-API request served is logged once, with its DPoP proof and both bodies',
    async run({ browser, otp, newDemoPage, stack, demoOrigin }) {
      const probe = await openExtensionPage(browser, PANEL_PATH);
      const demoPage = await newDemoPage();
      const tabId = await tabIdOf(probe, demoPage.url());
      await setHook(probe, demoOrigin, true, tabId);
      try {
        await reloadDemo(demoPage);
        await loginWithPhone(demoPage, otp);
        await stepUpTransfer(demoPage, otp);
        await expectCapturedAsServed(probe, tabId, stack.emulator.requests, 'page-hook');
      } finally {
        await setHook(probe, demoOrigin, false);
        await probe.close();
      }
    },
  },
  {
    name: 'page hook on two ports of one host: one relay (patterns have no port), kept until the last is off',
    async run({ browser, demoOrigin, newDemoPage, stack }) {
      const probe = await openExtensionPage(browser, PANEL_PATH);
      // Two origins on one host, each with a tab on it (the worker registers a hook only for an origin the
      // named tab is on): the demo app and the RFC 9470 demo API, on another port of localhost.
      const demoPage = await newDemoPage();
      const otherPage = await browser.newPage();
      await otherPage.goto(`${stack.rfc9470.url}/__rfc9470/health`);
      const other = new URL(stack.rfc9470.url).origin;
      const registered = () =>
        probe.evaluate(async () => {
          const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
          const scripts = await api.scripting.getRegisteredContentScripts();
          return scripts.map((s) => `${s.id} ${(s.matches ?? []).join()} ${s.world ?? 'ISOLATED'}`).sort();
        });
      try {
        await setHook(probe, demoOrigin, true, await tabIdOf(probe, demoPage.url()));
        await setHook(probe, other, true, await tabIdOf(probe, otherPage.url()));
        assert.deepEqual(
          await registered(),
          [
            `stepup-hook:${demoOrigin} http://localhost/* MAIN`,
            `stepup-hook:${other} http://localhost/* MAIN`,
            'stepup-relay:http://localhost/* http://localhost/* ISOLATED',
          ].sort(),
        );
        await setHook(probe, demoOrigin, false);
        assert.deepEqual(await registered(), [
          `stepup-hook:${other} http://localhost/* MAIN`,
          'stepup-relay:http://localhost/* http://localhost/* ISOLATED',
        ]);
        await setHook(probe, other, false);
        assert.deepEqual(await registered(), []);
      } finally {
        await setHook(probe, demoOrigin, false);
        await setHook(probe, other, false);
        await Promise.all([probe.close(), otherPage.close()]);
      }
    },
  },
  {
    name: 'event page: nothing lost or duplicated when Firefox suspends the background between the steps of a flow',
    async run({ browser, otp, newDemoPage, stack, demoOrigin, addonId }) {
      const probe = await openExtensionPage(browser, PANEL_PATH);
      const demoPage = await newDemoPage();
      const tabId = await tabIdOf(probe, demoPage.url());
      await setHook(probe, demoOrigin, true, tabId);
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
      } finally {
        await setHook(probe, demoOrigin, false);
        await probe.close();
      }
    },
  },
  {
    name: 'DevTools (Console shown, Network panel never opened): the Step-Up tool loads and devtools.network supplies the bodies',
    async run({ browser, otp, newDemoPage, stack }) {
      const demoPage = await newDemoPage();
      const url = demoPage.url();
      const probe = await openExtensionPage(browser, PANEL_PATH);
      try {
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
