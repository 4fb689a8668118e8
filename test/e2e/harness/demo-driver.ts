/**
 * Drives the demo page (demo/app) like a user: one function per flow, each waiting on what the page shows
 * (never on time). Shared by the e2e specs and the headless `npm run demo`.
 */
import type { Locator, Page } from 'playwright-core';
import type { OtpQuery } from './otp.ts';

/** Returns the code of the next matching OTP (from the emulator's inbox). */
export type ReadOtp = (query: OtpQuery) => Promise<string>;

/** The phone number the demo signs in with. */
export const DEMO_PHONE = '+14155550123';
/** The emulator's seeded password user. */
export const ADA = { email: 'ada@demo.test', password: 'correct horse battery staple' } as const;

/** Flow ids the page tags its log entries with. */
export type DemoFlow =
  'login' | 'password' | 'session' | 'transfer' | 'reset' | 'kyc' | 'admin' | 'payments' | 'report';

/** `onChallenge` entries of a flow, optionally only those at `step`. */
export function challengeEntries(page: Page, flow: DemoFlow, step?: string): Locator {
  const stepFilter = step ? `[data-current-step="${step}"]` : '';
  return page.locator(`[data-testid="challenge-log-entry"][data-flow="${flow}"]${stepFilter}`);
}

/** The session panel once signed in (as `identifier`, when given: the phone number or e-mail used). */
export function signedIn(page: Page, identifier?: string): Locator {
  const who = identifier ? `[data-identifier="${identifier}"]` : '';
  return page.locator(`[data-testid="session-status"][data-state="signed-in"]${who}`);
}

/** Opens the demo page and waits until it has rendered. */
export async function openDemo(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('flow-login').waitFor();
}

/** Phone OTP login: send, read the code, verify; waits until the session panel shows the user. */
export async function loginWithPhone(
  page: Page,
  readOtp: ReadOtp,
  phone: string = DEMO_PHONE,
): Promise<void> {
  await page.getByTestId('login-phone').fill(phone);
  await page.getByTestId('login-send').click();
  await page.getByTestId('login-otp-code').waitFor();
  const code = await readOtp({ to: phone, purpose: 'login' });
  await page.getByTestId('login-otp-code').fill(code);
  await page.getByTestId('login-otp-verify').click();
  await signedIn(page, phone).waitFor();
}

/** Password login (ada@demo.test by default); waits for the session. */
export async function loginWithPassword(
  page: Page,
  email: string = ADA.email,
  password: string = ADA.password,
): Promise<void> {
  await page.getByTestId('password-email').fill(email);
  await page.getByTestId('password-password').fill(password);
  await page.getByTestId('password-login').click();
  // Wait for this identity, not just any session: the page may already be signed in as someone else.
  await signedIn(page, email).waitFor();
}

/** Waits for the OTP form of `prefix` at `step`, reads the next matching code, submits it. */
export async function completeOtpStep(
  page: Page,
  prefix: 'transfer' | 'reset' | 'kyc',
  step: 'verify_sms' | 'verify_email',
  readOtp: ReadOtp,
  query: OtpQuery,
): Promise<string> {
  await page.locator(`[data-testid="${prefix}-otp"][data-step="${step}"]`).waitFor();
  const code = await readOtp({ purpose: 'stepup', ...query });
  await page.getByTestId(`${prefix}-otp-code`).fill(code);
  await page.getByTestId(`${prefix}-otp-verify`).click();
  return code;
}

/** `transfer:write`: request, SMS code, until `onChallenge` reports `completed`. */
export async function stepUpTransfer(
  page: Page,
  readOtp: ReadOtp,
  phone: string = DEMO_PHONE,
): Promise<void> {
  await page.getByTestId('transfer-request').click();
  await completeOtpStep(page, 'transfer', 'verify_sms', readOtp, { to: phone });
  await challengeEntries(page, 'transfer', 'completed').first().waitFor();
}

async function clickAndReadNewOutcome(
  page: Page,
  button: string,
  outcome: string,
): Promise<'ok' | 'rejected'> {
  const results = page.getByTestId(outcome);
  const before = await results.count();
  await page.getByTestId(button).click();
  const added = results.nth(before);
  await added.waitFor();
  return (await added.getAttribute('data-outcome')) === 'ok' ? 'ok' : 'rejected';
}

/** Clicks "Send transfer" and returns how the bank API answered. */
export function sendTransfer(page: Page): Promise<'ok' | 'rejected'> {
  return clickAndReadNewOutcome(page, 'transfer-submit', 'transfer-result');
}

/** `prld:pwd:write`: request, e-mail code, until `completed`. */
export async function stepUpPasswordReset(
  page: Page,
  readOtp: ReadOtp,
  email: string = ADA.email,
): Promise<void> {
  await page.getByTestId('reset-request').click();
  await completeOtpStep(page, 'reset', 'verify_email', readOtp, { to: email });
  await challengeEntries(page, 'reset', 'completed').first().waitFor();
}

/** Clicks "Save new password" and returns how `/me/password/reset` answered. */
export function saveNewPassword(page: Page): Promise<'ok' | 'rejected'> {
  return clickAndReadNewOutcome(page, 'reset-submit', 'reset-result');
}

/** `kyc:approve`: e-mail code, SMS code, then the back-office `kyc_review` step, until `completed`. */
export async function stepUpKyc(page: Page, readOtp: ReadOtp, phone: string = DEMO_PHONE): Promise<void> {
  await page.getByTestId('kyc-request').click();
  await completeOtpStep(page, 'kyc', 'verify_email', readOtp, { channel: 'email' });
  await completeOtpStep(page, 'kyc', 'verify_sms', readOtp, { to: phone });
  await page.getByTestId('kyc-complete').click();
  await challengeEntries(page, 'kyc', 'completed').first().waitFor();
}

/** Requests one of the scope-policy rows' scopes; waits for its result or error. */
export async function requestPolicyScope(
  page: Page,
  flow: 'admin' | 'payments' | 'report',
): Promise<Locator> {
  await page.getByTestId(`${flow}-request`).click();
  const shown = page.getByTestId(`${flow}-result`).or(page.getByTestId(`${flow}-error`));
  await shown.first().waitFor();
  return shown.first();
}

// --- Dynamic (card 6) and RFC 9470 (card 7) ---------------------------------------------------------------

/** The e-mail the Dynamic card signs in with (the Dynamic emulator creates the user on first sign-in). */
export const DYNAMIC_EMAIL = 'grace@demo.test';

/** Reads the next Dynamic e-mail code (from the Dynamic emulator's inbox). */
export type ReadDynamicOtp = (query: { to?: string; purpose: 'login' | 'stepup' }) => Promise<string>;

/**
 * Starts the Dynamic card's client (real SDK or replica; the page starts it on first use only) and waits until
 * it is ready; returns which one.
 */
export async function dynamicClientReady(page: Page): Promise<'sdk' | 'replica'> {
  if ((await page.getByTestId('dynamic-client').getAttribute('data-status')) === 'idle')
    await page.getByTestId('dynamic-start').click();
  const badge = page.locator('[data-testid="dynamic-client"][data-status="ready"]');
  await badge.waitFor();
  return (await badge.getAttribute('data-client')) === 'sdk' ? 'sdk' : 'replica';
}

/** Dynamic e-mail OTP sign-in (`sendEmailOTP` + `verifyOTP` while signed out). */
export async function dynamicSignIn(
  page: Page,
  readOtp: ReadDynamicOtp,
  email: string = DYNAMIC_EMAIL,
): Promise<void> {
  await dynamicClientReady(page);
  await page.getByTestId('dynamic-email').fill(email);
  await page.getByTestId('dynamic-signin-send').click();
  await page.getByTestId('dynamic-signin-code').waitFor();
  await page.getByTestId('dynamic-signin-code').fill(await readOtp({ to: email, purpose: 'login' }));
  await page.getByTestId('dynamic-signin-verify').click();
  await page
    .locator(`[data-testid="dynamic-session"][data-state="signed-in"][data-email="${email}"]`)
    .waitFor();
}

/** `checkStepUpAuth` for `scope`; returns whether step-up is required. */
export async function dynamicCheck(page: Page, scope: 'export' | 'sign'): Promise<boolean> {
  await page.getByTestId(`dynamic-scope-${scope}`).click();
  await page.getByTestId('dynamic-check').click();
  const result = page.locator(`[data-testid="dynamic-check-result"][data-scope="wallet:${scope}"]`);
  await result.waitFor();
  return (await result.getAttribute('data-required')) === 'true';
}

/**
 * Full Dynamic step-up for `scope`: check (must be required), send the e-mail code, verify with
 * `requestedScopes` (after `wrongCode` first, when given); waits for the elevated token to be listed.
 */
export async function dynamicStepUp(
  page: Page,
  readOtp: ReadDynamicOtp,
  scope: 'export' | 'sign',
  options: { wrongCode?: boolean } = {},
): Promise<void> {
  if (!(await dynamicCheck(page, scope))) throw new Error(`step-up for wallet:${scope} was not required`);
  await page.getByTestId('dynamic-stepup-send').click();
  await page.getByTestId('dynamic-stepup-code').waitFor();
  const code = await readOtp({ purpose: 'stepup' });
  if (options.wrongCode) {
    const wrong = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    await page.getByTestId('dynamic-stepup-code').fill(wrong);
    await page.getByTestId('dynamic-stepup-verify').click();
    await page
      .locator('[data-testid="dynamic-error"][data-error-code="invalid_verification_code"]')
      .waitFor();
  }
  const tokens = page.locator(`[data-testid="dynamic-token"][data-scope="wallet:${scope}"]`);
  const before = await tokens.count();
  await page.getByTestId('dynamic-stepup-code').fill(code);
  await page.getByTestId('dynamic-stepup-verify').click();
  await tokens.nth(before).waitFor();
}

/** Clicks a Dynamic wallet action and returns how the API answered. */
export function dynamicAction(page: Page, action: 'export' | 'sign' | 'replay'): Promise<'ok' | 'rejected'> {
  return clickAndReadNewOutcome(page, `dynamic-${action}`, 'dynamic-result');
}

/** The latest outcome line of the Dynamic card (for its refusal code). */
export function dynamicLastOutcome(page: Page): Locator {
  return page.getByTestId('dynamic-result').last();
}

/** RFC 9470 card: signs in through the remembered SSO session (weak `acr`, authenticated an hour ago). */
export async function oauthSignIn(page: Page): Promise<void> {
  await page.getByTestId('oauth-signin').click();
  await page.locator('[data-testid="oauth-token"][data-acr="urn:demo:sso"]').waitFor();
}

/** Clicks an RFC 9470 card action and returns how the API answered (the challenge is shown on refusal). */
export function oauthAction(
  page: Page,
  action: 'pay' | 'statements' | 'pay-auto',
): Promise<'ok' | 'rejected'> {
  return clickAndReadNewOutcome(page, `oauth-${action}`, 'oauth-result');
}

/** Re-authenticates as the shown challenge asks; waits for a token with `acr` (when given). */
export async function oauthReauthenticate(page: Page, acr?: string): Promise<void> {
  await page.getByTestId('oauth-reauth').click();
  await page.locator(`[data-testid="oauth-token"]${acr ? `[data-acr="${acr}"]` : ''}`).waitFor();
}

/** Turns the demo authorization server's "broken IdP" on or off. */
export async function oauthSetBrokenIdp(page: Page, broken: boolean): Promise<void> {
  const box = page.getByTestId('oauth-broken-idp');
  if (broken) await box.check();
  else await box.uncheck();
}

/**
 * The RFC 9470 story: SSO sign-in, payment refused with `insufficient_user_authentication`, re-authentication
 * with the challenge's `acr_values`, payment accepted; statements refused with `insufficient_scope`, then
 * accepted after re-authorizing the scope.
 */
export async function oauthStepUpFlow(page: Page): Promise<{ first: string; second: string }> {
  await oauthSignIn(page);
  const first = await oauthAction(page, 'pay');
  await page
    .locator('[data-testid="oauth-challenge"][data-error="insufficient_user_authentication"]')
    .waitFor();
  await oauthReauthenticate(page, 'urn:demo:mfa');
  const second = await oauthAction(page, 'pay');
  return { first, second };
}
