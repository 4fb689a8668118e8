/**
 * The capture pipeline in real Chromium with the built extension, the emulator and the real Prelude SDK:
 * every session-API exchange the emulator served is in the tab's log exactly once, in order, with bodies
 * and DPoP headers, through service-worker restarts, and a hostile page cannot corrupt it. The demo runs on
 * localhost, where the page hook is on by default from page load: no click, DevTools never opened. Its frames
 * are captured too, and one switch per origin turns it off.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import type { TabLogState } from '../../src/shared/messages.ts';
import type { RecordedRequest } from '../../demo/emulator/recorder.ts';
import {
  allowHostsWithoutPrompt,
  demo,
  expect,
  launchChromium,
  openDevToolsPanel,
  openPanelAsTab,
  serviceWorkerOf,
  stopServiceWorker,
  tabIdOf,
  test,
  type OtpFn,
  type Stack,
} from './fixtures.ts';
import { keepScreenshot } from './panel-support.ts';

interface TabLog {
  state: TabLogState | undefined;
  exchanges: HttpExchange[];
}

/** An extension page to talk to the worker and read storage from (content scripts cannot). */
async function extensionProbe(context: BrowserContext, extensionId: string): Promise<Page> {
  const probe = await context.newPage();
  await probe.goto(`chrome-extension://${extensionId}/src/panel/panel.html`);
  return probe;
}

/**
 * Turns the page hook on or off for `origin` as the panel's switch does (the worker checks that tab `tabId`
 * is on `origin` to turn it on; a loopback origin needs no permission, it is granted at install).
 */
async function setHook(probe: Page, origin: string, enabled: boolean, tabId?: number): Promise<void> {
  const reply = await probe.evaluate(
    ([o, e, t]) => chrome.runtime.sendMessage({ v: 1, type: 'setHook', origin: o, enabled: e, tabId: t }),
    [origin, enabled, tabId] as const,
  );
  expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, hook: { origin, on: enabled } });
}

/** Where the worker says the page hook stands on `origin`. */
async function hookStatus(probe: Page, origin: string): Promise<{ on: boolean; byDefault: boolean }> {
  const reply = (await probe.evaluate(
    (o) => chrome.runtime.sendMessage({ v: 1, type: 'getHook', origin: o }),
    origin,
  )) as { hook: { origin: string; on: boolean; byDefault: boolean } };
  expect(reply.hook.origin).toBe(origin);
  return { on: reply.hook.on, byDefault: reply.hook.byDefault };
}

/**
 * Waits until the worker has registered the page hook on the loopback hosts, as it does when it first starts
 * after an install or an update (Chrome clears registered scripts when it updates an extension, and the suite's
 * `--load-extension` counts as one at every launch): a page loaded in the moment before has no hook.
 */
async function loopbackHookRegistered(probe: Page): Promise<void> {
  await expect
    .poll(() =>
      probe.evaluate(async () =>
        (await chrome.scripting.getRegisteredContentScripts())
          .map((s) => s.id)
          .filter((id) => id.startsWith('stepup-loopback:'))
          .sort(),
      ),
    )
    .toEqual(['stepup-loopback:hook', 'stepup-loopback:relay']);
}

/** Whether the page hook was injected in `page` (its guard flag, set at document_start). */
const hookIn = (page: Page) =>
  page.evaluate(() => (window as { __stepupHook?: boolean }).__stepupHook === true);

/**
 * Runs `body` with the page hook switched off for `page`'s origin (the page reloaded without it), and always
 * switches it back on, as it is by default: the browser is shared by every spec of the run.
 */
async function withHookOff(probe: Page, page: Page, tabId: number, body: () => Promise<void>): Promise<void> {
  const origin = new URL(page.url()).origin;
  await setHook(probe, origin, false);
  try {
    await page.reload();
    expect(await hookIn(page)).toBe(false);
    await body();
  } finally {
    await setHook(probe, origin, true, tabId);
  }
}

/**
 * A loopback server of the test's own (another port than the demo's): `/` an empty page, `/frame` an empty
 * page for frames, `/fetching-frame?i=<tag>` a page that fetches the session API itself (for cross-origin
 * frames, whose fetch the parent cannot call).
 */
async function startPageServer(sessionApi: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const page = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8"><title>loopback page</title></head><body>${body}</body></html>`,
      );
    };
    if (url.pathname === '/' || url.pathname === '/frame') page('<p>loopback page</p>');
    else if (url.pathname === '/fetching-frame') {
      const tag = JSON.stringify(url.searchParams.get('i') ?? '');
      page(
        `<script>fetch(${JSON.stringify(`${sessionApi}/password/compliancy`)} + '?i=' + ${tag}, { credentials: 'include' })` +
          `.then((r) => r.text()).then((t) => parent.postMessage({ fetched: ${tag}, length: t.length }, '*'));</script>`,
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The exchanges of the tab's log whose URL carries `?i=<tag>`. */
async function tagged(probe: Page, tabId: number, tag: string): Promise<HttpExchange[]> {
  return (await readLog(probe, tabId)).exchanges.filter((x) => x.url.endsWith(`?i=${tag}`));
}

/** Signs the demo out for good (cookies and the SDK's storage gone) and reloads it on its login form. */
async function forgetDemoSession(context: BrowserContext, page: Page, demoUrl: string): Promise<void> {
  await context.clearCookies();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(demoUrl).origin, storageTypes: 'all' });
  await cdp.detach();
  await page.reload();
  await page.getByTestId('login-phone').waitFor();
}

/**
 * A fresh sign-in on the demo (session forgotten first) reaches the emulator but adds nothing to the tab's
 * log: for captures that must be off.
 */
async function expectUnseenSignIn(at: {
  context: BrowserContext;
  page: Page;
  probe: Page;
  tabId: number;
  stack: Stack;
  otp: OtpFn;
}): Promise<void> {
  const before = (await readLog(at.probe, at.tabId)).exchanges.length;
  const served = at.stack.emulator.requests.length;
  await forgetDemoSession(at.context, at.page, at.stack.demoUrl);
  await demo.loginWithPhone(at.page, at.otp);
  expect(at.stack.emulator.requests.length).toBeGreaterThan(served);
  expect((await readLog(at.probe, at.tabId)).exchanges.length).toBe(before);
}

async function readLog(probe: Page, tabId: number): Promise<TabLog> {
  return probe.evaluate(async (id) => {
    const all = await chrome.storage.session.get(null);
    const state = all[`tab:${id}`] as TabLogState | undefined;
    const exchanges = (state?.ids ?? []).map((x) => all[`ex:${x}`]).filter(Boolean) as HttpExchange[];
    return { state, exchanges };
  }, tabId);
}

const apiPath = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/** The emulator's record of session-API traffic, in the order it was served. */
function served(requests: readonly RecordedRequest[]) {
  return requests.filter((r) => r.path.startsWith('/v1/session/'));
}

/**
 * Waits until the log holds one session-API exchange per served request, with every response complete.
 * Without background capture (`webRequest: false`) only the page's own requests are seen: no CORS preflights.
 */
async function expectCapturedAsServed(
  probe: Page,
  tabId: number,
  requests: readonly RecordedRequest[],
  withBodies: boolean,
  { webRequest = true }: { webRequest?: boolean } = {},
) {
  const expected = served(requests).filter((r) => webRequest || r.method !== 'OPTIONS');
  let log: TabLog = { state: undefined, exchanges: [] };
  const sessionExchanges = () => log.exchanges.filter((x) => x.url.includes('/v1/session/'));
  try {
    await expect
      .poll(
        async () => {
          log = await readLog(probe, tabId);
          const got = sessionExchanges();
          const complete = got.every(
            (x) =>
              !withBodies || x.method === 'OPTIONS' || x.status === 204 || x.responseBody.kind !== 'absent',
          );
          return complete ? got.length : -1;
        },
        { message: 'every served request captured, with response bodies', timeout: 15_000 },
      )
      .toBe(expected.length);
  } catch (error) {
    // Which request is missing (or extra) says more than the counts.
    const line = (x: { method: string; path: string; status: number }) => `${x.method} ${x.path} ${x.status}`;
    const got = sessionExchanges().map((x) =>
      line({ method: x.method, path: apiPath(x.url), status: x.status }),
    );
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\ncaptured:\n  ${got.join('\n  ')}\nserved:\n  ${expected.map(line).join('\n  ')}`,
      { cause: error },
    );
  }

  // Same requests, in the order the server finished them: webRequest dates a request before its own CORS
  // preflight, so compare by end time, the order the emulator recorded them in.
  const got = sessionExchanges()
    .slice()
    .sort((a, b) => (a.endedAt ?? a.startedAt) - (b.endedAt ?? b.startedAt));
  expect(got.map((x) => `${x.method} ${apiPath(x.url)} ${x.status}`)).toEqual(
    expected.map((r) => `${r.method} ${r.path} ${r.status}`),
  );
  for (const [i, x] of got.entries()) {
    const r = expected[i] as RecordedRequest;
    const dpop = x.requestHeaders.find((h) => h.name.toLowerCase() === 'dpop')?.value;
    expect(dpop, `DPoP header of ${x.method} ${x.url}`).toBe(r.dpop);
    if (r.body !== undefined && r.method !== 'OPTIONS' && x.requestBody.kind === 'text') {
      const sent = JSON.parse(x.requestBody.text) as Record<string, unknown>;
      // The emulator redacts password fields in its record; everything else must be what was sent.
      expect(sent).toMatchObject(JSON.parse(JSON.stringify(r.body).replace(/"\[redacted\]"/g, 'null')) ?? {});
    }
    if (withBodies && r.responseBody !== undefined) {
      expect(x.responseBody.kind, `response body of ${x.method} ${x.url}`).toBe('text');
      if (x.responseBody.kind === 'text') expect(JSON.parse(x.responseBody.text)).toEqual(r.responseBody);
    }
  }
  // Each exchange came through webRequest (the headers actually sent) and, with bodies, one body source.
  for (const x of got) {
    if (!webRequest) expect(x.sources).toEqual(['page-hook']);
    else expect(x.sources).toContain('webrequest');
    if (webRequest && withBodies && x.method !== 'OPTIONS') expect(x.sources.length).toBeGreaterThan(1);
  }
  return log;
}

/**
 * Stops the service worker as Chrome does, once it is idle: every request served so far captured by every source
 * that will report it. A forced stop in the middle of the worker's own storage write (which Chrome never does to a
 * worker handling an event) can lose that source's copy of a request; the other source still brings the exchange.
 */
async function stopWhenIdle(
  context: BrowserContext,
  probe: Page,
  tabId: number,
  requests: readonly RecordedRequest[],
  withBodies: boolean,
): Promise<void> {
  let got: HttpExchange[] = [];
  const idle = () =>
    got.length === served(requests).length &&
    got.every(
      (x) =>
        x.sources.includes('webrequest') && (!withBodies || x.method === 'OPTIONS' || x.sources.length > 1),
    );
  try {
    await expect
      .poll(
        async () => {
          got = (await readLog(probe, tabId)).exchanges.filter((x) => x.url.includes('/v1/session/'));
          return idle();
        },
        { message: 'the worker is idle: everything served so far is captured', timeout: 15_000 },
      )
      .toBe(true);
  } catch (error) {
    const line = (x: HttpExchange) => `${x.method} ${apiPath(x.url)} ${x.status} [${x.sources.join(', ')}]`;
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\ncaptured:\n  ${got.map(line).join('\n  ')}\nserved:\n  ${served(
        requests,
      )
        .map((r) => `${r.method} ${r.path} ${r.status}`)
        .join('\n  ')}`,
      { cause: error },
    );
  }
  await stopServiceWorker(context);
}

test.describe('capture', () => {
  test('on a loopback origin, from page load, DevTools never opened and no click: every session-API exchange of the transfer flow with bodies, once, in order', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    // The demo on localhost as it is: the hook is in from page load, nobody turned it on. (This can be the
    // suite's first page, opened as the browser started: loaded again once the worker's start is over.)
    await loopbackHookRegistered(probe);
    await demoPage.reload();
    expect(await hookIn(demoPage)).toBe(true);
    expect(await hookStatus(probe, new URL(demoPage.url()).origin)).toEqual({ on: true, byDefault: true });
    await demo.loginWithPhone(demoPage, otp);
    await demo.stepUpTransfer(demoPage, otp);
    expect(await demo.sendTransfer(demoPage)).toBe('ok');
    expect(await demo.sendTransfer(demoPage)).toBe('rejected');
    const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);
    const posts = log.exchanges.filter((x) => x.url.includes('/v1/session/') && x.method === 'POST');
    expect(posts.every((x) => x.sources.includes('page-hook') && !x.sources.includes('devtools'))).toBe(true);

    // The app's own protected API (bearer token) is kept too: it is where single-use grants are consumed.
    // The hook sends its captures once the page is quiet: the last one may still be on its way.
    const transfers = async () =>
      (await readLog(probe, tabId)).exchanges
        .filter((x) => x.url.endsWith('/api/transfer') && x.method === 'POST')
        .map((x) => x.status);
    await expect.poll(transfers).toEqual([200, 403]);
    expect(log.state?.dropped).toBe(0);
  });

  test('loses and duplicates nothing when the service worker is stopped in the middle of flows', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    const requests = stack.emulator.requests;
    await stopWhenIdle(context, probe, tabId, requests, true);
    await demo.loginWithPhone(demoPage, otp);
    await stopWhenIdle(context, probe, tabId, requests, true);
    await demoPage.getByTestId('transfer-request').click();
    // The step-up request answered (the page logs its challenge): nothing of it is still in flight.
    await demo.challengeEntries(demoPage, 'transfer').first().waitFor();
    await stopWhenIdle(context, probe, tabId, requests, true);
    await demo.completeOtpStep(demoPage, 'transfer', 'verify_sms', otp, { to: demo.DEMO_PHONE });
    await demo.challengeEntries(demoPage, 'transfer', 'completed').first().waitFor();
    await stopWhenIdle(context, probe, tabId, requests, true);
    expect(await demo.sendTransfer(demoPage)).toBe('ok');
    await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);
    // Each restart checked the page hook's registrations and found nothing to repair.
    const worker = await serviceWorkerOf(context, extensionId as string);
    await expect
      .poll(() =>
        worker.evaluate(() => (globalThis as { __stepupHookRepairs?: unknown }).__stepupHookRepairs),
      )
      .toEqual({ registered: [], updated: [], removed: [] });
  });

  test('webRequest alone captures headers and statuses when neither DevTools nor the hook is there', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    await withHookOff(probe, demoPage, tabId, async () => {
      await demo.loginWithPhone(demoPage, otp);
      await stopWhenIdle(context, probe, tabId, stack.emulator.requests, false);
      await demo.stepUpTransfer(demoPage, otp);
      const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, false);
      expect(
        log.exchanges
          .filter((x) => x.url.includes('/v1/session/'))
          .every((x) => x.sources.join() === 'webrequest'),
      ).toBe(true);
    });
  });

  test('as installed (background capture off), the hook alone brings headers and bodies on localhost; switched off, nothing is seen without DevTools', async ({
    extensionPath,
    stack,
    otp,
  }) => {
    test.skip(!extensionPath, 'needs the built extension (npm run build)');
    // A browser of its own, as installed: the shared one runs with background capture on.
    stack.emulator.reset();
    const own = await launchChromium({ headless: true, extensionPath, args: stack.chromiumArgs });
    try {
      const id = own.extensionId as string;
      const probe = await extensionProbe(own.context, id);
      expect(await probe.evaluate(() => chrome.permissions.contains({ permissions: ['webRequest'] }))).toBe(
        false,
      );
      // Nothing asked, nothing clicked: the worker registers the page hook when it first starts.
      await loopbackHookRegistered(probe);
      const page = await own.context.newPage();
      await demo.openDemo(page, `${stack.demoUrl}?run=background-off`);
      const tabId = await tabIdOf(own.context, id, page);
      expect(await hookIn(page)).toBe(true);
      await demo.loginWithPhone(page, otp);
      await demo.stepUpTransfer(page, otp);
      await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true, { webRequest: false });
      // Switched off for the demo's origin: a fresh sign-in (the page reloaded) adds nothing to the log.
      await setHook(probe, new URL(stack.demoUrl).origin, false);
      await expectUnseenSignIn({ context: own.context, page, probe, tabId, stack, otp });
      expect(await hookIn(page)).toBe(false);
    } finally {
      await own.close();
    }
  });

  test('background capture from the toolbar: granted with "restart needed", in effect after a restart, then off again', async ({
    extensionPath,
    stack,
    otp,
  }, testInfo) => {
    test.skip(!extensionPath, 'needs the built extension (npm run build)');
    stack.emulator.reset();
    const profileDir = await mkdtemp(join(tmpdir(), 'stepup-inspector-profile-'));
    const launch = () =>
      launchChromium({ headless: true, extensionPath, args: stack.chromiumArgs, profileDir });
    try {
      let browser = await launch();
      const id = browser.extensionId as string;
      // What only webRequest sees is checked here: the page hook, on by default on the demo's localhost, is
      // switched off for it (the switch is kept in the profile across the restart below).
      let probe = await extensionProbe(browser.context, id);
      await setHook(probe, new URL(stack.demoUrl).origin, false);
      let page = await browser.context.newPage();
      await demo.openDemo(page, `${stack.demoUrl}?run=background-toolbar`);
      expect(await hookIn(page)).toBe(false);
      let panel = await openPanelAsTab(browser.context, id, await tabIdOf(browser.context, id, page));
      const toggle = () => panel.getByTestId('background-capture-toggle');
      await expect(toggle()).not.toBeChecked();
      const hostsGranted = () =>
        panel.evaluate(() =>
          chrome.permissions.contains({
            origins: ['https://*.session.prelude.dev/*', 'https://app.dynamicauth.com/*'],
          }),
        );
      expect(await hostsGranted()).toBe(false);
      // The box asks for webRequest and the step-up API hosts in one request; the user's "Allow" to the
      // hosts' prompt is given ahead (a headless browser cannot click it).
      await allowHostsWithoutPrompt(browser.context, id, [
        'https://*.session.prelude.dev/*',
        'https://app.dynamicauth.com/*',
      ]);
      await toggle().check();
      await expect(panel.getByTestId('background-capture-pending')).toBeVisible();
      await expect(panel.getByTestId('notice')).toContainText('next start');
      expect(await hostsGranted()).toBe(true);
      await panel.setViewportSize({ width: 1280, height: 360 });
      await keepScreenshot(panel, testInfo, 'background-capture-pending');
      // Granted, but Chromium routes requests through an extension only when it loads it: nothing yet.
      let tabId = await tabIdOf(browser.context, id, page);
      await demo.loginWithPhone(page, otp);
      expect((await readLog(probe, tabId)).exchanges).toEqual([]);
      await browser.close();

      // Chrome's next start: the same profile, the permission held from the extension's load.
      stack.emulator.reset();
      browser = await launch();
      page = await browser.context.newPage();
      await demo.openDemo(page, `${stack.demoUrl}?run=background-toolbar-2`);
      expect(await hookIn(page)).toBe(false);
      tabId = await tabIdOf(browser.context, id, page);
      panel = await openPanelAsTab(browser.context, id, tabId);
      await expect(toggle()).toBeChecked();
      await expect(panel.getByTestId('background-capture-pending')).toHaveCount(0);
      probe = await extensionProbe(browser.context, id);
      await demo.loginWithPhone(page, otp);
      await expectCapturedAsServed(probe, tabId, stack.emulator.requests, false);

      // Off again: the listeners go at once (Chrome keeps routing until its next start, as the notice says).
      await toggle().uncheck();
      await expect(panel.getByTestId('notice')).toContainText('Background capture off');
      const worker = await serviceWorkerOf(browser.context, id);
      await expect
        .poll(() => worker.evaluate(() => chrome.webRequest?.onBeforeRequest.hasListeners() ?? false))
        .toBe(false);
      expect(await hostsGranted()).toBe(false);
      await expectUnseenSignIn({ context: browser.context, page, probe, tabId, stack, otp });
      await browser.close();
    } finally {
      await rm(profileDir, { recursive: true, force: true });
    }
  });

  test('with DevTools open and the page hook switched off, response bodies come from the DevTools network log', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    await withHookOff(probe, demoPage, tabId, async () => {
      const { devtools } = await openDevToolsPanel(context, demoPage, { extensionId });
      await demo.loginWithPhone(demoPage, otp);
      await demo.stepUpTransfer(demoPage, otp);
      const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);
      const posts = log.exchanges.filter((x) => x.url.includes('/v1/session/') && x.method === 'POST');
      expect(posts.every((x) => x.sources.includes('devtools') && !x.sources.includes('page-hook'))).toBe(
        true,
      );
      await devtools.close();
    });
  });

  test('a flow captured by the page hook before DevTools opened is all there when the panel opens', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    await demo.loginWithPhone(demoPage, otp);
    await demo.stepUpTransfer(demoPage, otp);
    const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);
    const stepUpRequest = log.exchanges.find((x) => x.url.endsWith('/v1/session/stepup/request'));
    expect(stepUpRequest?.sources).toEqual(expect.arrayContaining(['webrequest', 'page-hook']));

    const { panel } = await openDevToolsPanel(context, demoPage, { extensionId });
    // The panel reads the same log: everything captured before it opened is counted and drawn.
    await expect(panel.getByTestId('count-exchanges')).toHaveText(`${log.exchanges.length} captured`);
    await expect(panel.getByTestId('challenge-lane').filter({ hasText: 'transfer:write' })).toContainText(
      'completed',
    );
    // Opening DevTools must not duplicate what was captured before.
    const after = await readLog(probe, tabId);
    expect(after.exchanges.length).toBe(log.exchanges.length);
  });

  test('a hostile page cannot inject, crash or pollute: forged messages are rejected or tagged', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    await demo.loginWithPhone(demoPage, otp);
    const before = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);

    await demoPage.evaluate(() => {
      // The page can dispatch the hook's own event (and post anything anywhere).
      const type = 'stepup-inspector:hook';
      const send = (detail: unknown) => document.dispatchEvent(new CustomEvent(type, { detail }));
      const now = Date.now();
      const forged = (path: string, extra: Record<string, unknown> = {}) => ({
        method: 'POST',
        url: `https://forged.example/v1/session${path}`,
        requestHeaders: [],
        requestBody: { kind: 'absent' },
        status: 200,
        responseHeaders: [],
        responseBody: { kind: 'text', text: '{"access_token":"forged"}' },
        startedAt: now,
        sources: ['webrequest', 'devtools'],
        initiator: 'inspector',
        ...extra,
      });
      // 1. well-formed but forged: kept, tagged page-reported, cannot claim other sources or the inspector.
      send(JSON.stringify({ v: 1, exchange: forged('/refresh') }));
      // 2. malformed: rejected (bad exchange, wrong version, not JSON, not a string).
      send(JSON.stringify({ v: 1, exchange: { method: 42 } }));
      send(JSON.stringify({ v: 99, exchange: forged('/wrong-version') }));
      send('{"v":1,"exchange":');
      send({ v: 1, exchange: forged('/object-detail') });
      // 3. huge (3 MB): rejected by the relay before it reaches the worker.
      send(
        JSON.stringify({
          v: 1,
          exchange: forged('/huge', { requestBody: { kind: 'text', text: 'x'.repeat(3_000_000) } }),
        }),
      );
      // 4. prototype pollution attempts.
      send(
        `{"v":1,"exchange":${JSON.stringify(forged('/proto')).replace('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},')}}`,
      );
      // 5. a message shaped like a command: the relay only ever forwards page exchanges.
      send(JSON.stringify({ v: 1, type: 'clearLog', exchange: null }));
      // 6. the old channel: window messages are not listened to at all.
      window.postMessage({ tag: type, v: 1, exchange: forged('/post-message') }, '*');
    });

    await expect
      .poll(async () => (await readLog(probe, tabId)).state?.rejected ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(6);
    const after = await readLog(probe, tabId);
    const forged = after.exchanges.filter((x) => x.url.startsWith('https://forged.example/'));
    expect(forged.map((x) => new URL(x.url).pathname).sort()).toEqual([
      '/v1/session/proto',
      '/v1/session/refresh',
    ]);
    for (const x of forged) {
      expect(x).toMatchObject({ sources: ['page-hook'], initiator: 'page', pageReported: true });
      expect(Object.keys(x)).not.toContain('__proto__');
    }
    // The real exchanges are untouched and the log was not cleared.
    const real = after.exchanges.filter((x) => !x.url.startsWith('https://forged.example/'));
    expect(real).toEqual(before.exchanges);
    // The worker is alive and unpolluted.
    const polluted = await probe.evaluate(async () => {
      const reply = await chrome.runtime.sendMessage({ v: 1, type: 'getHookOrigins' });
      return { reply, polluted: ({} as Record<string, unknown>)['polluted'] };
    });
    expect(polluted.reply).toMatchObject({ ok: true });
    expect(polluted.polluted).toBeUndefined();
  });

  test('a hostile page cannot choose the origin of the page hook: it is the one the browser reports', async ({
    context,
    extensionId,
    demoPage,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const id = extensionId as string;
    const probe = await extensionProbe(context, id);
    const tabId = await tabIdOf(context, id, demoPage);
    const real = new URL(demoPage.url()).origin;
    const hookOrigins = async () =>
      (
        (await probe.evaluate(() => chrome.runtime.sendMessage({ v: 1, type: 'getHookOrigins' }))) as {
          hookOrigins: string[];
        }
      ).hookOrigins;
    expect(await hookOrigins()).toEqual([]);

    // Everything script run in the page could read answers "https://*": Promise (which code evaluated in
    // the page awaits), window.origin, URL, and whatever of location can be replaced.
    await demoPage.evaluate(() => {
      const lie = 'https://*';
      const settled = { then: (ok: (v: unknown) => unknown) => (ok(lie), settled) };
      const fake = Object.assign(function FakePromise() {}, {
        resolve: () => settled,
        reject: () => settled,
        all: () => settled,
      });
      Object.defineProperty(window, 'Promise', { value: fake, configurable: true, writable: true });
      Object.defineProperty(window, 'origin', { value: lie, configurable: true });
      Object.defineProperty(window, 'URL', {
        value: class {
          origin = lie;
          href = `${lie}/`;
        },
        configurable: true,
      });
      for (const name of ['origin', 'href', 'host', 'hostname', 'protocol'])
        try {
          Object.defineProperty(Location.prototype, name, { get: () => lie, configurable: true });
        } catch {
          // Unforgeable on the instance: the page cannot replace these, which is why it tries the rest.
        }
    });

    // The real DevTools panel: before this change it learned the origin by evaluating script in the page.
    const { panel } = await openDevToolsPanel(context, demoPage, { extensionId });
    const toggle = panel.getByTestId('hook-toggle');
    const label = toggle.locator('xpath=..');
    await expect(label).toHaveText('From page load');
    await expect(label).toHaveAttribute('title', new RegExp(`^On by default on this dev origin, ${real}: `));
    await expect(toggle).toBeEnabled();
    await expect(toggle).toBeChecked();
    // The switches the worker holds, as the loopback registrations show them: the origins left out.
    const excluded = () =>
      probe.evaluate(async () =>
        (await chrome.scripting.getRegisteredContentScripts())
          .filter((s) => s.id.startsWith('stepup-loopback:'))
          .map((s) => (s.excludeMatches ?? []).join()),
      );
    try {
      await toggle.uncheck();
      await expect(panel.getByTestId('notice')).toContainText(`Capture from page load off on ${real}`);
      expect(await hookStatus(probe, real)).toEqual({ on: false, byDefault: true });
      expect(await excluded()).toEqual([`${real}/*`, `${real}/*`]);

      // Even a message that does not come from the panel's toggle turns nothing else on: the worker checks
      // the origin's form itself and the tab's URL as the browser reports it.
      for (const origin of [
        'https://*',
        'http://*',
        'https://*.example.com',
        `${real}/`,
        'https://example.com',
      ]) {
        const reply = (await probe.evaluate(
          ([o, t]) =>
            chrome.runtime.sendMessage({ v: 1, type: 'setHook', origin: o, enabled: true, tabId: t }),
          [origin, tabId] as const,
        )) as { ok: boolean; error?: string };
        expect(reply, origin).toMatchObject({ ok: false, error: expect.stringMatching(/^Refused: /) });
      }
      expect(await hookOrigins()).toEqual([]);
      expect(await excluded()).toEqual([`${real}/*`, `${real}/*`]);
      expect(await hookStatus(probe, real)).toEqual({ on: false, byDefault: true });

      // And back on from the same switch.
      await toggle.check();
      await expect(panel.getByTestId('notice')).toContainText(`Capturing on ${real} from page load on`);
      expect(await excluded()).toEqual(['', '']);
    } finally {
      await setHook(probe, real, true, tabId);
    }
  });

  test('one switch per origin: off, nothing more from the hook on that origin after a reload while another loopback port keeps it; on again', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }, testInfo) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const id = extensionId as string;
    const probe = await extensionProbe(context, id);
    const tabId = await tabIdOf(context, id, demoPage);
    const demoOrigin = new URL(demoPage.url()).origin;
    const { server, port } = await startPageServer(`https://${stack.domain}/v1/session`);
    const other = await context.newPage();
    try {
      await other.goto(`http://localhost:${port}/`);
      const otherTab = await tabIdOf(context, id, other);
      const panel = await openPanelAsTab(context, id, tabId);
      // Docked beside the page, DevTools is about this wide: the switch and its label fit.
      await panel.setViewportSize({ width: 550, height: 300 });
      const toggle = panel.getByTestId('hook-toggle');
      await expect(toggle).toBeChecked();
      // Every label of the toolbar whole, nothing past its edge.
      const cut = () =>
        panel.evaluate(() => {
          const bar = document.querySelector('.toolbar') as HTMLElement;
          const right = bar.getBoundingClientRect().right;
          return [...bar.querySelectorAll<HTMLElement>('label, button, .hook-label')]
            .filter((el) => el.scrollWidth > el.clientWidth || el.getBoundingClientRect().right > right)
            .map((el) => `${el.textContent}: ${el.scrollWidth} > ${el.clientWidth}`);
        });
      expect(await cut()).toEqual([]);
      await expect(toggle.locator('xpath=..')).toHaveText('From page load');
      await keepScreenshot(panel, testInfo, 'toolbar-from-page-load-550');

      await toggle.uncheck();
      await expect(panel.getByTestId('notice')).toContainText(`Capture from page load off on ${demoOrigin}`);
      await demoPage.bringToFront();
      await demoPage.reload();
      await demoPage.getByTestId('flow-login').waitFor();
      expect(await hookIn(demoPage)).toBe(false);
      const before = (await readLog(probe, tabId)).exchanges.length;
      await demo.loginWithPhone(demoPage, otp);
      // The shared browser has background capture on: webRequest still sees the calls, the hook does not.
      await expect.poll(async () => (await readLog(probe, tabId)).exchanges.length).toBeGreaterThan(before);
      const sinceOff = (await readLog(probe, tabId)).exchanges.slice(before);
      expect(sinceOff.filter((x) => x.sources.includes('page-hook'))).toEqual([]);

      // Another port of localhost keeps the hook.
      await other.reload();
      expect(await hookIn(other)).toBe(true);
      await other.evaluate(
        (url) => fetch(url, { credentials: 'include' }).then((r) => r.text()),
        `https://${stack.domain}/v1/session/password/compliancy?i=other-port`,
      );
      await expect
        .poll(async () =>
          (await tagged(probe, otherTab, 'other-port')).map((x) => x.sources.includes('page-hook')),
        )
        .toEqual([true]);

      // On again: from the next load.
      await toggle.check();
      await expect(panel.getByTestId('notice')).toContainText(`Capturing on ${demoOrigin} from page load on`);
      await demoPage.reload();
      expect(await hookIn(demoPage)).toBe(true);
    } finally {
      await setHook(probe, demoOrigin, true, tabId);
      await other.close();
      server.close();
      server.closeAllConnections();
    }
  });

  test('frames: a same-origin iframe, a srcdoc and an about:blank frame are hooked, their calls filed under the tab', async ({
    context,
    extensionId,
    stack,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const id = extensionId as string;
    const probe = await extensionProbe(context, id);
    const sessionApi = `https://${stack.domain}/v1/session/password/compliancy`;
    const { server, port } = await startPageServer(`https://${stack.domain}/v1/session`);
    const page = await context.newPage();
    try {
      await page.goto(`http://localhost:${port}/`);
      const tabId = await tabIdOf(context, id, page);
      const fetchedIn = (kind: 'same-origin' | 'srcdoc' | 'about-blank') =>
        page.evaluate(
          async ({ kind, port, url }) => {
            const frame = document.createElement('iframe');
            const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
            if (kind === 'same-origin') frame.src = `http://localhost:${port}/frame`;
            if (kind === 'srcdoc') frame.srcdoc = '<p>srcdoc</p>';
            document.body.append(frame);
            if (kind !== 'about-blank') await loaded;
            const view = frame.contentWindow as Window & typeof globalThis;
            const hooked = (view as { __stepupHook?: boolean }).__stepupHook === true;
            // The frame's own fetch, as a script of that frame would call it.
            await (await view.fetch(`${url}?i=${kind}`, { credentials: 'include' })).text();
            return hooked;
          },
          { kind, port, url: sessionApi },
        );
      for (const kind of ['same-origin', 'srcdoc', 'about-blank'] as const) {
        expect(await fetchedIn(kind), `hook in the ${kind} frame`).toBe(true);
        await expect
          .poll(async () => (await tagged(probe, tabId, kind)).map((x) => x.sources.includes('page-hook')), {
            message: `the ${kind} frame's call, captured by its hook, in the tab's log`,
          })
          .toEqual([true]);
      }
    } finally {
      await page.close();
      server.close();
      server.closeAllConnections();
    }
  });

  test("DevTools captures the calls of the tab's cross-origin frames", async ({
    context,
    extensionId,
    stack,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const id = extensionId as string;
    const probe = await extensionProbe(context, id);
    const { server, port } = await startPageServer(`https://${stack.domain}/v1/session`);
    const page = await context.newPage();
    try {
      await page.goto(`http://localhost:${port}/`);
      const tabId = await tabIdOf(context, id, page);
      const { devtools } = await openDevToolsPanel(context, page, { extensionId });
      // 127.0.0.1 is another site than localhost: its frame runs in a process of its own.
      await page.evaluate(async (src) => {
        const done = new Promise((resolve) =>
          window.addEventListener(
            'message',
            (e) => (e.data as { fetched?: string }).fetched && resolve(e.data),
          ),
        );
        const frame = document.createElement('iframe');
        frame.src = src;
        document.body.append(frame);
        await done;
      }, `http://127.0.0.1:${port}/fetching-frame?i=cross-site-frame`);
      await expect
        .poll(async () => (await tagged(probe, tabId, 'cross-site-frame')).flatMap((x) => x.sources).sort())
        .toEqual(expect.arrayContaining(['devtools']));
      const [captured] = await tagged(probe, tabId, 'cross-site-frame');
      expect(captured?.responseBody.kind).toBe('text');
      await devtools.close();
    } finally {
      await page.close();
      server.close();
      server.closeAllConnections();
    }
  });
});
