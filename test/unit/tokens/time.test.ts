import { describe, expect, it } from 'vitest';
import {
  expiryState,
  formatDuration,
  formatEpochSeconds,
  formatRelative,
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
