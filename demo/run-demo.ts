/**
 * `npm run demo`: builds the extension and the demo bank page, starts the emulator and the demo server, and
 * opens Chromium with the Step-Up Inspector loaded.
 *
 * - With a display (DISPLAY / WAYLAND_DISPLAY): a visible Chromium with DevTools open on the demo tab; you drive it.
 * - Without one: runs the flows itself, headless, and saves screenshots of the page and the inspector panel to
 *   demo-output/.
 *
 * Flags: `--headless` / `--headed` force a mode. Environment: `DEMO_PORT`, `EMULATOR_PORT`, `DYNAMIC_PORT`,
 * `RFC9470_PORT` (0 = any free port), `CHROME_PATH`, `DEMO_FIXED_OTP` (headed mode: make every code this value),
 * `DYNAMIC_SDK_NODE_MODULES` (build the page with a `@dynamic-labs-sdk/client` installed elsewhere).
 */
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ensureChromium } from '../scripts/ensure-chromium.mjs';
import { launchChromium, type LaunchedChromium } from '../test/e2e/harness/launch.ts';
import { openPanelAsTab, tabIdOf } from '../test/e2e/harness/extension.ts';
import { openDevToolsPanel, undockDevTools } from '../test/e2e/harness/devtools.ts';
import { OtpReader } from '../test/e2e/harness/otp.ts';
import * as driver from '../test/e2e/harness/demo-driver.ts';
import { PROJECT_ROOT, ensureDemoAppBuilt, extensionDistDir, startStack, type Stack } from './stack.ts';

const OUTPUT_DIR = join(PROJECT_ROOT, 'demo-output');

class DemoError extends Error {}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new DemoError(`${name}=${raw} is not a port number.`);
  return port;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Runs `npm run build`; resolves false (after saying why) when the build fails. */
function buildExtension(): Promise<boolean> {
  return new Promise((resolve) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    child.on('error', (err) => {
      say(`Could not run npm run build: ${err.message}`);
      resolve(false);
    });
    child.on('exit', (code) => resolve(code === 0));
  });
}

// Everything started here, stopped in reverse order by `shutdown` (Ctrl-C, browser closed, end of run).
let stack: Stack | undefined;
let browser: LaunchedChromium | undefined;
let shuttingDown: Promise<void> | undefined;

function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    await browser?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
  })();
  return shuttingDown;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches both tsx and this process, and tsx relays it: act on the first one only.
    if (shuttingDown) return;
    say(`\n${signal}: stopping Chromium and the servers…`);
    void shutdown().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

async function prepare(headless: boolean): Promise<{ chromePath: string; extensionPath: string | null }> {
  let chromePath: string;
  try {
    chromePath = ensureChromium();
  } catch (err) {
    throw new DemoError((err as Error).message);
  }
  say('Building the extension (npm run build)…');
  const built = await buildExtension();
  const extensionPath = extensionDistDir();
  if (!built) {
    say(
      extensionPath
        ? 'The extension build failed: using the previous build in dist/.'
        : 'The extension build failed and dist/ holds no extension: the demo runs without the inspector.',
    );
  }
  say('Building the demo page (demo/app) if needed…');
  await ensureDemoAppBuilt({ quiet: headless });
  return { chromePath, extensionPath };
}

async function runHeaded(chromePath: string, extensionPath: string | null): Promise<void> {
  stack = await startStack({
    emulatorPort: portFromEnv('EMULATOR_PORT', 8443),
    demoPort: portFromEnv('DEMO_PORT', 5180),
    dynamicPort: portFromEnv('DYNAMIC_PORT', 0),
    rfc9470Port: portFromEnv('RFC9470_PORT', 0),
    build: false,
    ...(process.env['DEMO_FIXED_OTP'] ? { fixedOtp: process.env['DEMO_FIXED_OTP'] } : {}),
  });
  browser = await launchChromium({
    headless: false,
    executablePath: chromePath,
    extensionPath,
    viewport: null,
    // Fine headed; never combine it with PW_CHROMIUM_ATTACH_TO_OTHER (the first page would be DevTools).
    args: [...stack.chromiumArgs, '--auto-open-devtools-for-tabs', '--window-size=1440,960'],
  });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(stack.demoUrl);
  say('');
  say('Step-Up Inspector demo is running.');
  say(`  Demo bank page   ${stack.demoUrl}`);
  say(`  Session API      https://${stack.domain}/v1/session → emulator on 127.0.0.1:${stack.emulator.port}`);
  say(`  Dynamic API      ${stack.dynamic.apiBase} → emulator on 127.0.0.1:${stack.dynamic.port}`);
  say(`  RFC 9470 API     ${stack.rfc9470.url} (authorization + resource server)`);
  say(`  Extension        ${extensionPath ? `loaded from ${extensionPath}` : 'not loaded (no build)'}`);
  say('');
  say('In the Chromium window:');
  say(
    '  • DevTools is open on the demo tab: pick the "Step-Up" panel (it may hide behind » in the tab strip).',
  );
  say('  • 1  Sign in with a phone code (any number, e.g. +14155550123).');
  say(
    '  • 2  Request transfer:write, enter the SMS code, send the transfer, then send it again (refused: single-use).',
  );
  say('  • 3  Log in as ada@demo.test / "correct horse battery staple", request prld:pwd:write, save twice.');
  say('  • 4  Request kyc:approve (phone user): e-mail code, SMS code, then "Approve KYC review".');
  say(
    '  • 5  Scope policies: admin:root is blocked, payments:admin is not allowed, report:read is granted at once.',
  );
  say(
    '  • 6  Dynamic: sign in by e-mail code, check wallet:export, verify the e-mail code, export twice (the second is',
  );
  say('        refused: single-use), then wallet:sign and sign twice (multi-use).');
  say(
    '  • 7  RFC 9470: sign in, pay (401 challenge), re-authenticate, pay again; tick "Broken IdP" for a challenge loop.',
  );
  say(
    'OTP codes appear in the page\'s "OTP inbox" panel ("Use this code" fills the field); nothing is really sent.',
  );
  say('Press Ctrl-C here (or close the browser) to stop everything.');
  await new Promise<void>((resolve) => browser?.context.on('close', () => resolve()));
  say('Browser closed.');
}

async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  const path = join(OUTPUT_DIR, name);
  await page.screenshot({ path, fullPage });
  say(`  saved ${path}`);
  return path;
}

async function runFlows(page: Page, readOtp: driver.ReadOtp, reader: OtpReader): Promise<void> {
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
  await screenshot(page, '01-demo-transfer-challenge.png', false);
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

/**
 * The Dynamic and RFC 9470 cards, in a tab of their own so the inspector's timeline for that tab shows just their
 * lanes. With the extension, the panel is opened first (as a tab) with "Capture before DevTools opens" on: Dynamic
 * lanes need response bodies (`elevatedAccessToken`), which only the page hook or DevTools see.
 */
async function runDynamicAndRfc9470(
  context: BrowserContext,
  currentStack: Stack,
  extensionId: string | null,
): Promise<void> {
  const page = await context.newPage();
  await driver.openDemo(page, `${currentStack.demoUrl}?tab=dynamic-rfc9470`);
  let panel: Page | null = null;
  if (extensionId) {
    const tabId = await tabIdOf(context, extensionId, page);
    panel = await openPanelAsTab(context, extensionId, tabId);
    await panel.setViewportSize({ width: 1440, height: 900 });
    const toggle = panel.getByTestId('hook-toggle');
    try {
      await toggle.waitFor({ timeout: 10_000 });
      // The toggle settles asynchronously: click until it holds.
      for (let i = 0; i < 3 && !(await toggle.isChecked()); i++) {
        await toggle.click();
        await panel
          .waitForFunction(
            () => (document.querySelector('[data-testid="hook-toggle"]') as HTMLInputElement | null)?.checked,
            undefined,
            { timeout: 5_000 },
          )
          .catch(() => undefined);
      }
      await page.reload();
      await page.getByTestId('flow-login').waitFor();
    } catch (err) {
      say(`  (could not turn on the page hook: ${(err as Error).message}; bodies only with DevTools open)`);
    }
    // A background tab's timers are throttled to 1 s: keep the demo page in front while the flows run.
    await page.bringToFront();
  }
  const reader = new OtpReader(() => currentStack.dynamic.inbox);
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
  await page.getByTestId('flow-dynamic').scrollIntoViewIfNeeded();
  await page.getByTestId('flow-dynamic').screenshot({ path: join(OUTPUT_DIR, '06-demo-dynamic-card.png') });
  say(`  saved ${join(OUTPUT_DIR, '06-demo-dynamic-card.png')}`);

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
  await page.getByTestId('flow-oauth').scrollIntoViewIfNeeded();
  await page.getByTestId('flow-oauth').screenshot({ path: join(OUTPUT_DIR, '07-demo-rfc9470-card.png') });
  say(`  saved ${join(OUTPUT_DIR, '07-demo-rfc9470-card.png')}`);

  if (panel) {
    await panel.bringToFront();
    const timeline = panel.getByTestId('timeline');
    try {
      await panel.locator('[data-testid="challenge-lane"]').first().waitFor({ timeout: 10_000 });
      await timeline.screenshot({ path: join(OUTPUT_DIR, '08-inspector-timeline-dynamic-rfc9470.png') });
      say(`  saved ${join(OUTPUT_DIR, '08-inspector-timeline-dynamic-rfc9470.png')}`);
    } catch (err) {
      say(`  (no challenge lane in the panel for these flows: ${(err as Error).message.split('\n')[0]})`);
    }
    await screenshot(panel, '09-inspector-panel-dynamic-rfc9470.png', false);
    // The widths DevTools really gives a panel: docked narrow, docked beside the page, undocked; in both themes.
    for (const scheme of ['light', 'dark'] as const) {
      await panel.emulateMedia({ colorScheme: scheme });
      for (const width of [360, 550, 1440]) {
        await panel.setViewportSize({ width, height: 900 });
        await screenshot(panel, `10-panel-${width}-${scheme}.png`, false);
      }
    }
    await panel.close();
  }
  await page.close();
}

async function capturePanel(context: BrowserContext, page: Page, extensionId: string): Promise<void> {
  const tabId = await tabIdOf(context, extensionId, page);
  const panel = await openPanelAsTab(context, extensionId, tabId);
  await panel.setViewportSize({ width: 1440, height: 900 });
  await panel.waitForLoadState('load');
  // The panel renders from the service worker's store: wait until it shows more than an empty shell.
  await panel
    .waitForFunction(() => (document.body.innerText || '').trim().length > 40, undefined, { timeout: 10_000 })
    .catch(() => undefined);
  await screenshot(panel, '04-inspector-panel-tab.png', false);
  await panel.close();

  try {
    const { devtools, panel: frame } = await openDevToolsPanel(context, page, {
      extensionId,
      timeoutMs: 20_000,
    });
    // Docked, the panel is a side strip next to an empty (uncaptured) page area: give it its own window.
    if (await undockDevTools(devtools)) {
      await (await frame.frameElement()).waitForElementState('visible');
    }
    await devtools.setViewportSize({ width: 1440, height: 900 }).catch(() => undefined);
    await frame.waitForLoadState('load');
    await frame
      .waitForFunction(() => (document.body.innerText || '').trim().length > 40, undefined, {
        timeout: 10_000,
      })
      .catch(() => undefined);
    await screenshot(devtools, '05-devtools-step-up-panel.png', false);
  } catch (err) {
    say(`  (the real DevTools panel could not be captured: ${(err as Error).message})`);
  }
}

async function runHeadless(chromePath: string, extensionPath: string | null): Promise<void> {
  // Lets Playwright see the DevTools window opened by CDP as a page; read at launch time.
  process.env['PW_CHROMIUM_ATTACH_TO_OTHER'] = '1';
  stack = await startStack({
    emulatorPort: portFromEnv('EMULATOR_PORT', 0),
    demoPort: portFromEnv('DEMO_PORT', 0),
    dynamicPort: portFromEnv('DYNAMIC_PORT', 0),
    rfc9470Port: portFromEnv('RFC9470_PORT', 0),
    build: false,
    quiet: true,
  });
  browser = await launchChromium({
    headless: true,
    executablePath: chromePath,
    extensionPath,
    viewport: { width: 1440, height: 900 },
    args: stack.chromiumArgs,
  });
  await rm(OUTPUT_DIR, { recursive: true, force: true });
  await mkdir(OUTPUT_DIR, { recursive: true });
  const { context, extensionId } = browser;
  const page = await context.newPage();
  await driver.openDemo(page, stack.demoUrl);
  const currentStack = stack;
  const reader = new OtpReader(() => currentStack.emulator.inbox);
  const readOtp: driver.ReadOtp = async (query) => (await reader.next(query)).code;

  say('No display: running the demo flows headless…');
  await runFlows(page, readOtp, reader);
  say('Final state:');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, '02-demo-page-viewport.png', false);
  await screenshot(page, '03-demo-page-full.png', true);
  const apiCalls = stack.emulator.requests.filter((r) => r.path.startsWith('/v1/session'));
  say(`  (${apiCalls.length} Session API requests recorded by the emulator)`);
  if (extensionId) await capturePanel(context, page, extensionId);
  else say('  (no extension loaded: no inspector screenshots)');
  say('Dynamic and RFC 9470 flows (a second tab):');
  await runDynamicAndRfc9470(context, stack, extensionId);
  say('');
  say(`Done. Screenshots are in ${OUTPUT_DIR}`);
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const hasDisplay = Boolean(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY']);
  const headless = args.has('--headless') || (!args.has('--headed') && !hasDisplay);
  if (!headless && !hasDisplay) {
    throw new DemoError(
      '--headed needs a display (DISPLAY or WAYLAND_DISPLAY); drop it for the headless demo.',
    );
  }
  const { chromePath, extensionPath } = await prepare(headless);
  if (headless) await runHeadless(chromePath, extensionPath);
  else await runHeaded(chromePath, extensionPath);
}

main()
  .then(async () => {
    await shutdown();
    process.exit(0);
  })
  .catch(async (err: unknown) => {
    await shutdown();
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`\nnpm run demo failed: ${message}\n`);
    if (/already in use/.test(message)) {
      process.stderr.write(
        'Set EMULATOR_PORT and/or DEMO_PORT to free ports (0 = any free port), or stop what uses it.\n',
      );
    }
    if (!(err instanceof DemoError) && err instanceof Error && process.env['DEBUG']) {
      process.stderr.write(
        `${err.stack ?? ''}\n${err.cause instanceof Error ? (err.cause.stack ?? '') : ''}\n`,
      );
    } else if (!(err instanceof DemoError)) {
      process.stderr.write('(DEBUG=1 npm run demo shows the details)\n');
    }
    process.exit(1);
  });
