/**
 * Human-readable times for token claims (`exp`, `iat`, `nbf`) and countdowns. Always UTC: captures are shared
 * between people in different time zones, and a JWT's epoch seconds are zone-free anyway.
 */

/** Below this many ms before `exp` a token is shown as about to expire. */
export const EXPIRING_THRESHOLD_MS = 60_000;

/** The largest absolute epoch ms a JS Date can hold (ECMA-262 §21.4.1.22); beyond it `toISOString` throws. */
const MAX_DATE_MS = 8.64e15;

/**
 * Formats JWT epoch seconds as `2026-09-21 14:03:20 UTC`. Fractions of a second are dropped; values a Date cannot
 * hold come back as `invalid time (<value>)` rather than throwing.
 */
export function formatEpochSeconds(sec: number): string {
  const ms = typeof sec === 'number' ? Math.floor(sec) * 1000 : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return `invalid time (${String(sec)})`;
  const iso = new Date(ms).toISOString(); // 2026-09-21T14:03:20.000Z, or ±YYYYYY-… for far years
  return `${iso.slice(0, -5).replace('T', ' ')} UTC`;
}

/**
 * Formats a duration compactly: `350 ms` under a second, `42s` under a minute, `4m 12s` under an hour, `1h 02m`
 * under a day, `3d 04h` beyond. Negative durations get a leading `-`; non-finite ones come back as `unknown`.
 * Whole units are floored (a countdown showing `4m 12s` has at least that much left).
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
  return `${sign}${Math.floor(totalHours / 24)}d ${pad(totalHours % 24)}h`;
}

/**
 * Says how far `targetMs` is from `nowMs`: `in 4m 12s`, `3m 05s ago`, or `now` within half a second either way.
 * Both are epoch ms.
 */
export function formatRelative(targetMs: number, nowMs: number): string {
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
