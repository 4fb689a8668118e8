import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { findRule } from '../../../src/core/findings/catalogue.ts';
import { PRELUDE_ERROR_CODES } from '../../../src/core/providers/prelude/findings.ts';
import type { Body, Header, HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import {
  API_BASE,
  aChallengeToken,
  aDpopProof,
  anAccessToken,
  aVerificationToken,
} from '../../fixtures/tokens.ts';

/** Real tokens, so random exchanges reach the deep paths (challenge lanes, grants, proof checks). */
let tokens: string[] = [];

beforeAll(async () => {
  tokens = await Promise.all([
    aChallengeToken(),
    aChallengeToken({
      current_step: 'completed',
      jti: 'cjti_02',
      steps: [{ key: 'verify_sms', order: 1, expiration_duration: 60, done: true }],
    }),
    aChallengeToken({ challenge_id: 'chl_02', grant_mode: 'session-start' }),
    anAccessToken(),
    anAccessToken({ scope: 'transfer:write prld:pwd:write', jti: 'ajti_02' }),
    aVerificationToken(),
    aDpopProof(),
    aDpopProof({ jti: 'cjti_01', htu: `${API_BASE}/otp/check` }),
  ]);
});

const PATHS = [
  '/login/otp',
  '/login/otp/check',
  '/login/finalize',
  '/refresh',
  '/revoke',
  '/stepup/request',
  '/stepup/continue',
  '/otp',
  '/otp/check',
  '/otp/retry',
  '/me/password/reset',
  '/me/passkeys/register/finish',
  '/me/list',
  '/unknown/thing',
];

const token = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.integer({ min: 0, max: 7 }).map((i) => tokens[i] ?? ''),
    fc.string(),
  );

const headerArb: fc.Arbitrary<Header> = fc.record({
  name: fc.oneof(
    fc.constantFrom(
      'Authorization',
      'DPoP',
      'dpop',
      'Origin',
      'X-Refresh-Token',
      'DPoP-Nonce',
      'Access-Control-Expose-Headers',
      'WWW-Authenticate',
      'Date',
      'X-SDK-User-Agent',
      'User-Agent',
    ),
    fc.string(),
  ),
  value: fc.oneof(
    token().map((t) => `Bearer ${t}`),
    token(),
    fc.constantFrom(
      'https://app.example.com',
      '*',
      'DPoP-Nonce, Date',
      'Bearer error="insufficient_scope", scope="transfer:write"',
      'n-1',
    ),
    fc.string(),
  ),
});

const jsonWithTokens = fc
  .record(
    {
      challenge_token: token(),
      access_token: token(),
      step_up_token: token(),
      verification_token: token(),
      scope: fc.constantFrom('transfer:write', 'prld:pwd:write', ''),
      status: fc.constantFrom('continue', 'review', 'block', 'weird'),
      code: fc.oneof(fc.constantFrom(...PRELUDE_ERROR_CODES), fc.string()),
      metadata: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value));

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'absent' }),
  fc.record({ kind: fc.constant('text' as const), text: fc.oneof(jsonWithTokens, fc.json(), fc.string()) }),
  fc.record({ kind: fc.constant('text' as const), text: jsonWithTokens, truncated: fc.boolean() }),
  fc.record({ kind: fc.constant('base64' as const), base64: fc.oneof(fc.base64String(), fc.string()) }),
);

const exchangeArb: fc.Arbitrary<HttpExchange> = fc.record(
  {
    id: fc.string({ minLength: 1 }),
    method: fc.constantFrom('GET', 'POST', 'OPTIONS', 'post', 'HEAD'),
    url: fc.oneof(
      fc.constantFrom(...PATHS).map((p) => `${API_BASE}${p}`),
      fc.constantFrom('https://app.example.com/api/transfer', 'https://edge.prelude.dev/v1/signals'),
      fc.webUrl(),
      fc.string(),
    ),
    requestHeaders: fc.array(headerArb, { maxLength: 6 }),
    requestBody: bodyArb,
    status: fc.oneof(
      fc.constantFrom(0, 200, 204, 400, 401, 403, 429, 500),
      fc.integer({ min: -5, max: 1200 }),
    ),
    responseHeaders: fc.array(headerArb, { maxLength: 6 }),
    responseBody: bodyArb,
    startedAt: fc.oneof(
      fc.integer({ min: 1_789_999_000_000, max: 1_790_001_000_000 }),
      fc.double(),
      fc.constant(Number.NaN),
    ),
    endedAt: fc.option(fc.integer({ min: 1_789_999_000_000, max: 1_790_001_000_000 }), { nil: undefined }),
    sources: fc.constant(['har' as const]),
  },
  {
    requiredKeys: [
      'id',
      'method',
      'url',
      'requestHeaders',
      'requestBody',
      'status',
      'responseHeaders',
      'responseBody',
      'startedAt',
      'sources',
    ],
  },
);

describe('analyse on arbitrary exchanges', () => {
  it('never throws, and the model stays consistent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(exchangeArb, { maxLength: 12 }), async (exchanges) => {
        const model = await analyse(exchanges);
        expect(model.exchanges).toHaveLength(exchanges.length);
        for (const finding of model.findings) {
          expect(findRule(finding.code)).toBeDefined();
          if (finding.exchange !== null) expect(finding.exchange).toBeLessThan(exchanges.length);
        }
        const positions = model.findings.map((f) => f.exchange ?? Infinity);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(model.findings.some((f) => f.code === 'inspector.analysis_failed')).toBe(false);
        // The reports never throw either.
        expect(() => buildJsonReport(model)).not.toThrow();
        expect(typeof formatTextReport(model, { color: true })).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('one add at a time equals addMany', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(exchangeArb, { maxLength: 10 }), async (exchanges) => {
        const bulk = await analyse(exchanges);
        const one = createAnalyzer();
        for (const e of exchanges) await one.add(e);
        const { version: _a, ...sequential } = one.snapshot();
        const { version: _b, ...batched } = bulk;
        expect(sequential).toEqual(batched);
      }),
      { numRuns: 60 },
    );
  });
});
