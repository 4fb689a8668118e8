/**
 * Helpers shared by the panel specs (test/e2e/panel-*.spec.ts): opening the panel on a demo tab, enabling
 * the page hook so response bodies are captured without DevTools, keeping key screenshots at a stable path.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Frame, Locator, Page, TestInfo } from '@playwright/test';
import { PROJECT_ROOT } from '../../demo/stack.ts';
import { expect, openPanelAsTab, tabIdOf } from './fixtures.ts';

/** Key screenshots are copied here (test-results/ is wiped on every run). */
export const SCREENSHOT_DIR = join(PROJECT_ROOT, 'screenshots', 'panel');

/** Saves a screenshot into the test's output folder and copies it to {@link SCREENSHOT_DIR}. */
export async function keepScreenshot(
  target: Page | Locator,
  testInfo: TestInfo,
  name: string,
): Promise<string> {
  const path = testInfo.outputPath(`${name}.png`);
  await target.screenshot({ path });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const stable = join(SCREENSHOT_DIR, `${name}.png`);
  copyFileSync(path, stable);
  return stable;
}

/** A panel opened as a tab for the demo page, with the page hook on (bodies without DevTools). */
export interface PanelTab {
  panel: Page;
  tabId: number;
}

/**
 * Opens the panel as a tab inspecting `demoPage`, turns on "Capture before DevTools opens" from the panel's
 * own toolbar (the demo origin, localhost, is already granted, so no prompt), and reloads the demo page so the
 * hook is in place from document start.
 */
export async function openPanelWithHook(
  context: BrowserContext,
  extensionId: string,
  demoPage: Page,
): Promise<PanelTab> {
  const tabId = await tabIdOf(context, extensionId, demoPage);
  const panel = await openPanelAsTab(context, extensionId, tabId);
  const toggle = panel.getByTestId('hook-toggle');
  await expect(toggle).toBeEnabled();
  if (!(await toggle.isChecked())) {
    await toggle.check();
    await expect(toggle).toBeChecked();
  }
  await demoPage.reload();
  await demoPage.getByTestId('flow-login').waitFor();
  return { panel, tabId };
}

/** The lane of the challenge for `scope` (the latest one when several). */
export function lane(panel: Page | Frame, scope: string): Locator {
  return panel.locator(`[data-testid="challenge-lane"][data-scope="${scope}"]`).last();
}

/** Marks of a kind inside a lane. */
export function marks(laneLocator: Locator, kind: string): Locator {
  return laneLocator.locator(`[data-testid="timeline-mark"][data-kind="${kind}"]`);
}
