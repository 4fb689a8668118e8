/** Dynamic and RFC 9470 traffic built from random pieces: the analyser never fails and stays order-independent. */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { findRule } from '../../../src/core/findings/catalogue.ts';
import type { Body, Header, HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import { aDynamicSessionToken, DYNAMIC_API } from '../../fixtures/dynamic.ts';
import { ACR_MFA, anOAuthAccessToken, RESOURCE, TOKEN_ENDPOINT } from '../../fixtures/rfc9470.ts';
import { anElevatedToken, T0 } from '../../fixtures/tokens.ts';

let tokens: string[] = [];

beforeAll(async () => {
  tokens = await Promise.all([
    anElevatedToken(),
    anElevatedToken({ singleUse: false, scope: 'credential:link credential:unlink', jti: 'e2' }),
    anElevatedToken({ exp: T0 - 10, jti: 'e3' }),
    aDynamicSessionToken(),
    anOAuthAccessToken(),
    anOAuthAccessToken({ acr: ACR_MFA, auth_time: T0, jti: 'at-2' }),
    anOAuthAccessToken({ acr: undefined, auth_time: undefined, scope: 'payments:write', jti: 'at-3' }),
  ]);
});

const token = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.integer({ min: 0, max: 6 }).map((i) => tokens[i] ?? ''),
    fc.string({ maxLength: 20 }),
  );

const DYNAMIC_PATHS = [
  '/stepUp/check',
  '/emailVerifications/create',
  '/emailVerifications/verify',
  '/smsVerifications/verify',
  '/users/mfa/auth/totp',
  '/users/mfa/auth/passkey',
  '/users/passkeys/register',
  '/users/mfa/dev_1',
  '/waas/w1/privateKey/export',
  '/waas/w1/signMessage',
  '/users/me',
];

const CHALLENGES = [
  'Bearer error="insufficient_user_authentication", acr_values="urn:example:acr:mfa", max_age=300',
  'Bearer error="insufficient_user_authentication", max_age=abc',
  'DPoP error="insufficient_scope", scope="payments:write"',
  'Bearer error="insufficient_scope", scope="a',
  'Basic realm="x", error="insufficient_scope"',
  'Bearer error=insufficient_user_authentication, acr_values=',
];

const headerArb: fc.Arbitrary<Header> = fc.oneof(
  fc.record({ name: fc.constant('Authorization'), value: token().map((t) => `Bearer ${t}`) }),
  fc.record({
    name: fc.constantFrom('x-dyn-elevated-access-token', 'X-Dyn-Elevated-Access-Token'),
    value: token(),
  }),
  fc.record({
    name: fc.constantFrom('x-dyn-api-version', 'x-dyn-request-id'),
    value: fc.string({ maxLength: 8 }),
  }),
  fc.record({
    name: fc.constant('WWW-Authenticate'),
    value: fc.oneof(fc.constantFrom(...CHALLENGES), fc.string()),
  }),
  fc.record({ name: fc.string({ maxLength: 10 }), value: fc.string({ maxLength: 10 }) }),
);

const jsonBodyArb = fc
  .record(
    {
      scope: fc.oneof(
        fc.constantFrom('wallet:export', 'credential:link'),
        fc.array(fc.string(), { maxLength: 2 }),
      ),
      isRequired: fc.oneof(fc.boolean(), fc.jsonValue()),
      credentials: fc.oneof(
        fc.constant([{ id: 'c1', format: 'email' }]),
        fc.array(fc.jsonValue(), { maxLength: 2 }),
      ),
      defaultCredentialId: fc.constantFrom('c1', 'x'),
      verificationUUID: fc.constantFrom('u1', 'u2'),
      requestedScopes: fc.oneof(
        fc.constant(['wallet:export']),
        fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 2 }),
        fc.string(),
      ),
      elevatedAccessToken: token(),
      access_token: token(),
      grant_type: fc.constantFrom('refresh_token', 'authorization_code'),
      code: fc.string({ maxLength: 12 }),
      error: fc.string({ maxLength: 12 }),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value));

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'absent' }),
  fc.record({ kind: fc.constant('text' as const), text: fc.oneof(jsonBodyArb, fc.string()) }),
  fc.record({
    kind: fc.constant('text' as const),
    text: fc.constantFrom('grant_type=refresh_token', 'grant_type=x'),
  }),
);

const exchangeArb: fc.Arbitrary<HttpExchange> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 4 }),
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS'),
  url: fc.oneof(
    fc.constantFrom(...DYNAMIC_PATHS).map((p) => `${DYNAMIC_API}${p}`),
    fc.constantFrom(RESOURCE, `${RESOURCE}?x=1`, TOKEN_ENDPOINT, 'https://wallet.example.com/api/withdraw'),
    fc.webUrl(),
  ),
  requestHeaders: fc.array(headerArb, { maxLength: 5 }),
  requestBody: bodyArb,
  status: fc.constantFrom(0, 200, 204, 400, 401, 403, 422, 500),
  responseHeaders: fc.array(headerArb, { maxLength: 3 }),
  responseBody: bodyArb,
  startedAt: fc.integer({ min: (T0 - 100) * 1000, max: (T0 + 1000) * 1000 }),
  sources: fc.constant(['har' as const]),
});

describe('analyse on random Dynamic and RFC 9470 traffic', () => {
  it('never fails, and keeps the model consistent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(exchangeArb, { maxLength: 14 }), async (exchanges) => {
        const model = await analyse(exchanges);
        expect(model.exchanges).toHaveLength(exchanges.length);
        expect(model.findings.filter((f) => f.code === 'inspector.analysis_failed')).toEqual([]);
        for (const finding of model.findings) expect(findRule(finding.code)).toBeDefined();
        for (const challenge of model.challenges) {
          expect(['prelude', 'dynamic', 'rfc9470']).toContain(challenge.provider);
          for (const event of challenge.events)
            if (event.exchange !== null) expect(event.exchange).toBeLessThan(exchanges.length);
        }
        expect(new Set(model.challenges.map((c) => c.key)).size).toBe(model.challenges.length);
        expect(() => buildJsonReport(model)).not.toThrow();
        expect(typeof formatTextReport(model)).toBe('string');
      }),
      { numRuns: 200 },
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
