/**
 * Human-readable times for token claims (`exp`, `iat`, `nbf`) and countdowns. Always UTC: captures are shared
 * between people in different time zones, and a JWT's epoch seconds are zone-free anyway.
 *
 * Every formatter here is total: captured data is untrusted (a crafted `exp: 1e13`, a HAR with a garbage
 * `startedDateTime`), and `Date#toISOString` throws a RangeError outside the range a Date can hold, which would
 * take down whatever was rendering. Values no Date can hold come back as `invalid time (<raw value>)`. Format
 * times through these functions only, never with `new Date(x).toISOString()` at a call site.
 */

/** Below this many ms before `exp` a token is shown as about to expire. */
export const EXPIRING_THRESHOLD_MS = 60_000;

/** The largest absolute epoch ms a JS Date can hold (ECMA-262 §21.4.1.22); beyond it `toISOString` throws. */
export const MAX_DATE_MS = 8.64e15;

/** True for epoch ms a Date can hold: a finite number within ±{@link MAX_DATE_MS}. */
export function isDateMs(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

/** What an unusable time is shown as: `invalid time (1e+16)`, `invalid time (NaN)`. */
export function invalidTime(value: unknown): string {
  return `invalid time (${rawText(value)})`;
}

/**
 * Epoch ms as ISO 8601 UTC with milliseconds, `2026-09-21T14:03:20.123Z` (expanded `+275760-…` years at the
 * edge of the range), for tooltips and `<time dateTime>`; {@link invalidTime} for anything a Date cannot hold.
 */
export function formatIsoTime(ms: number): string {
  if (!isDateMs(ms)) return invalidTime(ms);
  return new Date(ms).toISOString();
}

/**
 * The time of day of epoch ms in UTC: `14:03:20.123`, or `14:03:20` with `{ millis: false }`. Read through the
 * Date's UTC fields rather than sliced out of the ISO string, whose year can be six digits long. `invalid time`
 * (short: it sits in narrow columns) for anything a Date cannot hold.
 */
export function formatClockTime(ms: number, options: { millis?: boolean } = {}): string {
  if (!isDateMs(ms)) return 'invalid time';
  const d = new Date(ms);
  const clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return options.millis === false ? clock : `${clock}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

/**
 * Formats JWT epoch seconds as `2026-09-21 14:03:20 UTC`. Fractions of a second are dropped; values a Date cannot
 * hold come back as `invalid time (<value>)` rather than throwing.
 */
export function formatEpochSeconds(sec: number): string {
  const ms = typeof sec === 'number' ? Math.floor(sec) * 1000 : Number.NaN;
  if (!isDateMs(ms)) return invalidTime(sec);
  const iso = new Date(ms).toISOString(); // 2026-09-21T14:03:20.000Z, or ±YYYYYY-… for far years
  return `${iso.slice(0, -5).replace('T', ' ')} UTC`;
}

/** {@link formatEpochSeconds} for epoch ms: `2026-09-21 14:03:20 UTC`. */
export function formatEpochMs(ms: number): string {
  if (!isDateMs(ms)) return invalidTime(ms);
  return formatEpochSeconds(Math.floor(ms / 1000));
}

/** Days from which a duration is given in years: longer than any real token lifetime or capture. */
const YEARS_FROM_DAYS = 1000;
const DAYS_PER_YEAR = 365.2425;

/**
 * Formats a duration compactly: `350 ms` under a second, `42s` under a minute, `4m 12s` under an hour, `1h 02m`
 * under a day, `3d 04h` under 1000 days, `316880 years` beyond (where an `exp` in ms read as seconds lands, so
 * the mistake shows). Negative durations get a leading `-`; non-finite ones come back as `unknown`. Whole units
 * are floored (a countdown showing `4m 12s` has at least that much left).
 */
export function formatDuration(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'unknown';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.round(Math.abs(ms));
  if (abs < 1000) return `${sign}${abs} ms`;
  const totalSeconds = Math.floor(abs / 1000);
  if (totalSeconds < 60) return `${sign}${totalSeconds}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${sign}${totalMinutes}m ${pad(totalSeconds % 60)}s`;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return `${sign}${totalHours}h ${pad(totalMinutes % 60)}m`;
  const totalDays = Math.floor(totalHours / 24);
  if (totalDays < YEARS_FROM_DAYS) return `${sign}${totalDays}d ${pad(totalHours % 24)}h`;
  const years = Math.floor(totalDays / DAYS_PER_YEAR);
  // Past a billion years the digits say nothing more than the exponent does.
  return `${sign}${years < 1e9 ? String(years) : years.toExponential(1)} years`;
}

/**
 * Says how far `targetMs` is from `nowMs`: `in 4m 12s`, `3m 05s ago`, or `now` within half a second either way.
 * Both are epoch ms.
 */
export function formatRelative(targetMs: number, nowMs: number): string {
  if (typeof targetMs !== 'number' || typeof nowMs !== 'number') return 'unknown';
  const delta = targetMs - nowMs;
  if (!Number.isFinite(delta)) return 'unknown';
  if (Math.abs(delta) < 500) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** Where a token stands against its `exp` claim. */
export type ExpiryState = 'valid' | 'expiring' | 'expired' | 'none';

/**
 * Classifies a token's `exp` (epoch seconds) at `nowMs`: `none` without a usable `exp`, `expired` at or after it
 * (RFC 7519 §4.1.4: "on or after"), `expiring` under {@link EXPIRING_THRESHOLD_MS} before it, `valid` otherwise.
 */
export function expiryState(expSec: number | undefined, nowMs: number): ExpiryState {
  if (typeof expSec !== 'number' || !Number.isFinite(expSec) || !Number.isFinite(nowMs)) return 'none';
  const left = expSec * 1000 - nowMs;
  if (left <= 0) return 'expired';
  return left < EXPIRING_THRESHOLD_MS ? 'expiring' : 'valid';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A value as it was, short enough for a label: numbers as JS writes them (`1e+16`, `NaN`), others by type. */
function rawText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  return value === null ? 'null' : typeof value;
}
