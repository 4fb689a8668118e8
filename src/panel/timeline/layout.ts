/**
 * The whole timeline for a track width: one lane per challenge, one per session's access tokens, every mark
 * on one shared scale, each lane's marks in time order with repeats collapsed, on rows that read in time order.
 * `views/Timeline.tsx` only draws what this returns.
 */
import type { Challenge, SessionModel } from '../../core/model/types.ts';
import {
  buildTimeScale,
  countWidth,
  estimateLabelWidth,
  flowInOrder,
  GLYPH_HALF_PX,
  GLYPH_PX,
  packInOrder,
  placeMark,
  type ScaleOptions,
  type TimeScale,
} from './geometry.ts';
import { accessMarks, challengeMarks, type RawMark, type TimelineMark } from './marks.ts';
import { collapseRepeats, inTimeOrder } from './repeats.ts';

export interface TimelineLane {
  id: string;
  kind: 'challenge' | 'access';
  challenge?: Challenge;
  /** Access-token lane key (`sid`, `sub` or `unknown`). */
  accessLane?: string;
  /** In time order. */
  marks: TimelineMark[];
  rows: number;
  /**
   * `time`: labelled marks at their time on the axis. `sequence`: more rows than {@link MAX_LABELLED_ROWS}
   * would take, so glyphs only, in order along the rows like words, not at their time.
   */
  mode: 'time' | 'sequence';
  /** Marks left out of the middle of a sequence longer than {@link MAX_SEQUENCE_MARKS}. */
  hidden: number;
  /** Where the left-out marks are counted in the sequence. */
  elision: { left: number; row: number; width: number } | null;
}

export interface TimelineLayout {
  scale: TimeScale;
  lanes: TimelineLane[];
}

/** Rows a lane may take with labelled marks on the time axis (a waterfall of one event per row at most); beyond it the lane is drawn as a sequence. */
export const MAX_LABELLED_ROWS = 24;
/** Marks a sequence draws at most: its first and last halves; the Exchanges view lists every one. */
export const MAX_SEQUENCE_MARKS = 400;

const NOTHING_EXPANDED: ReadonlySet<string> = new Set();

/** Sort key of a challenge lane: when it started. */
function challengeStart(challenge: Challenge): number {
  return challenge.events[0]?.time ?? Number.POSITIVE_INFINITY;
}

/** Width of a mark with its run's count. */
function fullWidth(mark: RawMark): number {
  return mark.width + (mark.repeat?.toggle ? countWidth(mark.repeat.count) : 0);
}

/** Width of a mark drawn as a glyph only (its borders, thicker when sent by the inspector), with its run's count. */
function glyphWidth(mark: RawMark): number {
  return GLYPH_PX + (mark.byInspector ? 4 : 2) + (mark.repeat?.toggle ? countWidth(mark.repeat.count) : 0);
}

type LaneHead = Omit<TimelineLane, 'marks' | 'rows' | 'mode' | 'hidden' | 'elision'>;

/** The marks of a lane along the time axis, on rows in time order; null when they need too many rows. */
function onTimeAxis(marks: readonly RawMark[], scale: TimeScale, width: number): TimelineMark[] | null {
  const placed = marks.map((m): TimelineMark => {
    const x = scale.x(m.time);
    const w = fullWidth(m);
    return { ...m, width: w, x, ...placeMark(x, w, width), row: 0, compact: false };
  });
  const packed = packInOrder(placed);
  if (packed.rowCount > MAX_LABELLED_ROWS) return null;
  for (const m of placed) m.row = packed.rows.get(m.id) ?? 0;
  return placed;
}

/** The marks of a crowded lane as glyphs in order, its middle left out past {@link MAX_SEQUENCE_MARKS}. */
function inSequence(head: LaneHead, marks: readonly RawMark[], width: number): TimelineLane {
  const half = MAX_SEQUENCE_MARKS / 2;
  const hidden = Math.max(0, marks.length - MAX_SEQUENCE_MARKS);
  const shown = hidden > 0 ? [...marks.slice(0, half), ...marks.slice(marks.length - half)] : [...marks];
  const elisionWidth = estimateLabelWidth(`⋯ +${hidden}`) + 12;
  const markWidths = shown.map(glyphWidth);
  const widths = hidden > 0 ? markWidths.toSpliced(half, 0, elisionWidth) : markWidths;
  const slots = flowInOrder(widths, width);
  const elisionSlot = hidden > 0 ? slots.splice(half, 1)[0] : undefined;
  const placed = shown.map((m, i): TimelineMark => {
    const slot = slots[i] as { left: number; row: number };
    return {
      ...m,
      width: markWidths[i] as number,
      x: slot.left + GLYPH_HALF_PX + 1,
      left: slot.left,
      flip: false,
      row: slot.row,
      compact: true,
    };
  });
  const rows = Math.max(slots.at(-1)?.row ?? 0, elisionSlot?.row ?? 0) + 1;
  return {
    ...head,
    marks: placed,
    rows,
    mode: 'sequence',
    hidden,
    elision: elisionSlot ? { ...elisionSlot, width: elisionWidth } : null,
  };
}

/**
 * Lays out the whole timeline for a track `width`: one lane per challenge (by start time), then one lane per
 * access-token session lane; every mark positioned on one shared scale, runs of identical marks collapsed
 * unless their group id is in `expanded`, and rows that never put a later mark above an earlier one.
 */
export function layoutTimeline(
  model: SessionModel,
  width: number,
  options: Omit<ScaleOptions, 'width'> = {},
  expanded: ReadonlySet<string> = NOTHING_EXPANDED,
): TimelineLayout {
  const challenges = [...model.challenges].sort((a, b) => challengeStart(a) - challengeStart(b));
  const raw: { lane: LaneHead; marks: RawMark[] }[] = [];
  for (const challenge of challenges) {
    const id = `challenge:${challenge.key}`;
    raw.push({
      lane: { id, kind: 'challenge', challenge },
      marks: inTimeOrder(challengeMarks(model, challenge, id)),
    });
  }
  const accessLanes = [...new Set(model.accessTokens.map((v) => v.lane))];
  for (const lane of accessLanes) {
    const id = `access:${lane}`;
    raw.push({
      lane: { id, kind: 'access', accessLane: lane },
      marks: inTimeOrder(accessMarks(model, lane, id)),
    });
  }
  // Every event's time shapes the scale, collapsed or not: unfolding a run must not move the other marks.
  const times = raw.flatMap((r) => r.marks.map((m) => m.time));
  const lanesMarks = raw.map((r) => ({ lane: r.lane, marks: collapseRepeats(r.marks, expanded) }));
  // Labels run to the right of their glyph: a first pass finds how far the last marks would overflow, and
  // the scale keeps that much room at the right (up to a third of the width; beyond that, labels flip).
  const first = buildTimeScale(times, { ...options, width });
  let overflow = 0;
  for (const r of lanesMarks)
    for (const m of r.marks)
      overflow = Math.max(overflow, first.x(m.time) - GLYPH_HALF_PX + fullWidth(m) - width);
  const scale =
    overflow > 0
      ? buildTimeScale(times, {
          ...options,
          width,
          paddingRight: Math.min(width / 3, (options.paddingRight ?? options.padding ?? 12) + overflow + 4),
        })
      : first;
  const lanes = lanesMarks.map(({ lane, marks }): TimelineLane => {
    const placed = onTimeAxis(marks, scale, width);
    // A lane with hundreds of events (a long-lived challenge, a replay loop) would be hundreds of rows tall.
    if (placed === null) return inSequence(lane, marks, width);
    return {
      ...lane,
      marks: placed,
      rows: Math.max(1, ...placed.map((m) => m.row + 1)),
      mode: 'time',
      hidden: 0,
      elision: null,
    };
  });
  return { scale, lanes };
}
