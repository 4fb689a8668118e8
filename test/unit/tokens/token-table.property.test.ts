/** TokenTable answers exactly as a Map keyed by the same strings, whatever they share (lengths, endings). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenTable } from '../../../src/core/tokens/token-table.ts';

/** Keys built to collide: a few lengths and endings, so fingerprints repeat while keys differ. */
const key = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc
    .tuple(fc.constantFrom('eyJa.', 'eyJb.', 'x'), fc.constantFrom('same-signature-end', 'other-sig-end!'))
    .map(([head, tail]) => `${head}${tail}`),
  fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.constant('.'.repeat(30))).map(([a, b]) => a + b),
);

const op = fc.oneof(
  fc.tuple(fc.constant('set' as const), key, fc.integer()),
  fc.tuple(fc.constant('get' as const), key, fc.constant(0)),
  fc.tuple(fc.constant('has' as const), key, fc.constant(0)),
  fc.tuple(fc.constant('clear' as const), fc.constant(''), fc.constant(0)),
);

describe('TokenTable', () => {
  it('behaves as a Map<string, V>', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const table = new TokenTable<number>();
        const map = new Map<string, number>();
        for (const [name, k, v] of ops) {
          if (name === 'set') {
            table.set(k, v);
            map.set(k, v);
          } else if (name === 'get') expect(table.get(k)).toBe(map.get(k));
          else if (name === 'has') expect(table.has(k)).toBe(map.has(k));
          else {
            table.clear();
            map.clear();
          }
          expect(table.size).toBe(map.size);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tells apart keys that share their length and ending', () => {
    const table = new TokenTable<string>();
    const a = `${'a'.repeat(100)}.signature-tail`;
    const b = `${'b'.repeat(100)}.signature-tail`;
    table.set(a, 'a');
    table.set(b, 'b');
    expect([table.get(a), table.get(b), table.size]).toEqual(['a', 'b', 2]);
    // An equal string that is another object finds the same entry.
    expect(table.get(`${'a'.repeat(100)}.signature-${'tail'}`)).toBe('a');
  });
});
