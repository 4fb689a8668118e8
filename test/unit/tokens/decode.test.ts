import { SignJWT, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LENGTH,
  classifyToken,
  decodeCompactJws,
  decodeToken,
  stripAuthScheme,
} from '../../../src/core/tokens/decode.ts';
import type { TokenDecodeResult } from '../../../src/core/tokens/types.ts';
import {
  aChallengeToken,
  aDpopProof,
  aKey,
  aVerificationToken,
  anAccessToken,
  anElevatedToken,
  T0,
} from '../../fixtures/tokens.ts';

/** A real RS256 JWT with arbitrary claims, for the kinds the shared builders do not mint. */
async function aJwt(claims: Record<string, unknown>): Promise<string> {
  const key = await aKey('RS256', 'decode-test');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key.privateKey);
}

function segment(value: unknown): string {
  return base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));
}

function expectError(result: TokenDecodeResult, code: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.code).toBe(code);
}

describe('decodeToken: kinds', () => {
  it('decodes a challenge token and keeps header, claims and signature', async () => {
    const raw = await aChallengeToken();
    const result = decodeToken(raw);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.kind).toBe('prelude-challenge');
    expect(result.header).toMatchObject({ alg: 'EdDSA', kid: 'prelude-1' });
    expect(result.claims['challenge_id']).toBe('chl_01');
    expect(result.raw).toBe(raw);
    expect(result.signature).toBe(raw.split('.')[2]);
  });

  it('classifies a challenge token that only has steps', async () => {
    const result = decodeToken(await aChallengeToken({ current_step: undefined }));
    expect(result.ok && result.kind).toBe('prelude-challenge');
  });

  it('classifies an access token on a Prelude session host', async () => {
    expect(decodeToken(await anAccessToken())).toMatchObject({ ok: true, kind: 'prelude-access' });
  });

  it('classifies an access token on a custom domain by its scope and sid', async () => {
    const raw = await anAccessToken({ iss: 'https://auth.example.com', scope: 'transfer:write' });
    expect(decodeToken(raw)).toMatchObject({ ok: true, kind: 'prelude-access' });
  });

  it('classifies an access token on a custom domain serving /v1/session without a scope', async () => {
    const raw = await anAccessToken({ iss: 'https://auth.example.com/v1/session', scope: undefined });
    expect(decodeToken(raw)).toMatchObject({ ok: true, kind: 'prelude-access' });
  });

  it('classifies a verification token', async () => {
    expect(decodeToken(await aVerificationToken())).toMatchObject({ ok: true, kind: 'prelude-verification' });
  });

  it('classifies a DPoP proof', async () => {
    expect(decodeToken(await aDpopProof())).toMatchObject({ ok: true, kind: 'dpop-proof' });
  });

  it('classifies Dynamic elevated tokens, single- and multi-use', async () => {
    expect(decodeToken(await anElevatedToken())).toMatchObject({ ok: true, kind: 'dynamic-elevated' });
    expect(decodeToken(await anElevatedToken({ singleUse: false }))).toMatchObject({
      kind: 'dynamic-elevated',
    });
    const noFlag = await aJwt({
      iss: 'app.dynamicauth.com/env-1',
      sub: 'u',
      scope: 'wallet:export',
      exp: T0,
    });
    expect(decodeToken(noFlag)).toMatchObject({ kind: 'dynamic-elevated' });
  });

  it('classifies a Dynamic session JWT', async () => {
    const raw = await aJwt({
      iss: 'app.dynamicauth.com/8f2c-env',
      sub: 'dyn_user',
      sid: 'dyn_sid',
      environment_id: '8f2c-env',
      scope: 'user:basic',
      verified_credentials: [{ id: 'vc1', format: 'email' }],
      exp: T0 + 3600,
    });
    expect(decodeToken(raw)).toMatchObject({ ok: true, kind: 'dynamic-session' });
  });

  it('classifies anything else as a generic JWT', async () => {
    expect(decodeToken(await aJwt({ sub: 'someone', exp: T0 }))).toMatchObject({
      ok: true,
      kind: 'generic-jwt',
    });
  });

  it('strips a Bearer or DPoP prefix and surrounding whitespace', async () => {
    const raw = await anAccessToken();
    expect(decodeToken(`  Bearer ${raw}\n`)).toMatchObject({ ok: true, raw });
    expect(decodeToken(`dpop ${raw}`)).toMatchObject({ ok: true, raw });
    expect(stripAuthScheme('Basic abc')).toBe('Basic abc');
  });

  it('decodeCompactJws does not strip a prefix', async () => {
    expectError(decodeCompactJws(`DPoP ${await aDpopProof()}`), 'invalid_header');
  });
});

describe('decodeToken: malformed input', () => {
  const header = segment({ alg: 'ES256' });
  const payload = segment({ sub: 'x' });

  it('rejects empty and blank input', () => {
    expectError(decodeToken(''), 'empty');
    expectError(decodeToken('   '), 'empty');
    expectError(decodeToken('Bearer '), 'empty');
  });

  it('rejects two segments, saying how many it found', () => {
    const result = decodeToken(`${header}.${payload}`);
    expectError(result, 'not_compact_jws');
    if (!result.ok) expect(result.message).toContain('2');
  });

  it('rejects a JWE and says it is encrypted', () => {
    const result = decodeToken(`${segment({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`);
    expectError(result, 'not_compact_jws');
    if (!result.ok) expect(result.message).toMatch(/encrypted/);
  });

  it('rejects a header that is not base64url', () => {
    expectError(decodeToken(`!!!.${payload}.sig`), 'invalid_header');
  });

  it('rejects a header that is not JSON, or JSON but not an object', () => {
    expectError(decodeToken(`${segment('not json')}.${payload}.sig`), 'invalid_header');
    expectError(decodeToken(`${segment([1, 2])}.${payload}.sig`), 'invalid_header');
  });

  it('rejects a payload that is not base64url, or not JSON', () => {
    expectError(decodeToken(`${header}.@@@.sig`), 'invalid_payload');
    expectError(decodeToken(`${header}.${segment('{nope')}.sig`), 'invalid_payload');
    expectError(decodeToken(`${header}..sig`), 'invalid_payload');
  });

  it('rejects a payload that is a JSON array, string or null', () => {
    for (const value of [[1, 2], '"text"', null, 42]) {
      const result = decodeToken(`${header}.${segment(value)}.sig`);
      expectError(result, 'payload_not_object');
    }
  });

  it('rejects huge input without decoding it, and cuts raw for display', () => {
    const huge = `${header}.${'A'.repeat(MAX_TOKEN_LENGTH)}.sig`;
    const result = decodeToken(huge);
    expectError(result, 'too_large');
    if (!result.ok) expect(result.raw.length).toBeLessThan(300);
  });

  it('accepts an empty signature segment (decoding is not verifying)', () => {
    expect(decodeToken(`${header}.${payload}.`)).toMatchObject({ ok: true, signature: '' });
  });
});

describe('classifyToken', () => {
  it('recognises typ application/dpop+jwt in any case', () => {
    expect(classifyToken({ typ: 'application/DPoP+JWT' }, {})).toBe('dpop-proof');
  });

  it('prefers a challenge over a verification when both shapes are present', () => {
    expect(classifyToken({}, { challenge_id: 'c', current_step: 'x', key: 'k', status: 'completed' })).toBe(
      'prelude-challenge',
    );
  });

  it('does not call a Dynamic session JWT elevated because of its scope', () => {
    expect(classifyToken({}, { environment_id: 'e', sid: 's', scope: 'wallet:export' })).toBe(
      'dynamic-session',
    );
  });

  it('recognises the dynamic.xyz issuer', () => {
    expect(
      classifyToken({}, { iss: 'https://app.dynamic.xyz/env', sub: 'u', sid: 's', exp: 1, scope: '' }),
    ).toBe('dynamic-session');
  });

  it('needs sub, sid and exp for an access token', () => {
    expect(classifyToken({}, { iss: 'https://a.session.prelude.dev', sub: 'u', exp: 1 })).toBe('generic-jwt');
    expect(classifyToken({}, { aud: ['https://a.session.prelude.dev'], sub: 'u', sid: 's', exp: 1 })).toBe(
      'prelude-access',
    );
  });
});
