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
