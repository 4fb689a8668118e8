import { describe, expect, it } from 'vitest';
import { getHeader, getHeaderValues, hasHeader, headerListContains } from '../../../src/core/http/headers.ts';
import { headers } from '../../fixtures/exchanges.ts';

const list = [
  { name: 'Content-Type', value: 'application/json' },
  { name: 'set-cookie', value: 'a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT' },
  { name: 'Set-Cookie', value: 'b=2' },
  { name: 'X-Empty', value: '' },
];

describe('getHeader', () => {
  it('matches names case-insensitively', () => {
    expect(getHeader(list, 'content-type')).toBe('application/json');
    expect(getHeader(list, 'CONTENT-TYPE')).toBe('application/json');
  });

  it('returns the first of repeated headers', () => {
    expect(getHeader(list, 'Set-Cookie')).toBe('a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT');
  });

  it('returns undefined when the header is missing', () => {
    expect(getHeader(list, 'Authorization')).toBeUndefined();
    expect(getHeader([], 'Authorization')).toBeUndefined();
  });

  it('returns an empty value as the empty string, not undefined', () => {
    expect(getHeader(list, 'x-empty')).toBe('');
  });
});

describe('getHeaderValues', () => {
  it('returns every value in capture order without splitting on commas', () => {
    expect(getHeaderValues(list, 'SET-COOKIE')).toEqual([
      'a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
      'b=2',
    ]);
  });

  it('returns an empty list when absent', () => {
    expect(getHeaderValues(list, 'dpop')).toEqual([]);
  });
});

describe('hasHeader', () => {
  it('is true for a present header even when its value is empty', () => {
    expect(hasHeader(list, 'X-EMPTY')).toBe(true);
    expect(hasHeader(list, 'DPoP')).toBe(false);
  });
});

describe('headerListContains', () => {
  const expose = headers({ 'Access-Control-Expose-Headers': 'Date,  dpop-nonce , X-Refresh-Token' });

  it('finds a token in a comma-separated list, ignoring case and spaces', () => {
    expect(headerListContains(expose, 'access-control-expose-headers', 'DPoP-Nonce')).toBe(true);
    expect(headerListContains(expose, 'Access-Control-Expose-Headers', 'x-refresh-token')).toBe(true);
    expect(headerListContains(expose, 'Access-Control-Expose-Headers', 'X-Refresh-Token-Expires-At')).toBe(
      false,
    );
  });

  it('reads every line of a repeated header', () => {
    const split = [
      { name: 'Access-Control-Expose-Headers', value: 'Date' },
      { name: 'access-control-expose-headers', value: 'DPoP-Nonce' },
    ];
    expect(headerListContains(split, 'Access-Control-Expose-Headers', 'dpop-nonce')).toBe(true);
  });

  it('is false when the header is missing', () => {
    expect(headerListContains([], 'Access-Control-Expose-Headers', 'DPoP-Nonce')).toBe(false);
  });

  it('does not count * for credentialed requests (the default), as the Fetch standard says', () => {
    const star = headers({ 'Access-Control-Expose-Headers': '*' });
    expect(headerListContains(star, 'Access-Control-Expose-Headers', 'DPoP-Nonce')).toBe(false);
    expect(
      headerListContains(star, 'Access-Control-Expose-Headers', 'DPoP-Nonce', { credentials: true }),
    ).toBe(false);
  });

  it('counts * as every header for requests without credentials', () => {
    const star = headers({ 'Access-Control-Expose-Headers': 'Date, *' });
    expect(
      headerListContains(star, 'Access-Control-Expose-Headers', 'DPoP-Nonce', { credentials: false }),
    ).toBe(true);
  });

  it('does not match a token that is only a substring of an entry', () => {
    const partial = headers({ 'Access-Control-Expose-Headers': 'X-Refresh-Token-Expires-At' });
    expect(headerListContains(partial, 'Access-Control-Expose-Headers', 'X-Refresh-Token')).toBe(false);
  });
});
