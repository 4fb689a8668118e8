/**
 * The Dynamic SDK API emulator (demo/dynamic): every endpoint the demo's client uses, the e-mail OTP sign-in and
 * step-up, elevated tokens (claims, lifetimes, JWKS), single-use consumption, wrong codes, device nonce
 * signatures, CORS, errors in Dynamic's `{error, code, payload?}` shape, and the admin API.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { request } from 'node:https';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_ENVIRONMENT_ID,
  startDynamicEmulator,
  type DynamicEmulatorHandle,
} from '../../demo/dynamic/server.ts';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

const BASE = `/api/v0/sdk/${DEMO_ENVIRONMENT_ID}`;
const EMAIL = 'grace@demo.test';
const CODE = '424242';
/** The headers `@dynamic-labs-sdk/client` 1.27.1 sends on every call. */
const SDK_HEADERS = {
  'x-dyn-api-version': 'API/0.0.1125',
  'x-dyn-version': 'ClientSDK/1.27.1',
  'x-dynamic-platform': 'web',
  'x-dyn-request-id': 'r'.repeat(50),
  'x-dyn-session-id': 's'.repeat(32),
};

let emu: DynamicEmulatorHandle;
let clock = Date.now();

function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; host?: string } = {},
): Promise<Res> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const host = options.host ?? 'app.dynamicauth.com';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emu.port,
        servername: host,
        method,
        path,
        rejectUnauthorized: false,
        headers: {
          Host: host,
          ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const sdk = (
  method: string,
  path: string,
  options: { token?: string; elevated?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> =>
  call(method, `${BASE}/${path}`, {
    body: options.body,
    headers: {
      ...SDK_HEADERS,
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.elevated ? { 'x-dyn-elevated-access-token': options.elevated } : {}),
      ...options.headers,
    },
  });

/** Signs in by e-mail code; returns the session JWT and the user. */
async function signIn(email = EMAIL): Promise<{ token: string; walletId: string; userId: string }> {
  const created = await sdk('POST', 'emailVerifications/create', { body: { email } });
  expect(created.status).toBe(200);
  const res = await sdk('POST', 'emailVerifications/signin', {
    body: { verificationUUID: created.body.verificationUUID, verificationToken: CODE },
  });
  expect(res.status).toBe(200);
  return { token: res.body.minifiedJwt, walletId: res.body.user.metadata.walletId, userId: res.body.user.id };
}

/** Step-up by e-mail code for `scopes`; returns the whole verify answer. */
async function stepUp(token: string, scopes: string[]): Promise<Res> {
  const created = await sdk('POST', 'emailVerifications/create', { token, body: { email: EMAIL } });
  return sdk('POST', 'emailVerifications/verify', {
    token,
    body: {
      verificationUUID: created.body.verificationUUID,
      verificationToken: CODE,
      requestedScopes: scopes,
    },
  });
}

/** The device headers the SDK adds to sign-in / verify calls, for `nonce`. */
function deviceHeaders(nonce: string, options: { badSignature?: boolean } = {}): Record<string, string> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const point = publicKey.export({ type: 'spki', format: 'der' }).subarray(-65); // 04 | x | y
  const compressed = Buffer.concat([Buffer.from([2 | ((point[64] ?? 0) & 1)]), point.subarray(1, 33)]);
  const signature = sign('sha256', Buffer.from(options.badSignature ? `${nonce}x` : nonce), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return {
    'x-dynamic-device-nonce': nonce,
    'x-dynamic-device-publickey': compressed.toString('hex'),
    'x-dynamic-device-signed-nonce': signature.toString('hex'),
  };
}

beforeAll(async () => {
  emu = await startDynamicEmulator({ quiet: true, fixedOtp: CODE, now: () => clock, certificate: 'builtin' });
});
afterAll(() => emu.close());
beforeEach(() => {
  clock = Date.now();
  emu.reset();
});

describe('Dynamic emulator: start-up and plumbing', () => {
  it('serves project settings with the fields the SDK model requires, and records the x-dyn headers', async () => {
    const res = await sdk('GET', 'settings?sdkVersion=ClientSDK%2F1.27.1');
    expect(res.status).toBe(200);
    for (const field of ['chains', 'kyc', 'design', 'general', 'privacy', 'sdk', 'security'])
      expect(res.body).toHaveProperty(field);
    expect(res.body.security.auth.storage).toEqual(['localstorage']);
    expect(emu.requests.at(-1)?.headers).toMatchObject(SDK_HEADERS);
  });

  it('answers CORS preflights by reflecting the origin and the requested headers', async () => {
    const res = await call('OPTIONS', `${BASE}/stepUp/check`, {
      headers: {
        Origin: 'http://localhost:5180',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers':
          'authorization,content-type,x-dyn-elevated-access-token,x-dyn-request-id',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5180');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-headers']).toContain('x-dyn-elevated-access-token');
    const real = await call('GET', `${BASE}/settings`, { headers: { Origin: 'http://localhost:5180' } });
    expect(real.headers['access-control-allow-origin']).toBe('http://localhost:5180');
  });

  it('issues nonces (the SDK asks for 5) and publishes an ES256 JWKS', async () => {
    const nonces = await sdk('GET', 'nonces?count=5');
    expect(nonces.body.nonces).toHaveLength(5);
    const jwks = await sdk('GET', '.well-known/jwks');
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('refuses unknown environments and paths with Dynamic error bodies', async () => {
    const env = await call('GET', '/api/v0/sdk/00000000-0000-0000-0000-000000000000/settings');
    expect(env.status).toBe(404);
    expect(env.body).toEqual({ error: expect.any(String), code: 'environment_not_found' });
    const path = await sdk('GET', 'nope');
    expect(path.body.code).toBe('not_found');
    const method = await sdk('GET', 'stepUp/check');
    expect(method.status).toBe(405);
  });

  it('accepts the SDK telemetry on logs.dynamicauth.com without recording it as API traffic', async () => {
    const res = await call('POST', `/api/v1/${DEMO_ENVIRONMENT_ID}`, {
      host: 'logs.dynamicauth.com',
      body: [{ level: 'info' }],
    });
    expect(res.status).toBe(204);
    expect(emu.telemetry).toHaveLength(1);
    expect(emu.requests).toHaveLength(0);
  });
});

describe('Dynamic emulator: sign-in and step-up', () => {
  it('signs in by e-mail code: a session JWT with scope user:basic, expiresAt in epoch seconds', async () => {
    const created = await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    expect(created.body).toEqual({ verificationUUID: expect.any(String), email: EMAIL });
    expect(emu.inbox).toEqual([
      expect.objectContaining({ to: EMAIL, channel: 'email', code: CODE, purpose: 'login' }),
    ]);
    const res = await sdk('POST', 'emailVerifications/signin', {
      body: { verificationUUID: created.body.verificationUUID, verificationToken: CODE },
    });
    expect(res.status).toBe(200);
    const claims = decodeJwt(res.body.minifiedJwt);
    expect(claims).toMatchObject({ scope: 'user:basic', sub: res.body.user.id, email: EMAIL });
    expect(res.body.expiresAt).toBe(claims.exp);
    expect(res.body.user.verifiedCredentials).toEqual([
      expect.objectContaining({ format: 'email', email: EMAIL, signInEnabled: true }),
    ]);
    expect(res.body).not.toHaveProperty('elevatedAccessToken');
  });

  it('refuses a wrong code with invalid_verification_code, then locks after five', async () => {
    const created = await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    const attempt = (code: string) =>
      sdk('POST', 'emailVerifications/signin', {
        body: { verificationUUID: created.body.verificationUUID, verificationToken: code },
      });
    const wrong = await attempt('000000');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({
      error: 'Invalid verification code',
      code: 'invalid_verification_code',
      payload: { attemptsLeft: 4 },
    });
    for (let i = 0; i < 4; i++) await attempt('000000');
    const locked = await attempt(CODE);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_verification_attempts');
  });

  it('a verification is single-use', async () => {
    const created = await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    const body = { verificationUUID: created.body.verificationUUID, verificationToken: CODE };
    expect((await sdk('POST', 'emailVerifications/signin', { body })).status).toBe(200);
    const again = await sdk('POST', 'emailVerifications/signin', { body });
    expect(again.body.code).toBe('invalid_verification_uuid');
  });

  it('stepUp/check: required with the e-mail credential, not required with a valid elevated token', async () => {
    const { token } = await signIn();
    const check = await sdk('POST', 'stepUp/check', { token, body: { scope: 'wallet:export' } });
    expect(check.body).toEqual({
      isRequired: true,
      credentials: [{ id: expect.any(String), format: 'email', alias: EMAIL }],
      defaultCredentialId: check.body.credentials[0].id,
    });
    const elevated = (await stepUp(token, ['wallet:export'])).body.elevatedAccessToken;
    const held = await sdk('POST', 'stepUp/check', { token, elevated, body: { scope: 'wallet:export' } });
    expect(held.body).toEqual({ isRequired: false, credentials: [] });
    const other = await sdk('POST', 'stepUp/check', { token, elevated, body: { scope: 'wallet:sign' } });
    expect(other.body.isRequired).toBe(true);
    expect((await sdk('POST', 'stepUp/check', { body: { scope: 'wallet:export' } })).status).toBe(401);
    expect((await sdk('POST', 'stepUp/check', { token, body: { scope: 'x:y' } })).body.code).toBe(
      'invalid_scope',
    );
  });

  it('verify with requestedScopes: elevated tokens signed ES256, single-use 5 min, multi-use 10 min', async () => {
    const { token, userId } = await signIn();
    const jwks = createLocalJWKSet(emu.jwks() as JSONWebKeySet);
    const single = await stepUp(token, ['wallet:export']);
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({
      nextView: 'done',
      minifiedJwt: expect.any(String),
      user: { id: userId },
    });
    expect(emu.inbox.at(-1)?.purpose).toBe('stepup');
    const { payload, protectedHeader } = await jwtVerify(single.body.elevatedAccessToken, jwks, {
      currentDate: new Date(clock),
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ scope: 'wallet:export', singleUse: true, sub: userId });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    const multi = decodeJwt((await stepUp(token, ['wallet:sign'])).body.elevatedAccessToken);
    expect(multi).toMatchObject({ scope: 'wallet:sign', singleUse: false });
    expect((multi.exp ?? 0) - (multi.iat ?? 0)).toBe(600);
    const both = decodeJwt((await stepUp(token, ['wallet:sign', 'wallet:export'])).body.elevatedAccessToken);
    expect(both).toMatchObject({ scope: 'wallet:sign wallet:export', singleUse: true });
    const bad = await stepUp(token, ['wallet:everything']);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_scope');
  });

  it('step-up codes go only to the signed-in user and verify needs the session', async () => {
    const { token } = await signIn();
    const other = await sdk('POST', 'emailVerifications/create', { token, body: { email: 'eve@demo.test' } });
    expect(other.body.code).toBe('email_mismatch');
    const created = await sdk('POST', 'emailVerifications/create', { token, body: { email: EMAIL } });
    const anonymous = await sdk('POST', 'emailVerifications/verify', {
      body: { verificationUUID: created.body.verificationUUID, verificationToken: CODE, requestedScopes: [] },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: 'Missing session token', code: 'unauthorized' });
  });
});

describe('Dynamic emulator: protected calls', () => {
  it('wallet:export is single-use: the first export spends the token, a replay is refused', async () => {
    const { token, walletId } = await signIn();
    const path = `waas/${walletId}/privateKey/export`;
    const none = await sdk('POST', path, { token, body: { exportId: 'e1' } });
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ code: 'elevated_token_required', payload: { scope: 'wallet:export' } });
    const elevated = (await stepUp(token, ['wallet:export'])).body.elevatedAccessToken;
    const first = await sdk('POST', path, { token, elevated, body: { exportId: 'e2' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ roomId: expect.any(String), serverKeygenIds: expect.any(Array) });
    const replay = await sdk('POST', path, { token, elevated, body: { exportId: 'e3' } });
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe('elevated_token_already_used');
    expect(emu.elevatedTokens()[0]).toMatchObject({
      singleUse: true,
      usedOn: expect.stringContaining('export'),
    });
    // A spent token no longer satisfies stepUp/check either.
    const check = await sdk('POST', 'stepUp/check', { token, elevated, body: { scope: 'wallet:export' } });
    expect(check.body.isRequired).toBe(true);
  });

  it('wallet:sign is multi-use until it expires', async () => {
    const { token, walletId } = await signIn();
    const elevated = (await stepUp(token, ['wallet:sign'])).body.elevatedAccessToken;
    const path = `waas/${walletId}/signMessage`;
    for (let i = 0; i < 3; i++) {
      const res = await sdk('POST', path, { token, elevated, body: { message: `m${i}` } });
      expect(res.status).toBe(200);
      expect(res.body.walletId).toBe(walletId);
    }
    clock += 601_000;
    const late = await sdk('POST', path, { token, elevated, body: { message: 'late' } });
    expect(late.body.code).toBe('elevated_token_expired');
  });

  it('refuses a token for another scope, another user, or a forged one', async () => {
    const { token, walletId } = await signIn();
    const sign = (await stepUp(token, ['wallet:sign'])).body.elevatedAccessToken;
    const wrongScope = await sdk('POST', `waas/${walletId}/privateKey/export`, {
      token,
      elevated: sign,
      body: { exportId: 'e' },
    });
    expect(wrongScope.body).toMatchObject({
      code: 'elevated_token_insufficient_scope',
      payload: { tokenScopes: ['wallet:sign'] },
    });
    const eve = await emu.seedSession('eve@demo.test');
    const eveElevated = await emu.mintElevatedToken(eve.token, ['wallet:export']);
    const foreign = await sdk('POST', `waas/${walletId}/privateKey/export`, {
      token,
      elevated: eveElevated,
      body: { exportId: 'e' },
    });
    expect(foreign.body.code).toBe('elevated_token_invalid');
    const forged = await sdk('POST', `waas/${walletId}/privateKey/export`, {
      token,
      elevated: `${sign.slice(0, -4)}AAAA`,
      body: { exportId: 'e' },
    });
    expect(forged.body.code).toBe('elevated_token_invalid');
    const otherWallet = await sdk('POST', `waas/${eve.user.walletId}/signMessage`, {
      token,
      elevated: sign,
      body: { message: 'm' },
    });
    expect(otherWallet.status).toBe(404);
    expect(otherWallet.body.code).toBe('wallet_not_found');
  });

  it('revoke ends the session', async () => {
    const { token } = await signIn();
    expect((await sdk('POST', 'revoke', { token })).status).toBe(204);
    expect((await sdk('GET', 'users', { token })).status).toBe(401);
  });
});

describe('Dynamic emulator: device nonce signatures', () => {
  it('accepts a valid signature over an issued nonce, once', async () => {
    const nonce = (await sdk('GET', 'nonces?count=1')).body.nonces[0] as string;
    const created = await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    const headers = deviceHeaders(nonce);
    const ok = await sdk('POST', 'emailVerifications/signin', {
      headers,
      body: { verificationUUID: created.body.verificationUUID, verificationToken: CODE },
    });
    expect(ok.status).toBe(200);
    expect(emu.requests.at(-1)?.deviceSignature).toBe('valid');
    const again = await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    const reused = await sdk('POST', 'emailVerifications/signin', {
      headers,
      body: { verificationUUID: again.body.verificationUUID, verificationToken: CODE },
    });
    expect(reused.body.code).toBe('invalid_nonce');
  });

  it('refuses a bad signature', async () => {
    const nonce = (await sdk('GET', 'nonces?count=1')).body.nonces[0] as string;
    const created = await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    const res = await sdk('POST', 'emailVerifications/signin', {
      headers: deviceHeaders(nonce, { badSignature: true }),
      body: { verificationUUID: created.body.verificationUUID, verificationToken: CODE },
    });
    expect(res.body.code).toBe('invalid_device_signature');
  });
});

describe('Dynamic emulator: admin API', () => {
  it('inbox, seeded sessions, state and reset live under /__dynamic and are not recorded', async () => {
    await sdk('POST', 'emailVerifications/create', { body: { email: EMAIL } });
    const inbox = await call('GET', `/__dynamic/inbox?to=${EMAIL}&purpose=login`);
    expect(inbox.body).toHaveLength(1);
    const seeded = await call('POST', '/__dynamic/sessions', { body: { email: 'ada@demo.test' } });
    expect(seeded.status).toBe(201);
    expect(decodeJwt(seeded.body.minifiedJwt).scope).toBe('user:basic');
    const users = await sdk('GET', 'users', { token: seeded.body.minifiedJwt });
    expect(users.body.email).toBe('ada@demo.test');
    const state = await call('GET', '/__dynamic/state');
    expect(state.body.users).toHaveLength(1); // grace asked for a code but never signed in
    expect(state.body.singleUseScopes).toContain('wallet:export');
    expect(emu.requests.every((r) => !r.path.startsWith('/__dynamic'))).toBe(true);
    expect((await call('POST', '/__dynamic/reset')).status).toBe(204);
    expect(emu.users()).toHaveLength(0);
    expect(emu.inbox).toHaveLength(0);
  });
});
