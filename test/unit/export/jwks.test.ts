import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwksUrlFor, verifyWithJwks } from '../../../src/core/export/jwks.ts';
import { redactExchanges } from '../../../src/core/export/redact.ts';
import { getHeader } from '../../../src/core/http/headers.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aKey, anAccessToken, aVerificationToken, tamperSignature } from '../../fixtures/tokens.ts';

/** The Prelude signing key's public JWK, as a JWKS would publish it. */
async function preludeJwks(): Promise<{ keys: Record<string, unknown>[] }> {
  const { publicJwk } = await aKey('EdDSA', 'prelude-signing');
  return { keys: [{ ...publicJwk, kid: 'prelude-1', use: 'sig' }] };
}

describe('verifyWithJwks', () => {
  it('verifies a token signed by a key of the set, ignoring expiry', async () => {
    const token = await anAccessToken({ exp: 1 }); // long expired: only the signature is checked
    expect(await verifyWithJwks(token, await preludeJwks())).toEqual({
      status: 'verified',
      kid: 'prelude-1',
      alg: 'EdDSA',
    });
  });

  it('accepts a Bearer prefix', async () => {
    const token = await anAccessToken();
    expect((await verifyWithJwks(`Bearer ${token}`, await preludeJwks())).status).toBe('verified');
  });

  it('verifies an RS256 verification token against the app backend JWKS', async () => {
    const { publicJwk } = await aKey('RS256', 'app-backend');
    const result = await verifyWithJwks(await aVerificationToken(), {
      keys: [{ ...publicJwk, kid: 'app-1' }],
    });
    expect(result).toEqual({ status: 'verified', kid: 'app-1', alg: 'RS256' });
  });

  it('reports invalid_signature for a tampered token', async () => {
    const token = tamperSignature(await anAccessToken());
    const result = await verifyWithJwks(token, await preludeJwks());
    expect(result.status).toBe('invalid_signature');
  });

  it('reports invalid_signature when the kid matches but the key is another one', async () => {
    const other = await aKey('EdDSA', 'attacker');
    const result = await verifyWithJwks(await anAccessToken(), {
      keys: [{ ...other.publicJwk, kid: 'prelude-1' }],
    });
    expect(result.status).toBe('invalid_signature');
  });

  it('reports no_matching_key when no kid matches', async () => {
    const { publicJwk } = await aKey('EdDSA', 'prelude-signing');
    const result = await verifyWithJwks(await anAccessToken(), {
      keys: [{ ...publicJwk, kid: 'rotated-2' }],
    });
    expect(result.status).toBe('no_matching_key');
    if (result.status !== 'verified') expect(result.message).toContain('prelude-1');
  });

  it('reports no_matching_key when the key type does not fit the alg', async () => {
    const { publicJwk } = await aKey('ES256', 'device');
    const result = await verifyWithJwks(await anAccessToken(), {
      keys: [{ ...publicJwk, kid: 'prelude-1' }],
    });
    expect(result.status).toBe('no_matching_key');
  });

  it('tries every key when several fit a token without kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    const decoy = await aKey('ES256', 'decoy');
    const right = await aKey('ES256', 'device');
    const signed = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(right.privateKey);
    expect(await verifyWithJwks(signed, { keys: [decoy.publicJwk, right.publicJwk] })).toEqual({
      status: 'verified',
      kid: null,
      alg: 'ES256',
    });
    expect((await verifyWithJwks(token, { keys: [decoy.publicJwk, right.publicJwk] })).status).toBe(
      'invalid_signature',
    );
  });

  it('reports bad_jwks for anything that is not a key set', async () => {
    const token = await anAccessToken();
    for (const jwks of [null, 'keys', [], {}, { keys: 'nope' }, { keys: [42] }]) {
      expect((await verifyWithJwks(token, jwks)).status, JSON.stringify(jwks)).toBe('bad_jwks');
    }
  });

  it('reports bad_jwks for a set holding a private key', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const result = await verifyWithJwks(await anAccessToken(), {
      keys: [{ ...privateJwk, kid: 'prelude-1' }],
    });
    expect(result.status).toBe('bad_jwks');
  });

  it('reports malformed tokens', async () => {
    for (const token of ['', 'abc', 'a.b', 'not.json.sig', 'a.b.c.d.e']) {
      expect((await verifyWithJwks(token, await preludeJwks())).status, token).toBe('malformed');
    }
  });

  it('reports unsupported_alg for unsigned and HMAC tokens', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'x' }).encode();
    expect((await verifyWithJwks(unsigned, await preludeJwks())).status).toBe('unsupported_alg');
    const hmac = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length'));
    expect((await verifyWithJwks(hmac, await preludeJwks())).status).toBe('unsupported_alg');
  });

  it('says when a signature was redacted on export', async () => {
    const token = await anAccessToken();
    const [exchange] = redactExchanges([
      anExchange({ requestHeaders: { Authorization: `Bearer ${token}` } }),
    ]);
    const redacted = getHeader(exchange!.requestHeaders, 'authorization') ?? '';
    expect((await verifyWithJwks(redacted, await preludeJwks())).status).toBe('redacted');
  });
});

describe('jwksUrlFor', () => {
  it('lists the domain root JWKS, then the API base JWKS', () => {
    expect(jwksUrlFor('https://demo.session.prelude.dev/v1/session')).toEqual([
      'https://demo.session.prelude.dev/.well-known/jwks.json',
      'https://demo.session.prelude.dev/v1/session/.well-known/jwks.json',
    ]);
    expect(jwksUrlFor('https://auth.example.com:8443/v1/session/')).toEqual([
      'https://auth.example.com:8443/.well-known/jwks.json',
      'https://auth.example.com:8443/v1/session/.well-known/jwks.json',
    ]);
  });

  it('lists one URL for a base at the root, none for a base that is not http(s)', () => {
    expect(jwksUrlFor('https://auth.example.com')).toEqual([
      'https://auth.example.com/.well-known/jwks.json',
    ]);
    expect(jwksUrlFor('not a url')).toEqual([]);
    expect(jwksUrlFor('javascript:alert(1)')).toEqual([]);
  });
});
