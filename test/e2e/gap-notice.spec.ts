/**
 * Calls the log missed are said where the user looks: a flow run on a site (not a loopback host) while DevTools
 * was closed is counted in the panel's notice when DevTools opens, exactly, and the notice's buttons turn on
 * capture from page load there, after which a flow run with DevTools closed is captured.
 *
 * A browser of its own, as installed (the shared one runs with background capture on, which would see the
 * calls), with the demo page served as `http://app.demo.test:<port>` (a host-resolver rule; the flag that
 * makes it a secure context stands in for the HTTPS a real site has: the SDK needs WebCrypto).
 */
import type { Frame, Locator, Page } from '@playwright/test';
import {
  allowHostsWithoutPrompt,
  demo,
  expect,
  openDevToolsPanel,
  tabIdOf,
  test,
  type Stack,
} from './fixtures.ts';
import { NON_LOOPBACK_DEMO_HOST, NON_LOOPBACK_DEMO_RULE, launchChromium } from './harness/launch.ts';
import { PANEL_PATH } from './harness/extension.ts';
import { keepScreenshot } from './panel-support.ts';

/** Session-API calls the emulator served (CORS preflights are not the page's calls). */
function sessionCalls(stack: Stack): number {
  return stack.emulator.requests.filter((r) => r.path.startsWith('/v1/session/') && r.method !== 'OPTIONS')
    .length;
}

/** The panel's verdict on the page load it inspects: the notice's count, or 0 once compared with nothing missed. */
async function missedCount(panel: Frame | Page): Promise<number> {
  const notice = panel.getByTestId('gap-notice');
  await expect(notice.or(panel.getByTestId('gap-compared'))).toBeAttached();
  return (await notice.count()) === 0 ? 0 : Number(await notice.getAttribute('data-missed'));
}

/** The panel's frame element in the DevTools window (for a screenshot of the panel as DevTools shows it). */
function panelFrame(devtools: Page): Locator {
  return devtools.locator(`iframe[src*="${PANEL_PATH}"]`);
}

/**
 * Sizes the DevTools window so the panel is `width` px wide, as DevTools docked to the side of a window shows
 * it (the window has more than the panel: the panel tabs' own chrome).
 */
async function dockedWidth(devtools: Page, width: number): Promise<void> {
  await devtools.setViewportSize({ width, height: 640 });
  const box = await panelFrame(devtools).boundingBox();
  if (box && Math.round(box.width) !== width)
    await devtools.setViewportSize({ width: width + width - Math.round(box.width), height: 640 });
  await expect
    .poll(async () => Math.round((await panelFrame(devtools).boundingBox())?.width ?? 0))
    .toBe(width);
}

async function hookOrigins(panel: Frame): Promise<string[]> {
  const reply = (await panel.evaluate(() =>
    chrome.runtime.sendMessage({ v: 1, type: 'getHookOrigins' }),
  )) as {
    hookOrigins?: string[];
  };
  return reply.hookOrigins ?? [];
}

test.describe('gap notice', () => {
  test('a flow run with DevTools closed is counted when DevTools opens; its buttons bring the next one', async ({
    extensionPath,
    stack,
    otp,
  }, testInfo) => {
    test.skip(!extensionPath, 'needs the built extension (npm run build)');
    test.setTimeout(120_000);
    stack.emulator.reset();
    const port = new URL(stack.demoUrl).port;
    const origin = `http://${NON_LOOPBACK_DEMO_HOST}:${port}`;
    const own = await launchChromium({
      headless: true,
      extensionPath,
      args: [...stack.chromiumArgs, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
      hostRules: [NON_LOOPBACK_DEMO_RULE],
    });
    try {
      const id = own.extensionId as string;
      const context = own.context;
      const page = await context.newPage();
      await demo.openDemo(page, `${origin}/?run=gap-notice`);
      const atLoad = sessionCalls(stack);

      // DevTools open: what the page did before it opened is counted, the sign-in is captured.
      let { devtools, panel } = await openDevToolsPanel(context, page, { extensionId: id });
      expect(await missedCount(panel)).toBe(atLoad);
      await demo.loginWithPassword(page);
      await expect(panel.getByTestId('access-lane').first()).toBeVisible();
      await devtools.close();

      // The password reset with DevTools closed: nothing sees it.
      const beforeFlow = sessionCalls(stack);
      await demo.stepUpPasswordReset(page, otp);
      const flowCalls = sessionCalls(stack) - beforeFlow;
      expect(flowCalls).toBeGreaterThan(2);

      // DevTools again: the earlier lanes, and the notice with exactly the calls it did not see.
      ({ devtools, panel } = await openDevToolsPanel(context, page, { extensionId: id }));
      await dockedWidth(devtools, 550);
      await expect(panel.getByTestId('access-lane').first()).toBeVisible();
      const notice = panel.getByTestId('gap-notice');
      await expect(notice).toHaveAttribute('data-missed', String(atLoad + flowCalls));
      await expect(panel.getByTestId('gap-notice-title')).toHaveText(
        `${atLoad + flowCalls} Prelude Session API calls happened in this tab before capture started`,
      );
      await expect(panel.getByTestId('challenge-lane')).toHaveCount(0);
      // The browser has not told the inspector this site's origin (no access to it): the reload names it.
      await expect(notice).toHaveAttribute('data-action', 'origin-unknown');
      await panel.getByTestId('tab-exchanges').click();
      await expect(notice).toHaveAttribute('data-missed', String(atLoad + flowCalls));
      await keepScreenshot(panelFrame(devtools), testInfo, 'gap-notice-devtools-550-exchanges');
      await panel.getByTestId('tab-timeline').click();
      await keepScreenshot(panelFrame(devtools), testInfo, 'gap-notice-devtools-550-origin-unknown');

      // The user lets the inspector access the site (the prompt's "Allow" given ahead: a headless browser
      // cannot click it), as for any feature that asked for it.
      const sitePattern = `http://${NON_LOOPBACK_DEMO_HOST}/*`;
      await allowHostsWithoutPrompt(context, id, [sitePattern]);
      const probe = await context.newPage();
      await probe.goto(`chrome-extension://${id}/${PANEL_PATH}`);
      expect(await probe.evaluate((o) => chrome.permissions.request({ origins: [o] }), sitePattern)).toBe(
        true,
      );
      await probe.close();

      // The notice at the widths a panel has (docked: 360, 550; undocked: 1440), light and dark, opened as a
      // tab, which now reads the page as the extension has the site: the one-click offer.
      const tabId = await tabIdOf(context, id, page);
      for (const theme of ['light', 'dark'] as const) {
        const tab = await context.newPage();
        await tab.goto(`chrome-extension://${id}/${PANEL_PATH}?tabId=${tabId}&theme=${theme}`);
        for (const width of [360, 550, 1440]) {
          await tab.setViewportSize({ width, height: 420 });
          await expect(tab.getByTestId('gap-notice')).toHaveAttribute('data-action', 'capture');
          await expect(tab.getByTestId('gap-capture')).toHaveText(`Capture from page load on ${origin}`);
          await keepScreenshot(tab, testInfo, `gap-notice-${width}-${theme}`);
        }
        await tab.close();
      }

      // "Reload page": the load is captured (DevTools is open) and the browser names the origin; the missed
      // calls stay on offer for it.
      await panel.getByTestId('gap-reload').click();
      await expect(notice).toHaveAttribute('data-action', 'carried');
      await expect(panel.getByTestId('gap-notice-title')).toHaveText(
        `${atLoad + flowCalls} Prelude Session API calls were missed before this reload`,
      );
      await keepScreenshot(panelFrame(devtools), testInfo, 'gap-notice-devtools-550-carried');
      expect(await hookOrigins(panel)).toEqual([]);

      // "Capture from page load on <origin>": the hook goes on for the site, and the page reloads.
      const loadBefore = await page.evaluate(() => performance.timeOrigin);
      await panel.getByTestId('gap-capture').click();
      await expect.poll(() => hookOrigins(panel)).toEqual([origin]);
      await expect
        .poll(() => page.evaluate(() => performance.timeOrigin).catch(() => loadBefore))
        .not.toBe(loadBefore);
      await page.getByTestId('flow-login').waitFor();
      await expect(notice).toHaveCount(0);
      await devtools.close();

      // The next flow, DevTools closed: captured from page load.
      await expect(demo.signedIn(page)).toBeVisible();
      const beforeNext = sessionCalls(stack);
      await demo.requestPolicyScope(page, 'report');
      expect(sessionCalls(stack)).toBeGreaterThan(beforeNext);
      ({ devtools, panel } = await openDevToolsPanel(context, page, { extensionId: id }));
      await expect(panel.locator('[data-testid="challenge-lane"][data-scope="report:read"]')).toHaveAttribute(
        'data-status',
        'completed',
      );
      // Nothing this page load made is missing: the count did not grow, there is no notice.
      expect(await missedCount(panel)).toBe(0);
      await devtools.close();
    } finally {
      await own.close();
    }
  });
});
