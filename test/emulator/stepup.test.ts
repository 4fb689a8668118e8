import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoStepUpConfig, startEmulator, type EmulatorHandle } from '../../demo/emulator/server.ts';
import { DeviceKey, SdkLikeClient, call, claimsOf, localServer, type TestResponse } from './client.ts';

const PHONE = '+14155550100';
const ADA = { identifier: 'ada@demo.test', password: 'correct horse battery staple' };

/** An app backend's RS256 key, served as a JWKS by a tiny local server. */
interface AppBackend {
  url: string;
  close: () => Promise<void>;
  mint: (claims: Record<string, unknown>, options?: { key?: CryptoKey; kid?: string }) => Promise<string>;
}

async function appBackend(): Promise<AppBackend> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'app-key-1', alg: 'RS256', use: 'sig' };
  const server = await localServer(() => ({ body: { keys: [jwk] } }));
  return {
    url: `${server.url}/.well-known/jwks.json`,
    close: server.close,
    mint: (claims, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        status: 'completed',
        jti: crypto.randomUUID(),
        iat: now,
        nbf: now,
        exp: now + 300,
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'app-key-1' })
        .sign(options.key ?? privateKey);
    },
  };
}

let emu: EmulatorHandle;
let app: AppBackend;

beforeAll(async () => {
  app = await appBackend();
  emu = await startEmulator({
    port: 0,
    quiet: true,
    fixedOtp: '123456',
    config: demoStepUpConfig({ appJwksUrl: app.url }),
  });
});
afterAll(async () => {
  await emu.close();
  await app.close();
});
beforeEach(() => emu.reset());

async function phoneUser(): Promise<SdkLikeClient> {
  const client = await SdkLikeClient.create(emu);
  await client.loginWithOtp(PHONE);
  return client;
}

async function ada(): Promise<SdkLikeClient> {
  const client = await SdkLikeClient.create(emu);
  const login = await client.send('POST', '/login/email/password', { body: ADA });
  await client.sessionCall('POST', '/login/finalize', {
    body: { challenge_token: login.body.challenge_token },
  });
  return client;
}

function requestStepUp(
  client: SdkLikeClient,
  scope: string,
  metadata?: Record<string, unknown>,
): Promise<TestResponse> {
  return client.bearer('POST', '/stepup/request', { body: metadata ? { scope, metadata } : { scope } });
}

/** `otpCreate` then `otpCheck` with the code from the inbox; returns the /otp/check response. */
async function passOtpStep(client: SdkLikeClient, token: string, code?: string): Promise<TestResponse> {
  const sent = await client.send('POST', '/otp', { body: { challenge_token: token } });
  expect(sent.status).toBe(204);
  const challengeId = String(claimsOf(token).challenge_id);
  return client.challengeCall('/otp/check', token, {
    code: code ?? client.stepUpCode(challengeId),
    challenge_token: token,
  });
}

function scopesOf(accessToken: string | undefined): string[] {
  return String(claimsOf(accessToken ?? '').scope)
    .split(' ')
    .filter(Boolean);
}

describe('transfer:write (direct, single verify_sms step, single-use)', () => {
  it('runs request → /otp → /otp/check → /refresh {step_up_token} → consume → gone', async () => {
    const client = await phoneUser();
    const requested = await requestStepUp(client, 'transfer:write', { amount: '500', currency: 'USD' });
    expect(requested.status).toBe(200);
    expect(requested.body.status).toBe('review');
    const ct1 = requested.body.challenge_token as string;
    const c1 = claimsOf(ct1);
    expect(c1).toMatchObject({
      iss: `https://${emu.domain}`,
      current_step: 'verify_sms',
      scope_requested: 'transfer:write',
      grant_mode: 'single-use',
      metadata: { amount: '500', currency: 'USD' },
      steps: [{ key: 'verify_sms', order: 1, expiration_duration: 600, done: false }],
    });
    expect(c1.sub).toBe(claimsOf(client.accessToken ?? '').sub);
    expect(c1.sid).toBe(claimsOf(client.accessToken ?? '').sid);

    const checked = await passOtpStep(client, ct1);
    expect(checked.status).toBe(200);
    expect(emu.inbox.at(-1)).toMatchObject({
      to: PHONE,
      channel: 'sms',
      purpose: 'stepup',
      challengeId: c1.challenge_id,
      scope: 'transfer:write',
    });
    const ct2 = checked.body.challenge_token as string;
    const c2 = claimsOf(ct2);
    expect(c2.current_step).toBe('completed');
    expect(c2.jti).not.toBe(c1.jti);
    expect(c2.steps).toEqual([{ key: 'verify_sms', order: 1, expiration_duration: 600, done: true }]);
    // Challenge proofs carry no nonce and get none back.
    expect(checked.headers['dpop-nonce']).toBeUndefined();

    const refreshed = await client.refresh(ct2);
    expect(refreshed.status).toBe(200);
    expect(scopesOf(client.accessToken)).toEqual(['transfer:write']);
    expect(refreshed.body.expires_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 300);

    // The completed challenge token is single-use.
    expect((await client.refresh(ct2)).body.code).toBe('invalid_challenge_token');

    const grantToken = client.accessToken;
    const consumed = await call(emu, 'POST', '/__emulator/grants/consume', {
      body: { access_token: grantToken, scope: 'transfer:write' },
    });
    expect(consumed.status).toBe(200);
    expect(consumed.body).toMatchObject({
      consumed: true,
      grant_mode: 'single-use',
      scope: 'transfer:write',
    });
    const again = await call(emu, 'POST', '/__emulator/grants/consume', {
      body: { access_token: grantToken, scope: 'transfer:write' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('token_reused');

    await client.refresh();
    expect(scopesOf(client.accessToken)).toEqual([]);
    const afterRefresh = await call(emu, 'POST', '/__emulator/grants/consume', {
      body: { access_token: client.accessToken, scope: 'transfer:write' },
    });
    expect(afterRefresh.status).toBe(403);
    expect(afterRefresh.body.code).toBe('insufficient_scope');
  });

  it('/otp/retry resends the pending step-up code (no body, found by cookie)', async () => {
    const client = await phoneUser();
    const token = (await requestStepUp(client, 'transfer:write')).body.challenge_token as string;
    await client.send('POST', '/otp', { body: { challenge_token: token } });
    expect((await client.send('POST', '/otp/retry')).status).toBe(204);
    const stepUpCodes = emu.inbox.filter((m) => m.purpose === 'stepup');
    expect(stepUpCodes).toHaveLength(2);
    expect(stepUpCodes[1]?.challengeId).toBe(claimsOf(token).challenge_id);
  });

  it('answers a wrong code with bad_check_code and locks the challenge after 5', async () => {
    const client = await phoneUser();
    const token = (await requestStepUp(client, 'transfer:write')).body.challenge_token as string;
    const first = await passOtpStep(client, token, '000000');
    expect(first.body.code).toBe('bad_check_code');
    for (let i = 0; i < 3; i++) {
      expect(
        (await client.challengeCall('/otp/check', token, { code: '000000', challenge_token: token })).body
          .code,
      ).toBe('bad_check_code');
    }
    const locked = await client.challengeCall('/otp/check', token, {
      code: '000000',
      challenge_token: token,
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('rate_limited');
    const right = await client.challengeCall('/otp/check', token, { code: '123456', challenge_token: token });
    expect(right.body.code).toBe('rate_limited');
  });

  it('rate-limits /otp sends: 3 per 30 s per challenge', async () => {
    const client = await phoneUser();
    const token = (await requestStepUp(client, 'transfer:write')).body.challenge_token as string;
    for (let i = 0; i < 3; i++)
      expect((await client.send('POST', '/otp', { body: { challenge_token: token } })).status).toBe(204);
    const limited = await client.send('POST', '/otp', { body: { challenge_token: token } });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
  });

  it('expired challenge: bad_check_code on /otp/check, expired_challenge_token on /otp', async () => {
    const client = await phoneUser();
    const token = (await requestStepUp(client, 'transfer:write')).body.challenge_token as string;
    await client.send('POST', '/otp', { body: { challenge_token: token } });
    const expired = await call(
      emu,
      'POST',
      `/__emulator/challenges/${String(claimsOf(token).challenge_id)}/expire`,
    );
    expect(expired.body).toMatchObject({ expired: true });
    const check = await client.challengeCall('/otp/check', token, { code: '123456', challenge_token: token });
    expect(check.body.code).toBe('bad_check_code');
    expect((await client.send('POST', '/otp', { body: { challenge_token: token } })).body.code).toBe(
      'expired_challenge_token',
    );
    expect((await call(emu, 'POST', '/__emulator/challenges/nope/expire')).status).toBe(404);
  });

  it('expires challenges by the clock (step expiration_duration)', async () => {
    let now = Date.now();
    const timed = await startEmulator({ port: 0, quiet: true, fixedOtp: '123456', now: () => now });
    try {
      const client = await SdkLikeClient.create(timed);
      client.now = () => now;
      await client.loginWithOtp(PHONE);
      const token = (await client.bearer('POST', '/stepup/request', { body: { scope: 'transfer:write' } }))
        .body.challenge_token as string;
      expect(Number(claimsOf(token).exp)).toBe(Math.floor(now / 1000) + 600);
      await client.send('POST', '/otp', { body: { challenge_token: token } });
      now += 601_000;
      expect(
        (await client.challengeCall('/otp/check', token, { code: '123456', challenge_token: token })).body
          .code,
      ).toBe('bad_check_code');
    } finally {
      await timed.close();
    }
  });

  it('checks challenge proofs: missing, wrong jti, wrong key, superseded token', async () => {
    const client = await phoneUser();
    const token = (await requestStepUp(client, 'transfer:write')).body.challenge_token as string;
    await client.send('POST', '/otp', { body: { challenge_token: token } });
    const body = { code: '123456', challenge_token: token };
    expect((await client.send('POST', '/otp/check', { body })).body.code).toBe('missing_dpop_proof');
    const wrongJti = await client.key.proof({ htm: 'POST', htu: client.url('/otp/check') });
    expect((await client.send('POST', '/otp/check', { body, headers: { DPoP: wrongJti } })).body.code).toBe(
      'invalid_dpop_proof',
    );
    const otherKey = await DeviceKey.create();
    expect((await client.challengeCall('/otp/check', token, body, { key: otherKey })).body.code).toBe(
      'dpop_key_mismatch',
    );
    const ok = await client.challengeCall('/otp/check', token, body);
    expect(ok.status).toBe(200);
    expect((await client.challengeCall('/otp/check', token, body)).body.code).toBe('invalid_challenge_token');
    expect((await client.send('POST', '/otp', { body: { challenge_token: 'garbage' } })).body.code).toBe(
      'invalid_challenge_token',
    );
    expect((await client.send('POST', '/otp', { body: {} })).body.code).toBe('missing_challenge_token');
  });

  it('refuses a step_up_token that is not completed or belongs to another session', async () => {
    const a = await phoneUser();
    const b = await phoneUser();
    const pending = (await requestStepUp(a, 'transfer:write')).body.challenge_token as string;
    expect((await a.refresh(pending)).body.code).toBe('step_not_completed');
    const done = (await passOtpStep(a, pending)).body.challenge_token as string;
    expect((await b.refresh(done)).body.code).toBe('token_mismatch');
    expect((await a.refresh(done)).status).toBe(200);
  });
});

describe('prld:pwd:write (direct per identifier type, consumed by /me/password/reset)', () => {
  it('ada steps up by email, resets once; the same token again → token_reused, a fresh one → insufficient_scope', async () => {
    const client = await ada();
    const noScope = await client.bearer('POST', '/me/password/reset', {
      body: { password: 'a brand new password' },
    });
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('insufficient_scope');
    expect(noScope.headers['www-authenticate']).toContain('insufficient_scope');

    const requested = await requestStepUp(client, 'prld:pwd:write');
    const token = requested.body.challenge_token as string;
    expect(claimsOf(token)).toMatchObject({ current_step: 'verify_email', grant_mode: 'single-use' });
    const done = await passOtpStep(client, token);
    expect(emu.inbox.at(-1)).toMatchObject({ to: 'ada@demo.test', channel: 'email' });
    await client.refresh(done.body.challenge_token);
    expect(scopesOf(client.accessToken)).toEqual(['prld:pwd:write']);

    // A rejected password does not spend the grant.
    expect(
      (await client.bearer('POST', '/me/password/reset', { body: { password: 'short' } })).body.code,
    ).toBe('invalid_password');
    const reset = await client.bearer('POST', '/me/password/reset', {
      body: { password: 'a brand new password' },
    });
    expect(reset.status).toBe(204);
    const reused = await client.bearer('POST', '/me/password/reset', {
      body: { password: 'another new password' },
    });
    expect(reused.body.code).toBe('token_reused');
    await client.refresh();
    expect(scopesOf(client.accessToken)).toEqual([]);
    const second = await client.bearer('POST', '/me/password/reset', {
      body: { password: 'another new password' },
    });
    expect(second.status).toBe(403);
    expect(second.body.code).toBe('insufficient_scope');

    const relogin = await call(emu, 'POST', '/v1/session/login/email/password', {
      body: { identifier: 'ada@demo.test', password: 'a brand new password' },
    });
    expect(relogin.status).toBe(200);
  });

  it('a phone user (who also has a derived email) gets the first matching rule: verify_email', async () => {
    const client = await phoneUser();
    const token = (await requestStepUp(client, 'prld:pwd:write')).body.challenge_token as string;
    expect(claimsOf(token).current_step).toBe('verify_email');
    await passOtpStep(client, token);
    expect(emu.inbox.at(-1)?.to).toBe('u14155550100@demo.test');
  });
});

describe('kyc:approve (verify_email → verify_sms → kyc_review custom step, session-bound)', () => {
  async function toCustomStep(client: SdkLikeClient): Promise<string> {
    const t1 = (await requestStepUp(client, 'kyc:approve')).body.challenge_token as string;
    expect(claimsOf(t1).current_step).toBe('verify_email');
    const t2 = (await passOtpStep(client, t1)).body.challenge_token as string;
    expect(claimsOf(t2).current_step).toBe('verify_sms');
    const t3 = (await passOtpStep(client, t2)).body.challenge_token as string;
    expect(claimsOf(t3).current_step).toBe('kyc_review');
    return t3;
  }

  function cont(
    client: SdkLikeClient,
    token: string,
    verificationToken: string,
    key?: DeviceKey,
  ): Promise<TestResponse> {
    return client.challengeCall(
      '/stepup/continue',
      token,
      { challenge_token: token, verification_token: verificationToken },
      { bearer: true, ...(key ? { key } : {}) },
    );
  }

  it('completes with a verification token from the app backend, grants a session-bound scope', async () => {
    const client = await phoneUser();
    const t3 = await toCustomStep(client);
    const c3 = claimsOf(t3);
    const vt = await app.mint({ sub: c3.sub, challenge_id: c3.challenge_id, key: 'kyc_review' });
    const done = await cont(client, t3, vt);
    expect(done.status).toBe(200);
    const c4 = claimsOf(done.body.challenge_token);
    expect(c4.current_step).toBe('completed');
    expect((c4.steps as { done: boolean }[]).every((s) => s.done)).toBe(true);
    await client.refresh(done.body.challenge_token);
    expect(scopesOf(client.accessToken)).toEqual(['kyc:approve']);
    const check = await call(emu, 'POST', '/__emulator/grants/consume', {
      body: { access_token: client.accessToken, scope: 'kyc:approve' },
    });
    expect(check.body).toMatchObject({ consumed: false, grant_mode: 'session-bound' });
    await client.refresh();
    expect(scopesOf(client.accessToken)).toEqual(['kyc:approve']);
  });

  it('rejects bad verification tokens', async () => {
    const client = await phoneUser();
    const t3 = await toCustomStep(client);
    const { sub, challenge_id } = claimsOf(t3);
    const base = { sub, challenge_id, key: 'kyc_review' };
    const stranger = await generateKeyPair('RS256');

    expect((await cont(client, t3, await app.mint(base, { key: stranger.privateKey }))).body.code).toBe(
      'invalid_verification_token',
    );
    expect((await cont(client, t3, await app.mint(base, { kid: 'unknown-kid' }))).body.code).toBe(
      'invalid_verification_token',
    );
    const expiredVt = await app.mint({ ...base, exp: Math.floor(Date.now() / 1000) - 120 });
    expect((await cont(client, t3, expiredVt)).body.code).toBe('invalid_verification_token');
    expect((await cont(client, t3, await app.mint({ ...base, challenge_id: 'chl_other' }))).body.code).toBe(
      'token_mismatch',
    );
    expect((await cont(client, t3, await app.mint({ ...base, sub: 'usr_other' }))).body.code).toBe(
      'token_mismatch',
    );
    expect((await cont(client, t3, await app.mint({ ...base, key: 'nope' }))).body.code).toBe(
      'step_not_found',
    );
    expect((await cont(client, t3, await app.mint({ ...base, key: 'verify_sms' }))).body.code).toBe(
      'step_bypassed',
    );
    expect((await cont(client, t3, await app.mint({ ...base, status: 'pending' }))).body.code).toBe(
      'step_not_completed',
    );
    expect((await cont(client, t3, await app.mint(base), await DeviceKey.create())).body.code).toBe(
      'dpop_key_mismatch',
    );
    const noBearer = await client.challengeCall('/stepup/continue', t3, {
      challenge_token: t3,
      verification_token: await app.mint(base),
    });
    expect(noBearer.status).toBe(401);

    const jti = crypto.randomUUID();
    const ok = await cont(client, t3, await app.mint({ ...base, jti }));
    expect(ok.status).toBe(200);
    // The same verification token jti on a fresh challenge → token_reused.
    const next = await toCustomStep(client);
    const reused = await app.mint({ sub, challenge_id: claimsOf(next).challenge_id, key: 'kyc_review', jti });
    expect((await cont(client, next, reused)).body.code).toBe('token_reused');
  });

  it('refuses a verification token for a later step (step_not_completed) and after expiry (expired_challenge_token)', async () => {
    const client = await phoneUser();
    const t1 = (await requestStepUp(client, 'kyc:approve')).body.challenge_token as string;
    const { sub, challenge_id } = claimsOf(t1);
    expect((await cont(client, t1, await app.mint({ sub, challenge_id, key: 'kyc_review' }))).body.code).toBe(
      'step_not_completed',
    );
    await call(emu, 'POST', `/__emulator/challenges/${String(challenge_id)}/expire`);
    expect((await cont(client, t1, await app.mint({ sub, challenge_id, key: 'kyc_review' }))).body.code).toBe(
      'expired_challenge_token',
    );
  });

  it('ada (email only) cannot take kyc:approve: direct_scope_identifier_mismatch', async () => {
    const client = await ada();
    const res = await requestStepUp(client, 'kyc:approve');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('direct_scope_identifier_mismatch');
    expect((await requestStepUp(client, 'transfer:write')).body.code).toBe(
      'direct_scope_identifier_mismatch',
    );
  });

  it('works with the built-in mock app key when no jwks_url is configured', async () => {
    const builtin = await startEmulator({ port: 0, quiet: true, fixedOtp: '123456' });
    try {
      const client = await SdkLikeClient.create(builtin);
      await client.loginWithOtp(PHONE);
      const t1 = (await client.bearer('POST', '/stepup/request', { body: { scope: 'kyc:approve' } })).body
        .challenge_token as string;
      const pass = async (token: string): Promise<string> => {
        await client.send('POST', '/otp', { body: { challenge_token: token } });
        return (await client.challengeCall('/otp/check', token, { code: '123456', challenge_token: token }))
          .body.challenge_token as string;
      };
      const t3 = await pass(await pass(t1));
      const minted = await call(builtin, 'POST', '/__emulator/verification-tokens', {
        body: { challenge_token: t3 },
      });
      expect(minted.status).toBe(200);
      const res = await client.challengeCall(
        '/stepup/continue',
        t3,
        { challenge_token: t3, verification_token: minted.body.verification_token },
        { bearer: true },
      );
      expect(claimsOf(res.body.challenge_token).current_step).toBe('completed');
      expect((await call(builtin, 'GET', '/__emulator/app/jwks.json')).body.keys[0]).toMatchObject({
        kty: 'RSA',
        alg: 'RS256',
      });
    } finally {
      await builtin.close();
    }
  });

  it('answers not_configured when jwks_url is empty', async () => {
    const unconfigured = await startEmulator({
      port: 0,
      quiet: true,
      fixedOtp: '123456',
      config: demoStepUpConfig({ appJwksUrl: '' }),
    });
    try {
      const client = await SdkLikeClient.create(unconfigured);
      await client.loginWithOtp(PHONE);
      const t1 = (await client.bearer('POST', '/stepup/request', { body: { scope: 'kyc:approve' } })).body
        .challenge_token as string;
      const res = await client.challengeCall(
        '/stepup/continue',
        t1,
        { challenge_token: t1, verification_token: 'x.y.z' },
        { bearer: true },
      );
      expect(res.body.code).toBe('not_configured');
    } finally {
      await unconfigured.close();
    }
  });
});

describe('decisions', () => {
  it('admin:root is blocked: 200 {status: "block"} without a token', async () => {
    const res = await requestStepUp(await phoneUser(), 'admin:root');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'block' });
  });

  it('report:read continues with no steps: a completed token at once, redeemed for a session-bound grant', async () => {
    const client = await phoneUser();
    const res = await requestStepUp(client, 'report:read');
    expect(res.body.status).toBe('continue');
    expect(claimsOf(res.body.challenge_token)).toMatchObject({
      current_step: 'completed',
      steps: [],
      grant_mode: 'session-bound',
    });
    await client.refresh(res.body.challenge_token);
    expect(scopesOf(client.accessToken)).toEqual(['report:read']);
  });

  it('validates scope and metadata', async () => {
    const client = await phoneUser();
    expect((await requestStepUp(client, 'payments:delete')).body).toMatchObject({
      code: 'scope_not_allowed',
      type: 'permission_error',
    });
    expect((await requestStepUp(client, 'bad scope!')).body.code).toBe('bad_request');
    expect(
      (await requestStepUp(client, 'transfer:write', { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' })).body
        .code,
    ).toBe('invalid_metadata');
    expect((await requestStepUp(client, 'transfer:write', { waytoolongkey: '1' })).body.code).toBe(
      'invalid_metadata',
    );
    expect((await requestStepUp(client, 'transfer:write', { k: 'x'.repeat(33) })).body.code).toBe(
      'invalid_metadata',
    );
    expect((await requestStepUp(client, 'transfer:write', { k: 5 })).body.code).toBe('invalid_metadata');
    expect((await client.send('POST', '/stepup/request', { body: { scope: 'transfer:write' } })).status).toBe(
      401,
    );
  });

  it('accumulates grants and bounds the access token by the shortest', async () => {
    const client = await phoneUser();
    const report = (await requestStepUp(client, 'report:read')).body.challenge_token as string;
    await client.refresh(report);
    const transfer = (await requestStepUp(client, 'transfer:write')).body.challenge_token as string;
    await client.refresh((await passOtpStep(client, transfer)).body.challenge_token);
    expect(scopesOf(client.accessToken).sort()).toEqual(['report:read', 'transfer:write']);
  });
});

describe('delegated transfer:write (hook)', () => {
  it('asks the hook with the documented payload and follows its answer', async () => {
    let answer: { status?: number; body: unknown } = {
      body: {
        status: 'review',
        granted_for: 300,
        grant_mode: 'single-use',
        steps: [{ order: 1, key: 'verify_sms', expiration_duration: 600 }],
      },
    };
    const hook = await localServer(() => answer);
    const delegated = await startEmulator({
      port: 0,
      quiet: true,
      fixedOtp: '123456',
      config: demoStepUpConfig({ hookUrl: hook.url }),
    });
    try {
      const client = await SdkLikeClient.create(delegated);
      await client.loginWithOtp(PHONE);
      const ask = (): Promise<TestResponse> =>
        client.bearer('POST', '/stepup/request', {
          body: { scope: 'transfer:write', metadata: { amount: '500' } },
        });
      const res = await ask();
      expect(res.body.status).toBe('review');
      expect(claimsOf(res.body.challenge_token)).toMatchObject({
        current_step: 'verify_sms',
        grant_mode: 'single-use',
      });
      expect(hook.calls[0]?.body).toEqual({
        scope_requested: 'transfer:write',
        user_id: claimsOf(client.accessToken ?? '').sub,
        identifiers: [
          { type: 'phone_number', value: PHONE },
          { type: 'email_address', value: 'u14155550100@demo.test' },
        ],
        signals: {},
        metadata: { amount: '500' },
      });

      answer = { body: { status: 'block' } };
      expect((await ask()).body).toEqual({ status: 'block' });
      answer = {
        body: {
          status: 'review',
          granted_for: 300,
          grant_mode: 'single-use',
          steps: [{ order: 1, key: 'made_up', expiration_duration: 60 }],
        },
      };
      expect((await ask()).body.code).toBe('internal');
      answer = { status: 500, body: { oops: true } };
      const failed = await ask();
      expect(failed.status).toBe(502);
      expect(failed.body.code).toBe('internal');
    } finally {
      await delegated.close();
      await hook.close();
    }
  });

  it('answers internal (502) when the hook is unreachable', async () => {
    const delegated = await startEmulator({
      port: 0,
      quiet: true,
      fixedOtp: '123456',
      config: demoStepUpConfig({ hookUrl: 'http://127.0.0.1:9/hook' }),
    });
    try {
      const client = await SdkLikeClient.create(delegated);
      await client.loginWithOtp(PHONE);
      const res = await client.bearer('POST', '/stepup/request', { body: { scope: 'transfer:write' } });
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('internal');
    } finally {
      await delegated.close();
    }
  });
});
