import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import {
  challengeDeadlines,
  modelDeadlines,
  needsTicker,
  stepDeadline,
} from '../../../src/panel/store/lane-facts.ts';
import {
  buildTimeScale,
  flowInOrder,
  formatOffset,
  packInOrder,
  placeMark,
} from '../../../src/panel/timeline/geometry.ts';
import {
  layoutTimeline,
  MAX_LABELLED_ROWS,
  MAX_SEQUENCE_MARKS,
  type TimelineLane,
} from '../../../src/panel/timeline/layout.ts';
import { accessTokenLabel, markStyle, type RawMark } from '../../../src/panel/timeline/marks.ts';
import {
  collapseRepeats,
  describeRun,
  inTimeOrder,
  MAX_LISTED_TIMES,
} from '../../../src/panel/timeline/repeats.ts';
import { directionOfKey, neighbourMark } from '../../../src/panel/timeline/navigation.ts';
import { aLoginFlow, aRetriedPasswordReset, aStepUpFlow, RETRIED_RESET_MARKS } from '../../fixtures/flows.ts';
import { providerModule } from '../../../src/core/providers/registry.ts';

const T = 1_790_000_000_000;

describe('buildTimeScale', () => {
  it('is linear between padding and width − padding when gaps are even', () => {
    const scale = buildTimeScale([T, T + 1000, T + 2000, T + 3000], { width: 320, padding: 10 });
    expect(scale.x(T)).toBe(10);
    expect(scale.x(T + 3000)).toBeCloseTo(310);
    expect(scale.x(T + 1500)).toBeCloseTo(160);
    expect(scale.breaks).toEqual([]);
  });

  it('clamps times outside the range and copes with no or one time', () => {
    const scale = buildTimeScale([T, T + 1000], { width: 120, padding: 10 });
    expect(scale.x(T - 5000)).toBe(10);
    expect(scale.x(T + 9000)).toBeCloseTo(110);
    expect(buildTimeScale([], { width: 100 }).x(T)).toBe(12);
    const single = buildTimeScale([T, T], { width: 100, padding: 5 });
    expect(single.x(T)).toBe(5);
    expect(single.ticks).toEqual([{ t: T, x: 5, label: '0' }]);
  });

  it('squeezes an idle gap far longer than the typical gap into a fixed-width break', () => {
    // Two bursts of calls one second apart, ten minutes between them.
    const burst1 = [T, T + 1000, T + 2000, T + 3000];
    const burst2 = burst1.map((t) => t + 600_000);
    const scale = buildTimeScale([...burst1, ...burst2], { width: 412, padding: 6, breakPx: 40 });
    expect(scale.breaks).toHaveLength(1);
    const [b] = scale.breaks;
    expect(b).toMatchObject({ from: T + 3000, to: T + 600_000, width: 40 });
    // 6 linear seconds share 412 − 12 − 40 = 360 px.
    expect(scale.pxPerMs).toBeCloseTo(0.06);
    expect(scale.x(T + 3000)).toBeCloseTo(6 + 180);
    expect(scale.x(T + 600_000)).toBeCloseTo(6 + 180 + 40);
    expect(scale.x(T + 603_000)).toBeCloseTo(406);
    // Inside the break, time moves across its width.
    expect(scale.x(T + 3000 + (600_000 - 3000) / 2)).toBeCloseTo(6 + 180 + 20);
    // Ticks never fall inside the break.
    for (const tick of scale.ticks) expect(tick.t <= T + 3000 || tick.t >= T + 600_000).toBe(true);
  });

  it('stays linear when long gaps are the rhythm of the capture rather than pauses', () => {
    const times: number[] = [];
    for (let burst = 0; burst < 40; burst += 1)
      for (let i = 0; i < 5; i += 1) times.push(T + burst * 60_000 + i * 100);
    const scale = buildTimeScale(times, { width: 800 });
    expect(scale.breaks).toEqual([]);
  });

  it('does not break evenly spread times, however long the gaps', () => {
    const scale = buildTimeScale([T, T + 300_000, T + 600_000], { width: 300 });
    expect(scale.breaks).toEqual([]);
  });

  it('places ticks at a nice step about tickSpacing apart, labelled from the start', () => {
    const scale = buildTimeScale([T, T + 10_000], { width: 1000, padding: 0, tickSpacingPx: 90 });
    const steps = scale.ticks.slice(1).map((t, i) => t.t - (scale.ticks[i]?.t ?? 0));
    expect(new Set(steps)).toEqual(new Set([1000]));
    expect(scale.ticks.map((t) => t.label).slice(0, 3)).toEqual(['0', '+1s', '+2s']);
    expect(formatOffset(1500, 500)).toBe('+1.5s');
    expect(formatOffset(250, 50)).toBe('+0.25s');
    expect(formatOffset(125_000, 60_000)).toBe('+2m 05s');
  });
  // A time decades off (exp in ms read as seconds, a garbled HAR date) made one tick per day of the span:
  // millions of them, and far from 1970 `t += step` did not move at all.
  it('gives a handful of ticks for any span, and ends for times where a step is below the precision of a double', () => {
    const huge = buildTimeScale([0, 1e16], { width: 900 });
    expect(huge.ticks.length).toBeGreaterThan(1);
    expect(huge.ticks.length).toBeLessThanOrEqual(12);
    for (const tick of huge.ticks) expect(tick.label).not.toMatch(/unknown/);
    const far = buildTimeScale([1e300, 1e300 * (1 + 2 ** -52)], { width: 900 });
    expect(far.ticks.length).toBeLessThanOrEqual(200);
    // Small regular gaps, then one enormous one: a break, and ticks counted from 0 towards 1e300.
    const broken = buildTimeScale([0, 1, 2, 3, 4, 5, 1e300], { width: 900 });
    expect(broken.breaks).toHaveLength(1);
    expect(broken.ticks.length).toBeLessThanOrEqual(200);
    expect(new Set(broken.ticks.map((t) => t.t)).size).toBe(broken.ticks.length);
    const extremes = buildTimeScale([-Number.MAX_VALUE, 0, Number.MAX_VALUE], { width: 900 });
    expect(extremes.ticks.length).toBeLessThanOrEqual(200);
  });
});

describe('packInOrder', () => {
  it('keeps a mark on the row of the one before it when it fits after it, else moves down, never up', () => {
    const { rows, rowCount } = packInOrder([
      { id: 'requested', left: 0, width: 50 },
      { id: 'sent', left: 20, width: 50 },
      { id: 'check', left: 80, width: 10 },
      { id: 'granted', left: 92, width: 10 },
      // Room on the top row again, but later than "granted": it stays below.
      { id: 'refused', left: 200, width: 10 },
    ]);
    expect(Object.fromEntries(rows)).toEqual({ requested: 0, sent: 1, check: 1, granted: 2, refused: 2 });
    expect(rowCount).toBe(3);
    expect(packInOrder([])).toEqual({ rows: new Map(), rowCount: 0 });
  });

  it('keeps the gap between neighbours on one row', () => {
    const boxes = [
      { id: 'a', left: 0, width: 10 },
      { id: 'b', left: 13, width: 10 },
    ];
    expect(packInOrder(boxes, 4).rows.get('b')).toBe(1);
    expect(packInOrder(boxes, 3).rows.get('b')).toBe(0);
  });
});

describe('flowInOrder', () => {
  it('lays boxes along a row like words and wraps at the end of the track', () => {
    expect(flowInOrder([20, 20, 20, 20], 70, 2, 4)).toEqual([
      { left: 4, row: 0 },
      { left: 26, row: 0 },
      { left: 4, row: 1 },
      { left: 26, row: 1 },
    ]);
    // A box wider than the track still gets a row of its own.
    expect(flowInOrder([100, 10], 50, 2, 4)).toEqual([
      { left: 4, row: 0 },
      { left: 4, row: 1 },
    ]);
  });
});

/** A mark before placement, for the pure functions. */
function raw(id: string, time: number, overrides: Partial<RawMark> = {}): RawMark {
  return {
    id,
    laneId: 'challenge:x',
    kind: 'factor_sent',
    glyph: '✉',
    label: 'code sent',
    detail: '',
    tone: 'info',
    time,
    exchangeIndex: null,
    exchangeId: null,
    token: null,
    byInspector: false,
    width: 80,
    ...overrides,
  };
}

describe('inTimeOrder and collapseRepeats', () => {
  it('orders by time, keeping the model order of marks at the same time', () => {
    const marks = [raw('c', T + 5), raw('a', T), raw('b', T), raw('d', T + 1)];
    expect(inTimeOrder(marks).map((m) => m.id)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('collapses each run of identical marks into its first, with the count and every time', () => {
    const requested = raw('r', T, { kind: 'requested', label: 'requested' });
    const sends = [1, 2, 3, 4, 5].map((n) => raw(`s${n}`, T + n * 1000));
    const check = raw('k', T + 9000, { kind: 'factor_verified:code', label: 'code ✓', tone: 'ok' });
    const bySomeoneElse = raw('i', T + 9500, { byInspector: true });
    const again = raw('s6', T + 10_000);
    const collapsed = collapseRepeats([requested, ...sends, check, bySomeoneElse, again], new Set());
    expect(collapsed.map((m) => [m.id, m.repeat?.count ?? 1])).toEqual([
      ['r', 1],
      ['s1', 5],
      ['k', 1],
      // Sent by the inspector is not the same mark as sent by the page; a later run starts afresh.
      ['i', 1],
      ['s6', 1],
    ]);
    const run = collapsed[1]!.repeat!;
    expect(run).toEqual({
      group: 's1',
      count: 5,
      times: sends.map((m) => m.time),
      expanded: false,
      toggle: true,
    });
    expect(collapsed[0]!.repeat).toBeUndefined();
  });

  it('keeps an unfolded run as its marks, each knowing its run, the first carrying the count', () => {
    const sends = [1, 2, 3].map((n) => raw(`s${n}`, T + n * 1000));
    const out = collapseRepeats(sends, new Set(['s1']));
    expect(out.map((m) => m.id)).toEqual(['s1', 's2', 's3']);
    expect(out.map((m) => [m.repeat?.group, m.repeat?.expanded, m.repeat?.toggle])).toEqual([
      ['s1', true, true],
      ['s1', true, false],
      ['s1', true, false],
    ]);
  });

  it('describes a run with its times, listing at most MAX_LISTED_TIMES', () => {
    const times = [T, T + 1500, T + 3250];
    expect(describeRun('OTP sent', { group: 'g', count: 3, times, expanded: false, toggle: true })).toMatch(
      /^OTP sent ×3 at \d\d:\d\d:\d\d\.000, \d\d:\d\d:\d\d\.500, \d\d:\d\d:\d\d\.250 UTC$/,
    );
    const many = Array.from({ length: MAX_LISTED_TIMES + 7 }, (_, i) => T + i);
    const text = describeRun('x', {
      group: 'g',
      count: many.length,
      times: many,
      expanded: false,
      toggle: true,
    });
    expect(text).toMatch(/ and 7 more UTC$/);
    expect(text.split(', ')).toHaveLength(MAX_LISTED_TIMES);
  });
});

/** Asserts a lane reads in time order: top to bottom, and left to right within a row. */
function expectReadsInOrder(lane: TimelineLane): void {
  const byTime = inTimeOrder(lane.marks);
  expect(
    byTime.map((m) => m.id),
    `${lane.id} marks in time order`,
  ).toEqual(lane.marks.map((m) => m.id));
  for (let i = 1; i < byTime.length; i += 1) {
    const before = byTime[i - 1]!;
    const after = byTime[i]!;
    expect(after.row, `${after.label} above ${before.label}`).toBeGreaterThanOrEqual(before.row);
    if (after.row === before.row)
      expect(after.left, `${after.label} left of ${before.label}`).toBeGreaterThanOrEqual(
        before.left + before.width,
      );
  }
}

/** requested → OTP sent ×3 → checks → granted → consumed → reuse refused (the grant is single-use). */
async function aRetriedReset() {
  const flow = await aRetriedPasswordReset();
  return { flow, model: await analyse(flow.exchanges) };
}

describe('a lane reads in time order', () => {
  it('never puts a later mark above an earlier one, at a docked or an undocked width', async () => {
    const { model } = await aRetriedReset();
    for (const width of [340, 530, 1420]) {
      const layout = layoutTimeline(model, width);
      const lane = layout.lanes[0]!;
      expect(lane.mode).toBe('time');
      expect(lane.marks.map((m) => m.kind)).toEqual([...RETRIED_RESET_MARKS]);
      expect(lane.marks[1]?.repeat?.count).toBe(3);
      for (const l of layout.lanes) {
        expectReadsInOrder(l);
        for (const m of l.marks) {
          expect(m.left, `${m.label} at ${width}`).toBeGreaterThanOrEqual(0);
          expect(m.left + m.width, `${m.label} at ${width}`).toBeLessThanOrEqual(width);
        }
      }
      // The late refusal is on the last row, never beside "requested".
      expect(lane.marks.at(-1)!.row).toBe(lane.rows - 1);
      expect(lane.rows).toBeGreaterThan(1);
      expect(lane.rows).toBeLessThanOrEqual(MAX_LABELLED_ROWS);
    }
  });

  it('unfolding a run draws its marks one by one in order without moving the scale', async () => {
    const { model } = await aRetriedReset();
    const folded = layoutTimeline(model, 800);
    const group = folded.lanes[0]!.marks[1]!.repeat!.group;
    const unfolded = layoutTimeline(model, 800, {}, new Set([group]));
    const sends = unfolded.lanes[0]!.marks.filter((m) => m.kind === 'factor_sent');
    expect(sends).toHaveLength(3);
    expect(sends.map((m) => m.repeat?.toggle)).toEqual([true, false, false]);
    expect(unfolded.scale.t0).toBe(folded.scale.t0);
    expect(unfolded.scale.x(sends[2]!.time)).toBe(folded.scale.x(sends[2]!.time));
    expectReadsInOrder(unfolded.lanes[0]!);
  });
});

describe('layoutTimeline', () => {
  it('has one lane per challenge and one per access-token session, every mark on the scale without overlaps', async () => {
    const { exchanges } = await aStepUpFlow({
      scope: 'kyc:approve',
      steps: ['verify_email', 'verify_sms', 'kyc_review'],
      wrongCodes: 1,
      consume: 'app',
    });
    const model = await analyse(exchanges);
    const layout = layoutTimeline(model, 900);
    expect(layout.lanes.map((l) => l.kind)).toEqual(['challenge', 'access']);
    const lane = layout.lanes[0]!;
    const kinds = lane.marks.map((m) => m.kind);
    expect(kinds[0]).toBe('requested');
    expect(kinds).toContain('factor_failed:code');
    expect(kinds).toContain('factor_verified:assertion');
    expect(kinds).toContain('redeemed');
    expect(kinds).toContain('granted');
    expect(kinds).toContain('consumed');
    const failed = lane.marks.find((m) => m.kind === 'factor_failed:code');
    expect(failed?.label).toBe('check ✗ bad_check_code');
    expect(failed?.exchangeId).toBe(exchanges[failed?.exchangeIndex ?? -1]?.id);
    expect(lane.marks.find((m) => m.kind === 'granted')?.label).toBe('kyc:approve granted');
    expect(lane.marks.filter((m) => m.kind === 'step_completed').map((m) => m.label)).toEqual([
      'verify_email done',
      'verify_sms done',
      'kyc_review done',
    ]);
    for (const l of layout.lanes) {
      for (const a of l.marks) {
        expect(a.x).toBeGreaterThanOrEqual(0);
        expect(a.x).toBeLessThanOrEqual(900);
        expect(a.left).toBeGreaterThanOrEqual(0);
        expect(a.left + a.width).toBeLessThanOrEqual(900);
        for (const b of l.marks) {
          if (a === b || a.row !== b.row) continue;
          const overlap = a.left < b.left + b.width && b.left < a.left + a.width;
          expect(overlap, `${a.id} and ${b.id} overlap on row ${a.row}`).toBe(false);
        }
      }
      expect(l.rows).toBe(Math.max(...l.marks.map((m) => m.row)) + 1);
    }
    // The access lane shows the grant arriving and leaving.
    const access = layout.lanes[1]!;
    expect(access.marks.map((m) => accessTokenLabel(m.accessToken!))).toEqual([
      'AT1 login no scopes',
      'AT2 step-up refresh +kyc:approve',
      'AT3 refresh −kyc:approve',
    ]);
    // Marks open their exchange on a token that exists there.
    const refresh = lane.marks.find((m) => m.kind === 'redeemed');
    expect(refresh?.token).toEqual({ location: 'request.body.step_up_token', nth: 0 });
  });

  it('keeps room at the right end for the labels of the last marks', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const model = await analyse(exchanges);
    const layout = layoutTimeline(model, 1000);
    const all = layout.lanes.flatMap((l) => l.marks);
    expect(all.filter((m) => m.flip)).toEqual([]);
    expect(Math.max(...all.map((m) => m.left + m.width))).toBeLessThanOrEqual(1000);
  });

  it('collapses a lane of 120 sends into one mark, and draws a lane of alternating events as a sequence', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    for (let i = 0; i < 120; i += 1) flow.otpSend(challenge);
    const sends = await analyse(flow.exchanges);
    const [lane] = layoutTimeline(sends, 600).lanes;
    expect(lane?.mode).toBe('time');
    expect(lane?.marks.map((m) => m.repeat?.count ?? 1)).toEqual([1, 120]);

    // Send, wrong code, send, wrong code…: nothing repeats, far more rows than labels can take.
    const alternating = await aLoginFlow();
    const c = await alternating.stepUp({ scope: 'transfer:write' });
    for (let i = 0; i < 150; i += 1) {
      alternating.otpSend(c);
      await alternating.otpCheck(c, { wrong: true });
    }
    const model = await analyse(alternating.exchanges);
    const [crowded] = layoutTimeline(model, 600).lanes;
    expect(crowded?.mode).toBe('sequence');
    expect(crowded?.marks.length).toBe(301);
    expect(crowded?.marks.every((m) => m.compact)).toBe(true);
    expect(crowded?.hidden).toBe(0);
    expectReadsInOrder(crowded!);
    for (const m of crowded!.marks) expect(m.left + m.width).toBeLessThanOrEqual(600);
    // 301 glyphs of 18 px, about 32 to a 600 px row.
    expect(crowded?.rows).toBeLessThanOrEqual(11);
    const [calm] = layoutTimeline(model, 600).lanes.filter((l) => l.kind === 'access');
    expect(calm?.mode).toBe('time');
    expect(calm?.marks.some((m) => m.compact)).toBe(false);

    // Longer than a sequence draws: its first and last halves, the middle counted where it would be.
    for (let i = 0; i < 100; i += 1) {
      alternating.otpSend(c);
      await alternating.otpCheck(c, { wrong: true });
    }
    const longer = await analyse(alternating.exchanges);
    const [elided] = layoutTimeline(longer, 600).lanes;
    expect(elided?.marks).toHaveLength(MAX_SEQUENCE_MARKS);
    expect(elided?.hidden).toBe(501 - MAX_SEQUENCE_MARKS);
    expect(elided?.marks.at(-1)?.time).toBe(Math.max(...longer.challenges[0]!.events.map((e) => e.time)));
    const half = elided!.marks[MAX_SEQUENCE_MARKS / 2]!;
    const before = elided!.marks[MAX_SEQUENCE_MARKS / 2 - 1]!;
    const gap = elided!.elision!;
    // The count sits between the last mark of the first half and the first of the second.
    expect(gap.row * 10_000 + gap.left).toBeGreaterThan(before.row * 10_000 + before.left);
    expect(half.row * 10_000 + half.left).toBeGreaterThan(gap.row * 10_000 + gap.left);
  });

  it('stacks concurrent challenges as lanes ordered by start', async () => {
    const flow = await aLoginFlow();
    const a = await flow.stepUp({ scope: 'transfer:write' });
    const b = await flow.stepUp({ scope: 'kyc:approve', steps: ['verify_email'] });
    flow.otpSend(a);
    flow.otpSend(b);
    await flow.otpCheck(b, { wrong: true });
    const model = await analyse(flow.exchanges);
    const layout = layoutTimeline(model, 700);
    const scopes = layout.lanes.filter((l) => l.kind === 'challenge').map((l) => l.challenge?.scope);
    expect(scopes).toEqual(['transfer:write', 'kyc:approve']);
    expect(layout.lanes.every((l) => l.marks.every((m) => m.x <= 700))).toBe(true);
  });

  it('every challenge event kind has a look', () => {
    const terms = providerModule('prelude')?.presentation?.terms;
    expect(markStyle({ kind: 'factor_failed', method: 'code' }, 'bad_check_code', terms).label).toBe(
      'check ✗ bad_check_code',
    );
    expect(markStyle({ kind: 'factor_failed', method: 'code' }, 'bad_check_code').label).toBe(
      'code ✗ bad_check_code',
    );
    expect(markStyle({ kind: 'factor_verified', method: 'assertion' }, null, terms).label).toBe('continue ✓');
    expect(markStyle({ kind: 'refused' }, 'insufficient_scope').tone).toBe('refused');
    expect(markStyle({ kind: 'expired' }, null).glyph).toBe('◷');
  });
});

describe('placeMark', () => {
  it('draws the label right of the glyph, or left of it near the end of the track', () => {
    expect(placeMark(100, 80, 400)).toEqual({ left: 92, flip: false });
    expect(placeMark(380, 80, 400)).toEqual({ left: 308, flip: true });
    // Too wide for either side: shifted inward as little as it takes, the glyph beside its time.
    expect(placeMark(100, 200, 260)).toEqual({ left: 60, flip: false });
    expect(placeMark(180, 200, 260)).toEqual({ left: 0, flip: true });
    // Wider than the track: it starts at 0.
    expect(placeMark(20, 500, 400)).toEqual({ left: 0, flip: false });
  });
});

describe('neighbourMark', () => {
  it('moves within a lane by time and across lanes to the closest mark in time', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const model = await analyse(exchanges);
    const { lanes } = layoutTimeline(model, 800);
    const [challenge, access] = lanes as [(typeof lanes)[number], (typeof lanes)[number]];
    const first = challenge.marks[0]!.id;
    expect(neighbourMark(lanes, null, 'right')).toBe(first);
    expect(neighbourMark(lanes, first, 'left')).toBe(first);
    expect(neighbourMark(lanes, first, 'right')).toBe(challenge.marks[1]!.id);
    expect(neighbourMark(lanes, first, 'up')).toBe(first);
    const down = neighbourMark(lanes, first, 'down');
    expect(access.marks.map((m) => m.id)).toContain(down);
    expect(neighbourMark(lanes, first, 'end')).toBe(access.marks.at(-1)!.id);
    expect(neighbourMark(lanes, down, 'home')).toBe(first);
  });

  it('arrow keys, Home and End move the cursor; other keys do not', () => {
    expect(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'].map(directionOfKey)).toEqual([
      'left',
      'right',
      'up',
      'down',
      'home',
      'end',
    ]);
    expect(directionOfKey('Enter')).toBeUndefined();
    expect(directionOfKey('toString')).toBeUndefined();
  });
});

describe('lane deadlines and the ticker', () => {
  it('counts the current step from the previous step done, and the challenge exp while pending', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'kyc:approve', steps: ['verify_email', 'kyc_review'] });
    flow.otpSend(challenge);
    await flow.otpCheck(challenge);
    const model = await analyse(flow.exchanges);
    const c = model.challenges[0]!;
    expect(c.status).toBe('pending');
    const step = stepDeadline(c, model);
    const checkDone = flow.exchanges.at(-1)!;
    expect(step?.label).toBe('step kyc_review');
    expect(step?.at).toBe((checkDone.endedAt ?? checkDone.startedAt) + 300_000);
    const labels = challengeDeadlines(c, model).map((d) => d.label);
    expect(labels).toEqual(['step kyc_review', 'challenge']);
    expect(modelDeadlines(model).length).toBeGreaterThanOrEqual(3); // + the access token's exp
  });

  it('a completed challenge has no step or challenge countdown', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const model = await analyse(exchanges);
    expect(challengeDeadlines(model.challenges[0]!, model).map((d) => d.label)).not.toContain('challenge');
  });

  it('the ticker runs only while a deadline is ahead', () => {
    expect(needsTicker([], 10)).toBe(false);
    expect(needsTicker([5, 9], 10)).toBe(false);
    expect(needsTicker([5, 11], 10)).toBe(true);
  });
});
