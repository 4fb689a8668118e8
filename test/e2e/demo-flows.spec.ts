/**
 * Every demo flow end to end: the real, unmodified @prelude.so/js-sdk@0.6.0 in headless Chromium against the
 * emulator. Each test checks both sides: what the page showed from the SDK (`onChallenge` callbacks, decoded
 * access-token scopes, error class names) and what the emulator recorded on the wire.
 */
import { expect, test, demo, type Stack } from './fixtures.ts';
import type { Page } from '@playwright/test';

const { ADA, DEMO_PHONE, challengeEntries } = demo;

/** Session API calls the emulator recorded from index `from` on, as `METHOD /path status[ code]`. */
function apiCalls(stack: Stack, from = 0): string[] {
  return stack.emulator.requests
    .slice(from)
    .filter((r) => r.method !== 'OPTIONS' && r.path.startsWith('/v1/session'))
    .map((r) => `${r.method} ${r.path.replace('/v1/session', '')} ${r.status}${r.code ? ` ${r.code}` : ''}`);
}

/** The same, without statuses: endpoint order only. */
function endpoints(stack: Stack, from = 0): string[] {
  return apiCalls(stack, from).map((c) => c.split(' ').slice(0, 2).join(' '));
}

/** `currentStep` of every `onChallenge` callback of a flow, oldest first. */
async function stepSequence(page: Page, flow: demo.DemoFlow): Promise<string[]> {
  const steps = await challengeEntries(page, flow).evaluateAll((els) =>
    els.map((el) => el.getAttribute('data-current-step') ?? ''),
  );
  return steps.reverse(); // the log lists newest first
}

/** Scopes of the newest decoded access token. */
function latestScopes(page: Page) {
  return page.getByTestId('token-log-entry').first();
}

test.describe('demo flows with the real SDK', () => {
  test('phone login: a wrong code is refused (bad_check_code), the right one from the inbox signs in', async ({
    demoPage: page,
    stack,
    otpMessage,
  }) => {
    await page.getByTestId('login-phone').fill(DEMO_PHONE);
    await page.getByTestId('login-send').click();
    const message = await otpMessage({ to: DEMO_PHONE, purpose: 'login' });
    expect(message.channel).toBe('sms');

    // A code that differs from the real one in its last digit.
    const wrong = message.code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    await page.getByTestId('login-otp-code').fill(wrong);
    await page.getByTestId('login-otp-verify').click();
    // SDK 0.6.0 maps `bad_check_code` to BadRequestError (PrldErrors.BadCheckCode exists but is never thrown).
    await expect(page.getByTestId('login-error')).toHaveAttribute('data-error-name', 'BadRequestError');
    await expect(page.locator('[data-testid="error-log-entry"][data-flow="login"]')).toHaveCount(1);
    await expect.poll(() => apiCalls(stack)).toContain('POST /login/otp/check 400 bad_check_code');

    // The inbox panel shows the code; "Use this code" fills the login field.
    const item = page.locator(`[data-testid="inbox-message"][data-code="${message.code}"]`);
    await item.getByRole('button', { name: 'Use this code' }).click();
    await expect(page.getByTestId('login-otp-code')).toHaveValue(message.code);
    await page.getByTestId('login-otp-verify').click();

    await expect(demo.signedIn(page)).toBeVisible();
    await expect(page.getByTestId('session-sub')).not.toBeEmpty();
    await expect(page.getByTestId('login-error')).toHaveCount(0);
    await expect(latestScopes(page)).toHaveAttribute('data-scopes', '');

    const calls = apiCalls(stack);
    expect(calls[0]).toMatch(/^POST \/login\/otp 20\d$/);
    // The first session proof has no nonce: the server asks for one and the SDK retries with it.
    expect(calls[1]).toBe('POST /login/otp/check 400 use_dpop_nonce');
    expect(calls.at(-1)).toBe('POST /login/otp/check 200');
  });

  test('transfer:write: hook → SMS step-up (resend) → refresh after use_dpop_nonce → single-use transfer', async ({
    demoPage: page,
    stack,
    otp,
  }) => {
    await demo.loginWithPhone(page, otp);
    // Force one nonce rotation on the step-up refresh (the SDK's stored nonce is normally still fresh).
    stack.emulator.faults.set({ kind: 'use_dpop_nonce', path: '/refresh', times: 1 });
    const from = stack.emulator.requests.length;
    // The demo server is shared by every spec of the run: count only what this test adds.
    const hookCallsBefore = stack.demo.hookCalls.length;
    const transfersBefore = stack.demo.transfers.length;

    await page.getByTestId('transfer-request').click();
    await expect(page.locator('[data-testid="transfer-otp"][data-step="verify_sms"]')).toBeVisible();
    await otp({ to: DEMO_PHONE, purpose: 'stepup' }); // the first code…
    await page.getByTestId('transfer-otp-resend').click(); // …is resent (otpRetry)
    const code = await otp({ to: DEMO_PHONE, purpose: 'stepup' });
    await page.getByTestId('transfer-otp-code').fill(code);
    await page.getByTestId('transfer-otp-verify').click();
    await expect(challengeEntries(page, 'transfer', 'completed')).toHaveCount(1);

    // What the SDK told the page.
    expect(await stepSequence(page, 'transfer')).toEqual(['verify_sms', 'completed']);
    const completed = challengeEntries(page, 'transfer', 'completed');
    await expect(completed).toHaveAttribute('data-steps', 'verify_sms');
    await expect(completed).toHaveAttribute('data-scope', 'transfer:write');
    const challengeId = await completed.getAttribute('data-challenge-id');
    await expect(challengeEntries(page, 'transfer').last()).toHaveAttribute(
      'data-challenge-id',
      challengeId ?? '',
    );
    await expect(latestScopes(page)).toHaveAttribute('data-scopes', /(^| )transfer:write( |$)/);
    await expect(page.getByTestId('session-scopes')).toHaveAttribute('data-scopes', /transfer:write/);

    // The delegated hook decided the steps.
    const hookCalls = stack.demo.hookCalls.slice(hookCallsBefore);
    expect(hookCalls).toHaveLength(1);
    expect(hookCalls[0]?.body).toMatchObject({ scope_requested: 'transfer:write' });

    // What went over the wire.
    expect(apiCalls(stack, from)).toEqual([
      'POST /stepup/request 200',
      'POST /otp 204',
      'POST /otp/retry 204',
      'POST /otp/check 200',
      'POST /refresh 400 use_dpop_nonce',
      'POST /refresh 200',
    ]);
    const refreshes = stack.emulator.requests.slice(from).filter((r) => r.path === '/v1/session/refresh');
    expect(refreshes[0]?.dpop).not.toEqual(refreshes[1]?.dpop);

    // Single use: the first transfer consumes the grant, the second is refused.
    expect(await demo.sendTransfer(page)).toBe('ok');
    expect(await demo.sendTransfer(page)).toBe('rejected');
    await expect(page.getByTestId('transfer-result').nth(1)).toContainText(/token_reused|insufficient_scope/);
    // An expected refusal: an outcome line plus an error-log entry, not an inline page error.
    await expect(page.getByTestId('transfer-error')).toHaveCount(0);
    await expect(
      page.locator('[data-testid="error-log-entry"][data-flow="transfer"][data-error-name="DemoApiError"]'),
    ).toHaveAttribute('data-error-code', /token_reused|insufficient_scope/);
    await expect(page.getByTestId('transfer-phase')).toHaveAttribute('data-phase', 'consumed');
    expect(stack.demo.transfers.slice(transfersBefore)).toHaveLength(1);
  });

  test('password reset: prld:pwd:write by e-mail code, consumed by the reset, reuse refused', async ({
    demoPage: page,
    stack,
    otp,
  }) => {
    await demo.loginWithPassword(page);
    const from = stack.emulator.requests.length;
    await demo.stepUpPasswordReset(page, otp, ADA.email);

    expect(await stepSequence(page, 'reset')).toEqual(['verify_email', 'completed']);
    await expect(challengeEntries(page, 'reset', 'completed')).toHaveAttribute('data-steps', 'verify_email');
    await expect(latestScopes(page)).toHaveAttribute('data-scopes', /prld:pwd:write/);

    expect(await demo.saveNewPassword(page)).toBe('ok');
    // After the reset the page refreshes its session: the new access token no longer carries the scope…
    await expect(page.getByTestId('token-log-entry').first()).toHaveAttribute(
      'data-scopes',
      /^(?!.*prld:pwd:write)/,
    );
    // …so a second reset is refused for lack of it.
    expect(await demo.saveNewPassword(page)).toBe('rejected');
    await expect(page.locator('[data-testid="error-log-entry"][data-flow="reset"]')).toHaveAttribute(
      'data-error-code',
      'insufficient_scope',
    );
    await expect(page.getByTestId('reset-result').nth(1)).toContainText('insufficient_scope');

    const calls = apiCalls(stack, from);
    expect(endpoints(stack, from)).toEqual([
      'POST /stepup/request',
      'POST /otp',
      'POST /otp/check',
      'POST /refresh',
      'POST /me/password/reset',
      'POST /refresh',
      'POST /me/password/reset',
    ]);
    expect(calls[4]).toMatch(/^POST \/me\/password\/reset 20\d$/);
    expect(calls[5]).toBe('POST /refresh 200');
    expect(calls[6]).toMatch(/^POST \/me\/password\/reset 4\d\d insufficient_scope$/);
  });

  test('kyc:approve: e-mail code → SMS code → custom kyc_review step via continueStepUp', async ({
    demoPage: page,
    stack,
    otp,
  }) => {
    await demo.loginWithPhone(page, otp);
    const from = stack.emulator.requests.length;
    const mintedBefore = stack.demo.mintedVerificationJtis.length;
    await demo.stepUpKyc(page, otp);

    expect(await stepSequence(page, 'kyc')).toEqual([
      'verify_email',
      'verify_sms',
      'kyc_review',
      'completed',
    ]);
    const completed = challengeEntries(page, 'kyc', 'completed');
    await expect(completed).toHaveAttribute('data-steps', 'verify_email verify_sms kyc_review');
    await expect(completed).toHaveAttribute('data-scope', 'kyc:approve');
    await expect(page.locator('[data-testid="kyc-steps"] [data-step="kyc_review"]')).toHaveAttribute(
      'data-state',
      'done',
    );
    await expect(latestScopes(page)).toHaveAttribute('data-scopes', /kyc:approve/);
    await expect(page.getByTestId('kyc-result').last()).toHaveAttribute('data-outcome', 'ok');
    expect(stack.demo.mintedVerificationJtis.slice(mintedBefore)).toHaveLength(1);

    expect(apiCalls(stack, from)).toEqual([
      'POST /stepup/request 200',
      'POST /otp 204',
      'POST /otp/check 200',
      'POST /otp 204',
      'POST /otp/check 200',
      'POST /stepup/continue 200',
      'POST /refresh 200',
    ]);
  });

  test('scope policies: admin:root blocked, payments:admin not allowed, report:read granted at once', async ({
    demoPage: page,
    stack,
    otp,
  }) => {
    await demo.loginWithPhone(page, otp);
    const from = stack.emulator.requests.length;

    const blocked = await demo.requestPolicyScope(page, 'admin');
    await expect(blocked).toHaveAttribute('data-phase', 'blocked');
    await expect(blocked).toContainText('admin:root');
    await expect(challengeEntries(page, 'admin')).toHaveCount(0);

    const notAllowed = await demo.requestPolicyScope(page, 'payments');
    await expect(notAllowed).toHaveAttribute('data-error-name', 'ScopeNotAllowedError');

    const granted = await demo.requestPolicyScope(page, 'report');
    await expect(granted).toHaveAttribute('data-phase', 'granted');
    expect(await stepSequence(page, 'report')).toEqual(['completed']);
    await expect(latestScopes(page)).toHaveAttribute('data-scopes', /report:read/);

    const calls = apiCalls(stack, from);
    expect(calls[0]).toBe('POST /stepup/request 200');
    const blockAnswer = stack.emulator.requests
      .slice(from)
      .find((r) => r.path === '/v1/session/stepup/request')?.responseBody;
    expect(blockAnswer).toMatchObject({ status: 'block' });
    expect(calls[1]).toMatch(/^POST \/stepup\/request 4\d\d scope_not_allowed$/);
    expect(calls.slice(2)).toEqual(['POST /stepup/request 200', 'POST /refresh 200']);
  });
});
