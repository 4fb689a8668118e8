/**
 * The whole timeline for a track width: one lane per challenge, one per session's access tokens, every mark
 * on one shared scale and stacked into rows within its lane. `views/Timeline.tsx` only draws what this returns.
 */
import type { Challenge, SessionModel } from '../../core/model/types.ts';
import {
  buildTimeScale,
  GLYPH_HALF_PX,
  GLYPH_PX,
  placeMark,
  stackMarks,
  type ScaleOptions,
  type TimeScale,
} from './geometry.ts';
import { accessMarks, challengeMarks, type RawMark, type TimelineMark } from './marks.ts';

export interface TimelineLane {
  id: string;
  kind: 'challenge' | 'access';
  challenge?: Challenge;
  /** Access-token lane key (`sid`, `sub` or `unknown`). */
  accessLane?: string;
  marks: TimelineMark[];
  rows: number;
  /** Marks left out because even as glyphs they did not fit in {@link MAX_COMPACT_ROWS} rows. */
  hidden: number;
}

export interface TimelineLayout {
  scale: TimeScale;
  lanes: TimelineLane[];
}

/** Rows a lane may take with labelled marks; beyond it the lane's marks are drawn as glyphs only. */
export const MAX_LABELLED_ROWS = 12;
/** Rows of glyphs a lane may take; marks beyond are counted, not drawn (the Exchanges view lists them). */
export const MAX_COMPACT_ROWS = 8;

/** Sort key of a challenge lane: when it started. */
function challengeStart(challenge: Challenge): number {
  return challenge.events[0]?.time ?? Number.POSITIVE_INFINITY;
}

/**
 * Lays out the whole timeline for a track `width`: one lane per challenge (by start time), then one lane per
 * access-token session lane; every mark positioned on one shared scale and stacked into rows within its lane.
 */
export function layoutTimeline(
  model: SessionModel,
  width: number,
  options: Omit<ScaleOptions, 'width'> = {},
): TimelineLayout {
  const challenges = [...model.challenges].sort((a, b) => challengeStart(a) - challengeStart(b));
  const raw: { lane: Omit<TimelineLane, 'marks' | 'rows' | 'hidden'>; marks: RawMark[] }[] = [];
  for (const challenge of challenges) {
    const id = `challenge:${challenge.key}`;
    raw.push({ lane: { id, kind: 'challenge', challenge }, marks: challengeMarks(model, challenge, id) });
  }
  const accessLanes = [...new Set(model.accessTokens.map((v) => v.lane))];
  for (const lane of accessLanes) {
    const id = `access:${lane}`;
    raw.push({ lane: { id, kind: 'access', accessLane: lane }, marks: accessMarks(model, lane, id) });
  }
  // Labels run to the right of their glyph: a first pass finds how far the last marks would overflow, and
  // the scale keeps that much room at the right (up to a third of the width; beyond that, labels flip).
  const times = raw.flatMap((r) => r.marks.map((m) => m.time));
  const first = buildTimeScale(times, { ...options, width });
  let overflow = 0;
  for (const r of raw)
    for (const m of r.marks) overflow = Math.max(overflow, first.x(m.time) - GLYPH_HALF_PX + m.width - width);
  const scale =
    overflow > 0
      ? buildTimeScale(times, {
          ...options,
          width,
          paddingRight: Math.min(width / 3, (options.paddingRight ?? options.padding ?? 12) + overflow + 4),
        })
      : first;
  const place = (marks: RawMark[], compact: boolean) => {
    const placed = marks.map((m): TimelineMark => {
      const x = scale.x(m.time);
      const w = compact ? GLYPH_PX + 2 : m.width;
      return { ...m, width: w, x, ...placeMark(x, w, width), row: 0, compact };
    });
    const stacked = stackMarks(
      placed.map((m) => ({ id: m.id, x: m.left, width: m.width })),
      compact ? 1 : 4,
    );
    for (const m of placed) m.row = stacked.rows.get(m.id) ?? 0;
    return { placed, rowCount: stacked.rowCount };
  };
  const lanes = raw.map(({ lane, marks }): TimelineLane => {
    let result = place(marks, false);
    // A lane with hundreds of events (a long-lived challenge, a replay loop) would be hundreds of rows tall.
    if (result.rowCount <= MAX_LABELLED_ROWS) {
      return { ...lane, marks: result.placed, rows: Math.max(1, result.rowCount), hidden: 0 };
    }
    result = place(marks, true);
    const shown = result.placed.filter((m) => m.row < MAX_COMPACT_ROWS);
    return {
      ...lane,
      marks: shown,
      rows: Math.max(1, Math.min(result.rowCount, MAX_COMPACT_ROWS)),
      hidden: result.placed.length - shown.length,
    };
  });
  return { scale, lanes };
}
