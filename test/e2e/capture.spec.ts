/**
 * The capture pipeline in real Chromium with the built extension, the emulator and the real Prelude SDK:
 * every session-API exchange the emulator served is in the tab's log exactly once, in order, with bodies
 * and DPoP headers, through service-worker restarts, and a hostile page cannot corrupt it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
  grantPageHook,
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
 * Turns the page hook on or off for `origin` as the panel's toggle does: on asks for its permissions first
 * (host access and `scripting`: no prompt for localhost) and names the tab, which must be on `origin`.
 */
async function setHook(probe: Page, origin: string, enabled: boolean, tabId?: number): Promise<void> {
  if (enabled) await grantPageHook(probe, origin);
  const reply = await probe.evaluate(
    ([o, e, t]) => chrome.runtime.sendMessage({ v: 1, type: 'setHook', origin: o, enabled: e, tabId: t }),
    [origin, enabled, tabId] as const,
  );
  expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
}

/**
 * Runs `body` with the page hook on for the demo origin (the page reloaded so the hook is in place from
 * document_start), and always turns it off again: the browser is shared by every spec of the run.
 */
async function withPageHook(
  probe: Page,
  page: Page,
  tabId: number,
  body: () => Promise<void>,
): Promise<void> {
  const origin = new URL(page.url()).origin;
  await setHook(probe, origin, true, tabId);
  try {
    await page.reload();
    await body();
  } finally {
    await setHook(probe, origin, false);
  }
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

test.describe('capture', () => {
  test('captures every session-API exchange of the transfer flow with bodies, once, in order', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    await withPageHook(probe, demoPage, tabId, async () => {
      await demo.loginWithPhone(demoPage, otp);
      await demo.stepUpTransfer(demoPage, otp);
      expect(await demo.sendTransfer(demoPage)).toBe('ok');
      expect(await demo.sendTransfer(demoPage)).toBe('rejected');
      const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);

      // The app's own protected API (bearer token) is kept too: it is where single-use grants are consumed.
      // The hook sends its captures once the page is quiet: the last one may still be on its way.
      const transfers = async () =>
        (await readLog(probe, tabId)).exchanges
          .filter((x) => x.url.endsWith('/api/transfer') && x.method === 'POST')
          .map((x) => x.status);
      await expect.poll(transfers).toEqual([200, 403]);
      expect(log.state?.dropped).toBe(0);
    });
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
    await withPageHook(probe, demoPage, tabId, async () => {
      await stopServiceWorker(context);
      await demo.loginWithPhone(demoPage, otp);
      await stopServiceWorker(context);
      await demoPage.getByTestId('transfer-request').click();
      await stopServiceWorker(context);
      await demo.completeOtpStep(demoPage, 'transfer', 'verify_sms', otp, { to: demo.DEMO_PHONE });
      await demo.challengeEntries(demoPage, 'transfer', 'completed').first().waitFor();
      await stopServiceWorker(context);
      expect(await demo.sendTransfer(demoPage)).toBe('ok');
      await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);
    });
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
    await demo.loginWithPhone(demoPage, otp);
    await stopServiceWorker(context);
    await demo.stepUpTransfer(demoPage, otp);
    const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, false);
    expect(
      log.exchanges
        .filter((x) => x.url.includes('/v1/session/'))
        .every((x) => x.sources.join() === 'webrequest'),
    ).toBe(true);
  });

  test('with background capture off (the default) nothing is seen without DevTools or the hook; the hook alone brings headers and bodies', async ({
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
      const page = await own.context.newPage();
      await demo.openDemo(page, `${stack.demoUrl}?run=background-off`);
      const probe = await extensionProbe(own.context, id);
      expect(await probe.evaluate(() => chrome.permissions.contains({ permissions: ['webRequest'] }))).toBe(
        false,
      );
      const tabId = await tabIdOf(own.context, id, page);
      await withPageHook(probe, page, tabId, async () => {
        await demo.loginWithPhone(page, otp);
        await demo.stepUpTransfer(page, otp);
        await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true, { webRequest: false });
      });
      // The hook off, a fresh sign-in with neither DevTools nor the hook: nothing more in the log.
      await expectUnseenSignIn({ context: own.context, page, probe, tabId, stack, otp });
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
      let page = await browser.context.newPage();
      await demo.openDemo(page, `${stack.demoUrl}?run=background-toolbar`);
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
      let probe = await extensionProbe(browser.context, id);
      await demo.loginWithPhone(page, otp);
      expect((await readLog(probe, tabId)).exchanges).toEqual([]);
      await browser.close();

      // Chrome's next start: the same profile, the permission held from the extension's load.
      stack.emulator.reset();
      browser = await launch();
      page = await browser.context.newPage();
      await demo.openDemo(page, `${stack.demoUrl}?run=background-toolbar-2`);
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

  test('with DevTools open and no page hook, response bodies come from the DevTools network log', async ({
    context,
    extensionId,
    stack,
    demoPage,
    otp,
  }) => {
    test.skip(!extensionId, 'needs the built extension (npm run build)');
    const probe = await extensionProbe(context, extensionId as string);
    const tabId = await tabIdOf(context, extensionId as string, demoPage);
    const { devtools } = await openDevToolsPanel(context, demoPage, { extensionId });
    await demo.loginWithPhone(demoPage, otp);
    await demo.stepUpTransfer(demoPage, otp);
    const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);
    const posts = log.exchanges.filter((x) => x.url.includes('/v1/session/') && x.method === 'POST');
    expect(posts.every((x) => x.sources.includes('devtools') && !x.sources.includes('page-hook'))).toBe(true);
    await devtools.close();
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
    await withPageHook(probe, demoPage, tabId, async () => {
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
    await withPageHook(probe, demoPage, tabId, async () => {
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
    await expect(toggle.locator('xpath=..')).toContainText(`Capture before DevTools opens on ${real}`);
    await expect(toggle).toBeEnabled();
    try {
      await toggle.check();
      await expect(panel.getByTestId('notice')).toContainText(`Capturing on ${real}`);
      expect(await hookOrigins()).toEqual([real]);

      // Even a message that does not come from the panel's toggle registers nothing else: the worker checks
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
      expect(await hookOrigins()).toEqual([real]);
      const registered = await probe.evaluate(async () =>
        (await chrome.scripting.getRegisteredContentScripts()).flatMap((s) => s.matches ?? []),
      );
      expect(registered).toEqual([`${real}/*`, `${real}/*`]);
    } finally {
      await setHook(probe, real, false);
    }
    expect(await hookOrigins()).toEqual([]);
  });
});
