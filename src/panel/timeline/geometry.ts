/**
 * The timeline's geometry: a time scale that squeezes long idle gaps into fixed-width breaks, where a mark
 * goes on it, and marks that would overlap stacked into rows. Pure functions of times and widths, so the
 * picture's maths is unit-tested without a DOM.
 */
import { formatDuration } from '../../core/tokens/time.ts';

// ---------------------------------------------------------------------------------------------------------
// Time scale

export interface ScaleOptions {
  /** Pixels available for the track. */
  width: number;
  /** Pixels kept free at both ends. */
  padding?: number;
  /** Pixels kept free at the right end instead of `padding` (room for the labels of the last marks). */
  paddingRight?: number;
  /** Width of one squeezed gap. */
  breakPx?: number;
  /** Gaps shorter than this are never squeezed (ms). */
  minBreakMs?: number;
  /** A gap is squeezed when it is this many times longer than the median gap. */
  breakFactor?: number;
  /** Aimed-for distance between two axis ticks (px). */
  tickSpacingPx?: number;
}

/** An idle stretch drawn as a fixed-width break ("⋯ 9m 57s"). */
export interface TimeBreak {
  from: number;
  to: number;
  /** Left edge and width of the break on the track. */
  x: number;
  width: number;
}

export interface AxisTick {
  t: number;
  x: number;
  /** Offset from the session start, e.g. `+1.5s`. */
  label: string;
}

export interface TimeScale {
  /** First and last time on the scale (epoch ms). */
  t0: number;
  t1: number;
  width: number;
  breaks: readonly TimeBreak[];
  ticks: readonly AxisTick[];
  /** Pixels per ms on the linear parts (0 when all times coincide). */
  pxPerMs: number;
  /** Position of a time on the track; times outside [t0, t1] are clamped to the ends. */
  x(t: number): number;
}

/** More squeezed gaps than this and the scale stays linear. */
export const MAX_BREAKS = 12;

const DAY_MS = 86_400_000;

/** Ticks drawn at most, whatever the width: a guard against a scale whose numbers went wrong. */
const MAX_TICKS = 200;

const NICE_STEPS_MS = [
  10, 20, 50, 100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

/** `+350 ms`, `+1.5s`, `+2m 05s`: an offset from the session start, for axis ticks. */
export function formatOffset(ms: number, step: number): string {
  if (ms === 0) return '0';
  if (step < 1000 && ms < 60_000) {
    const digits = step % 100 !== 0 ? 2 : 1;
    return `+${(ms / 1000).toFixed(digits).replace(/\.?0+$/, '')}s`;
  }
  return `+${formatDuration(ms)}`;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Builds a scale for `times` (epoch ms, any order, duplicates allowed). Gaps much longer than the typical gap
 * (≥ `minBreakMs` and > `breakFactor` × the median gap) become breaks of `breakPx`; the rest of the width is
 * linear. A capture with a 10-minute coffee break between two bursts of calls stays readable that way.
 */
export function buildTimeScale(times: readonly number[], options: ScaleOptions): TimeScale {
  const width = Math.max(0, options.width);
  const padding = options.padding ?? 12;
  const breakPxWanted = options.breakPx ?? 36;
  const minBreakMs = options.minBreakMs ?? 5_000;
  const breakFactor = options.breakFactor ?? 8;
  const tickSpacing = options.tickSpacingPx ?? 90;

  const sorted = [...new Set(times.filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  const t0 = sorted[0] ?? 0;
  const t1 = sorted[sorted.length - 1] ?? t0;
  const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] as number));
  const typical = median(gaps);
  let isBreak = gaps.map((g) => g >= minBreakMs && g > breakFactor * typical);
  // Many long gaps are the rhythm of the capture (a poller, a replay loop), not idle stretches: stay linear.
  if (isBreak.filter(Boolean).length > MAX_BREAKS) isBreak = gaps.map(() => false);
  const breakCount = isBreak.filter(Boolean).length;
  const linearMs = gaps.reduce((sum, g, i) => (isBreak[i] ? sum : sum + g), 0);

  const paddingRight = options.paddingRight ?? padding;
  const inner = Math.max(0, width - padding - paddingRight);
  const breakPx =
    breakCount === 0
      ? 0
      : linearMs === 0
        ? inner / breakCount
        : Math.min(breakPxWanted, inner / (breakCount + 1));
  const pxPerMs = linearMs > 0 ? Math.max(0, inner - breakCount * breakPx) / linearMs : 0;

  // Left edge of every distinct time.
  const xs: number[] = [];
  let cursor = padding;
  sorted.forEach((_, i) => {
    if (i > 0) cursor += isBreak[i - 1] ? breakPx : (gaps[i - 1] as number) * pxPerMs;
    xs.push(cursor);
  });

  const breaks: TimeBreak[] = [];
  isBreak.forEach((b, i) => {
    if (b)
      breaks.push({
        from: sorted[i] as number,
        to: sorted[i + 1] as number,
        x: xs[i] as number,
        width: breakPx,
      });
  });

  const x = (t: number): number => {
    if (sorted.length === 0 || !Number.isFinite(t)) return padding;
    if (t <= t0) return padding;
    if (t >= t1) return xs[xs.length - 1] as number;
    // Binary search for the segment [sorted[lo], sorted[lo+1]] holding t.
    let lo = 0;
    let hi = sorted.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) <= t) lo = mid;
      else hi = mid;
    }
    const start = sorted[lo] as number;
    const gap = (sorted[hi] as number) - start;
    const fraction = gap === 0 ? 0 : (t - start) / gap;
    const segmentPx = isBreak[lo] ? breakPx : gap * pxPerMs;
    return (xs[lo] as number) + fraction * segmentPx;
  };

  const ticks: AxisTick[] = [];
  if (pxPerMs > 0) {
    // Past a day per tick, whole days: a capture with a time decades off (a crafted or garbled timestamp) still
    // gets a handful of ticks, not one per day of the span.
    const minStep = tickSpacing / pxPerMs;
    const step = NICE_STEPS_MS.find((s) => s >= minStep) ?? Math.ceil(minStep / DAY_MS) * DAY_MS;
    // Ticks run along each linear stretch (between breaks), counted from the session start.
    const stretches: [number, number][] = [];
    let from = t0;
    for (const b of breaks) {
      stretches.push([from, b.from]);
      from = b.to;
    }
    stretches.push([from, t1]);
    for (const [a, b] of Number.isFinite(step) ? stretches : []) {
      // Counted, not accumulated, and bounded: far from 1970 a step can be smaller than the gap between two
      // doubles, so neither `t += step` nor `k += 1` is sure to move.
      const k0 = Math.ceil((a - t0) / step);
      for (let i = 0; i < MAX_TICKS && ticks.length < MAX_TICKS; i += 1) {
        const t = t0 + (k0 + i) * step;
        if (t > b) break;
        if (ticks.at(-1)?.t !== t) ticks.push({ t, x: x(t), label: formatOffset(t - t0, step) });
      }
    }
  } else if (sorted.length > 0) {
    ticks.push({ t: t0, x: padding, label: '0' });
  }
  return { t0, t1, width, breaks, ticks, pxPerMs, x };
}

// ---------------------------------------------------------------------------------------------------------
// Marks on the track

/** Width of a mark's glyph. */
export const GLYPH_PX = 16;
/** Padding, gap and borders around the glyph and label. */
export const MARK_PAD_PX = 14;
/** The ⟲ badge of marks sent by the inspector. */
export const INSPECTOR_BADGE_PX = 14;
/** Half the glyph: the glyph's centre sits on the event's time. */
export const GLYPH_HALF_PX = GLYPH_PX / 2;

export interface MarkBox {
  id: string;
  x: number;
  width: number;
}

/**
 * Assigns each box a row so that no two boxes of a row overlap (with `gap` px between them): boxes are taken
 * left to right and each goes to the first row whose last box ends before it starts. Returns the row of each
 * id and how many rows were needed.
 */
export function stackMarks(
  boxes: readonly MarkBox[],
  gap = 4,
): { rows: Map<string, number>; rowCount: number } {
  const ends: number[] = [];
  const rows = new Map<string, number>();
  const ordered = [...boxes].sort((a, b) => a.x - b.x);
  for (const box of ordered) {
    let row = ends.findIndex((end) => end + gap <= box.x);
    if (row === -1) {
      row = ends.length;
      ends.push(box.x + box.width);
    } else ends[row] = box.x + box.width;
    rows.set(box.id, row);
  }
  return { rows, rowCount: ends.length };
}

/** Rough width of a label in the panel's 11px UI font (measuring text needs a DOM; this is close enough). */
export function estimateLabelWidth(text: string): number {
  return Math.ceil(text.length * 6.4);
}

/**
 * Where a mark of `width` whose glyph is centred on `x` goes on a track of `trackWidth`: label to the right
 * normally, to the left when it would run past the end of the track.
 */
export function placeMark(x: number, width: number, trackWidth: number): { left: number; flip: boolean } {
  const right = x - GLYPH_HALF_PX;
  if (right + width <= trackWidth || x + GLYPH_HALF_PX - width < 0)
    return { left: Math.max(0, right), flip: false };
  return { left: x + GLYPH_HALF_PX - width, flip: true };
}
