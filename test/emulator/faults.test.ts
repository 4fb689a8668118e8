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

async function loggedIn(): Promise<SdkLikeClient> {
  const client = await SdkLikeClient.create(emu);
  await client.loginWithOtp(PHONE);
  return client;
}

describe('faults', () => {
  it('use_dpop_nonce forces a nonce challenge on a good nonce, once', async () => {
    const client = await loggedIn();
    const fault = emu.faults.set({ kind: 'use_dpop_nonce', path: '/refresh', times: 1 });
    expect(fault).toMatchObject({ kind: 'use_dpop_nonce', remaining: 1, hits: 0 });
    const res = await client.refresh();
    expect(res.first?.body.code).toBe('use_dpop_nonce');
    expect(res.status).toBe(200);
    expect(emu.faults.list()).toEqual([]);
    expect((await client.refresh()).first).toBeUndefined();
    expect(
      emu.requests.find((r) => r.code === 'use_dpop_nonce' && r.path === '/v1/session/refresh')?.faults,
    ).toEqual([fault.id]);
  });

  it('drop_expose_headers omits Access-Control-Expose-Headers', async () => {
    emu.faults.set({ kind: 'drop_expose_headers', path: '/login/otp', times: 1 });
    const body = { identifier: { type: 'phone_number', value: PHONE } };
    const headers = { Origin: 'http://localhost:5173' };
    const dropped = await call(emu, 'POST', '/v1/session/login/otp', { body, headers });
    expect(dropped.headers['access-control-expose-headers']).toBeUndefined();
    expect(dropped.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const normal = await call(emu, 'POST', '/v1/session/login/otp/retry', { headers });
    expect(normal.headers['access-control-expose-headers']).toBe(
      'DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date',
    );
  });

  it('delay holds the response', async () => {
    emu.faults.set({ kind: 'delay', ms: 250, path: '/password/compliancy' });
    const started = Date.now();
    expect((await call(emu, 'GET', '/v1/session/password/compliancy')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(emu.requests.at(-1)?.durationMs).toBeGreaterThanOrEqual(240);
  });

  it('delay still does the work when the client gives up meanwhile (a stall, as the SDK sees it)', async () => {
    const client = await loggedIn();
    const staleRefreshToken = client.refreshToken ?? '';
    const proof = await client.key.proof({
      htm: 'POST',
      htu: client.url('/refresh'),
      nonce: client.nonce ?? '',
    });
    emu.faults.set({ kind: 'delay', ms: 300, path: '/refresh', times: 1 });
    const abandoned = call(emu, 'POST', '/v1/session/refresh', {
      headers: { DPoP: proof, 'X-Refresh-Token': staleRefreshToken },
      abortAfterMs: 100,
    });
    await expect(abandoned).rejects.toThrow(/aborted/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(emu.requests.at(-1)).toMatchObject({
      status: 0,
      code: 'client_closed',
      responseBody: { access_token: expect.any(String) },
    });
    // The refresh token was rotated for nobody: the client's copy is now a reused token.
    const retried = await client.refresh();
    expect(retried.first?.body.code).toBe('use_dpop_nonce');
    expect(retried.body.code).toBe('unauthorized');
  });

  it('error answers with the given code and status, only on its path and method', async () => {
    emu.faults.set({ kind: 'error', code: 'rate_limited', path: '/login/otp' });
    emu.faults.set({
      kind: 'error',
      code: 'internal',
      status: 503,
      path: '/password/compliancy',
      method: 'GET',
      message: 'maintenance',
    });
    const limited = await call(emu, 'POST', '/v1/session/login/otp', {
      body: { identifier: { type: 'phone_number', value: PHONE } },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
    const down = await call(emu, 'GET', '/v1/session/password/compliancy');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 'internal', message: 'maintenance' });
    expect((await call(emu, 'GET', '/.well-known/jwks.json')).status).toBe(200);
    // Faults never touch the admin API.
    emu.faults.set({ kind: 'error', code: 'internal' });
    expect((await call(emu, 'GET', '/__emulator/health')).status).toBe(200);
  });

  it('network_drop destroys the socket (recorded with status 0) and the next request works', async () => {
    emu.faults.set({ kind: 'network_drop', path: '/password/compliancy', times: 1 });
    await expect(call(emu, 'GET', '/v1/session/password/compliancy')).rejects.toThrow();
    expect(emu.requests.at(-1)).toMatchObject({ status: 0, code: 'network_drop' });
    expect((await call(emu, 'GET', '/v1/session/password/compliancy')).status).toBe(200);
  });

  it('expire_challenges expires pending challenges when a matching request arrives', async () => {
    const client = await loggedIn();
    const token = (await client.bearer('POST', '/stepup/request', { body: { scope: 'transfer:write' } })).body
      .challenge_token as string;
    await client.send('POST', '/otp', { body: { challenge_token: token } });
    emu.faults.set({ kind: 'expire_challenges', path: '/otp/check', times: 1 });
    const res = await client.challengeCall('/otp/check', token, { code: '123456', challenge_token: token });
    expect(res.body.code).toBe('bad_check_code');
    expect(res.body.message).toMatch(/expired/);
    expect(claimsOf(token).challenge_id).toBeTruthy();
  });

  it('is controllable over HTTP: POST (one or many), GET, DELETE one, DELETE all; rejects bad faults', async () => {
    const one = await call(emu, 'POST', '/__emulator/faults', {
      body: { kind: 'delay', ms: 10, path: '/refresh' },
    });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ kind: 'delay', ms: 10, path: '/refresh' });
    const many = await call(emu, 'POST', '/__emulator/faults', {
      body: [{ kind: 'network_drop', times: 2 }, { kind: 'drop_expose_headers' }],
    });
    expect(many.body).toHaveLength(2);
    expect((await call(emu, 'GET', '/__emulator/faults')).body).toHaveLength(3);
    expect((await call(emu, 'DELETE', `/__emulator/faults/${String(one.body.id)}`)).status).toBe(204);
    expect(emu.faults.list()).toHaveLength(2);
    expect((await call(emu, 'DELETE', '/__emulator/faults')).status).toBe(204);
    expect(emu.faults.list()).toEqual([]);
    for (const bad of [
      { kind: 'explode' },
      { kind: 'delay' },
      { kind: 'error', code: 'nope' },
      { kind: 'use_dpop_nonce', times: 0 },
      'x',
    ]) {
      const res = await call(emu, 'POST', '/__emulator/faults', { body: bad });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('bad_request');
    }
    expect(() => emu.faults.set({ kind: 'delay', ms: -1 })).toThrow(TypeError);
  });

  it('never applies to CORS preflights', async () => {
    emu.faults.set({ kind: 'network_drop' });
    const res = await call(emu, 'OPTIONS', '/v1/session/refresh', {
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBe(204);
  });
});

describe('admin API', () => {
  it('serves the inbox (filterable), the request log (passwords redacted) and health', async () => {
    await loggedIn();
    await call(emu, 'POST', '/v1/session/login/email/password', {
      body: { identifier: 'ada@demo.test', password: 'correct horse battery staple' },
    });
    const inbox = await call(emu, 'GET', `/__emulator/inbox?to=${encodeURIComponent(PHONE)}`);
    expect(inbox.body).toEqual([
      expect.objectContaining({ to: PHONE, channel: 'sms', code: '123456', purpose: 'login' }),
    ]);
    expect((await call(emu, 'GET', '/__emulator/inbox?to=nobody')).body).toEqual([]);
    const log = (await call(emu, 'GET', '/__emulator/requests')).body as {
      path: string;
      body?: { password?: string };
      status: number;
      dpop?: string;
      responseBody?: unknown;
    }[];
    expect(log.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/v1/session/login/otp 204',
      '/v1/session/login/otp/check 400',
      '/v1/session/login/otp/check 200',
      '/v1/session/login/email/password 200',
    ]);
    expect(log[1]?.dpop).toBeTruthy();
    expect(log[2]?.responseBody).toMatchObject({ access_token: expect.any(String) });
    expect(log[3]?.body?.password).toBe('[redacted]');
    expect((await call(emu, 'GET', '/__emulator/requests?limit=1')).body).toHaveLength(1);
    expect((await call(emu, 'GET', '/__emulator/health')).body).toMatchObject({
      ok: true,
      domain: emu.domain,
      apiBase: emu.apiBase,
    });
    // Admin calls are not recorded.
    expect(emu.requests).toHaveLength(4);
  });

  it('resets everything but keeps ada', async () => {
    await loggedIn();
    emu.faults.set({ kind: 'delay', ms: 1 });
    expect((await call(emu, 'POST', '/__emulator/reset')).status).toBe(204);
    expect(emu.inbox).toEqual([]);
    expect(emu.requests).toEqual([]);
    expect(emu.faults.list()).toEqual([]);
    const state = (await call(emu, 'GET', '/__emulator/state')).body;
    expect(state.sessions).toEqual([]);
    expect(state.users).toEqual([
      expect.objectContaining({
        identifiers: [{ type: 'email_address', value: 'ada@demo.test' }],
        has_password: true,
      }),
    ]);
  });

  it('consume: unknown token → unauthorized, missing fields → bad_request', async () => {
    expect(
      (
        await call(emu, 'POST', '/__emulator/grants/consume', {
          body: { access_token: 'x.y.z', scope: 'transfer:write' },
        })
      ).body.code,
    ).toBe('unauthorized');
    expect((await call(emu, 'POST', '/__emulator/grants/consume', { body: {} })).body.code).toBe(
      'bad_request',
    );
  });

  it('serves the certificate and the configuration', async () => {
    const pem = await call(emu, 'GET', '/__emulator/cert.pem');
    expect(pem.text).toBe(emu.certPem);
    expect(
      (await call(emu, 'GET', '/__emulator/config')).body.allowed_scopes.map(
        (s: { scope: string }) => s.scope,
      ),
    ).toEqual([
      'transfer:write',
      'prld:pwd:write',
      'prld:pwd:write',
      'kyc:approve',
      'admin:root',
      'report:read',
    ]);
  });
});
