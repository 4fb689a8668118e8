/**
 * The panel at the sizes DevTools really gives it: docked right (360 and 550 px wide), undocked (1440×900) and
 * docked at the bottom (1440×300), in the light and dark themes. A session captured from the demo's real SDKs
 * (a wrong code then the right one, a grant used then refused, a blocked and a refused scope) is shown in every
 * main view: the timeline, the exchanges with the detail pane open, the findings, the SDK state, the Export
 * popover and the import dialog. In each, no toolbar control, popover or dialog may leave the viewport, no
 * toolbar label or column header may be cut, no text may lie under another element, nothing may scroll the page
 * sideways (harness/layout.ts names the element when one does). Every state is photographed as
 * `<view>-<size>-<theme>.png`, and the problems of all of them are listed in `panel-sizes-issues.txt`.
 *
 * Then the main flow in the real DevTools, docked right at 550 px (DevTools' own light and dark themes).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page, TestInfo } from '@playwright/test';
import { writeDevToolsPreferences } from '../../demo/devtools-prefs.ts';
import { toHar } from '../../src/core/http/har.ts';
import { aStepUpFlow } from '../fixtures/flows.ts';
import {
  demo,
  expect,
  openDevToolsPanel,
  PANEL_PATH,
  test,
  type InboxMessage,
  type OtpFn,
  type OtpQuery,
} from './fixtures.ts';
import { formatIssue, probeLayout, settled, type LayoutChecks, type LayoutIssue } from './harness/layout.ts';
import { launchChromium } from './harness/launch.ts';
import { keepScreenshot, lane, marks, openPanelWithHook, SCREENSHOT_DIR } from './panel-support.ts';

/** Docked right (narrow, then the common width), undocked, docked at the bottom (wide and short). */
const SIZES = [
  { name: '360', width: 360, height: 800 },
  { name: '550', width: 550, height: 800 },
  { name: '1440', width: 1440, height: 900 },
  { name: '1440x300', width: 1440, height: 300 },
] as const;

const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

/** DevTools docked right at the width most users keep it. */
const DOCKED_WIDTH = 550;

/** Floating surfaces and the detail pane: each must fit the window, its content inside its border. */
const SURFACES =
  '[role="dialog"], [role="alertdialog"], [role="menu"], [role="listbox"], aside.detail, [data-testid="exchange-detail"]';

const CHECKS: LayoutChecks = {
  fullyShown: [
    '[role="toolbar"] :is(button, input, select, a[href], label, [role="button"], [role="menuitem"])',
    '[role="tablist"] :is([role="tab"], button, select)',
  ].join(', '),
  inViewport: SURFACES,
  contains: SURFACES,
  notTruncated:
    '[role="toolbar"], [role="tablist"], [role="columnheader"], th, .table-head, footer, .statusbar',
  uncovered: 'button, select, label, [role="tab"], [role="button"], p, h1, h2, h3, h4, li, dt, dd, th, td',
  floating: `${SURFACES}, .modal-backdrop`,
};

/** The problems found, one line per element, for the run's summary file. */
interface Found {
  state: string;
  issues: string[];
}

/** Probes `target` at its current size and records what it finds (soft: every state is checked and shown). */
async function check(target: Page | Frame, state: string, found: Found[]): Promise<void> {
  await settled(target);
  const issues = (await probeLayout(target, CHECKS)).map(formatIssue);
  found.push({ state, issues });
  expect.soft(issues, `layout of ${state}`).toEqual([]);
}

/** Writes the summary of every state's problems next to the screenshots, and into the test's output. */
async function summarise(found: Found[], testInfo: TestInfo, name: string): Promise<void> {
  const lines = found.flatMap(({ state, issues }) =>
    issues.length === 0 ? [`${state}: ok`] : [`${state}:`, ...issues.map((i) => `  ${i}`)],
  );
  const path = testInfo.outputPath(`${name}.txt`);
  await writeFile(path, `${lines.join('\n')}\n`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  copyFileSync(path, join(SCREENSHOT_DIR, `${name}.txt`));
  await testInfo.attach(name, { path, contentType: 'text/plain' });
}

/** A realistic session from the demo's real SDK, captured by the panel. */
async function runFlows(
  demoPage: Page,
  panel: Page,
  otp: OtpFn,
  otpMessage: (query: OtpQuery) => Promise<InboxMessage>,
): Promise<void> {
  await demo.loginWithPhone(demoPage, otp);
  // transfer:write with a mistyped code first, then the right one; the grant used, then refused.
  await demoPage.getByTestId('transfer-request').click();
  const message = await otpMessage({ to: demo.DEMO_PHONE, purpose: 'stepup' });
  const wrong = message.code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  await demoPage.getByTestId('transfer-otp-code').fill(wrong);
  await demoPage.getByTestId('transfer-otp-verify').click();
  const transfer = lane(panel, 'transfer:write');
  await expect(marks(transfer, 'factor_failed:code')).toHaveCount(1);
  await demoPage.getByTestId('transfer-otp-code').fill(message.code);
  await demoPage.getByTestId('transfer-otp-verify').click();
  await demo.challengeEntries(demoPage, 'transfer', 'completed').first().waitFor();
  expect(await demo.sendTransfer(demoPage)).toBe('ok');
  expect(await demo.sendTransfer(demoPage)).toBe('rejected');
  await demo.requestPolicyScope(demoPage, 'admin');
  await demo.requestPolicyScope(demoPage, 'payments');
  await expect(transfer).toHaveAttribute('data-status', 'completed');
  await expect(marks(transfer, 'consumed')).toHaveCount(1);
  await expect(lane(panel, 'admin:root')).toHaveAttribute('data-status', 'blocked');
  await expect(lane(panel, 'payments:admin')).toHaveAttribute('data-status', 'failed');
}

/**
 * Holds the panel's file reads until released, at 40 % read, so the import dialog stays up while it is
 * measured at every size. Returns the function that lets the reads go on (and undoes the hold).
 */
async function holdFileReads(panel: Page): Promise<() => Promise<void>> {
  await panel.evaluate(() => {
    const proto = FileReader.prototype;
    const read = proto.readAsText;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    (globalThis as unknown as { releaseFileReads: () => void }).releaseFileReads = () => {
      proto.readAsText = read;
      release();
    };
    proto.readAsText = function held(this: FileReader, blob: Blob, encoding?: string) {
      this.dispatchEvent(
        new ProgressEvent('progress', {
          lengthComputable: true,
          loaded: Math.floor(blob.size * 0.4),
          total: blob.size,
        }),
      );
      void gate.then(() => read.call(this, blob, encoding));
    };
  });
  return async () => {
    await panel.evaluate(() =>
      (globalThis as unknown as { releaseFileReads: () => void }).releaseFileReads(),
    );
  };
}

test.describe('the panel at the sizes DevTools gives it', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  test('the layout probes name what they catch: a cut label, a wrapped one, a control pushed out, a popover overflowing', async ({
    page,
  }) => {
    await page.setViewportSize({ width: 400, height: 300 });
    await page.setContent(`
      <body style="margin: 0; font: 12px sans-serif">
        <div role="toolbar" data-testid="bar" style="display: flex; width: 200px; overflow: hidden">
          <button data-testid="cut" style="flex: none; width: 60px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap">Capture before DevTools opens</button>
          <label data-testid="wrapped" style="flex: none; width: 40px">From page load</label>
          <button data-testid="fine" style="flex: none">Import</button>
          <button data-testid="pushed" style="flex: none; margin-left: 150px">Export</button>
        </div>
        <div role="dialog" data-testid="popover" style="position: absolute; left: 100px; top: 60px; width: 150px">
          <p data-testid="runs-past" style="white-space: nowrap">Redacted: tokens keep their header and claims</p>
          <p data-testid="wraps-inside">Signatures are replaced first.</p>
        </div>
        <div style="position: absolute; left: 0; top: 200px; width: 200px">
          <button data-testid="under" style="position: absolute; left: 0; top: 0; width: 100px">Read SDK state</button>
          <p data-testid="over" style="position: absolute; left: 30px; top: 2px; margin: 0">Reads the caches</p>
        </div>
        <div role="menu" data-testid="off" style="position: absolute; left: 300px; top: 120px; width: 200px">menu</div>
        <div role="columnheader" data-testid="method" style="width: 20px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap">Method</div>
        <div data-testid="wide" style="width: 600px">wide</div>
      </body>`);
    const issues = await probeLayout(page, CHECKS);
    const named = issues.map((i) => `${i.kind} ${i.selector}`);
    expect(named).toEqual(
      expect.arrayContaining([
        'ellipsis [data-testid="cut"]',
        'wraps [data-testid="wrapped"]',
        'clipped [data-testid="pushed"]',
        'overflows [data-testid="bar"]',
        'escapes [data-testid="runs-past"]',
        'outside-viewport [data-testid="off"]',
        'ellipsis [data-testid="method"]',
        'page-scrolls [data-testid="wide"]',
        'covered [data-testid="under"]',
      ]),
    );
    expect(named.filter((n) => /"(fine|wraps-inside|popover)"/.test(n))).toEqual([]);
    const cut = issues.find((i) => i.kind === 'ellipsis' && i.selector === '[data-testid="cut"]');
    expect(cut?.text).toBe('Capture before DevTools opens');
    expect(cut?.box).toMatchObject({ x: 0, width: 60 });
    expect(formatIssue(cut as LayoutIssue)).toMatch(
      /^ellipsis: \[data-testid="cut"\] "Capture before DevTools opens" at \(0,\d+\) 60×\d+: cut with an ellipsis: content \d+px in \d+px$/,
    );
  });

  test('every main view at 360, 550, 1440 and 1440×300 px, light and dark: nothing cut, nothing outside', async ({
    context,
    extensionId,
    demoPage,
    otp,
    otpMessage,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1440, height: 900 });
    await runFlows(demoPage, panel, otp, otpMessage);
    const panelUrl = panel.url();
    const har = Buffer.from(
      JSON.stringify(toHar((await aStepUpFlow({ scope: 'transfer:write', consume: 'app' })).exchanges)),
    );
    const found: Found[] = [];

    try {
      for (const theme of THEMES) {
        await panel.goto(`${panelUrl}&theme=${theme}`);
        await expect(panel.locator('html')).toHaveAttribute('data-theme', theme);
        await expect(lane(panel, 'transfer:write')).toHaveAttribute('data-status', 'completed');
        await expect(panel.getByRole('toolbar')).toBeVisible();

        /** Measures and photographs the view at every size; `ready` brings it back after a resize. */
        const atEverySize = async (view: string, ready: () => Promise<void>) => {
          for (const size of SIZES) {
            await panel.setViewportSize({ width: size.width, height: size.height });
            await ready();
            await check(panel, `${view} ${size.name} ${theme}`, found);
            await keepScreenshot(panel, testInfo, `${view}-${size.name}-${theme}`);
          }
          await panel.setViewportSize({ width: 1440, height: 900 });
        };

        await test.step(`timeline (${theme})`, async () => {
          await panel.getByTestId('tab-timeline').click();
          await atEverySize('timeline', async () => {
            await expect(lane(panel, 'transfer:write')).toBeVisible();
          });
        });

        await test.step(`findings (${theme})`, async () => {
          await panel.getByTestId('tab-findings').click();
          await atEverySize('findings', async () => {
            await expect(panel.getByTestId('finding').first()).toBeVisible();
          });
        });

        await test.step(`SDK state (${theme})`, async () => {
          await panel.getByTestId('tab-sdk').click();
          await panel.getByTestId('read-sdk-state').click();
          await atEverySize('sdk-state', async () => {
            // The step-up is over: the SDK holds its key and tokens, no challenge any more.
            await expect(panel.getByTestId('sdk-result').getByTestId('sdk-dpop-keys')).toBeVisible();
          });
        });

        await test.step(`exchanges with the detail pane (${theme})`, async () => {
          // The grant's mark opens its exchange and token; the table then shows beside (or under) the detail.
          await panel.getByTestId('tab-timeline').click();
          await marks(lane(panel, 'transfer:write'), 'granted').click();
          const detail = panel.getByTestId('exchange-detail');
          await expect(detail.getByTestId('token-scopes')).toContainText('+transfer:write');
          await panel.getByTestId('tab-exchanges').click();
          await atEverySize('exchanges-detail', async () => {
            await expect(detail).toBeVisible();
            await expect(panel.locator('[data-testid="exchange-row"][aria-selected="true"]')).toBeAttached();
          });
          await panel.keyboard.press('Escape');
          await expect(detail).toHaveCount(0);
        });

        await test.step(`Export popover (${theme})`, async () => {
          const menu = panel.getByTestId('export-menu');
          await atEverySize('export-popover', async () => {
            if (!(await menu.isVisible())) await panel.getByTestId('export-button').click();
            await expect(menu).toBeVisible();
            await expect(panel.getByTestId('export-run')).toBeVisible();
          });
          await panel.getByTestId('export-cancel').click();
          await expect(menu).toHaveCount(0);
        });

        await test.step(`import dialog (${theme})`, async () => {
          const release = await holdFileReads(panel);
          const chooser = panel.waitForEvent('filechooser');
          await panel.getByTestId('import-button').click();
          await (
            await chooser
          ).setFiles({ name: 'transfer-step-up.har', mimeType: 'application/json', buffer: har });
          const dialog = panel.getByRole('dialog').filter({ has: panel.locator('progress') });
          await atEverySize('import-dialog', async () => {
            await expect(dialog).toBeVisible();
            await expect(dialog).toContainText('transfer-step-up.har');
          });
          await release();
          await expect(panel.getByTestId('session-select')).toHaveValue(/^import-/);
        });
      }
    } finally {
      await summarise(found, testInfo, 'panel-sizes-issues');
    }
  });

  for (const theme of THEMES) {
    test(`the main flow in the real DevTools docked right at 550 px (${theme} theme)`, async ({
      extensionPath,
      stack,
      otp,
    }, testInfo) => {
      test.setTimeout(120_000);
      stack.emulator.reset();
      const profileDir = await mkdtemp(join(tmpdir(), 'stepup-inspector-docked-'));
      await writeDevToolsPreferences(profileDir, { dock: 'right', size: DOCKED_WIDTH });
      await setDevToolsTheme(profileDir, theme);
      const own = await launchChromium({
        headless: true,
        extensionPath,
        args: stack.chromiumArgs,
        profileDir,
        viewport: { width: 1440, height: 900 },
      });
      const found: Found[] = [];
      try {
        const context = own.context;
        const page = await context.newPage();
        await demo.openDemo(page, `${stack.demoUrl}?run=docked-${theme}`);
        const { devtools, panel } = await openDevToolsPanel(context, page, { extensionId: own.extensionId });
        const frameElement = devtools.locator(`iframe[src*="${PANEL_PATH}"]`);
        const docked = await frameElement.boundingBox();
        expect(docked, 'the panel frame in DevTools').not.toBeNull();
        expect(Math.abs((docked?.width ?? 0) - DOCKED_WIDTH), 'the docked panel width').toBeLessThan(20);
        // DevTools' theme (chrome.devtools.panels.themeName), not the OS scheme, decides the panel's. Soft, so
        // the screenshots below show what the user gets either way.
        await expect.soft(panel.locator('html')).toHaveAttribute('data-theme', theme);

        await demo.loginWithPhone(page, otp);
        await demo.stepUpTransfer(page, otp);
        expect(await demo.sendTransfer(page)).toBe('ok');
        expect(await demo.sendTransfer(page)).toBe('rejected');
        const transfer = lane(panel, 'transfer:write');
        await expect(transfer).toHaveAttribute('data-status', 'completed');
        await expect(transfer.getByTestId('grant-state')).toHaveText('grant consumed');
        for (const kind of ['requested', 'factor_sent', 'factor_verified:code', 'granted', 'consumed']) {
          await expect(marks(transfer, kind), kind).toHaveCount(1);
        }

        const shoot = (view: string) =>
          keepDevToolsScreenshot(devtools, testInfo, `devtools-${view}-${DOCKED_WIDTH}-${theme}`);
        await check(panel, `devtools timeline ${DOCKED_WIDTH} ${theme}`, found);
        await shoot('timeline');

        await marks(transfer, 'granted').click();
        const detail = panel.getByTestId('exchange-detail');
        await expect(detail.getByTestId('token-scopes')).toContainText('+transfer:write');
        await check(panel, `devtools detail ${DOCKED_WIDTH} ${theme}`, found);
        await shoot('detail');
        await detail.getByTestId('detail-tab-headers').click();
        await devtools.keyboard.press('Escape');
        await expect(detail).toHaveCount(0);

        await panel.getByTestId('tab-exchanges').click();
        await expect(panel.getByTestId('exchange-row').first()).toBeVisible();
        await check(panel, `devtools exchanges ${DOCKED_WIDTH} ${theme}`, found);
        await shoot('exchanges');

        await panel.getByTestId('tab-findings').click();
        await expect(panel.getByTestId('finding').first()).toBeVisible();
        await check(panel, `devtools findings ${DOCKED_WIDTH} ${theme}`, found);
        await shoot('findings');
      } finally {
        await summarise(found, testInfo, `devtools-docked-issues-${theme}`).catch(() => undefined);
        await own.close();
        await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
      }
    });
  }
});

/**
 * Sets DevTools' own theme (Settings → Preferences → Appearance → Theme) in a profile before launch, as DevTools
 * stores it: the `ui-theme` setting, a JSON-encoded string (`default` is light). It is one of DevTools' synced
 * settings, which Chromium keeps in `devtools.synced_preferences_sync_disabled` while DevTools' own settings
 * sync is off, as in a new profile.
 */
async function setDevToolsTheme(profileDir: string, theme: Theme): Promise<void> {
  const path = join(profileDir, 'Default', 'Preferences');
  const prefs = JSON.parse(await readFile(path, 'utf8')) as {
    devtools: Record<string, Record<string, string> | undefined>;
  };
  const synced = 'synced_preferences_sync_disabled';
  prefs.devtools[synced] = {
    ...prefs.devtools[synced],
    'ui-theme': JSON.stringify(theme === 'dark' ? 'dark' : 'default'),
  };
  await writeFile(path, JSON.stringify(prefs));
}

/** A screenshot of DevTools' part of the window (its tab strip and the panel), kept like keepScreenshot's. */
async function keepDevToolsScreenshot(devtools: Page, testInfo: TestInfo, name: string): Promise<void> {
  const frame = await devtools.locator(`iframe[src*="${PANEL_PATH}"]`).boundingBox();
  const viewport = devtools.viewportSize();
  if (!frame || !viewport) throw new Error('DevTools has no panel frame or viewport to photograph');
  const path = testInfo.outputPath(`${name}.png`);
  await devtools.screenshot({
    path,
    clip: { x: frame.x, y: 0, width: viewport.width - frame.x, height: viewport.height },
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  copyFileSync(path, join(SCREENSHOT_DIR, `${name}.png`));
}
