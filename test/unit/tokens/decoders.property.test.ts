/** Every decoder that takes outside input must return, never throw, whatever it is given. */
import fc from 'fast-check';
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { DPOP_CHECK_ORDER, checkDpopProof } from '../../../src/core/dpop/check.ts';
import { normaliseHtu } from '../../../src/core/dpop/htu.ts';
import {
  readAccessClaims,
  readChallengeClaims,
  readVerificationClaims,
} from '../../../src/core/tokens/claims.ts';
import { classifyToken, decodeToken } from '../../../src/core/tokens/decode.ts';
import { parseScopes } from '../../../src/core/tokens/scopes.ts';
import {
  expiryState,
  formatDuration,
  formatEpochSeconds,
  formatRelative,
} from '../../../src/core/tokens/time.ts';
import { API_BASE, T0, aDpopProof } from '../../fixtures/tokens.ts';

const segment = (value: unknown): string => base64url.encode(JSON.stringify(value) ?? 'undefined');

/** Strings shaped like tokens: three (or five) segments of base64url JSON, arbitrary text, or a mix. */
const tokenLike = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('a', 'B', '.', '-', '_', '=', ' ', '+', '/') }),
  fc
    .tuple(fc.jsonValue(), fc.jsonValue(), fc.string())
    .map(([h, p, s]) => `${segment(h)}.${segment(p)}.${s}`),
  fc
    .tuple(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()))
    .map(([h, p]) => `${segment(h)}.${segment(p)}.sig`),
  fc.array(fc.base64String(), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
  fc.string().map((s) => `Bearer ${s}`),
);

const claimsLike = fc.oneof(
  fc.anything(),
  fc.dictionary(
    fc.constantFrom(
      'challenge_id',
      'current_step',
      'steps',
      'scope',
      'scp',
      'cnf',
      'exp',
      'sid',
      'sub',
      'metadata',
      'iss',
    ),
    fc.oneof(
      fc.anything(),
      fc.array(fc.dictionary(fc.constantFrom('key', 'order', 'done', 'expiration_duration'), fc.anything())),
    ),
  ),
);

describe('decoders never throw', () => {
  it('decodeToken returns a result for any string', () => {
    fc.assert(
      fc.property(tokenLike, (raw) => {
        const result = decodeToken(raw);
        expect(typeof result.ok).toBe('boolean');
        if (result.ok) {
          expect(typeof result.header).toBe('object');
          expect(Array.isArray(result.claims)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decodeToken survives non-string input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(decodeToken(value as string).ok).toBe(false);
      }),
    );
  });

  it('classifyToken returns a kind for any header and claims objects', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.anything()),
        fc.dictionary(fc.string(), fc.anything()),
        (h, c) => {
          expect(typeof classifyToken(h, c)).toBe('string');
        },
      ),
    );
  });

  it('the claim readers accept anything', () => {
    fc.assert(
      fc.property(claimsLike, (claims) => {
        const challenge = readChallengeClaims(claims);
        expect(Array.isArray(challenge.steps)).toBe(true);
        const orders = challenge.steps.map((s) => s.order);
        expect(orders).toEqual([...orders].sort((a, b) => a - b));
        expect(Array.isArray(readAccessClaims(claims).scopes)).toBe(true);
        readVerificationClaims(claims);
      }),
      { numRuns: 500 },
    );
  });

  it('parseScopes returns unique non-empty strings for anything', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.anything()), fc.string()), (value) => {
        const scopes = parseScopes(value);
        expect(new Set(scopes).size).toBe(scopes.length);
        expect(scopes.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
      }),
    );
  });

  it('normaliseHtu returns a string or null for any input, and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })),
        (url) => {
          const once = normaliseHtu(url);
          if (once !== null) expect(normaliseHtu(once)).toBe(once);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the time formatters accept any number', () => {
    fc.assert(
      fc.property(fc.double(), fc.double(), (a, b) => {
        expect(typeof formatEpochSeconds(a)).toBe('string');
        expect(typeof formatDuration(a)).toBe('string');
        expect(typeof formatRelative(a, b)).toBe('string');
        expect(['valid', 'expiring', 'expired', 'none']).toContain(expiryState(a, b));
      }),
    );
  });

  it('checkDpopProof never rejects for arbitrary proof header values', async () => {
    const real = await aDpopProof();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(tokenLike, fc.constant(real), fc.constant(`${real},${real}`)), { maxLength: 3 }),
        fc.string(),
        fc.oneof(fc.constant(`${API_BASE}/refresh`), fc.string()),
        fc.constantFrom('session', 'challenge', 'unknown') as fc.Arbitrary<
          'session' | 'challenge' | 'unknown'
        >,
        fc.option(tokenLike, { nil: undefined }),
        async (proofHeaders, method, url, flavour, accessToken) => {
          const report = await checkDpopProof({
            proofHeaders,
            method,
            url,
            requestTime: T0 * 1000,
            flavour,
            accessToken,
            expectedNonce: 'n',
            seenJtis: new Set(),
          });
          expect(report.checks.map((c) => c.id)).toEqual(DPOP_CHECK_ORDER);
        },
      ),
      { numRuns: 300 },
    );
  });
});
