/**
 * The demo flows the Firefox e2e needs, driven like a user through puppeteer (the shared driver in
 * test/e2e/harness/demo-driver.ts takes a Playwright Page). Same test ids, same waits: on what the page shows,
 * never on time.
 */
import type { Page } from 'puppeteer-core';
import { DEMO_PHONE } from '../e2e/harness/demo-driver.ts';
import type { OtpQuery } from '../e2e/harness/otp.ts';

export { DEMO_PHONE };

export type ReadOtp = (query: OtpQuery) => Promise<string>;

const byTestId = (id: string) => `[data-testid="${id}"]`;
const TIMEOUT = 15_000;

/**
 * Opens the demo page and waits until it has rendered. One reload is allowed: the demo server reads
 * demo/app/dist from disk on every request, and another process rebuilding it (startStack rebuilds a stale
 * page) can leave a load with a missing script.
 */
export async function openDemo(page: Page, url: string): Promise<void> {
  await page.bringToFront();
  await page.goto(url);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await page.waitForSelector(byTestId('flow-login'), { timeout: TIMEOUT });
      return;
    } catch (error) {
      const state = await page
        .evaluate(
          () =>
            `${location.href} ${document.readyState}: ${document.documentElement.outerHTML.slice(0, 400)}`,
        )
        .catch((e: unknown) => String(e));
      if (attempt > 1) throw new Error(`The demo page did not render (${state})`, { cause: error });
      console.log(`  the demo page did not render, reloading once (${state})`);
      await page.reload();
    }
  }
}

async function fill(page: Page, testId: string, value: string): Promise<void> {
  await page.locator(byTestId(testId)).setTimeout(TIMEOUT).fill(value);
}

async function click(page: Page, selector: string): Promise<void> {
  await page.locator(selector).setTimeout(TIMEOUT).click();
}

/** Phone OTP login; waits until the session panel shows the user. */
export async function loginWithPhone(
  page: Page,
  readOtp: ReadOtp,
  phone: string = DEMO_PHONE,
): Promise<void> {
  await fill(page, 'login-phone', phone);
  await click(page, byTestId('login-send'));
  await page.waitForSelector(byTestId('login-otp-code'), { timeout: TIMEOUT });
  await fill(page, 'login-otp-code', await readOtp({ to: phone, purpose: 'login' }));
  await click(page, byTestId('login-otp-verify'));
  await page.waitForSelector(
    `[data-testid="session-status"][data-state="signed-in"][data-identifier="${phone}"]`,
    {
      timeout: TIMEOUT,
    },
  );
}

/** `transfer:write`, first half: request it and wait for the SMS code form. */
export async function requestTransferStepUp(page: Page): Promise<void> {
  await click(page, byTestId('transfer-request'));
  await page.waitForSelector('[data-testid="transfer-otp"][data-step="verify_sms"]', { timeout: TIMEOUT });
}

/** `transfer:write`, second half: the SMS code, until the page's `onChallenge` log reports `completed`. */
export async function completeTransferStepUp(
  page: Page,
  readOtp: ReadOtp,
  phone: string = DEMO_PHONE,
): Promise<void> {
  await fill(page, 'transfer-otp-code', await readOtp({ to: phone, purpose: 'stepup' }));
  await click(page, byTestId('transfer-otp-verify'));
  await page.waitForSelector(
    '[data-testid="challenge-log-entry"][data-flow="transfer"][data-current-step="completed"]',
    { timeout: TIMEOUT },
  );
}

/** `transfer:write`: request, SMS code, until `completed`. */
export async function stepUpTransfer(
  page: Page,
  readOtp: ReadOtp,
  phone: string = DEMO_PHONE,
): Promise<void> {
  await requestTransferStepUp(page);
  await completeTransferStepUp(page, readOtp, phone);
}
