/**
 * Shared Playwright fixtures for every e2e spec.
 *
 * Worker-scoped (started once for the whole run, since there is one worker): the demo `stack` (emulator +
 * demo server), the persistent Chromium with the extension loaded from dist/ (`persistentContext`), and the
 * `extensionId`. Playwright's own `context` is test-scoped and cannot be re-registered as worker-scoped, so it
 * is overridden to hand out the shared persistent context instead (pages a test opens are closed after it).
 *
 * Test-scoped: `demoPage` (a fresh tab on the demo page, with emulator state, cookies and the demo origin's
 * storage reset first) and `otp()` (the next OTP code from the emulator's inbox).
 */
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { extensionDistDir, startStack, type Stack } from '../../demo/stack.ts';
import { launchChromium, type LaunchedChromium } from './harness/launch.ts';
import { launchWithBackgroundCapture } from './harness/extension.ts';
import { openDemo } from './harness/demo-driver.ts';
import { OtpReader, type InboxMessage, type OtpQuery } from './harness/otp.ts';

export { expect };
export * from './harness/index.ts';
export type { Stack };

/** Reads the next OTP: `otp()`, `otp('+14155550123')`, `otp({ channel: 'email', purpose: 'stepup' })`. */
export type OtpFn = (query?: string | OtpQuery, options?: { timeout?: number }) => Promise<string>;

/** Fixtures shared by all tests of the worker. */
export interface WorkerFixtures {
  /** Emulator (random port, random OTP codes) + demo server. */
  stack: Stack;
  /** The headless Chromium with the extension (when dist/ holds one) and the stack's resolver rules. */
  chromiumSession: LaunchedChromium;
  /** Its persistent context: the same object tests get as `context`. */
  persistentContext: BrowserContext;
  /** dist/ when it holds a built extension, else null (the demo flows still run). */
  extensionPath: string | null;
  /** The extension's id, or null without an extension. */
  extensionId: string | null;
}

/** Per-test fixtures. */
export interface TestFixtures {
  /** A fresh demo tab (unique URL `?run=<n>`, so tabIdOf can tell tabs apart). */
  demoPage: Page;
  /** The next OTP code not returned before in this test. */
  otp: OtpFn;
  /** The reader behind `otp`, for tests that need the whole message. */
  otpReader: OtpReader;
  /** The newest matching inbox message not handed out yet (waits for it). */
  otpMessage: (query?: OtpQuery, options?: { timeout?: number }) => Promise<InboxMessage>;
}

let runCounter = 0;

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [
    // Playwright reads a fixture's dependencies from its first parameter's pattern: `{}` means none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stack = await startStack({ quiet: true });
      await use(stack);
      await stack.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  // STEPUP_E2E_NO_EXTENSION=1 runs the page without the extension (to tell its effects from the page's own).
  extensionPath: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => use(process.env['STEPUP_E2E_NO_EXTENSION'] ? null : extensionDistDir()),
    { scope: 'worker' },
  ],
  chromiumSession: [
    async ({ stack, extensionPath }, use) => {
      // The suite runs as a developer who turned background capture (webRequest) on and restarted Chrome;
      // the capture spec checks the default, off, in a browser of its own.
      const session = extensionPath
        ? await launchWithBackgroundCapture({ headless: true, extensionPath, args: stack.chromiumArgs })
        : await launchChromium({ headless: true, extensionPath, args: stack.chromiumArgs });
      await use(session);
      await session.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  persistentContext: [async ({ chromiumSession }, use) => use(chromiumSession.context), { scope: 'worker' }],
  extensionId: [async ({ chromiumSession }, use) => use(chromiumSession.extensionId), { scope: 'worker' }],

  context: async ({ persistentContext }, use) => {
    const before = new Set(persistentContext.pages());
    await use(persistentContext);
    // Leave the shared browser as found: close the tabs this test opened. Closing a tab closes its DevTools
    // window too; `close()` on a devtools:// page itself can hang, so those are only awaited briefly.
    const opened = persistentContext.pages().filter((p) => !before.has(p));
    const isDevTools = (p: Page): boolean => p.url().startsWith('devtools://');
    await Promise.all(opened.filter((p) => !isDevTools(p)).map((p) => p.close().catch(() => undefined)));
    await Promise.all(
      opened
        .filter((p) => isDevTools(p) && !p.isClosed())
        .map((p) =>
          Promise.race([
            p.close().catch(() => undefined),
            p.waitForEvent('close', { timeout: 3000 }).catch(() => undefined),
          ]),
        ),
    );
  },
  page: async ({ context }, use) => {
    await use(await context.newPage());
  },

  otpReader: async ({ stack }, use) => {
    await use(new OtpReader(() => stack.emulator.inbox));
  },
  otpMessage: async ({ otpReader }, use) => {
    await use(async (query = {}, options = {}) => {
      let found: InboxMessage | undefined;
      await expect
        .poll(() => (found = otpReader.peek(query)) !== undefined, {
          message: `an OTP matching ${JSON.stringify(query)} in the emulator inbox`,
          timeout: options.timeout ?? 10_000,
          intervals: [50, 100, 200],
        })
        .toBe(true);
      return otpReader.take(found as InboxMessage);
    });
  },
  otp: async ({ otpMessage }, use) => {
    await use(async (query, options) => {
      const q: OtpQuery = typeof query === 'string' ? { to: query } : (query ?? {});
      return (await otpMessage(q, options)).code;
    });
  },

  demoPage: async ({ stack, context }, use) => {
    // Each test starts from a blank slate: no emulator users/sessions/inbox, no cookies, no SDK storage.
    stack.emulator.reset();
    await context.clearCookies();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', {
      origin: new URL(stack.demoUrl).origin,
      storageTypes: 'all',
    });
    await cdp.detach();
    await openDemo(page, `${stack.demoUrl}?run=${++runCounter}`);
    await use(page);
    // A demo left open keeps its SDK alive (timers, shared locks and storage of the origin): its late requests
    // would reach the emulator during the next test and be counted as that test's traffic.
    await page.close();
  },
});
