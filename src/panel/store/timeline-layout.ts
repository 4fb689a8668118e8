/**
 * The timeline as geometry: a time scale that squeezes long idle gaps into fixed-width breaks, marks placed
 * on it, and marks that would overlap stacked into rows. Pure functions of the session model and a width, so
 * the picture's maths is unit-tested without a DOM; `views/Timeline.tsx` only draws what this returns.
 */
import type {
  AccessTokenVersion,
  Challenge,
  ChallengeEventKind,
  SessionModel,
  TokenLocation,
} from '../../core/model/types.ts';
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
// Mark stacking

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

// ---------------------------------------------------------------------------------------------------------
// Marks of the session model

export type MarkTone = 'info' | 'ok' | 'error' | 'warn' | 'refused' | 'muted' | 'grant';

export interface TimelineMark {
  /** Unique in the layout: `<laneId>#<n>`. */
  id: string;
  laneId: string;
  kind: ChallengeEventKind | 'access_token';
  glyph: string;
  label: string;
  /** Full text for the tooltip. */
  detail: string;
  tone: MarkTone;
  time: number;
  /** The exchange it opens (model index and id), or null for clock-driven marks. */
  exchangeIndex: number | null;
  exchangeId: string | null;
  /** The token the inspector focuses on when the mark opens. */
  token: { location: TokenLocation; nth: number } | null;
  /** Sent by the inspector (replay/retry), not by the page. */
  byInspector: boolean;
  /** Position of the glyph's centre (the event's time). */
  x: number;
  /** Left edge of the whole mark (glyph + label) on the track. */
  left: number;
  width: number;
  /** Label drawn on the glyph's left, because the track ends before the label would. */
  flip: boolean;
  /** Glyph only (the label is in the tooltip): the lane had too many marks to label them all. */
  compact: boolean;
  row: number;
  /** Access-token marks: the version and its scope change. */
  accessToken?: AccessTokenVersion;
}

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

interface MarkStyle {
  glyph: string;
  tone: MarkTone;
  label: string;
  token: TokenLocation | null;
}

/** How each challenge event looks. `code` is the error code of its exchange, when any. */
export function markStyle(kind: ChallengeEventKind, code: string | null): MarkStyle {
  const failed = (what: string) => (code ? `${what} ✗ ${code}` : `${what} ✗`);
  switch (kind) {
    case 'requested':
      return { glyph: '◆', tone: 'info', label: 'requested', token: 'response.body.challenge_token' };
    case 'request_failed':
      return { glyph: '✕', tone: 'error', label: failed('request'), token: null };
    case 'blocked':
      return { glyph: '⊗', tone: 'error', label: 'blocked', token: null };
    case 'otp_sent':
      return { glyph: '✉', tone: 'info', label: 'OTP sent', token: 'request.body.challenge_token' };
    case 'otp_resent':
      return { glyph: '↻', tone: 'info', label: 'OTP resent', token: null };
    case 'otp_send_failed':
      return { glyph: '✕', tone: 'error', label: failed('OTP send'), token: null };
    case 'otp_check_failed':
      return { glyph: '✕', tone: 'error', label: failed('check'), token: 'request.dpop' };
    case 'otp_check_passed':
      return { glyph: '✓', tone: 'ok', label: 'check ✓', token: 'response.body.challenge_token' };
    case 'otp_check_unknown':
      return { glyph: '?', tone: 'muted', label: 'check ?', token: 'request.dpop' };
    case 'continue_passed':
      return { glyph: '✓', tone: 'ok', label: 'continue ✓', token: 'request.body.verification_token' };
    case 'continue_failed':
      return {
        glyph: '✕',
        tone: 'error',
        label: failed('continue'),
        token: 'request.body.verification_token',
      };
    case 'continue_unknown':
      return { glyph: '?', tone: 'muted', label: 'continue ?', token: 'request.body.verification_token' };
    case 'step_completed':
      return { glyph: '●', tone: 'ok', label: 'step done', token: 'response.body.challenge_token' };
    case 'completed':
      return { glyph: '★', tone: 'ok', label: 'completed', token: 'response.body.challenge_token' };
    case 'refreshed_with_step_up':
      return {
        glyph: '⟳',
        tone: 'info',
        label: 'refresh + step_up_token',
        token: 'request.body.step_up_token',
      };
    case 'step_up_refresh_failed':
      return {
        glyph: '✕',
        tone: 'error',
        label: failed('step-up refresh'),
        token: 'request.body.step_up_token',
      };
    case 'scope_in_access_token':
      return { glyph: '⬢', tone: 'grant', label: 'scope granted', token: 'response.body.access_token' };
    case 'scope_missing_in_access_token':
      return { glyph: '⬡', tone: 'error', label: 'scope missing', token: 'response.body.access_token' };
    case 'grant_consumed':
      return { glyph: '⊘', tone: 'grant', label: 'consumed', token: 'request.authorization' };
    case 'grant_expired':
      return { glyph: '◷', tone: 'muted', label: 'grant expired', token: null };
    case 'grant_reuse_refused':
      return { glyph: '⊗', tone: 'refused', label: failed('reuse refused'), token: 'request.authorization' };
    case 'expired':
      return { glyph: '◷', tone: 'warn', label: 'expired', token: null };
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown mark kind ${String(value)}`);
}

const GLYPH_PX = 16;
/** Padding, gap and borders around the glyph and label. */
const MARK_PAD_PX = 14;
/** The ⟲ badge of marks sent by the inspector. */
const INSPECTOR_BADGE_PX = 14;

/** The step a `step_completed` event finished, to name it in the label. */
function stepDoneAt(challenge: Challenge, exchange: number | null): string | undefined {
  if (exchange === null) return undefined;
  return challenge.steps.find((s) => s.doneAt === exchange)?.key;
}

type RawMark = Omit<TimelineMark, 'x' | 'left' | 'flip' | 'row' | 'compact'>;

/** Rows a lane may take with labelled marks; beyond it the lane's marks are drawn as glyphs only. */
export const MAX_LABELLED_ROWS = 12;
/** Rows of glyphs a lane may take; marks beyond are counted, not drawn (the Exchanges view lists them). */
export const MAX_COMPACT_ROWS = 8;

/** Half the glyph: the glyph's centre sits on the event's time. */
export const GLYPH_HALF_PX = GLYPH_PX / 2;

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

function challengeMarks(model: SessionModel, challenge: Challenge, laneId: string): RawMark[] {
  return challenge.events.map((event, n): RawMark => {
    const analyzed = event.exchange === null ? undefined : model.exchanges[event.exchange];
    const style = markStyle(event.kind, analyzed?.errorCode ?? null);
    let label = style.label;
    if (event.kind === 'step_completed') {
      const step = stepDoneAt(challenge, event.exchange);
      if (step) label = `${step} done`;
    }
    if (event.kind === 'scope_in_access_token' && challenge.scope) label = `${challenge.scope} granted`;
    const exchange = analyzed?.exchange;
    const byInspector = exchange?.initiator === 'inspector';
    const token =
      style.token && analyzed?.tokens.some((t) => t.location === style.token)
        ? { location: style.token, nth: 0 }
        : null;
    return {
      id: `${laneId}#${n}`,
      laneId,
      kind: event.kind,
      glyph: style.glyph,
      label,
      detail: event.detail,
      tone: style.tone,
      time: event.time,
      exchangeIndex: event.exchange,
      exchangeId: exchange?.id ?? null,
      token,
      byInspector,
      width: GLYPH_PX + MARK_PAD_PX + estimateLabelWidth(label) + (byInspector ? INSPECTOR_BADGE_PX : 0),
    };
  });
}

/** Short text of an access-token version: where it came from and how its scopes changed. */
export function accessTokenLabel(version: AccessTokenVersion): string {
  const source =
    version.source === 'step_up_refresh'
      ? 'step-up refresh'
      : version.source === 'presented'
        ? 'presented'
        : version.source;
  const parts = [`AT${version.id + 1} ${source}`];
  if (version.diff) {
    for (const s of version.diff.added) parts.push(`+${s}`);
    for (const s of version.diff.removed) parts.push(`−${s}`);
    if (version.diff.added.length + version.diff.removed.length === 0) parts.push('no scope change');
  } else parts.push(version.scopes.length > 0 ? version.scopes.join(' ') : 'no scopes');
  return parts.join(' ');
}

function accessMarks(model: SessionModel, lane: string, laneId: string): RawMark[] {
  return model.accessTokens
    .filter((v) => v.lane === lane)
    .map((version, n): RawMark => {
      const analyzed = model.exchanges[version.exchange];
      const label = accessTokenLabel(version);
      const location: TokenLocation =
        version.source === 'presented' ? 'request.authorization' : 'response.body.access_token';
      const diff = version.diff;
      const tone: MarkTone =
        diff && diff.added.length > 0 ? 'grant' : diff && diff.removed.length > 0 ? 'warn' : 'info';
      return {
        id: `${laneId}#${n}`,
        laneId,
        kind: 'access_token' as const,
        glyph: '▮',
        label,
        detail: `Access token ${version.id + 1} (${version.source}); scopes: ${version.scopes.join(' ') || '(none)'}`,
        tone,
        time: analyzed?.exchange.startedAt ?? 0,
        exchangeIndex: version.exchange,
        exchangeId: analyzed?.exchange.id ?? null,
        token: { location, nth: 0 },
        byInspector: analyzed?.exchange.initiator === 'inspector',
        // Scope chips add their own padding.
        width: GLYPH_PX + MARK_PAD_PX + estimateLabelWidth(label) + 8 * Math.max(1, version.scopes.length),
        accessToken: version,
      };
    });
}

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

// ---------------------------------------------------------------------------------------------------------
// Keyboard navigation between marks

export type MarkDirection = 'left' | 'right' | 'up' | 'down' | 'home' | 'end';

/**
 * The mark the cursor moves to: left/right to the previous/next mark of the lane in time order, up/down to
 * the mark closest in time in the lane above/below, home/end to the first/last mark of the timeline. With no
 * current mark, any direction starts at the first mark.
 */
export function neighbourMark(
  lanes: readonly TimelineLane[],
  current: string | null,
  direction: MarkDirection,
): string | null {
  const ordered = lanes
    .map((lane) => [...lane.marks].sort((a, b) => a.time - b.time || a.x - b.x))
    .filter((m) => m.length > 0);
  const first = ordered[0]?.[0]?.id ?? null;
  if (direction === 'home') return first;
  if (direction === 'end') return ordered.at(-1)?.at(-1)?.id ?? null;
  const laneIndex = ordered.findIndex((marks) => marks.some((m) => m.id === current));
  if (laneIndex === -1) return first;
  const marks = ordered[laneIndex] as TimelineMark[];
  const at = marks.findIndex((m) => m.id === current);
  const mark = marks[at] as TimelineMark;
  switch (direction) {
    case 'left':
      return (marks[at - 1] ?? mark).id;
    case 'right':
      return (marks[at + 1] ?? mark).id;
    case 'up':
    case 'down': {
      const other = ordered[laneIndex + (direction === 'up' ? -1 : 1)];
      if (!other) return mark.id;
      let best = other[0] as TimelineMark;
      for (const m of other) if (Math.abs(m.time - mark.time) < Math.abs(best.time - mark.time)) best = m;
      return best.id;
    }
    default:
      return assertNever(direction);
  }
}
