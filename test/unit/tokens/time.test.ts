import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_DATE_MS,
  expiryState,
  formatClockTime,
  formatDuration,
  formatEpochMs,
  formatEpochSeconds,
  formatIsoTime,
  formatRelative,
  invalidTime,
  isDateMs,
} from '../../../src/core/tokens/time.ts';
import { T0 } from '../../fixtures/tokens.ts';

describe('formatEpochSeconds', () => {
  it('formats epoch seconds in UTC', () => {
    expect(formatEpochSeconds(T0)).toBe('2026-09-21 14:13:20 UTC');
    expect(formatEpochSeconds(0)).toBe('1970-01-01 00:00:00 UTC');
  });

  it('drops fractions of a second', () => {
    expect(formatEpochSeconds(T0 + 0.9)).toBe('2026-09-21 14:13:20 UTC');
  });

  it('does not throw on values a Date cannot hold', () => {
    expect(formatEpochSeconds(Number.NaN)).toMatch(/^invalid time/);
    expect(formatEpochSeconds(Number.POSITIVE_INFINITY)).toMatch(/^invalid time/);
    expect(formatEpochSeconds(1e20)).toMatch(/^invalid time/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [350, '350 ms'],
    [999.4, '999 ms'],
    [1000, '1s'],
    [42_900, '42s'],
    [252_000, '4m 12s'],
    [185_000, '3m 05s'],
    [3_720_000, '1h 02m'],
    [86_400_000 + 4 * 3_600_000, '1d 04h'],
    [-252_000, '-4m 12s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says unknown for non-finite input', () => {
    expect(formatDuration(Number.NaN)).toBe('unknown');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('unknown');
    expect(formatDuration(Number.NEGATIVE_INFINITY)).toBe('unknown');
  });

  it('gives years from 1000 days on, so an exp in ms read as seconds shows as absurd rather than as digits', () => {
    expect(formatDuration(999 * 86_400_000 + 23 * 3_600_000)).toBe('999d 23h');
    expect(formatDuration(1000 * 86_400_000)).toBe('2 years');
    // exp 1e13 (ms where seconds belong) seen from T0.
    expect(formatDuration(1e13 * 1000 - T0 * 1000)).toBe('316830 years');
    expect(formatDuration(-1e16)).toBe('-316887 years');
    expect(formatDuration(Number.MAX_VALUE)).toBe('5.7e+297 years');
  });
});

const EDGE_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e13,
  -1e13,
  1e16,
  -1e16,
  MAX_DATE_MS,
  -MAX_DATE_MS,
  MAX_DATE_MS + 1,
  -MAX_DATE_MS - 1,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -0,
];

/** Any double, with the values that broke `toISOString` over-represented. */
const anyNumber = fc.oneof(fc.double(), fc.constantFrom(...EDGE_NUMBERS), fc.integer());

describe('total formatters', () => {
  it('isDateMs holds exactly for what a Date can hold', () => {
    expect(isDateMs(0)).toBe(true);
    expect(isDateMs(MAX_DATE_MS)).toBe(true);
    expect(isDateMs(-MAX_DATE_MS)).toBe(true);
    expect(isDateMs(MAX_DATE_MS + 1)).toBe(false);
    expect(isDateMs(Number.NaN)).toBe(false);
    expect(isDateMs('5')).toBe(false);
    fc.assert(
      fc.property(anyNumber, (ms) => {
        expect(isDateMs(ms)).toBe(!Number.isNaN(new Date(ms).getTime()));
      }),
    );
  });

  it('formatIsoTime gives ISO 8601 inside the range, up to year 275760, and the raw value beyond', () => {
    expect(formatIsoTime(T0 * 1000 + 123)).toBe('2026-09-21T14:13:20.123Z');
    expect(formatIsoTime(MAX_DATE_MS)).toBe('+275760-09-13T00:00:00.000Z');
    expect(formatIsoTime(-MAX_DATE_MS)).toBe('-271821-04-20T00:00:00.000Z');
    expect(formatIsoTime(MAX_DATE_MS + 1)).toBe('invalid time (8640000000000001)');
    expect(formatIsoTime(1e13 * 1000)).toBe('invalid time (10000000000000000)');
    expect(formatIsoTime(Number.NaN)).toBe('invalid time (NaN)');
    expect(formatIsoTime(Number.NEGATIVE_INFINITY)).toBe('invalid time (-Infinity)');
    expect(formatIsoTime('1' as unknown as number)).toBe('invalid time ("1")');
  });

  it('formatClockTime reads the UTC fields, also in six-digit years, and is short when invalid', () => {
    expect(formatClockTime(T0 * 1000 + 123)).toBe('14:13:20.123');
    expect(formatClockTime(T0 * 1000 + 123, { millis: false })).toBe('14:13:20');
    // Slicing the ISO string (`+275760-09-13T…`) would have given `-13T00:00:00`.
    expect(formatClockTime(MAX_DATE_MS - 1)).toBe('23:59:59.999');
    expect(formatClockTime(-1)).toBe('23:59:59.999');
    expect(formatClockTime(1e16)).toBe('invalid time');
  });

  it('formatEpochMs and formatEpochSeconds agree, and keep the raw value when it is no date', () => {
    expect(formatEpochMs(T0 * 1000 + 999)).toBe(formatEpochSeconds(T0));
    expect(formatEpochSeconds(1e13)).toBe('invalid time (10000000000000)');
    expect(formatEpochSeconds(MAX_DATE_MS / 1000)).toBe('+275760-09-13 00:00:00 UTC');
    expect(formatEpochMs(Number.POSITIVE_INFINITY)).toBe(invalidTime(Number.POSITIVE_INFINITY));
  });

  it('every formatter returns non-empty text for any number and never throws', () => {
    fc.assert(
      fc.property(anyNumber, anyNumber, (a, b) => {
        const texts = [
          formatIsoTime(a),
          formatClockTime(a),
          formatClockTime(a, { millis: false }),
          formatEpochMs(a),
          formatEpochSeconds(a),
          formatDuration(a),
          formatRelative(a, b),
          invalidTime(a),
        ];
        for (const text of texts) {
          expect(typeof text).toBe('string');
          expect(text.trim()).not.toBe('');
        }
        // Out of range means said so, never a made-up date.
        if (!isDateMs(a)) expect(formatIsoTime(a)).toMatch(/^invalid time \(/);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws for values that are not numbers at all (untyped claims)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const v = value as number;
        for (const text of [formatIsoTime(v), formatClockTime(v), formatEpochSeconds(v), formatDuration(v)])
          expect(text.length).toBeGreaterThan(0);
        if (typeof v !== 'number') expect(formatRelative(v, T0 * 1000)).toBe('unknown');
      }),
    );
  });
});

describe('formatRelative', () => {
  const now = T0 * 1000;
  it('speaks of the future and the past', () => {
    expect(formatRelative(now + 252_000, now)).toBe('in 4m 12s');
    expect(formatRelative(now - 185_000, now)).toBe('3m 05s ago');
    expect(formatRelative(now + 200, now)).toBe('now');
  });
});

describe('expiryState', () => {
  const now = T0 * 1000;
  it('classifies against exp', () => {
    expect(expiryState(undefined, now)).toBe('none');
    expect(expiryState(Number.NaN, now)).toBe('none');
    expect(expiryState(T0 + 300, now)).toBe('valid');
    expect(expiryState(T0 + 60, now)).toBe('valid');
    expect(expiryState(T0 + 59, now)).toBe('expiring');
    expect(expiryState(T0, now)).toBe('expired');
    expect(expiryState(T0 - 1, now)).toBe('expired');
  });
});
