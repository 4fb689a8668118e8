/**
 * The timeline's geometry: a time scale that squeezes long idle gaps into fixed-width breaks, where a mark
 * goes on it, and the rows of a lane's marks in time order. Pure functions of times and widths, so the
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
  /** Left edge of the whole mark (glyph, label, count) on the track. */
  left: number;
  width: number;
}

/**
 * Rows for the marks of a lane, given in time order, such that the lane reads in time order top to bottom as
 * well as left to right: a mark stays on the row of the mark before it when it fits after it (with `gap` px
 * between them), else it starts the next row; it never goes back up to a row above. Packing into the first
 * free row would be more compact, but it put a late "reuse refused" in the top row beside "requested".
 */
export function packInOrder(
  boxes: readonly MarkBox[],
  gap = 4,
): { rows: Map<string, number>; rowCount: number } {
  const rows = new Map<string, number>();
  let row = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const box of boxes) {
    if (box.left < end + gap) row += 1;
    end = box.left + box.width;
    rows.set(box.id, row);
  }
  return { rows, rowCount: boxes.length === 0 ? 0 : row + 1 };
}

/**
 * Lays boxes of `widths`, in order, like words of a text: along a row from `padding` until the next one would
 * pass `trackWidth`, then on the next row. For a lane with more events than fit on the time axis even as
 * glyphs, this keeps their order readable at the cost of their position in time.
 */
export function flowInOrder(
  widths: readonly number[],
  trackWidth: number,
  gap = 2,
  padding = 4,
): { left: number; row: number }[] {
  const out: { left: number; row: number }[] = [];
  let row = 0;
  let cursor = padding;
  for (const width of widths) {
    if (cursor > padding && cursor + width > trackWidth - padding) {
      row += 1;
      cursor = padding;
    }
    out.push({ left: cursor, row });
    cursor += width + gap;
  }
  return out;
}

/** Rough width of a label in the panel's 11px UI font (measuring text needs a DOM; this is close enough). */
export function estimateLabelWidth(text: string): number {
  return Math.ceil(text.length * 6.4);
}

/** Room around the text of a run's count ("×5"): its padding and borders. */
export const COUNT_PAD_PX = 10;
/** Space between a mark and its run's count. */
export const COUNT_GAP_PX = 2;

/** Width of the count control of a run of `count` marks; drawn at this width, so the layout's sums hold. */
export function countButtonWidth(count: number): number {
  return estimateLabelWidth(`×${count}`) + COUNT_PAD_PX;
}

/** Width a run's count adds to its mark. */
export function countWidth(count: number): number {
  return countButtonWidth(count) + COUNT_GAP_PX;
}

/**
 * Where a mark of `width` whose glyph is centred on `x` goes on a track of `trackWidth`: label to the right
 * normally, to the left when it would run past the end of the track. A mark too wide for either side (a long
 * error code in a narrow panel) is shifted inward as little as it takes to stay on the track, its glyph beside
 * its time rather than on it; one wider than the track starts at 0 (its label is cut there, whole in the tooltip).
 */
export function placeMark(x: number, width: number, trackWidth: number): { left: number; flip: boolean } {
  const right = x - GLYPH_HALF_PX;
  const leftOf = x + GLYPH_HALF_PX - width;
  if (right + width <= trackWidth) return { left: Math.max(0, right), flip: false };
  if (leftOf >= 0) return { left: leftOf, flip: true };
  const inner = Math.max(0, trackWidth - width);
  // Shifted left (label right) or right (label left): whichever moves the glyph less.
  const shiftLeft = right - inner;
  const shiftRight = width - GLYPH_HALF_PX - x;
  return shiftRight < shiftLeft ? { left: 0, flip: true } : { left: inner, flip: false };
}
