/**
 * The capture pipeline in real Chromium with the built extension, the emulator and the real Prelude SDK:
 * every session-API exchange the emulator served is in the tab's log exactly once, in order, with bodies
 * and DPoP headers, through service-worker restarts, and a hostile page cannot corrupt it.
 */
import type { BrowserContext, Page } from '@playwright/test';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import type { TabLogState } from '../../src/shared/messages.ts';
import type { RecordedRequest } from '../../demo/emulator/recorder.ts';
import { demo, expect, openDevToolsPanel, stopServiceWorker, tabIdOf, test } from './fixtures.ts';

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

async function setHook(probe: Page, origin: string, enabled: boolean): Promise<void> {
  const reply = await probe.evaluate(
    ([o, e]) => chrome.runtime.sendMessage({ v: 1, type: 'setHook', origin: o, enabled: e }),
    [origin, enabled] as const,
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
  origin: string,
  body: () => Promise<void>,
): Promise<void> {
  await setHook(probe, origin, true);
  try {
    await page.reload();
    await body();
  } finally {
    await setHook(probe, origin, false);
  }
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

/** Waits until the log holds one session-API exchange per served request, with every response complete. */
async function expectCapturedAsServed(
  probe: Page,
  tabId: number,
  requests: readonly RecordedRequest[],
  withBodies: boolean,
) {
  const expected = served(requests);
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
    expect(x.sources).toContain('webrequest');
    if (withBodies && x.method !== 'OPTIONS') expect(x.sources.length).toBeGreaterThan(1);
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
    await withPageHook(probe, demoPage, new URL(stack.demoUrl).origin, async () => {
      const tabId = await tabIdOf(context, extensionId as string, demoPage);
      await demo.loginWithPhone(demoPage, otp);
      await demo.stepUpTransfer(demoPage, otp);
      expect(await demo.sendTransfer(demoPage)).toBe('ok');
      expect(await demo.sendTransfer(demoPage)).toBe('rejected');
      const log = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);

      // The app's own protected API (bearer token) is kept too: it is where single-use grants are consumed.
      const transfers = log.exchanges.filter((x) => x.url.endsWith('/api/transfer') && x.method === 'POST');
      expect(transfers.map((x) => x.status)).toEqual([200, 403]);
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
    await withPageHook(probe, demoPage, new URL(stack.demoUrl).origin, async () => {
      const tabId = await tabIdOf(context, extensionId as string, demoPage);
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
    await withPageHook(probe, demoPage, new URL(stack.demoUrl).origin, async () => {
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
    await withPageHook(probe, demoPage, new URL(stack.demoUrl).origin, async () => {
      const tabId = await tabIdOf(context, extensionId as string, demoPage);
      await demo.loginWithPhone(demoPage, otp);
      const before = await expectCapturedAsServed(probe, tabId, stack.emulator.requests, true);

      await demoPage.evaluate(() => {
        const tag = 'stepup-inspector:hook';
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
        window.postMessage({ tag, v: 1, exchange: forged('/refresh') }, '*');
        // 2. malformed: rejected.
        window.postMessage({ tag, v: 1, exchange: { method: 42 } }, '*');
        window.postMessage({ tag, v: 99, exchange: forged('/wrong-version') }, '*');
        // 3. huge (3 MB): rejected by the relay before it reaches the worker.
        window.postMessage(
          {
            tag,
            v: 1,
            exchange: forged('/huge', { requestBody: { kind: 'text', text: 'x'.repeat(3_000_000) } }),
          },
          '*',
        );
        // 4. prototype pollution attempts.
        const polluted = JSON.parse(
          `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`,
        );
        window.postMessage({ tag, v: 1, exchange: Object.assign(polluted, forged('/proto')) }, '*');
        // 5. a message shaped like a command: the relay only ever forwards page exchanges.
        window.postMessage({ tag, v: 1, type: 'clearLog', exchange: null }, '*');
      });

      await expect
        .poll(async () => (await readLog(probe, tabId)).state?.rejected ?? 0, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(4);
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
});
