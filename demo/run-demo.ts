/**
 * `npm run demo`: builds the extension and the demo bank page, starts the emulator and the demo server, and
 * opens Chromium with the Step-Up Inspector loaded.
 *
 * - With a display (DISPLAY / WAYLAND_DISPLAY): a visible Chromium with DevTools open on the demo tab, on the
 *   Step-Up panel, docked beside the page wide enough to read (DevTools preferences written into the demo's
 *   fresh profile); you drive it.
 * - Without one: runs the flows itself, headless, in two tabs (Prelude; Dynamic and RFC 9470), saves screenshots
 *   of the page and the inspector panel to demo-output/, prints what the inspector shows for each tab and fails
 *   when a tab's flows left the inspector without exchanges or challenges.
 *
 * Flags: `--headless` / `--headed` force a mode. Environment: `DEMO_PORT`, `EMULATOR_PORT`, `DYNAMIC_PORT`,
 * `RFC9470_PORT` (0 = any free port), `CHROME_PATH`, `DEMO_FIXED_OTP` (headed mode: make every code this value),
 * `DYNAMIC_SDK_NODE_MODULES` (build the page with a `@dynamic-labs-sdk/client` installed elsewhere).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { ensureChromium } from '../scripts/ensure-chromium.mjs';
import { launchChromium, type LaunchedChromium } from '../test/e2e/harness/launch.ts';
import { openPanelAsTab, tabIdOf } from '../test/e2e/harness/extension.ts';
import { openDevToolsWindow, selectPanel, undockDevTools } from '../test/e2e/harness/devtools.ts';
import { OtpReader } from '../test/e2e/harness/otp.ts';
import * as driver from '../test/e2e/harness/demo-driver.ts';
import { writeDevToolsPreferences } from './devtools-prefs.ts';
import {
  DYNAMIC_SCOPES,
  PRELUDE_SCOPES,
  inspectorSummary,
  readInspector,
  runDynamicAndRfc9470Flows,
  runPreludeFlows,
  uncapturedProblem,
  type InspectorView,
} from './flows.ts';
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
let profileDir: string | undefined;
let shuttingDown: Promise<void> | undefined;

function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    await browser?.close().catch(() => undefined);
    if (profileDir)
      await rm(profileDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    await stack?.close().catch(() => undefined);
  })();
  return shuttingDown;
}

/** DevTools docked to the right at this width: the panel's timeline and detail pane fit side by side. */
const DEVTOOLS_WIDTH = 720;

/** A fresh profile whose DevTools preferences dock DevTools right at {@link DEVTOOLS_WIDTH}; removed by `shutdown`. */
async function demoProfile(): Promise<string> {
  profileDir = await mkdtemp(join(tmpdir(), 'stepup-inspector-demo-'));
  await writeDevToolsPreferences(profileDir, { dock: 'right', size: DEVTOOLS_WIDTH });
  return profileDir;
}

/**
 * Opens DevTools on `page` and shows the Step-Up panel in it. DevTools opens on a built-in panel whatever its
 * preferences say (devtools-prefs.ts), so the panel is selected over CDP, as the e2e tests do.
 */
async function openInspector(
  context: BrowserContext,
  page: Page,
  extensionId: string | null,
): Promise<{ devtools: Page; panel: Frame }> {
  const devtools = await openDevToolsWindow(context, page, { extensionId, timeoutMs: 20_000 });
  return { devtools, panel: await selectPanel(devtools, extensionId, 20_000) };
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
        : 'The extension build failed and dist/ holds no extension: the demo runs without the inspector' +
            ' (headless, it then fails at the end).',
    );
  }
  say('Building the demo page (demo/app) if needed…');
  await ensureDemoAppBuilt({ quiet: headless });
  return { chromePath, extensionPath };
}

async function runHeaded(chromePath: string, extensionPath: string | null): Promise<void> {
  // Lets Playwright reach the DevTools window it opens (to select the Step-Up panel); read at launch time.
  process.env['PW_CHROMIUM_ATTACH_TO_OTHER'] = '1';
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
    profileDir: await demoProfile(),
    viewport: null,
    // DevTools takes DEVTOOLS_WIDTH of it; the demo page keeps the rest.
    args: [...stack.chromiumArgs, '--window-size=1440,960'],
  });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(stack.demoUrl);
  let devtoolsNote =
    '  • DevTools is open on the demo tab, on the Step-Up panel: it captures the flows below as you run them.';
  if (browser.extensionId) {
    try {
      await openInspector(browser.context, page, browser.extensionId);
    } catch (err) {
      devtoolsNote = `  • Open DevTools (F12) on the demo tab and pick the Step-Up panel (it could not be opened: ${(err as Error).message}).`;
    }
  }
  say('');
  say('Step-Up Inspector demo is running.');
  say(`  Demo bank page   ${stack.demoUrl}`);
  say(`  Session API      https://${stack.domain}/v1/session → emulator on 127.0.0.1:${stack.emulator.port}`);
  say(`  Dynamic API      ${stack.dynamic.apiBase} → emulator on 127.0.0.1:${stack.dynamic.port}`);
  say(`  RFC 9470 API     ${stack.rfc9470.url} (authorization + resource server)`);
  say(`  Extension        ${extensionPath ? `loaded from ${extensionPath}` : 'not loaded (no build)'}`);
  say('');
  say('In the Chromium window:');
  say(devtoolsNote);
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

/** Reads and prints what the inspector's panel shows; returns it. */
async function reportInspector(panel: Page, tab: string): Promise<InspectorView> {
  const view = await readInspector(panel);
  say(`  ${tab} ${inspectorSummary(view)}`);
  if (view.lanes.length > 0) {
    say(`    lanes: ${view.lanes.map((lane) => `${lane.scope || '(no scope)'} ${lane.status}`).join(', ')}`);
  }
  return view;
}

/**
 * The inspector for the Prelude tab, opened only now that the flows have run: the panel page as a tab (read and
 * photographed), then the real DevTools on that tab, on the Step-Up panel.
 */
async function capturePanel(
  context: BrowserContext,
  page: Page,
  extensionId: string,
): Promise<InspectorView> {
  const tabId = await tabIdOf(context, extensionId, page);
  const panel = await openPanelAsTab(context, extensionId, tabId);
  await panel.setViewportSize({ width: 1440, height: 900 });
  const view = await reportInspector(panel, 'Prelude tab');
  await screenshot(panel, '04-inspector-panel-tab.png', false);
  await panel.close();

  try {
    const { devtools, panel: frame } = await openInspector(context, page, extensionId);
    // Docked, the panel is a side strip next to an empty (uncaptured) page area: give it its own window.
    if (await undockDevTools(devtools)) {
      await (await frame.frameElement()).waitForElementState('visible');
    }
    await devtools.setViewportSize({ width: 1440, height: 900 }).catch(() => undefined);
    await frame.waitForLoadState('load');
    await readInspector(frame).catch(() => undefined);
    await screenshot(devtools, '05-devtools-step-up-panel.png', false);
  } catch (err) {
    say(`  (the real DevTools panel could not be captured: ${(err as Error).message})`);
  }
  return view;
}

/**
 * The Dynamic and RFC 9470 cards, in a tab of their own so the inspector's timeline for that tab shows just
 * their lanes. Nothing is switched on first: what the inspector captures is what it captures by default.
 * Returns what the panel shows for the tab (null without the extension).
 */
async function runDynamicAndRfc9470(
  context: BrowserContext,
  currentStack: Stack,
  extensionId: string | null,
): Promise<InspectorView | null> {
  const page = await context.newPage();
  await driver.openDemo(page, `${currentStack.demoUrl}?tab=dynamic-rfc9470`);
  await runDynamicAndRfc9470Flows(
    page,
    new OtpReader(() => currentStack.dynamic.inbox),
    say,
    async (name) => {
      const [card, file] =
        name === 'dynamic-card'
          ? ['flow-dynamic', '06-demo-dynamic-card.png']
          : ['flow-oauth', '07-demo-rfc9470-card.png'];
      await page.getByTestId(card).scrollIntoViewIfNeeded();
      await page.getByTestId(card).screenshot({ path: join(OUTPUT_DIR, file) });
      say(`  saved ${join(OUTPUT_DIR, file)}`);
    },
  );

  let view: InspectorView | null = null;
  if (extensionId) {
    const panel = await openPanelAsTab(context, extensionId, await tabIdOf(context, extensionId, page));
    await panel.setViewportSize({ width: 1440, height: 900 });
    view = await reportInspector(panel, 'Dynamic/RFC 9470 tab');
    if (view.lanes.length > 0) {
      await panel
        .getByTestId('timeline')
        .screenshot({ path: join(OUTPUT_DIR, '08-inspector-timeline-dynamic-rfc9470.png') });
      say(`  saved ${join(OUTPUT_DIR, '08-inspector-timeline-dynamic-rfc9470.png')}`);
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
  return view;
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
    profileDir: await demoProfile(),
    viewport: { width: 1440, height: 900 },
    args: stack.chromiumArgs,
  });
  await rm(OUTPUT_DIR, { recursive: true, force: true });
  await mkdir(OUTPUT_DIR, { recursive: true });
  const { context, extensionId } = browser;
  const page = await context.newPage();
  await driver.openDemo(page, stack.demoUrl);
  const currentStack = stack;

  say('No display: running the demo flows headless (Prelude tab)…');
  await runPreludeFlows(page, new OtpReader(() => currentStack.emulator.inbox), say, async () => {
    await screenshot(page, '01-demo-transfer-challenge.png', false);
  });
  say('Final state:');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, '02-demo-page-viewport.png', false);
  await screenshot(page, '03-demo-page-full.png', true);
  const apiCalls = stack.emulator.requests.filter((r) => r.path.startsWith('/v1/session'));
  say(`  (${apiCalls.length} Session API requests recorded by the emulator)`);
  const problems: string[] = [];
  if (extensionId) {
    const view = await capturePanel(context, page, extensionId);
    const problem = uncapturedProblem('Prelude tab', view, PRELUDE_SCOPES);
    if (problem) problems.push(problem);
  } else {
    say('  (no extension loaded: no inspector screenshots)');
  }
  say('Dynamic and RFC 9470 flows (a second tab):');
  const dynamicView = await runDynamicAndRfc9470(context, stack, extensionId);
  if (dynamicView) {
    const problem = uncapturedProblem('Dynamic/RFC 9470 tab', dynamicView, DYNAMIC_SCOPES);
    if (problem) problems.push(problem);
  }
  say('');
  say(`Screenshots are in ${OUTPUT_DIR}`);
  if (problems.length > 0) {
    throw new DemoError(
      `the inspector did not show what the demo ran:\n  ${problems.join('\n  ')}\n` +
        'The screenshots show what it showed instead.',
    );
  }
  if (!extensionId) throw new DemoError('the extension was not loaded: nothing was inspected.');
  say('Done.');
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
