/** The WWW-Authenticate parser takes outside input: it must never throw, and must read back what it formats. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatWwwAuthenticate,
  parseWwwAuthenticate,
  type ChallengeInput,
} from '../../../src/core/http/www-authenticate.ts';
import { readStepUpChallenge } from '../../../src/core/providers/rfc9470/challenge.ts';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const T68 = '-._~+/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const tokenArb = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const token68Arb = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...T68), minLength: 1, maxLength: 16 }),
    fc.integer({ min: 0, max: 2 }),
  )
  .map(([body, pad]) => body + '='.repeat(pad));
/** quoted-string content: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.6.4), so `"` and `\` included. */
const valueArb = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\t', ' ', '"', '\\', 'é'),
    fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 20,
});

const challengeArb: fc.Arbitrary<ChallengeInput> = fc.oneof(
  fc.record({ scheme: tokenArb, token68: token68Arb }),
  fc.record({
    scheme: tokenArb,
    params: fc.uniqueArray(fc.record({ name: tokenArb, value: valueArb }), {
      maxLength: 5,
      selector: (p) => p.name.toLowerCase(),
    }),
  }),
);

describe('parseWwwAuthenticate (properties)', () => {
  it('reads back every formatted list of challenges, with no errors', () => {
    fc.assert(
      fc.property(
        fc.array(challengeArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (challenges, quoteAll) => {
          const parsed = parseWwwAuthenticate(formatWwwAuthenticate(challenges, { quoteAll }));
          expect(parsed.errors).toEqual([]);
          expect(
            parsed.challenges.map((c) =>
              c.token68 !== undefined
                ? { scheme: c.scheme, token68: c.token68 }
                : { scheme: c.scheme, params: c.paramList.map(({ name, value }) => ({ name, value })) },
            ),
          ).toEqual(
            challenges.map((c) =>
              c.token68 !== undefined ? c : { scheme: c.scheme, params: c.params ?? [] },
            ),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads challenges split over several header lines like one list', () => {
    fc.assert(
      fc.property(fc.array(challengeArb, { minLength: 1, maxLength: 4 }), (challenges) => {
        const lines = challenges.map((c) => formatWwwAuthenticate([c]));
        const split = parseWwwAuthenticate(lines);
        const joined = parseWwwAuthenticate(formatWwwAuthenticate(challenges));
        expect(split.errors).toEqual([]);
        expect(split.challenges.map((c) => c.line)).toEqual(challenges.map((_, i) => i));
        expect(split.challenges.map(({ line: _line, ...rest }) => rest)).toEqual(
          joined.challenges.map(({ line: _line, ...rest }) => rest),
        );
      }),
    );
  });

  it('never throws on arbitrary strings, and what it reads formats and parses to the same challenges', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 3 }), (lines) => {
        const parsed = parseWwwAuthenticate(lines);
        for (const error of parsed.errors) expect(typeof error.message).toBe('string');
        const again = parseWwwAuthenticate(
          formatWwwAuthenticate(
            parsed.challenges.map((c) =>
              c.token68 !== undefined
                ? { scheme: c.scheme, token68: c.token68 }
                : { scheme: c.scheme, params: c.paramList },
            ),
          ),
        );
        expect(
          again.challenges.map((c) => [c.scheme, c.token68, c.paramList.map((p) => [p.name, p.value])]),
        ).toEqual(
          parsed.challenges.map((c) => [c.scheme, c.token68, c.paramList.map((p) => [p.name, p.value])]),
        );
        expect(() => readStepUpChallenge(lines)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on header-shaped noise', () => {
    const noise = fc.string({
      unit: fc.constantFrom(
        'Bearer',
        'DPoP',
        ' ',
        ',',
        '=',
        '"',
        '\\',
        'error',
        'insufficient_scope',
        'a',
        '\t',
        '==',
      ),
      maxLength: 40,
    });
    fc.assert(
      fc.property(noise, (header) => {
        const parsed = parseWwwAuthenticate(header);
        expect(Array.isArray(parsed.challenges)).toBe(true);
        readStepUpChallenge([header]);
      }),
      { numRuns: 1000 },
    );
  });
});
