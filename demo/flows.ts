/**
 * The flows the headless demo runs in the demo bank page, and what it reads back from the inspector's panel
 * afterwards. Shared by `npm run demo` (demo/run-demo.ts) and its end-to-end test (test/e2e/demo-inspector.spec.ts),
 * so that the test runs what the demo runs.
 */
import type { Frame, Page } from 'playwright-core';
import * as driver from '../test/e2e/harness/demo-driver.ts';
import type { OtpReader } from '../test/e2e/harness/otp.ts';

/** Prints one line of the demo's progress. */
export type Say = (line: string) => void;

/** Called at the moments worth a screenshot, with a short name for it. */
export type Checkpoint = (name: 'transfer-challenge' | 'dynamic-card' | 'rfc9470-card') => Promise<void>;

/** The step-up scopes the Prelude flows request, each of which the inspector shows as a lane. */
export const PRELUDE_SCOPES = [
  'transfer:write',
  'kyc:approve',
  'prld:pwd:write',
  'admin:root',
  'payments:admin',
  'report:read',
] as const;

/**
 * Every Prelude flow of the demo page, in one tab: phone login; transfer:write with a wrong code first, two
 * transfers (the second refused: single use); kyc:approve (e-mail code, SMS code, custom step); password login
 * and prld:pwd:write, two resets; the scope policies (admin:root blocked, payments:admin not allowed,
 * report:read granted at once).
 */
export async function runPreludeFlows(
  page: Page,
  reader: OtpReader,
  say: Say,
  checkpoint: Checkpoint = async () => undefined,
): Promise<void> {
  const readOtp: driver.ReadOtp = async (query) => (await reader.next(query)).code;
  say('  · phone login');
  await driver.loginWithPhone(page, readOtp);

  say('  · transfer:write step-up, with one wrong code first');
  await page.getByTestId('transfer-request').click();
  await page.locator('[data-testid="transfer-otp"][data-step="verify_sms"]').waitFor();
  const sms = await reader.next({ purpose: 'stepup', to: driver.DEMO_PHONE });
  const wrong = sms.code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  await page.getByTestId('transfer-otp-code').fill(wrong);
  await page.getByTestId('transfer-otp-verify').click();
  await page.getByTestId('transfer-error').waitFor();
  // Mid-challenge: the OTP form, the refused code and the inbox's "Use this code" buttons.
  await page.getByTestId('transfer-otp-code').fill('');
  await page
    .locator(`[data-testid="inbox-message"][data-code="${sms.code}"] [data-testid="inbox-use-code"]`)
    .waitFor();
  await checkpoint('transfer-challenge');
  await page.getByTestId('transfer-otp-code').fill(sms.code);
  await page.getByTestId('transfer-otp-verify').click();
  await driver.challengeEntries(page, 'transfer', 'completed').first().waitFor();
  say(
    `    first transfer: ${await driver.sendTransfer(page)}, second transfer: ${await driver.sendTransfer(page)}`,
  );

  say('  · kyc:approve (e-mail code, SMS code, kyc_review)');
  await driver.stepUpKyc(page, readOtp);

  say('  · password login as ada@demo.test, prld:pwd:write, reset twice');
  await driver.loginWithPassword(page);
  await driver.stepUpPasswordReset(page, readOtp);
  say(
    `    first reset: ${await driver.saveNewPassword(page)}, second reset: ${await driver.saveNewPassword(page)}`,
  );

  say('  · scope policies: admin:root, payments:admin, report:read');
  for (const flow of ['admin', 'payments', 'report'] as const) await driver.requestPolicyScope(page, flow);
}

/** The step-up scopes the Dynamic card requests (elevated tokens). */
export const DYNAMIC_SCOPES = ['wallet:export', 'wallet:sign'] as const;

/**
 * The Dynamic and RFC 9470 cards, meant for a tab of their own: Dynamic e-mail sign-in, wallet:export (a wrong
 * code first; exported twice, the second refused, then the spent token replayed) and wallet:sign (multi-use);
 * RFC 9470 payment challenge and re-authentication, RFC 6750 insufficient_scope, and the broken IdP's loop.
 * `reader` reads the Dynamic emulator's inbox.
 */
export async function runDynamicAndRfc9470Flows(
  page: Page,
  reader: OtpReader,
  say: Say,
  checkpoint: Checkpoint = async () => undefined,
): Promise<void> {
  const readOtp: driver.ReadDynamicOtp = async (query) => (await reader.next(query)).code;
  const client = await driver.dynamicClientReady(page);
  say(
    `  · Dynamic (${client === 'sdk' ? 'real @dynamic-labs-sdk/client' : 'SDK not installed: request replica'}): e-mail sign-in`,
  );
  await driver.dynamicSignIn(page, readOtp);
  say('  · wallet:export: check, e-mail code (a wrong one first), verify with requestedScopes');
  await driver.dynamicStepUp(page, readOtp, 'export', { wrongCode: true });
  const exports = [
    await driver.dynamicAction(page, 'export'),
    await driver.dynamicAction(page, 'export'),
    await driver.dynamicAction(page, 'replay'),
  ];
  say(`    export: ${exports[0]}, export again: ${exports[1]}, replaying the spent token: ${exports[2]}`);
  say('  · wallet:sign: check, e-mail code, verify, sign twice');
  await driver.dynamicStepUp(page, readOtp, 'sign');
  say(
    `    signatures: ${await driver.dynamicAction(page, 'sign')}, ${await driver.dynamicAction(page, 'sign')}`,
  );
  await checkpoint('dynamic-card');

  say('  · RFC 9470: SSO sign-in, payment challenged, re-authentication with acr_values, payment accepted');
  const { first, second } = await driver.oauthStepUpFlow(page);
  say(`    payment: ${first}, after step-up: ${second}`);
  say('  · RFC 6750: statements refused (insufficient_scope), re-authorized, accepted');
  const statements = await driver.oauthAction(page, 'statements');
  await driver.oauthReauthenticate(page);
  say(
    `    statements: ${statements}, after re-authorization: ${await driver.oauthAction(page, 'statements')}`,
  );
  say('  · broken IdP: the automatic client loops');
  await driver.oauthSetBrokenIdp(page, true);
  say(`    payment with automatic step-up: ${await driver.oauthAction(page, 'pay-auto')}`);
  await driver.oauthSetBrokenIdp(page, false);
  await checkpoint('rfc9470-card');
}

/** One challenge lane of the inspector's timeline. */
export interface InspectorLane {
  scope: string;
  status: string;
}

/** What the inspector's panel shows for its tab. */
export interface InspectorView {
  /** The status bar's "N captured". */
  exchanges: number;
  /** The timeline's challenge lanes, top to bottom. */
  lanes: InspectorLane[];
}

/** How long the panel's exchange count must hold still before {@link readInspector} reads it. */
const QUIET_MS = 500;

/** A panel that did not settle, or shows something this reader does not know. */
export class InspectorReadError extends Error {
  override name = 'InspectorReadError';
}

/**
 * Reads the counts the panel itself shows (panel page as a tab, or its frame in DevTools) once the live log
 * has loaded and been analysed, and its exchange count has held still for {@link QUIET_MS} (the page's last
 * reports may still be on their way to the log): the status bar's count and the timeline's challenge lanes.
 */
export async function readInspector(panel: Page | Frame, timeoutMs = 15_000): Promise<InspectorView> {
  const deadline = Date.now() + timeoutMs;
  let counter: string;
  for (;;) {
    await settled(panel, Math.max(1, deadline - Date.now()));
    counter = (await panel.getByTestId('count-exchanges').textContent()) ?? '';
    const changed = await panel
      .waitForFunction(
        (before) => document.querySelector('[data-testid="count-exchanges"]')?.textContent !== before,
        counter,
        { timeout: QUIET_MS, polling: 50 },
      )
      .then(
        () => true,
        () => false,
      );
    if (!changed) break;
    if (Date.now() > deadline) {
      throw new InspectorReadError(
        `The inspector's exchange count was still changing after ${timeoutMs} ms.`,
      );
    }
  }
  const match = /^\s*(\d+)\s+captured/.exec(counter);
  if (!match) throw new InspectorReadError(`Unexpected exchange counter in the panel: "${counter}".`);
  return { exchanges: Number(match[1]), lanes: await timelineLanes(panel) };
}

/**
 * The timeline's challenge lanes, top to bottom. The timeline renders only the lanes in view, so it is scrolled
 * through a viewport at a time (then back), each lane read once by its index in the list.
 */
function timelineLanes(panel: Page | Frame): Promise<InspectorLane[]> {
  // No named closures in the evaluated code: tsx (the demo's runner) would wrap them in a helper the page lacks.
  return panel.evaluate(async () => {
    const found = new Map<number, { scope: string; status: string }>();
    const scroller = document.querySelector<HTMLElement>('[data-testid="timeline"]');
    const start = scroller?.scrollTop ?? 0;
    for (
      let top = 0, steps = 0;
      steps < 10_000;
      top += Math.max(1, scroller?.clientHeight ?? 1), steps += 1
    ) {
      if (scroller) {
        scroller.scrollTop = top;
        // Two frames: the scroll event, then the render of the lanes it brings. A hidden page draws no frames:
        // the timer keeps the read from hanging there.
        await new Promise((resolve) => {
          requestAnimationFrame(() => requestAnimationFrame(resolve));
          setTimeout(resolve, 250);
        });
      }
      for (const slot of document.querySelectorAll<HTMLElement>('.lane-slot[data-index]')) {
        const lane = slot.querySelector('[data-testid="challenge-lane"]');
        if (lane)
          found.set(Number(slot.dataset['index']), {
            scope: lane.getAttribute('data-scope') ?? '',
            status: lane.getAttribute('data-status') ?? '',
          });
      }
      if (!scroller || top + scroller.clientHeight >= scroller.scrollHeight) break;
    }
    if (scroller) scroller.scrollTop = start;
    return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, lane]) => lane);
  });
}

/**
 * Waits until the panel has loaded and analysed its log: the timeline is drawn, or an empty state that says
 * why (a heading; "Reading the capture log…" has none), and no analysis is running.
 */
async function settled(panel: Page | Frame, timeoutMs: number): Promise<void> {
  await panel
    .waitForFunction(
      () => {
        if (!document.querySelector('[data-testid="count-exchanges"]')) return false;
        if (document.querySelector('.statusbar .analysing')) return false;
        if (document.querySelector('[data-testid="timeline"]')) return true;
        return document.querySelector('[data-testid="empty-state"] h3') !== null;
      },
      undefined,
      { timeout: timeoutMs, polling: 100 },
    )
    .catch((err: unknown) => {
      throw new InspectorReadError(
        `The inspector panel did not finish loading its log within ${timeoutMs} ms.`,
        {
          cause: err,
        },
      );
    });
}

/** `inspector: N exchanges captured, M challenges`, the demo's line for a tab. */
export function inspectorSummary(view: InspectorView): string {
  return `inspector: ${view.exchanges} exchanges captured, ${view.lanes.length} challenges`;
}

/**
 * Why `view` shows that the flows of `tab` were not captured, or null when they were: no exchange, no
 * challenge lane, or (with `scopes`) a requested scope without a lane.
 */
export function uncapturedProblem(
  tab: string,
  view: InspectorView,
  scopes: readonly string[] = [],
): string | null {
  if (view.exchanges === 0 || view.lanes.length === 0) {
    return (
      `${tab}: the inspector shows ${view.exchanges} exchanges and ${view.lanes.length} challenges after ` +
      'the flows ran in that tab: nothing (or no step-up) was captured.'
    );
  }
  const shown = new Set(view.lanes.map((lane) => lane.scope));
  const missing = scopes.filter((scope) => !shown.has(scope));
  return missing.length > 0 ? `${tab}: no lane in the inspector for ${missing.join(', ')}.` : null;
}
