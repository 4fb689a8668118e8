/**
 * The toolbar, the view tabs, the Export popover and the detail pane at the sizes DevTools really has: docked
 * beside the page (360 and 550 px wide), bottom-docked (1440×300) and undocked (1440×900), light and dark. Every
 * toolbar control stays inside the viewport with its label whole, the popover and the detail pane fit, and Esc
 * closes each and gives the keyboard back. The panel is opened as a tab on the demo page (so every control is
 * live) with an imported HAR (so Export is enabled and the session switcher shows).
 */
import type { Locator, Page } from '@playwright/test';
import { toHar } from '../../src/core/http/har.ts';
import { aStepUpFlow } from '../fixtures/flows.ts';
import { expect, PANEL_PATH, tabIdOf, test } from './fixtures.ts';
import { keepScreenshot } from './panel-support.ts';

const SIZES = [
  { width: 360, height: 640 },
  { width: 550, height: 640 },
  { width: 1440, height: 900 },
  { width: 1440, height: 300 },
] as const;

/** An element that breaks the layout, named so a failure says which and where. */
interface Offence {
  what: string;
  text: string;
  box: string;
  why: string;
}

/**
 * Elements under `root` (a selector) that lie outside the viewport, or whose text is cut: content wider than the
 * box (`scrollWidth > clientWidth`), which is what an ellipsis or a clipped label is.
 */
function layoutOffences(page: Page, root: string): Promise<Offence[]> {
  return page.evaluate((rootSelector) => {
    const describe = (el: Element): string =>
      `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''}${
        typeof el.className === 'string' && el.className
          ? `.${el.className.trim().split(/\s+/).join('.')}`
          : ''
      }`;
    const offences: Offence[] = [];
    const roots = [...document.querySelectorAll(rootSelector)];
    if (roots.length === 0) offences.push({ what: rootSelector, text: '', box: '', why: 'not rendered' });
    for (const root of roots) {
      for (const el of [root, ...root.querySelectorAll('*')]) {
        if (!(el instanceof HTMLElement) && !(el instanceof SVGElement)) continue;
        const rect = el.getBoundingClientRect();
        if (rect.width === 0 && rect.height === 0) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') continue;
        const report = (why: string) =>
          offences.push({
            what: describe(el),
            text: (el.textContent ?? '').trim().slice(0, 60),
            box: `${Math.round(rect.left)},${Math.round(rect.top)} ${Math.round(rect.width)}×${Math.round(rect.height)}`,
            why,
          });
        // Sub-pixel rounding aside, nothing may reach past the viewport's edges.
        if (rect.left < -0.5 || rect.top < -0.5) report('starts outside the viewport');
        if (rect.right > innerWidth + 0.5 || rect.bottom > innerHeight + 0.5)
          report('ends outside the viewport');
        if (el instanceof HTMLElement && style.display !== 'inline' && el.clientWidth > 0) {
          // A scroll container may scroll; anything else wider than its box is cut or spills.
          const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
          if (!scrolls && el.scrollWidth > el.clientWidth + 1)
            report(
              `content ${el.scrollWidth} px wide in ${el.clientWidth} px (text-overflow: ${style.textOverflow})`,
            );
        }
      }
    }
    return offences;
  }, root);
}

async function expectFits(page: Page, root: string, where: string): Promise<void> {
  expect(await layoutOffences(page, root), `${root} at ${where}`).toEqual([]);
}

/** Controls of the toolbar a user operates: each must be visible at every size. */
function toolbarControls(page: Page): Locator {
  return page.locator('.toolbar').locator('button, input, select, [role="menuitem"]');
}

test.describe('Panel layout: toolbar, view tabs, Export popover, detail pane', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`${theme}: every control whole and inside the viewport at 360, 550, 1440 and 1440×300`, async ({
      context,
      extensionId,
      demoPage,
    }, testInfo) => {
      const id = extensionId ?? '';
      const tabId = await tabIdOf(context, id, demoPage);
      const panel = await context.newPage();
      await panel.setViewportSize({ width: 1440, height: 900 });
      await panel.goto(`chrome-extension://${id}/${PANEL_PATH}?tabId=${tabId}&theme=${theme}`);
      await expect(panel.getByTestId('hook-toggle')).toBeEnabled();

      const { exchanges } = await aStepUpFlow({ wrongCodes: 1 });
      const chooser = panel.waitForEvent('filechooser');
      await panel.getByTestId('import-button').click();
      await (
        await chooser
      ).setFiles({
        name: 'a-rather-long-file-name-of-a-recorded-step-up.har',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(toHar(exchanges))),
      });
      await expect(panel.getByTestId('session-select')).toHaveValue(/^import-/);
      await expect(panel.getByTestId('tab-exchanges').locator('.tab-count')).toHaveText(
        String(exchanges.length),
      );

      for (const size of SIZES) {
        const where = `${size.width}×${size.height} ${theme}`;
        const name = `${size.width}x${size.height}-${theme}`;
        await panel.setViewportSize(size);
        await panel.getByTestId('tab-timeline').click();

        // Toolbar and view tabs: every control shown, inside the viewport, its label whole.
        await keepScreenshot(panel, testInfo, `toolbar-${name}`);
        const controls = toolbarControls(panel);
        expect(await controls.count()).toBeGreaterThanOrEqual(6);
        for (const control of await controls.all()) await expect(control).toBeVisible();
        await expect(panel.getByTestId('hook-toggle').locator('xpath=..')).toHaveText('From page load');
        await expectFits(panel, '.toolbar', where);
        await expectFits(panel, '.tabs', where);
        for (const view of ['timeline', 'exchanges', 'findings', 'sdk']) {
          await expect(panel.getByTestId(`tab-${view}`)).toBeInViewport({ ratio: 1 });
        }
        await expect(panel.getByTestId('tab-exchanges').locator('.tab-count')).toBeInViewport({ ratio: 1 });
        await expect(panel.getByTestId('session-select')).toBeInViewport({ ratio: 1 });
        // From the common docked width up the toolbar is one row; the four view tabs are one row at any width.
        const rows = await panel.evaluate(() => ({
          toolbar: (document.querySelector('.toolbar') as HTMLElement).getBoundingClientRect().height,
          tabTops: [...document.querySelectorAll('.tabs [role="tab"]')].map(
            (t) => t.getBoundingClientRect().top,
          ),
        }));
        if (size.width >= 550) expect(rows.toolbar, `toolbar height at ${where}`).toBeLessThanOrEqual(28);
        expect(new Set(rows.tabTops).size, `rows of view tabs at ${where}`).toBe(1);

        // The Export popover fits, its sentences wrap inside it, and Esc gives the keyboard back to Export.
        const exportButton = panel.getByTestId('export-button');
        await exportButton.click();
        const popover = panel.getByTestId('export-menu');
        await expect(popover).toBeVisible();
        await keepScreenshot(panel, testInfo, `export-${name}`);
        await expectFits(panel, '[data-testid="export-menu"]', `${where}, options`);
        await panel.getByTestId('export-secrets').check();
        await expect(panel.getByTestId('export-secrets-warning')).toBeVisible();
        await keepScreenshot(panel, testInfo, `export-secrets-${name}`);
        await expectFits(panel, '[data-testid="export-menu"]', `${where}, secrets warning`);
        await panel.getByTestId('export-secrets').uncheck();
        await panel.getByTestId('export-run').click();
        await expect(panel.getByTestId('export-review')).toBeVisible();
        await keepScreenshot(panel, testInfo, `export-review-${name}`);
        await expectFits(panel, '[data-testid="export-menu"]', `${where}, review`);
        await panel.getByTestId('export-save').scrollIntoViewIfNeeded();
        await expect(panel.getByTestId('export-save')).toBeInViewport({ ratio: 1 });
        await panel.keyboard.press('Escape');
        await expect(popover).toHaveCount(0);
        await expect(exportButton).toBeFocused();

        // The detail pane: beside the list when there is room, over it when not; either way inside the
        // viewport with its close button, and Esc closes it.
        await panel.getByTestId('tab-exchanges').click();
        await panel.getByTestId('exchange-row').nth(2).click();
        const detail = panel.getByTestId('exchange-detail');
        await expect(detail).toBeVisible();
        await keepScreenshot(panel, testInfo, `detail-${name}`);
        await expect(detail).toBeInViewport({ ratio: 1 });
        await expect(detail.getByTestId('detail-close')).toBeInViewport({ ratio: 1 });
        const box = await detail.boundingBox();
        expect(box?.width ?? 0, `detail width at ${where}`).toBeGreaterThanOrEqual(Math.min(340, size.width));
        if (size.width > 480 && size.width <= 760) {
          // A drawer: the strip of the list it leaves is the list itself, and picks another exchange.
          expect(box?.x ?? 0, `strip of the list left of the detail at ${where}`).toBeGreaterThanOrEqual(100);
          await panel
            .getByTestId('exchange-row')
            .nth(4)
            .click({ position: { x: 12, y: 6 } });
          await expect(detail).toContainText('#5');
        }
        await panel.keyboard.press('Escape');
        await expect(detail).toHaveCount(0);
      }
    });
  }
});
