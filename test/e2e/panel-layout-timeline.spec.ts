/**
 * The timeline at the widths DevTools has: docked beside the page (360 and 550 px) and undocked (1440 px), light
 * and dark. A lane whose story is requested → OTP sent ×3 → checks → granted → consumed → reuse refused reads in
 * time order top to bottom as well as left to right, every mark stays inside its lane, the repeated sends are one
 * mark with a count that unfolds, and the lane headers keep status, grant and countdowns in view. A capture of
 * hundreds of challenges renders only the lanes in view, and the keyboard still reaches its last mark.
 */
import type { Locator, Page } from '@playwright/test';
import { toHar } from '../../src/core/http/har.ts';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import { aLoginFlow, aRetriedPasswordReset, RETRIED_RESET_MARKS } from '../fixtures/flows.ts';
import { expect, PANEL_PATH, tabIdOf, test } from './fixtures.ts';
import { keepScreenshot, lane } from './panel-support.ts';

const WIDTHS = [360, 550, 1440] as const;

/**
 * A password reset retried by the user: the code sent three times, a wrong code then the right one, the scope
 * granted and consumed by the reset, a second reset refused; then a transfer step-up left waiting for its code
 * (a lane with live countdowns).
 */
async function aRetriedResetThenTransfer(): Promise<HttpExchange[]> {
  const flow = await aRetriedPasswordReset();
  flow.wait(2000);
  const transfer = await flow.stepUp({ scope: 'transfer:write' });
  flow.otpSend(transfer);
  return flow.exchanges;
}

/** Opens the panel as a tab inspecting the demo page and imports `exchanges` as a HAR. */
async function panelWith(
  page: Page,
  panelUrl: string,
  exchanges: HttpExchange[],
  name: string,
): Promise<void> {
  await page.goto(panelUrl);
  // Through the file input itself: the toolbar's import button may sit in a menu at narrow widths.
  await page.getByTestId('import-file').setInputFiles({
    name,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(toHar(exchanges))),
  });
  await expect(page.getByTestId('session-select')).toHaveValue(/^import-/);
}

interface MarkBox {
  kind: string;
  text: string;
  time: number;
  top: number;
  left: number;
  right: number;
  bottom: number;
}

/** Each mark of a lane (with its run's count, when it has one) as drawn, and the box of the lane's track. */
async function drawnMarks(laneLocator: Locator): Promise<{ marks: MarkBox[]; track: DOMRect }> {
  return laneLocator.evaluate((el) => {
    const track = (el.querySelector('[data-testid="lane-track"]') as HTMLElement).getBoundingClientRect();
    const marks = [...el.querySelectorAll<HTMLElement>('[data-testid="timeline-mark"]')].map((mark) => {
      // The slot holds the mark and its count: together they must fit the track.
      const box = (mark.parentElement as HTMLElement).getBoundingClientRect();
      return {
        kind: mark.dataset['kind'] ?? '',
        text: mark.textContent ?? '',
        time: Number(mark.dataset['time']),
        top: box.top,
        left: box.left,
        right: box.right,
        bottom: box.bottom,
      };
    });
    return { marks, track: track.toJSON() as DOMRect };
  });
}

/** Fails, naming the marks, unless they read in time order and lie inside the track. */
function expectInOrderInside(marks: MarkBox[], track: DOMRect, where: string): void {
  const byTime = [...marks].sort((a, b) => a.time - b.time);
  for (let i = 1; i < byTime.length; i += 1) {
    const before = byTime[i - 1] as MarkBox;
    const after = byTime[i] as MarkBox;
    const pair = `${where}: "${after.text}" (${after.time}) after "${before.text}" (${before.time})`;
    expect(after.top, `${pair} is drawn above it`).toBeGreaterThanOrEqual(before.top - 0.5);
    if (Math.abs(after.top - before.top) < 0.5)
      expect(after.left, `${pair} is left of it on the same row`).toBeGreaterThanOrEqual(before.right - 0.5);
  }
  for (const m of marks) {
    const box = `${Math.round(m.left)}–${Math.round(m.right)} × ${Math.round(m.top)}–${Math.round(m.bottom)}`;
    const inside = `${where}: "${m.text}" at ${box} inside the track ${Math.round(track.left)}–${Math.round(track.right)} × ${Math.round(track.top)}–${Math.round(track.bottom)}`;
    expect(m.left, inside).toBeGreaterThanOrEqual(track.left - 0.5);
    expect(m.right, inside).toBeLessThanOrEqual(track.right + 0.5);
    expect(m.top, inside).toBeGreaterThanOrEqual(track.top - 0.5);
    expect(m.bottom, inside).toBeLessThanOrEqual(track.bottom + 0.5);
  }
}

/** Fails unless `locator` is drawn whole inside the viewport, its text not cut. */
async function expectWhole(locator: Locator, what: string): Promise<void> {
  const seen = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return {
      left: r.left,
      right: r.right,
      width: r.width,
      cut: el.scrollWidth > el.clientWidth + 1,
      viewport: document.documentElement.clientWidth,
    };
  });
  expect(seen.width, `${what} is drawn`).toBeGreaterThan(0);
  expect(seen.left, `${what} starts inside the viewport`).toBeGreaterThanOrEqual(0);
  expect(seen.right, `${what} ends inside the viewport`).toBeLessThanOrEqual(seen.viewport + 0.5);
  expect(seen.cut, `${what} has its text cut`).toBe(false);
}

test.describe('Timeline layout at docked and undocked widths', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`${theme}: a lane reads in time order, inside its track, at 360, 550 and 1440 px`, async ({
      context,
      extensionId,
      demoPage,
    }, testInfo) => {
      const id = extensionId ?? '';
      const tabId = await tabIdOf(context, id, demoPage);
      const panel = await context.newPage();
      await panel.setViewportSize({ width: 1440, height: 900 });
      await panelWith(
        panel,
        `chrome-extension://${id}/${PANEL_PATH}?tabId=${tabId}&theme=${theme}`,
        await aRetriedResetThenTransfer(),
        'retried-password-reset.har',
      );
      const reset = lane(panel, 'prld:pwd:write');
      const transfer = lane(panel, 'transfer:write');

      for (const width of WIDTHS) {
        const where = `${width} px ${theme}`;
        await panel.setViewportSize({ width, height: width < 1000 ? 760 : 900 });
        await expect(reset).toBeVisible();

        const { marks, track } = await drawnMarks(reset);
        expect(
          [...marks].sort((a, b) => a.time - b.time).map((m) => m.kind),
          where,
        ).toEqual([...RETRIED_RESET_MARKS]);
        expectInOrderInside(marks, track, where);
        // The three sends are one mark with their count, every time in its accessible name.
        const sent = reset.locator('[data-testid="timeline-mark"][data-kind="factor_sent"]');
        await expect(sent).toHaveAttribute('data-count', '3');
        await expect(sent).toHaveAccessibleName(/×3 at \d\d:\d\d:\d\d\.\d{3}, .+, .+ UTC$/);
        await expect(reset.getByTestId('mark-count')).toHaveText('×3');

        // The headers keep what the lane is at: status, grant, countdowns, whole and in view.
        await expectWhole(reset.locator('.lane-head .badge').first(), `${where}: the reset's status`);
        await expectWhole(reset.getByTestId('grant-state'), `${where}: the reset's grant`);
        await expect(reset.getByTestId('grant-state')).toHaveText('grant consumed');
        await expectWhole(transfer.locator('.lane-head .badge').first(), `${where}: the transfer's status`);
        const countdowns = transfer.getByTestId('countdown');
        await expect(countdowns).toHaveCount(2);
        for (let i = 0; i < 2; i += 1)
          await expectWhole(countdowns.nth(i), `${where}: the transfer's countdown ${i + 1}`);
        // Nothing scrolls the panel sideways.
        expect(
          await panel.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
          `${where}: the page scrolls sideways`,
        ).toBe(true);
        await keepScreenshot(panel, testInfo, `lane-order-${width}-${theme}`);
      }

      // The count unfolds the run into its three marks (still in order, still inside), Space folds it back.
      await panel.setViewportSize({ width: 550, height: 760 });
      await reset.getByTestId('mark-count').click();
      await expect(reset.getByTestId('mark-count')).toHaveAttribute('aria-expanded', 'true');
      await expect(reset.locator('[data-testid="timeline-mark"][data-kind="factor_sent"]')).toHaveCount(3);
      const unfolded = await drawnMarks(reset);
      expect(unfolded.marks).toHaveLength(12);
      expectInOrderInside(unfolded.marks, unfolded.track, `550 px ${theme} unfolded`);
      await keepScreenshot(panel, testInfo, `lane-order-550-${theme}-unfolded`);
      await panel.getByTestId('timeline').press(' ');
      await expect(reset.locator('[data-testid="timeline-mark"][data-kind="factor_sent"]')).toHaveCount(1);
      await expect(reset.getByTestId('mark-count')).toHaveAttribute('aria-expanded', 'false');
    });
  }

  test('hundreds of challenges: only the lanes in view are rendered, the keyboard reaches the last mark', async ({
    context,
    extensionId,
    demoPage,
  }, testInfo) => {
    const flow = await aLoginFlow();
    const scopes: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      const scope = `report:${String(i).padStart(3, '0')}`;
      scopes.push(scope);
      const challenge = await flow.stepUp({ scope });
      flow.otpSend(challenge);
      // Every tenth challenge gets a few wrong codes: lanes of different heights.
      if (i % 10 === 0) for (let k = 0; k < 3; k += 1) await flow.otpCheck(challenge, { wrong: true });
      // The first has a code sent and refused forty times over: more events than rows of labels.
      if (i === 0)
        for (let k = 0; k < 40; k += 1) {
          flow.otpSend(challenge);
          await flow.otpCheck(challenge, { wrong: true });
        }
      flow.wait(1000);
    }
    const id = extensionId ?? '';
    const tabId = await tabIdOf(context, id, demoPage);
    const panel = await context.newPage();
    await panel.setViewportSize({ width: 550, height: 700 });
    await panelWith(
      panel,
      `chrome-extension://${id}/${PANEL_PATH}?tabId=${tabId}&theme=light`,
      flow.exchanges,
      'three-hundred-challenges.har',
    );
    const lanes = panel.getByTestId('challenge-lane');
    await expect(lanes.first()).toBeVisible();
    const rendered = await lanes.count();
    expect(rendered, 'lanes rendered for 300 challenges').toBeGreaterThan(2);
    expect(rendered, 'lanes rendered for 300 challenges').toBeLessThan(60);
    await expect(lanes.first()).toHaveAttribute('data-scope', scopes[0] as string);
    // That crowded lane is drawn as a sequence, says so, and still reads in order inside its track.
    const crowded = lanes.first();
    await expect(crowded.getByTestId('hidden-marks')).toHaveText('in order, not to scale');
    const sequence = await drawnMarks(crowded);
    expect(sequence.marks.length).toBeGreaterThan(80);
    expectInOrderInside(sequence.marks, sequence.track, 'the crowded lane at 550 px');
    await keepScreenshot(panel, testInfo, 'lane-order-crowded-sequence');

    // Lanes of different heights follow each other without overlapping.
    const boxes = await panel
      .locator('.lane-slot')
      .evaluateAll((slots) => slots.map((s) => s.getBoundingClientRect().toJSON() as DOMRect));
    const byTop = [...boxes].sort((a, b) => a.top - b.top);
    for (let i = 1; i < byTop.length; i += 1)
      expect((byTop[i] as DOMRect).top, `lane ${i} overlaps the one above`).toBeGreaterThanOrEqual(
        (byTop[i - 1] as DOMRect).bottom - 0.5,
      );

    // End moves the cursor to the timeline's last mark (the access lane's) and scrolls it into view; the last
    // challenge's lane is drawn on the way, the first is gone.
    const timeline = panel.getByTestId('timeline');
    await timeline.focus();
    await timeline.press('End');
    const cursor = panel.locator('.mark.cursor');
    await expect(cursor).toBeInViewport();
    await expect(panel.getByTestId('access-lane')).toBeVisible();
    await expect(lane(panel, scopes.at(-1) as string)).toBeVisible();
    await expect(panel.locator(`[data-testid="challenge-lane"][data-scope="${scopes[0]}"]`)).toHaveCount(0);
    expect(await lanes.count()).toBeLessThan(60);
    // Up from there: the last challenge's mark closest in time, in view.
    await timeline.press('ArrowUp');
    await expect(lane(panel, scopes.at(-1) as string).locator('.mark.cursor')).toBeInViewport();
    await keepScreenshot(panel, testInfo, 'lane-order-300-challenges-end');
    // Home goes back to the first mark of the first lane.
    await timeline.press('Home');
    await expect(lane(panel, scopes[0] as string).locator('.mark.cursor')).toBeInViewport();
  });
});
