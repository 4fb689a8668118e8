/**
 * The harness itself: the extension loads from dist/, its panel opens as a tab and inside the real DevTools,
 * and its service worker can be stopped. Skipped when dist/ holds no built extension.
 */
import {
  expect,
  openDevToolsPanel,
  openPanelAsTab,
  serviceWorkerOf,
  stopServiceWorker,
  tabIdOf,
  test,
} from './fixtures.ts';

test.describe('e2e harness', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  test('exposes the extension id of the loaded dist/', ({ extensionId }) => {
    expect(extensionId).toMatch(/^[a-p]{32}$/);
  });

  test('opens the panel page as a tab for the demo tab', async ({ context, extensionId, demoPage }) => {
    const tabId = await tabIdOf(context, extensionId ?? '', demoPage);
    expect(tabId).toBeGreaterThan(0);
    const panel = await openPanelAsTab(context, extensionId ?? '', tabId);
    expect(panel.url()).toContain(`/src/panel/panel.html?tabId=${tabId}`);
    await expect(panel.locator('body')).not.toBeEmpty();
  });

  test('selects the Step-Up panel inside the real DevTools', async ({ context, extensionId, demoPage }) => {
    const { devtools, panel } = await openDevToolsPanel(context, demoPage, { extensionId });
    expect(devtools.url()).toMatch(/^devtools:\/\//);
    expect(panel.url()).toContain(`chrome-extension://${extensionId}/src/panel/panel.html`);
    await expect(panel.locator('body')).not.toBeEmpty();
  });

  test('stops the service worker, which restarts on the next extension event', async ({
    context,
    extensionId,
  }) => {
    const worker = await serviceWorkerOf(context, extensionId ?? '');
    await worker.evaluate(() => {
      (globalThis as { __harnessMarker?: number }).__harnessMarker = 1;
    });
    await stopServiceWorker(context);
    // Opening an extension page wakes the worker; its memory is gone.
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extensionId}/src/panel/panel.html?tabId=1`);
    await expect
      .poll(() => worker.evaluate(() => (globalThis as { __harnessMarker?: number }).__harnessMarker ?? 0))
      .toBe(0);
  });
});
