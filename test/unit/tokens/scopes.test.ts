import { describe, expect, it } from 'vitest';
import { diffScopes, parseScopes } from '../../../src/core/tokens/scopes.ts';

describe('parseScopes', () => {
  it('splits a space-separated string, dropping empties and duplicates, keeping order', () => {
    expect(parseScopes('  b a  b\tc ')).toEqual(['b', 'a', 'c']);
    expect(parseScopes('')).toEqual([]);
  });

  it('takes the string elements of an array', () => {
    expect(parseScopes(['wallet:export', 3, ' credential:link ', 'wallet:export', null, ''])).toEqual([
      'wallet:export',
      'credential:link',
    ]);
  });

  it('returns [] for anything else', () => {
    for (const value of [undefined, null, 42, true, { scope: 'a' }]) expect(parseScopes(value)).toEqual([]);
  });
});

describe('diffScopes', () => {
  it('reports added, removed and kept scopes', () => {
    expect(diffScopes(['a', 'b', 'c'], ['c', 'd', 'a'])).toEqual({
      added: ['d'],
      removed: ['b'],
      kept: ['c', 'a'],
    });
  });

  it('handles empty lists (a single-use scope consumed)', () => {
    expect(diffScopes(['transfer:write'], [])).toEqual({ added: [], removed: ['transfer:write'], kept: [] });
  });
});
