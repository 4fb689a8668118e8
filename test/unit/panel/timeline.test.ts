import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import {
  challengeDeadlines,
  modelDeadlines,
  needsTicker,
  stepDeadline,
} from '../../../src/panel/store/lane-facts.ts';
import { buildTimeScale, formatOffset, placeMark, stackMarks } from '../../../src/panel/timeline/geometry.ts';
import { layoutTimeline, MAX_COMPACT_ROWS } from '../../../src/panel/timeline/layout.ts';
import { accessTokenLabel, markStyle } from '../../../src/panel/timeline/marks.ts';
import { directionOfKey, neighbourMark } from '../../../src/panel/timeline/navigation.ts';
import { aLoginFlow, aStepUpFlow } from '../../fixtures/flows.ts';
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

describe('stackMarks', () => {
  it('puts overlapping boxes on new rows and reuses a row once it is free', () => {
    const { rows, rowCount } = stackMarks([
      { id: 'a', x: 0, width: 50 },
      { id: 'b', x: 20, width: 50 },
      { id: 'c', x: 40, width: 10 },
      { id: 'd', x: 60, width: 10 },
      { id: 'e', x: 200, width: 10 },
    ]);
    expect(Object.fromEntries(rows)).toEqual({ a: 0, b: 1, c: 2, d: 0, e: 0 });
    expect(rowCount).toBe(3);
  });

  it('keeps the gap between neighbours on one row', () => {
    const { rows } = stackMarks(
      [
        { id: 'a', x: 0, width: 10 },
        { id: 'b', x: 12, width: 10 },
      ],
      4,
    );
    expect(rows.get('b')).toBe(1);
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

  it('draws the marks of a crowded lane as glyphs only, so the lane stays a few rows tall', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    for (let i = 0; i < 120; i += 1) flow.otpSend(challenge);
    const model = await analyse(flow.exchanges);
    const [lane] = layoutTimeline(model, 600).lanes;
    expect(lane?.marks.length).toBeGreaterThan(120);
    expect(lane?.marks.every((m) => m.compact)).toBe(true);
    expect(lane?.rows).toBeLessThanOrEqual(MAX_COMPACT_ROWS);
    expect(lane?.hidden).toBe(0);
    // Far more events than fit even as glyphs: the rest are counted, not drawn.
    const [crowded] = layoutTimeline(model, 60).lanes;
    expect(crowded?.rows).toBe(MAX_COMPACT_ROWS);
    expect((crowded?.hidden ?? 0) + (crowded?.marks.length ?? 0)).toBe(lane?.marks.length);
    expect(crowded?.hidden).toBeGreaterThan(0);
    const [calm] = layoutTimeline(model, 600).lanes.filter((l) => l.kind === 'access');
    expect(calm?.marks.some((m) => m.compact)).toBe(false);
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
    // Too wide either way: keep it left-aligned at the start.
    expect(placeMark(20, 500, 400)).toEqual({ left: 12, flip: false });
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
