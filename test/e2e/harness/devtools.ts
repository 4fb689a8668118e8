/** Opening the real Chrome DevTools on a page and selecting the inspector's panel in it. */
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { DEVTOOLS_PAGE_PATH, PANEL_PATH } from './extension.ts';

/** A DevTools window and the inspector panel's frame inside it. */
export interface DevToolsPanel {
  devtools: Page;
  panel: Frame;
}

function panelFrame(devtools: Page, extensionId: string | null): Frame | undefined {
  const prefix = extensionId ? `chrome-extension://${extensionId}/` : 'chrome-extension://';
  return devtools.frames().find((f) => f.url().startsWith(prefix) && f.url().includes(PANEL_PATH));
}

/**
 * Opens DevTools for `page` with CDP `Target.openDevTools` and returns its window once the extension's devtools
 * page has loaded in it (with `extensionId`), with whatever panel DevTools chose itself: no key is pressed.
 *
 * Needs `PW_CHROMIUM_ATTACH_TO_OTHER=1` in the environment before launch, so that Playwright reports the
 * `devtools://` window as a page. Do not drive DevTools' internals with `evaluate` (it broke DevTools in trials).
 */
export async function openDevToolsWindow(
  context: BrowserContext,
  page: Page,
  options: { extensionId?: string | null; timeoutMs?: number } = {},
): Promise<Page> {
  if (!process.env['PW_CHROMIUM_ATTACH_TO_OTHER']) {
    throw new Error(
      'Set PW_CHROMIUM_ATTACH_TO_OTHER=1 before launching Chromium to reach the DevTools window.',
    );
  }
  const browser = context.browser();
  if (!browser) throw new Error('This context has no browser to open DevTools with.');
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const extensionId = options.extensionId ?? null;

  const pageCdp = await context.newCDPSession(page);
  const { targetInfo } = (await pageCdp.send('Target.getTargetInfo')) as { targetInfo: { targetId: string } };
  await pageCdp.detach();

  const browserCdp = await browser.newBrowserCDPSession();
  const devtoolsOpened = context.waitForEvent('page', {
    predicate: (p) => p.url().startsWith('devtools://'),
    timeout: timeoutMs,
  });
  // `Target.openDevTools` is missing from Playwright's protocol typings: go through an untyped send.
  await (browserCdp.send as (method: string, params: object) => Promise<unknown>)('Target.openDevTools', {
    targetId: targetInfo.targetId,
  });
  const devtools = await devtoolsOpened;
  await browserCdp.detach().catch(() => undefined);
  await devtools.waitForLoadState('domcontentloaded');

  // The extension's devtools page registers the panel (`chrome.devtools.panels.create`) once it has loaded in
  // the DevTools window: keys pressed before that cannot reach the panel.
  const devtoolsPagePrefix = extensionId ? `chrome-extension://${extensionId}/${DEVTOOLS_PAGE_PATH}` : null;
  if (devtoolsPagePrefix) {
    const loaded = (): boolean => devtools.frames().some((f) => f.url().startsWith(devtoolsPagePrefix));
    while (!loaded() && Date.now() < deadline) {
      await devtools
        .waitForEvent('framenavigated', { timeout: Math.max(1, deadline - Date.now()) })
        .catch(() => undefined);
    }
  }
  return devtools;
}

/**
 * Opens DevTools for `page` ({@link openDevToolsWindow}) and selects the extension's panel with
 * {@link selectPanel}.
 */
export async function openDevToolsPanel(
  context: BrowserContext,
  page: Page,
  options: { extensionId?: string | null; timeoutMs?: number } = {},
): Promise<DevToolsPanel> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const extensionId = options.extensionId ?? null;
  const devtools = await openDevToolsWindow(context, page, { extensionId, timeoutMs });
  const panel = await selectPanel(devtools, extensionId, Math.max(1, deadline - Date.now()));
  return { devtools, panel };
}

/**
 * Selects the extension's panel in an open DevTools window by pressing `Control+]` (next panel) until its
 * frame is shown (none when it already is): DevTools creates an extension panel only once selected.
 */
export async function selectPanel(
  devtools: Page,
  extensionId: string | null,
  timeoutMs: number,
): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  // Select the panel with "previous panel" (Ctrl+[): extension panels come after the built-in ones, so from
  // the first panel (Elements) it wraps to the last one, usually ours. Right after the devtools page loads, the
  // panel may not be registered yet and the press lands on the last built-in panel: the next panel (Ctrl+])
  // is then ours, and further Ctrl+] walk through every panel. Chromium can create an extension panel's frame
  // before showing it: the panel counts as selected only once its frame is visible.
  let panel = panelFrame(devtools, extensionId);
  let presses = 0;
  while (!(await isShown(panel))) {
    if (Date.now() > deadline) {
      throw new Error(`The inspector panel could not be selected in DevTools within ${timeoutMs} ms.`);
    }
    await devtools.keyboard.press(presses === 0 ? 'Control+[' : 'Control+]');
    presses += 1;
    panel = await waitUntilShown(
      devtools,
      extensionId,
      Math.min(presses <= 2 ? 1500 : 700, Math.max(1, deadline - Date.now())),
    );
  }
  if (!panel) throw new Error('The inspector panel frame vanished.'); // narrows the type; isShown implies it
  await panel.waitForLoadState('domcontentloaded');
  return panel;
}

async function isShown(frame: Frame | undefined): Promise<boolean> {
  if (!frame) return false;
  const element = await frame.frameElement().catch(() => null);
  return element !== null && (await element.isVisible());
}

/** Waits up to `ms` for the panel frame to exist and be visible; returns it (shown or not) or undefined. */
async function waitUntilShown(
  devtools: Page,
  extensionId: string | null,
  ms: number,
): Promise<Frame | undefined> {
  const until = Date.now() + ms;
  let frame = panelFrame(devtools, extensionId);
  while (!frame && Date.now() < until) {
    // A new panel frame attaches (URL still empty), then navigates to the extension URL: wait for the latter.
    const left = Math.max(1, until - Date.now());
    await Promise.race([
      devtools.waitForEvent('frameattached', { timeout: left }),
      devtools.waitForEvent('framenavigated', { timeout: left }),
    ]).catch(() => undefined);
    frame = panelFrame(devtools, extensionId);
  }
  const element = frame ? await frame.frameElement().catch(() => null) : null;
  await element
    ?.waitForElementState('visible', { timeout: Math.max(1, until - Date.now()) })
    .catch(() => undefined);
  return frame;
}

/**
 * Moves a docked DevTools window into its own window (⋮ menu → "Undock into separate window"), so a screenshot
 * of the DevTools page shows the panel at full size instead of a side strip. Uses the menu's accessible names;
 * best effort: resolves false when the menu is not found.
 */
export async function undockDevTools(devtools: Page): Promise<boolean> {
  try {
    await devtools
      .getByRole('button', { name: 'Customize and control DevTools' })
      .first()
      .click({ timeout: 3000 });
    await devtools.getByRole('button', { name: 'Undock into separate window' }).click({ timeout: 3000 });
    return true;
  } catch {
    await devtools.keyboard.press('Escape').catch(() => undefined);
    return false;
  }
}
