/**
 * The exchanges table and the findings list at the widths DevTools really has (docked right at 360 and 550 px,
 * undocked at 1440 px), light and dark, on an imported session: no column header cut with an ellipsis, no row
 * content spilling out of its cell or the table, columns dropped by priority rather than clipped, each finding's
 * message given the width (wider than its link); and a 2,000-row import scrolled as a window of rows, the
 * keyboard selection kept in view. Screenshots kept as `lists-<view>-<width>-<theme>.png`.
 */
import type { Page } from '@playwright/test';
import { toHar } from '../../src/core/http/har.ts';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import { tableLayout } from '../../src/panel/views/table-columns.ts';
import { aLoginFlow, aStepUpFlow } from '../fixtures/flows.ts';
import { expect, test } from './fixtures.ts';
import { keepScreenshot } from './panel-support.ts';

const WIDTHS = [360, 550, 1440] as const;
const THEMES = ['light', 'dark'] as const;

const layoutIds = (width: number, rows: number): string =>
  tableLayout(width, rows)
    .columns.map((c) => c.id)
    .join(' ');

/** A session with findings of every severity, a CORS preflight and rows marked by the inspector and the page. */
async function findingsSession(): Promise<HttpExchange[]> {
  const flow = await aLoginFlow({ exposeHeaders: false });
  const c = await flow.stepUp({ scope: 'transfer:write' });
  flow.otpSend(c);
  await flow.otpCheck(c, { wrong: true });
  await flow.otpCheck(c, { proof: { htu: 'https://demo.session.prelude.dev/v1/session/otp/wrong' } });
  await flow.completeStepUp(c);
  const exchanges = flow.exchanges.map((x, i) =>
    // The failed check was replayed by the inspector and reported by the page hook: a row with every mark.
    i === 4
      ? {
          ...x,
          initiator: 'inspector' as const,
          sources: [...x.sources, 'inspector' as const],
          pageReported: true,
        }
      : x,
  );
  const check = flow.exchanges[4]!;
  const preflight: HttpExchange = {
    ...check,
    id: `${check.id}-preflight`,
    method: 'OPTIONS',
    status: 204,
    statusText: 'No Content',
    startedAt: check.startedAt - 5,
    requestBody: { kind: 'absent' },
    responseBody: { kind: 'absent' },
  };
  return [...exchanges.slice(0, 4), preflight, ...exchanges.slice(4)];
}

async function openImported(page: Page, extensionId: string, theme: string, har: string): Promise<void> {
  await page.goto(`chrome-extension://${extensionId}/src/panel/panel.html?tabId=1&theme=${theme}`);
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'session.har', mimeType: 'application/json', buffer: Buffer.from(har) });
  await expect(page.getByTestId('session-select')).toHaveValue(/^import-/, { timeout: 30_000 });
}

/** Every cell, header or row, whose content does not fit its box, or that reaches past the table. */
function tableProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const table = document.querySelector<HTMLElement>('[data-testid="exchanges-table"]');
    if (!table) return ['no table'];
    const box = table.getBoundingClientRect();
    const right = box.left + table.clientWidth;
    if (table.scrollWidth > table.clientWidth)
      problems.push(`table scrolls sideways: ${table.scrollWidth} > ${table.clientWidth}`);
    const describe = (el: Element) => `${el.className} "${el.textContent ?? ''}"`;
    for (const cell of document.querySelectorAll<HTMLElement>('.table-head > span')) {
      if (cell.scrollWidth > cell.clientWidth)
        problems.push(`header cut: ${describe(cell)} ${cell.scrollWidth} > ${cell.clientWidth}`);
    }
    // Endpoint paths and long error codes may end in an ellipsis (with the whole on hover), as in DevTools' Network
    // panel; numbers, times, methods, statuses and marks never.
    const whole = ['c-num', 'c-time', 'c-method', 'c-status', 'c-marks'];
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="exchange-row"]')) {
      const r = row.getBoundingClientRect();
      if (r.right > right + 0.5) problems.push(`row ${row.dataset['id']} ends at ${r.right} past ${right}`);
      for (const cell of row.children) {
        const c = cell.getBoundingClientRect();
        if (c.right > r.right + 0.5) problems.push(`cell past its row: ${describe(cell)}`);
        if (whole.some((k) => cell.classList.contains(k)) && cell.scrollWidth > cell.clientWidth)
          problems.push(`cell cut: ${describe(cell)} ${cell.scrollWidth} > ${cell.clientWidth}`);
        for (const part of cell.querySelectorAll('.flag')) {
          const p = part.getBoundingClientRect();
          if (p.right > c.right + 0.5 || p.left < c.left - 0.5)
            problems.push(`mark outside its cell: ${describe(part)}`);
        }
      }
    }
    return problems;
  });
}

/** Each finding's message and link boxes, and anything spilling out of the list sideways. */
function findingBoxes(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('[data-testid="findings"]');
    const findings = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="finding"]')).map(
      (f) => {
        const message = f.querySelector<HTMLElement>('[data-testid="finding-message"]');
        const link = f.querySelector<HTMLElement>('[data-testid="finding-link"]');
        const m = message?.getBoundingClientRect();
        const lines = message ? message.getClientRects().length : 0;
        const chars = (message?.textContent ?? '').trim().length;
        return {
          code: f.dataset['code'] ?? '',
          messageWidth: m?.width ?? 0,
          lines,
          chars,
          linkWidth: link?.getBoundingClientRect().width ?? 0,
          right: Math.max(m?.right ?? 0, link?.getBoundingClientRect().right ?? 0),
        };
      },
    );
    return {
      findings,
      listWidth: list?.clientWidth ?? 0,
      listRight: list ? list.getBoundingClientRect().left + list.clientWidth : 0,
      sideways: list ? list.scrollWidth > list.clientWidth : true,
    };
  });
}

test.describe('exchanges table and findings at docked and undocked widths', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  test('columns drop by priority, nothing is cut, a finding message takes the width', async ({
    context,
    extensionId,
  }, testInfo) => {
    const har = JSON.stringify(toHar(await findingsSession()));
    const page = await context.newPage();
    for (const theme of THEMES) {
      await openImported(page, extensionId ?? '', theme, har);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 640 });
        await page.getByTestId('tab-exchanges').click();
        const apiOnly = page.getByTestId('filter-api-only');
        if (await apiOnly.isChecked()) await apiOnly.uncheck();
        const table = page.getByTestId('exchanges-table');
        await expect(page.getByTestId('exchange-row').first()).toBeVisible();
        const columns = (await table.getAttribute('data-columns'))?.split(' ') ?? [];
        if (width === 1440)
          expect(columns).toEqual(['num', 'time', 'method', 'endpoint', 'status', 'error', 'marks']);
        if (width === 550) expect(columns).toEqual(['num', 'endpoint', 'status', 'error', 'marks']);
        if (width === 360) expect(columns).toEqual(['endpoint', 'status', 'error', 'marks']);
        expect(await tableProblems(page), `table at ${width}px ${theme}`).toEqual([]);
        // The row with every mark shows them whole or counts them; the preflight is told apart at every width.
        const marked = page
          .locator('[data-testid="exchange-row"]')
          .filter({ has: page.locator('.flag-inspector, .flag-more') });
        await expect(marked).toHaveCount(1);
        await expect(
          page.locator('[data-testid="exchange-row"]').filter({ hasText: /OPTIONS|preflight/ }),
        ).toHaveCount(1);
        const filterBar = await page.locator('.filter-bar').evaluate((bar) => {
          const b = bar.getBoundingClientRect();
          return Array.from(bar.children).every((c) => c.getBoundingClientRect().right <= b.right + 0.5);
        });
        expect(filterBar, `filter bar fits at ${width}px`).toBe(true);
        await keepScreenshot(page, testInfo, `lists-exchanges-${width}-${theme}`);
        if (width === 1440) {
          // The detail pane beside the table: the columns follow the table's own width, not the window's.
          await page.getByTestId('exchange-row').nth(5).click();
          await expect(page.getByTestId('exchange-detail')).toBeVisible();
          await expect
            .poll(async () => {
              const inner = await table.evaluate((el) => el.clientWidth);
              return (await table.getAttribute('data-columns')) === layoutIds(inner, 8);
            })
            .toBe(true);
          expect(await table.evaluate((el) => el.clientWidth)).toBeLessThan(1200);
          expect(await tableProblems(page), `table beside the detail ${theme}`).toEqual([]);
          await keepScreenshot(page, testInfo, `lists-exchanges-detail-${width}-${theme}`);
          await page.keyboard.press('Escape');
          await expect(page.getByTestId('exchange-detail')).toHaveCount(0);
        }

        await page.getByTestId('tab-findings').click();
        await expect(page.getByTestId('finding').first()).toBeVisible();
        const boxes = await findingBoxes(page);
        expect(boxes.sideways, `findings scroll sideways at ${width}px`).toBe(false);
        expect(boxes.findings.length).toBeGreaterThanOrEqual(3);
        for (const f of boxes.findings) {
          const at = `${f.code} at ${width}px ${theme}`;
          expect(f.right, at).toBeLessThanOrEqual(boxes.listRight + 0.5);
          if (f.linkWidth > 0) expect(f.messageWidth, at).toBeGreaterThan(f.linkWidth);
          // Never one word per line: a message that wraps has the list's width to wrap in.
          if (f.lines > 1) expect(f.messageWidth, at).toBeGreaterThan(boxes.listWidth * 0.6);
          // …and fills its lines: 20 characters a line is far below what even 360 px holds (about 50).
          if (f.lines > 1) expect(f.chars / f.lines, at).toBeGreaterThan(20);
        }
        await keepScreenshot(page, testInfo, `lists-findings-${width}-${theme}`);
      }
    }
  });

  test('a 2,000-row import renders as a window and the keyboard selection stays in view', async ({
    context,
    extensionId,
  }, testInfo) => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const many: HttpExchange[] = [];
    for (let i = 0; many.length < 2000; i += 1) {
      for (const x of exchanges) many.push({ ...x, id: `${x.id}-${i}`, startedAt: x.startedAt + i * 20_000 });
    }
    const page = await context.newPage();
    await page.setViewportSize({ width: 550, height: 600 });
    await openImported(page, extensionId ?? '', 'light', JSON.stringify(toHar(many.slice(0, 2000))));
    await page.getByTestId('tab-exchanges').click();
    const apiOnly = page.getByTestId('filter-api-only');
    if (await apiOnly.isChecked()) await apiOnly.uncheck();
    await expect(page.getByTestId('row-count')).toHaveText('2000 exchanges');
    const rows = page.getByTestId('exchange-row');
    const table = page.getByTestId('exchanges-table');

    /** The selected row lies wholly inside the table's viewport, below the sticky header. */
    const selectedInView = () =>
      page.evaluate(() => {
        const scroller = document.querySelector<HTMLElement>('[data-testid="exchanges-table"]');
        const head = document.querySelector<HTMLElement>('[data-testid="table-head"]');
        const row = document.querySelector<HTMLElement>('[data-testid="exchange-row"][aria-selected="true"]');
        if (!scroller || !head || !row)
          return `missing ${!scroller ? 'table' : !head ? 'header' : 'selected row'}`;
        const view = scroller.getBoundingClientRect();
        const top = head.getBoundingClientRect().bottom;
        const bottom = view.top + scroller.clientHeight;
        const r = row.getBoundingClientRect();
        return r.top >= top - 0.5 && r.bottom <= bottom + 0.5
          ? 'in view'
          : `row ${r.top}–${r.bottom} outside ${top}–${bottom}`;
      });
    /** The rendered rows cover the viewport: no blank band at the top or bottom. */
    const covered = () =>
      page.evaluate(() => {
        const scroller = document.querySelector<HTMLElement>('[data-testid="exchanges-table"]');
        if (!scroller) return 'no table';
        const view = scroller.getBoundingClientRect();
        const boxes = Array.from(scroller.querySelectorAll('[data-testid="exchange-row"]')).map((r) =>
          r.getBoundingClientRect(),
        );
        const top = Math.min(...boxes.map((b) => b.top));
        const bottom = Math.max(...boxes.map((b) => b.bottom));
        return top <= view.top + 21 && bottom >= view.top + scroller.clientHeight
          ? 'covered'
          : `rows ${top}–${bottom}`;
      });

    expect(await rows.count()).toBeLessThan(80);
    // Focused, not clicked: a click opens the row's detail.
    await table.focus();
    await page.keyboard.press('End');
    await expect(page.locator('[data-testid="exchange-row"][aria-selected="true"]')).toHaveAttribute(
      'aria-rowindex',
      '2001',
    );
    await expect.poll(selectedInView).toBe('in view');
    for (const key of ['PageUp', 'PageUp', 'ArrowUp', 'Home', 'PageDown', 'ArrowDown'] as const) {
      await page.keyboard.press(key);
      await expect.poll(selectedInView, `after ${key}`).toBe('in view');
    }
    // Home then one page and one row down: row 2 + a page.
    const index = Number(
      await page.locator('[data-testid="exchange-row"][aria-selected="true"]').getAttribute('aria-rowindex'),
    );
    expect(index).toBeGreaterThan(10);

    // Scrolled by the wheel to the middle, the rows there are drawn and cover the view.
    await table.hover();
    await page.mouse.wheel(0, 20_000);
    await expect.poll(() => table.evaluate((el) => el.scrollTop)).toBeGreaterThan(15_000);
    await expect.poll(covered).toBe('covered');
    expect(await rows.count()).toBeLessThan(80);
    await keepScreenshot(page, testInfo, 'lists-exchanges-2000-scrolled');
  });
});
