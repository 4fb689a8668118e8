import { SignJWT, base64url, generateSecret } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../demo/emulator/server.ts';
import { DeviceKey, SdkLikeClient, type TestResponse } from './client.ts';

let emu: EmulatorHandle;
let client: SdkLikeClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, quiet: true, fixedOtp: '123456' });
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  client = await SdkLikeClient.create(emu);
  await client.loginWithOtp('+14155550100');
});

/** `/refresh` with a hand-made proof. */
function refreshWith(proof: string | undefined, headers: Record<string, string> = {}): Promise<TestResponse> {
  return client.send('POST', '/refresh', {
    headers: {
      'X-Refresh-Token': client.refreshToken ?? '',
      ...(proof === undefined ? {} : { DPoP: proof }),
      ...headers,
    },
  });
}

function goodClaims(): { htm: string; htu: string; nonce: string } {
  return { htm: 'POST', htu: client.url('/refresh'), nonce: client.nonce ?? '' };
}

function expectDpopError(res: TestResponse, code: string, message?: RegExp): void {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ code, type: 'authentication_error' });
  if (message) expect(res.body.message).toMatch(message);
}

describe('session proofs', () => {
  it('accepts a good proof with the current nonce, and rotates the nonce', async () => {
    const res = await refreshWith(await client.key.proof(goodClaims()));
    expect(res.status).toBe(200);
    expect(res.headers['dpop-nonce']).not.toBe(client.nonce);
  });

  it('missing proof → missing_dpop_proof', async () => {
    expectDpopError(await refreshWith(undefined), 'missing_dpop_proof');
  });

  it('bad signature → invalid_dpop_proof', async () => {
    const proof = await client.key.proof(goodClaims());
    const [header, , signature] = proof.split('.');
    const forged = base64url.encode(
      JSON.stringify({ ...goodClaims(), jti: 'forged', iat: Math.floor(Date.now() / 1000) }),
    );
    expectDpopError(await refreshWith(`${header}.${forged}.${signature}`), 'invalid_dpop_proof', /signature/);
  });

  it('wrong htm → invalid_dpop_proof', async () => {
    expectDpopError(
      await refreshWith(await client.key.proof({ ...goodClaims(), htm: 'GET' })),
      'invalid_dpop_proof',
      /htm/,
    );
  });

  it('wrong htu → invalid_dpop_proof; query strings and default ports are ignored', async () => {
    expectDpopError(
      await refreshWith(await client.key.proof({ ...goodClaims(), htu: client.url('/revoke') })),
      'invalid_dpop_proof',
      /htu/,
    );
    const normalised = `https://${emu.domain.toUpperCase()}:443/v1/session/refresh?x=1`;
    expect((await refreshWith(await client.key.proof({ ...goodClaims(), htu: normalised }))).status).toBe(
      200,
    );
  });

  it('stale or future iat → invalid_dpop_proof', async () => {
    // Each `iat` is taken against a fresh clock and a few seconds past its limit: the emulator reads its own
    // clock later, and a second boundary crossed in between must not move a proof back inside the window.
    const now = () => Math.floor(Date.now() / 1000);
    expectDpopError(
      await refreshWith(await client.key.proof({ ...goodClaims(), iat: now() - 305 })),
      'invalid_dpop_proof',
      /too old/,
    );
    expectDpopError(
      await refreshWith(await client.key.proof({ ...goodClaims(), iat: now() + 65 })),
      'invalid_dpop_proof',
      /future/,
    );
    expect((await refreshWith(await client.key.proof({ ...goodClaims(), iat: now() - 290 }))).status).toBe(
      200,
    );
  });

  it('replayed jti → invalid_dpop_proof (checked before the nonce)', async () => {
    const proof = await client.key.proof(goodClaims());
    const ok = await refreshWith(proof);
    expect(ok.status).toBe(200);
    client.absorb(ok);
    expectDpopError(await refreshWith(proof), 'invalid_dpop_proof', /jti/);
  });

  it('another key → dpop_key_mismatch', async () => {
    const other = await DeviceKey.create();
    expectDpopError(await refreshWith(await other.proof(goodClaims())), 'dpop_key_mismatch');
  });

  it('accepts other asymmetric algorithms but binds the session to the login key', async () => {
    const ed = await DeviceKey.create('EdDSA');
    // The key is fine, the session is bound to the ES256 key from login.
    expectDpopError(await refreshWith(await ed.proof(goodClaims())), 'dpop_key_mismatch');
  });

  it('wrong typ, symmetric alg, private key in jwk, two proofs → invalid_dpop_proof', async () => {
    expectDpopError(
      await refreshWith(await client.key.proof(goodClaims(), { typ: 'JWT' })),
      'invalid_dpop_proof',
      /typ/,
    );
    const hs = await new SignJWT({ ...goodClaims(), jti: 'x', iat: Math.floor(Date.now() / 1000) })
      // A symmetric "key" in the header: jose's types rightly forbid it, hence the cast.
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'AAAA' } } as {
        alg: string;
      })
      .sign(await generateSecret('HS256'));
    expectDpopError(await refreshWith(hs), 'invalid_dpop_proof', /alg/);
    const withPrivate = await client.key.proof(goodClaims(), { jwk: { ...client.key.publicJwk, d: 'AAAA' } });
    expectDpopError(await refreshWith(withPrivate), 'invalid_dpop_proof', /public/);
    const one = await client.key.proof(goodClaims());
    expectDpopError(await refreshWith(`${one}, ${one}`), 'invalid_dpop_proof', /one DPoP/);
    expectDpopError(await refreshWith('not-a-jwt'), 'invalid_dpop_proof');
  });

  it('no nonce, unknown nonce, spent nonce → use_dpop_nonce with a fresh DPoP-Nonce', async () => {
    const { nonce: _n, ...withoutNonce } = goodClaims();
    for (const proof of [
      await client.key.proof(withoutNonce),
      await client.key.proof({ ...goodClaims(), nonce: 'made-up' }),
    ]) {
      const res = await refreshWith(proof);
      expectDpopError(res, 'use_dpop_nonce');
      expect(res.headers['dpop-nonce']).toBeTruthy();
      expect(res.headers['access-control-expose-headers']).toContain('DPoP-Nonce');
    }
    const spent = client.nonce ?? '';
    client.absorb(await refreshWith(await client.key.proof(goodClaims())));
    expectDpopError(
      await refreshWith(await client.key.proof({ ...goodClaims(), nonce: spent })),
      'use_dpop_nonce',
    );
  });

  it('expires unused nonces after 300 s', async () => {
    let now = Date.now();
    const timed = await startEmulator({ port: 0, quiet: true, fixedOtp: '123456', now: () => now });
    try {
      const c = await SdkLikeClient.create(timed);
      c.now = () => now;
      await c.loginWithOtp('+14155550100');
      now += 301_000;
      const res = await c.refresh();
      expect(res.first?.body.code).toBe('use_dpop_nonce');
      expect(res.status).toBe(200);
    } finally {
      await timed.close();
    }
  });
});
