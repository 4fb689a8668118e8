/**
 * DevTools' theme, the copies and the `?` overlay, as a user meets them: the panel in the real DevTools follows
 * DevTools' own theme setting (dark from the profile, then switched to light in DevTools' settings while the
 * panel is open); as a tab it wears `?theme=` or, without it, the OS scheme. A request of a real step-up is
 * copied as cURL and as fetch, redacted unless "with secrets" is picked, and read back by pasting it; the raw
 * token too, from inside DevTools, where the panel is an iframe. `?` opens the shortcuts and Esc closes them.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Locator, Page } from '@playwright/test';
import { REDACTED_SIGNATURE } from '../../src/core/tokens/types.ts';
import { openDevToolsPanel } from './harness/devtools.ts';
import { PANEL_PATH } from './harness/extension.ts';
import { demo, expect, launchChromium, OtpReader, test, type OtpFn } from './fixtures.ts';
import { keepScreenshot, lane, marks, openPanelWithHook } from './panel-support.ts';

/**
 * What the clipboard holds, read as a user would: pasted with Ctrl+V into a text box added for the moment to
 * `target` (the panel's own document, so no other tab takes the focus from the page under test), then removed.
 */
async function pasteClipboard(keyboardOf: Page, target: Page | Frame): Promise<string> {
  await target.evaluate(() => {
    const box = document.createElement('textarea');
    box.id = 'e2e-paste-box';
    box.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0';
    document.body.append(box);
    box.focus();
  });
  try {
    const box = target.locator('#e2e-paste-box');
    await expectFocused(box);
    await keyboardOf.keyboard.press('Control+V');
    return await box.inputValue();
  } finally {
    await target.evaluate(() => document.getElementById('e2e-paste-box')?.remove());
  }
}

/** Whether `target` is the panel's focused element (the document's own focus, whatever window is active). */
async function expectFocused(target: Locator): Promise<void> {
  await expect.poll(() => target.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
}

/** The page's background colour, to tell a dark panel from a light one by what is drawn. */
function background(target: Page | Frame): Promise<string> {
  return target.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

/** The `otp` fixture, keeping every code it hands out (to check that none is in a redacted copy). */
function recordingOtp(otp: OtpFn): { read: OtpFn; codes: string[] } {
  const codes: string[] = [];
  return {
    codes,
    read: async (query, options) => {
      const code = await otp(query, options);
      codes.push(code);
      return code;
    },
  };
}

test.describe('theme, copies and shortcuts', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  test('as a tab: ?theme= pins the theme; without it the OS scheme is followed', async ({
    context,
    extensionId,
  }, testInfo) => {
    const panel = await context.newPage();
    const url = `chrome-extension://${extensionId}/src/panel/panel.html?tabId=1`;
    await panel.goto(`${url}&theme=dark`);
    await expect(panel.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await background(panel)).toBe('rgb(32, 33, 36)');
    await panel.emulateMedia({ colorScheme: 'light' });
    await expect(panel.locator('html')).toHaveAttribute('data-theme', 'dark');

    await panel.goto(`${url}&theme=light`);
    await expect(panel.locator('html')).toHaveAttribute('data-theme', 'light');
    expect(await background(panel)).toBe('rgb(255, 255, 255)');

    await panel.emulateMedia({ colorScheme: 'dark' });
    await panel.goto(url);
    await expect(panel.locator('html')).toHaveAttribute('data-theme', 'dark');
    await panel.emulateMedia({ colorScheme: 'light' });
    await expect(panel.locator('html')).toHaveAttribute('data-theme', 'light');
    await keepScreenshot(panel, testInfo, 'theme-tab-os-light');
  });

  test('copy the OTP check as cURL and fetch: redacted by default, secrets only when picked; `?` lists the shortcuts', async ({
    context,
    extensionId,
    demoPage,
    otp,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 550, height: 700 });
    const { read, codes } = recordingOtp(otp);
    await demo.loginWithPhone(demoPage, read);
    await demo.stepUpTransfer(demoPage, read);
    const transfer = lane(panel, 'transfer:write');
    await expect(transfer).toHaveAttribute('data-status', 'completed');
    const stepUpCode = codes.at(-1) ?? '';
    expect(stepUpCode).toMatch(/^\d{4,10}$/);

    // The mark of the verified code opens the OTP check: a POST carrying the code.
    await marks(transfer, 'factor_verified:code').first().click();
    const detail = panel.getByTestId('exchange-detail');
    await expect(detail).toBeVisible();
    const copyRequest = detail.getByTestId('copy-request');
    await copyRequest.click();
    const menu = panel.getByRole('menu', { name: 'Copy request' });
    await expect(menu.getByRole('menuitem')).toHaveText([
      'as cURL (redacted)',
      'as fetch (redacted)',
      'as cURL WITH secrets',
      'as fetch WITH secrets',
    ]);
    const box = await menu.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 550 && box.y + box.height <= 700).toBe(true);
    await keepScreenshot(panel, testInfo, 'copy-request-menu-550');
    await menu.getByRole('menuitem', { name: 'as cURL (redacted)' }).click();
    await expect(detail.getByTestId('copy-request-status')).toHaveText('✓ cURL copied (redacted)');
    await keepScreenshot(panel, testInfo, 'copy-request-confirmed-550');

    const curl = await pasteClipboard(panel, panel);
    expect(curl).toMatch(/^curl 'https?:\/\/[^']+\/otp\/check'/);
    expect(curl).not.toContain('-X'); // POST is implied by the body
    expect(curl).not.toContain(stepUpCode);
    expect(curl).toContain('"code":"REDACTED"');
    expect(curl).toContain(`.${REDACTED_SIGNATURE}'`);

    // By keyboard: ↓ opens the menu, ↓ goes to fetch, Enter copies; Esc on the menu keeps the pane open.
    await copyRequest.focus();
    await panel.keyboard.press('ArrowDown');
    await expect(menu).toBeVisible();
    await panel.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(detail).toBeVisible();
    await expectFocused(copyRequest);
    await panel.keyboard.press('ArrowDown');
    await panel.keyboard.press('ArrowDown');
    await expectFocused(menu.getByRole('menuitem', { name: 'as fetch (redacted)' }));
    await panel.keyboard.press('Enter');
    await expect(detail.getByTestId('copy-request-status')).toHaveText('✓ fetch copied (redacted)');
    const fetchCode = await pasteClipboard(panel, panel);
    expect(fetchCode).toMatch(/^fetch\("https?:\/\/[^"]+\/otp\/check", \{/);
    expect(fetchCode).not.toContain(stepUpCode);

    // Secrets only when asked for, and said so.
    await copyRequest.click();
    await menu.getByRole('menuitem', { name: 'as cURL WITH secrets' }).click();
    await expect(detail.getByTestId('copy-request-status')).toHaveText('✓ cURL copied WITH secrets');
    const withSecrets = await pasteClipboard(panel, panel);
    expect(withSecrets).toContain(`"code":"${stepUpCode}"`);
    expect(withSecrets).not.toContain(REDACTED_SIGNATURE);

    // `?` shows the shortcuts over the panel; Esc closes them and the focus comes back.
    await copyRequest.focus();
    await panel.keyboard.press('?');
    const shortcuts = panel.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(shortcuts).toBeVisible();
    await expect(shortcuts).toContainText('Filter the exchanges');
    const dialogBox = await shortcuts.boundingBox();
    expect(dialogBox && dialogBox.x >= 0 && dialogBox.x + dialogBox.width <= 550).toBe(true);
    await keepScreenshot(panel, testInfo, 'shortcuts-550-light');
    await panel.keyboard.press('Tab');
    await panel.keyboard.press('Tab');
    await expectFocused(shortcuts.getByTestId('shortcuts-close'));
    await panel.keyboard.press('Escape');
    await expect(shortcuts).toHaveCount(0);
    await expect(detail).toBeVisible();
    await expectFocused(copyRequest);

    // Dark, undocked wide and docked narrow: the menu and the overlay stay inside the viewport.
    await panel.goto(`${panel.url()}&theme=dark`);
    await panel.setViewportSize({ width: 1440, height: 900 });
    await marks(lane(panel, 'transfer:write'), 'factor_verified:code').first().click();
    await expect(detail).toBeVisible();
    for (const width of [1440, 360]) {
      await panel.setViewportSize({ width, height: width === 360 ? 640 : 900 });
      await copyRequest.click();
      const menuBox = await menu.boundingBox();
      expect(menuBox && menuBox.x >= 0 && menuBox.x + menuBox.width <= width).toBe(true);
      await keepScreenshot(panel, testInfo, `copy-request-menu-${width}-dark`);
      await panel.keyboard.press('Escape');
      await panel.keyboard.press('?');
      await expect(shortcuts).toBeVisible();
      const overlayBox = await shortcuts.boundingBox();
      expect(overlayBox && overlayBox.x >= 0 && overlayBox.x + overlayBox.width <= width).toBe(true);
      await keepScreenshot(panel, testInfo, `shortcuts-${width}-dark`);
      await panel.keyboard.press('?');
      await expect(shortcuts).toHaveCount(0);
    }
  });

  test('in the real DevTools: the panel wears DevTools’ dark theme, follows a switch to light, and copies a token', async ({
    stack,
    extensionPath,
  }, testInfo) => {
    if (extensionPath === null) return;
    test.setTimeout(120_000);
    stack.emulator.reset();
    const profileDir = await mkdtemp(join(tmpdir(), 'stepup-inspector-theme-'));
    await writeDevToolsTheme(profileDir, 'dark');
    const session = await launchChromium({
      headless: true,
      extensionPath,
      profileDir,
      args: stack.chromiumArgs,
    });
    try {
      const { context, extensionId } = session;
      if (extensionId === null) throw new Error('the extension did not start');
      const page = await context.newPage();
      await page.setViewportSize({ width: 1280, height: 700 });
      await demo.openDemo(page, `${stack.demoUrl}?run=copies-theme`);
      const { devtools, panel } = await openDevToolsPanel(context, page, { extensionId });
      // The OS scheme is light (headless): dark can only come from DevTools' setting.
      await expect(panel.locator('html')).toHaveAttribute('data-theme', 'dark');
      expect(await background(panel)).toBe('rgb(32, 33, 36)');

      const otp = new OtpReader(() => stack.emulator.inbox);
      const read: OtpFn = async (query) => {
        const q = typeof query === 'string' ? { to: query } : (query ?? {});
        await expect.poll(() => otp.peek(q) !== undefined).toBe(true);
        const message = otp.peek(q);
        if (!message) throw new Error('no OTP');
        return otp.take(message).code;
      };
      await demo.loginWithPhone(page, read);
      await demo.stepUpTransfer(page, read);
      const transfer = lane(panel, 'transfer:write');
      await expect(transfer).toHaveAttribute('data-status', 'completed');
      await keepScreenshot(devtools, testInfo, 'devtools-dark-timeline');

      await marks(transfer, 'granted').click();
      const detail = panel.getByTestId('exchange-detail');
      await expect(detail.getByTestId('raw-token')).toBeVisible();
      const raw = (await detail.getByTestId('raw-token').textContent())?.replace(/\s/g, '') ?? '';
      await detail.getByRole('button', { name: 'Copy the raw token' }).click();
      await expect(detail.getByTestId('copy-token-status')).toHaveText('✓ Token copied');
      await keepScreenshot(devtools, testInfo, 'devtools-dark-token-copied');
      expect(await pasteClipboard(devtools, panel)).toBe(raw);

      // DevTools' own settings: Preferences → Appearance → Theme. The panel follows without reloading.
      await devtools.keyboard.press('F1');
      const themeSelect = devtools.getByRole('combobox', { name: 'Theme' });
      await themeSelect.selectOption({ label: 'Light' });
      await expect(panel.locator('html')).toHaveAttribute('data-theme', 'light');
      expect(await background(panel)).toBe('rgb(255, 255, 255)');
      await expect(detail.getByTestId('raw-token')).toBeVisible();
      await devtools.keyboard.press('Escape');
      // The panel's frame itself: a headless capture of the whole DevTools window can keep showing DevTools'
      // previous colours after a theme switch, while the frame is captured as drawn.
      await keepScreenshot(
        devtools.locator(`iframe[src*="${PANEL_PATH}"]`),
        testInfo,
        'devtools-switched-light',
      );
    } finally {
      await session.close();
      await rm(profileDir, { recursive: true, force: true });
    }
  });
});

/**
 * DevTools' theme in a fresh profile's Preferences, before launch: DevTools keeps it as `ui-theme`, a
 * JSON-encoded string among its synced settings (in the store used while Chrome sync is off, as here).
 */
async function writeDevToolsTheme(profileDir: string, theme: 'dark' | 'default'): Promise<void> {
  await mkdir(join(profileDir, 'Default'), { recursive: true });
  const prefs = { devtools: { synced_preferences_sync_disabled: { 'ui-theme': JSON.stringify(theme) } } };
  await writeFile(join(profileDir, 'Default', 'Preferences'), JSON.stringify(prefs));
}
