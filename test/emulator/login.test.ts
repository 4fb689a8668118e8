import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../demo/emulator/server.ts';
import { SdkLikeClient, call, claimsOf } from './client.ts';

const PHONE = '+14155550100';
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, quiet: true, fixedOtp: '123456' });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('OTP login', () => {
  it('answers the first, nonce-less proof with use_dpop_nonce, then logs in with the nonce', async () => {
    const client = await SdkLikeClient.create(emu);
    const res = await client.loginWithOtp(PHONE);
    expect(res.first?.status).toBe(400);
    expect(res.first?.body).toMatchObject({ code: 'use_dpop_nonce', type: 'authentication_error' });
    expect(res.status).toBe(200);
    expect(typeof res.body.access_token).toBe('string');
    // The SDK adds a clock skew in seconds to expires_at and compares it with Date.now()/1000.
    expect(Number.isInteger(res.body.expires_at)).toBe(true);
    expect(res.body.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(res.body.expires_at).toBeLessThan(Date.now() / 1000 + 3600);
    expect(res.headers['x-refresh-token']).toBeTruthy();
    expect(new Date(String(res.headers['x-refresh-token-expires-at'])).getTime()).toBeGreaterThan(Date.now());
    expect(res.headers['dpop-nonce']).toBeTruthy();
    expect(res.headers['dpop-nonce']).not.toBe(res.first?.headers['dpop-nonce']);
    expect(String(res.headers['set-cookie'])).toContain('__refresh_demo=');
  });

  it('gives a phone user a derived email and mints access tokens with the documented claims', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.loginWithOtp(PHONE);
    const claims = claimsOf(client.accessToken ?? '');
    expect(claims).toMatchObject({ iss: `https://${emu.domain}`, aud: 'demo', scope: '', cc: {} });
    expect(typeof claims.sub).toBe('string');
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.jti).toBe('string');
    const state = (await call(emu, 'GET', '/__emulator/state')).body;
    const user = state.users.find((u: { id: string }) => u.id === claims.sub);
    expect(user.identifiers).toEqual([
      { type: 'phone_number', value: PHONE },
      { type: 'email_address', value: 'u14155550100@demo.test' },
    ]);
  });

  it('verifies access tokens with the JWKS (both paths)', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.loginWithOtp(PHONE);
    for (const path of ['/.well-known/jwks.json', '/v1/session/.well-known/jwks.json']) {
      const jwks = (await call(emu, 'GET', path)).body;
      expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      const { protectedHeader } = await jwtVerify(client.accessToken ?? '', createLocalJWKSet(jwks), {
        issuer: `https://${emu.domain}`,
      });
      expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0].kid });
    }
  });

  it('answers a wrong code with bad_check_code and locks after 5 wrong codes', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.send('POST', '/login/otp', { body: { identifier: { type: 'phone_number', value: PHONE } } });
    for (let i = 0; i < 4; i++) {
      const res = await client.sessionCall('POST', '/login/otp/check', { body: { code: '000000' } });
      expect(res.body.code).toBe('bad_check_code');
      // A verified proof rotates the nonce even when the request fails.
      expect(res.headers['dpop-nonce']).toBeTruthy();
    }
    const locked = await client.sessionCall('POST', '/login/otp/check', { body: { code: '000000' } });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('rate_limited');
    const after = await client.sessionCall('POST', '/login/otp/check', { body: { code: '123456' } });
    expect(after.body.code).toBe('rate_limited');
  });

  it('rejects a non-string code (the SDK 0.6.0 checkOTP takes a string)', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.send('POST', '/login/otp', { body: { identifier: { type: 'phone_number', value: PHONE } } });
    const res = await client.sessionCall('POST', '/login/otp/check', { body: { code: { code: '123456' } } });
    expect(res.body).toMatchObject({ code: 'bad_request', type: 'invalid_request_error' });
  });

  it('rejects malformed identifiers', async () => {
    const bad = await call(emu, 'POST', '/v1/session/login/otp', {
      body: { identifier: { type: 'phone_number', value: '555' } },
    });
    expect(bad.body.code).toBe('invalid_identifier');
    const shape = await call(emu, 'POST', '/v1/session/login/otp', { body: { identifier: 'x' } });
    expect(shape.body.code).toBe('bad_request');
  });

  it('resends the pending login code on /login/otp/retry (by cookie) and rate-limits sends', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.send('POST', '/login/otp', { body: { identifier: { type: 'phone_number', value: PHONE } } });
    expect((await client.send('POST', '/login/otp/retry')).status).toBe(204);
    expect((await client.send('POST', '/login/otp/retry')).status).toBe(204);
    const sent = emu.inbox.filter((m) => m.to === PHONE);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((m) => m.code)).size).toBe(1);
    const limited = await client.send('POST', '/login/otp/retry');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeTruthy();
  });

  it('finds the pending login without the cookie (third-party cookies blocked)', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.send('POST', '/login/otp', { body: { identifier: { type: 'phone_number', value: PHONE } } });
    client.cookies = {};
    const res = await client.sessionCall('POST', '/login/otp/check', { body: { code: '123456' } });
    expect(res.status).toBe(200);
  });

  it('supports the native SDKs: POST /otp {identifier}, /otp/check {code} → challenge_token → /login/finalize', async () => {
    const client = await SdkLikeClient.create(emu);
    expect(
      (
        await client.send('POST', '/otp', {
          body: { identifier: { type: 'email_address', value: 'n@demo.test' } },
        })
      ).status,
    ).toBe(204);
    const checked = await client.send('POST', '/otp/check', { body: { code: '123456' } });
    expect(checked.status).toBe(200);
    const finalized = await client.sessionCall('POST', '/login/finalize', {
      body: { challenge_token: checked.body.challenge_token },
    });
    expect(finalized.status).toBe(200);
    expect(finalized.body.access_token).toBeTruthy();
  });
});

describe('refresh', () => {
  it('rotates the refresh token and the nonce on every refresh, and rejects the old refresh token (revoking the session)', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.loginWithOtp(PHONE);
    const rt1 = client.refreshToken ?? '';
    const nonce1 = client.nonce;

    // A stale nonce: the SDK's dance (use_dpop_nonce, then success).
    client.nonce = 'stale-nonce';
    const first = await client.refresh();
    expect(first.first?.body.code).toBe('use_dpop_nonce');
    expect(first.status).toBe(200);
    const rt2 = client.refreshToken ?? '';
    expect(rt2).not.toBe(rt1);
    expect(client.nonce).not.toBe(nonce1);

    // The stored nonce is fresh: no dance this time.
    const second = await client.refresh();
    expect(second.first).toBeUndefined();
    expect(second.status).toBe(200);
    const rt3 = client.refreshToken ?? '';
    expect(rt3).not.toBe(rt2);

    // Presenting rt1 again: reuse → unauthorized, and the session is revoked (even rt3 stops working).
    client.refreshToken = rt1;
    const reused = await client.refresh();
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('unauthorized');
    client.refreshToken = rt3;
    expect((await client.refresh()).body.code).toBe('unauthorized');
  });

  it('does not revoke on reuse when revokeOnRefreshReuse is false', async () => {
    const lenient = await startEmulator({
      port: 0,
      quiet: true,
      fixedOtp: '123456',
      revokeOnRefreshReuse: false,
    });
    try {
      const client = await SdkLikeClient.create(lenient);
      await client.loginWithOtp(PHONE);
      const rt1 = client.refreshToken;
      await client.refresh();
      const rt2 = client.refreshToken;
      client.refreshToken = rt1;
      expect((await client.refresh()).body.code).toBe('unauthorized');
      client.refreshToken = rt2;
      expect((await client.refresh()).status).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('accepts the refresh cookie when no X-Refresh-Token header is sent', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.loginWithOtp(PHONE);
    const res = await client.sessionCall('POST', '/refresh');
    expect(res.status).toBe(200);
  });

  it('answers unauthorized without any refresh token', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.loginWithOtp(PHONE);
    client.cookies = {};
    const res = await client.sessionCall('POST', '/refresh');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });
});

describe('password login and sign-up', () => {
  it('logs ada in: /login/email/password → challenge_token → /login/finalize (token single-use)', async () => {
    const client = await SdkLikeClient.create(emu);
    const login = await client.send('POST', '/login/email/password', {
      body: { identifier: 'ada@demo.test', password: 'correct horse battery staple' },
    });
    expect(login.status).toBe(200);
    expect(claimsOf(login.body.challenge_token)).toMatchObject({ purpose: 'login' });
    const finalized = await client.sessionCall('POST', '/login/finalize', {
      body: { challenge_token: login.body.challenge_token },
    });
    expect(finalized.status).toBe(200);
    const again = await client.sessionCall('POST', '/login/finalize', {
      body: { challenge_token: login.body.challenge_token },
    });
    expect(again.body.code).toBe('invalid_challenge_token');
  });

  it('accepts the {type, value} identifier form and rejects a wrong password', async () => {
    const ok = await call(emu, 'POST', '/v1/session/login/email/password', {
      body: {
        identifier: { type: 'email_address', value: 'ADA@demo.test' },
        password: 'correct horse battery staple',
      },
    });
    expect(ok.status).toBe(200);
    const wrong = await call(emu, 'POST', '/v1/session/login/email/password', {
      body: { identifier: 'ada@demo.test', password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('unauthorized');
  });

  it('signs up, refuses a taken email and a short password', async () => {
    const client = await SdkLikeClient.create(emu);
    const signUp = await client.send('POST', '/login/email/sign-up', {
      body: { identifier: 'new@demo.test', password: 'long enough pw' },
    });
    expect(signUp.status).toBe(200);
    expect(
      (
        await client.sessionCall('POST', '/login/finalize', {
          body: { challenge_token: signUp.body.challenge_token },
        })
      ).status,
    ).toBe(200);
    const taken = await call(emu, 'POST', '/v1/session/login/email/sign-up', {
      body: { identifier: 'ada@demo.test', password: 'long enough pw' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('identifier_already_exists');
    const short = await call(emu, 'POST', '/v1/session/login/email/sign-up', {
      body: { identifier: 'x@demo.test', password: 'short' },
    });
    expect(short.body.code).toBe('invalid_password');
  });

  it('serves the password rules', async () => {
    const res = await call(emu, 'GET', '/v1/session/password/compliancy');
    expect(res.body).toEqual({
      min_length: 8,
      max_length: 128,
      uppercase: 0,
      lowercase: 0,
      numbers: 0,
      symbols: 0,
    });
  });

  it('answers OAuth with oauth_provider_not_configured', async () => {
    const res = await call(emu, 'POST', '/v1/session/login/oauth/google/authorize', {
      body: { redirect_uri: 'http://localhost:5173/cb', code_challenge: 'x', code_challenge_method: 'S256' },
    });
    expect(res.body.code).toBe('oauth_provider_not_configured');
  });

  it('expires login challenge tokens', async () => {
    let now = Date.now();
    const timed = await startEmulator({ port: 0, quiet: true, now: () => now });
    try {
      const client = await SdkLikeClient.create(timed);
      client.now = () => now;
      const login = await client.send('POST', '/login/email/password', {
        body: { identifier: 'ada@demo.test', password: 'correct horse battery staple' },
      });
      now += 301_000;
      const res = await client.sessionCall('POST', '/login/finalize', {
        body: { challenge_token: login.body.challenge_token },
      });
      expect(res.body.code).toBe('expired_challenge_token');
    } finally {
      await timed.close();
    }
  });
});

describe('sessions', () => {
  it('lists and revokes sessions, and logs out with /revoke', async () => {
    const a = await SdkLikeClient.create(emu);
    const b = await SdkLikeClient.create(emu);
    await a.loginWithOtp(PHONE);
    await b.loginWithOtp(PHONE);
    const list = await a.bearer('GET', '/me/list?limit=10&offset=0');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 2, limit: 10, offset: 0 });
    expect(Object.keys(list.body.sessions[0]).sort()).toEqual(
      [
        'country_code',
        'created_at',
        'device_model',
        'device_type',
        'expires_at',
        'id',
        'last_seen_at',
        'os_version',
      ].sort(),
    );
    expect((await a.bearer('GET', '/me/list?limit=0')).body.code).toBe('invalid_pagination_limit');
    expect((await a.bearer('GET', '/me/list?offset=-1')).body.code).toBe('invalid_pagination_offset');

    expect((await a.bearer('POST', '/me/revoke?target=others')).status).toBe(204);
    expect((await b.bearer('GET', '/me/list')).status).toBe(401);
    expect((await a.bearer('GET', '/me/list')).body.total).toBe(1);
    expect((await a.bearer('POST', '/me/revoke?target=bogus')).body.code).toBe('bad_request');

    const logout = await a.sessionCall('POST', '/revoke', {
      headers: { 'X-Refresh-Token': a.refreshToken ?? '' },
    });
    expect(logout.status).toBe(204);
    expect((await a.refresh()).body.code).toBe('unauthorized');
  });

  it('requires a Bearer token on /me/*', async () => {
    const res = await call(emu, 'GET', '/v1/session/me/list');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});
