import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCertificate } from '../../demo/emulator/cert.ts';
import { startEmulator, type EmulatorHandle } from '../../demo/emulator/server.ts';
import { SdkLikeClient, call } from './client.ts';

const ORIGIN = 'http://localhost:5173';
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, quiet: true, fixedOtp: '123456' });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

function expectErrorBody(body: unknown, code: string): void {
  expect(body).toMatchObject({
    code,
    message: expect.any(String),
    type: expect.any(String),
    request_id: expect.any(String),
  });
}

describe('CORS', () => {
  it('answers preflights by reflecting origin, method and headers (and records them)', async () => {
    const res = await call(emu, 'OPTIONS', '/v1/session/refresh', {
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'accept,content-type,dpop,x-refresh-token,x-sdk-user-agent',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['access-control-allow-headers']).toBe(
      'accept,content-type,dpop,x-refresh-token,x-sdk-user-agent',
    );
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers.vary).toContain('Origin');
    expect(res.headers['content-length']).toBeUndefined();
    expect(emu.requests.at(-1)).toMatchObject({
      method: 'OPTIONS',
      path: '/v1/session/refresh',
      status: 204,
      origin: ORIGIN,
    });
  });

  it('answers Private Network Access preflights', async () => {
    const res = await call(emu, 'OPTIONS', '/v1/session/refresh', {
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Private-Network': 'true',
      },
    });
    expect(res.headers['access-control-allow-private-network']).toBe('true');
  });

  it('exposes the headers the SDK reads, on success and on error, with a Date from the emulator clock', async () => {
    const fixed = Date.UTC(2030, 0, 2, 3, 4, 5);
    const clocked = await startEmulator({ port: 0, quiet: true, now: () => fixed });
    try {
      for (const path of ['/v1/session/password/compliancy', '/v1/session/me/list']) {
        const res = await call(clocked, 'GET', path, { headers: { Origin: ORIGIN } });
        expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
        expect(res.headers['access-control-allow-credentials']).toBe('true');
        expect(res.headers['access-control-expose-headers']).toBe(
          'DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date',
        );
        expect(res.headers.vary).toBe('Origin');
        expect(res.headers.date).toBe(new Date(fixed).toUTCString());
      }
    } finally {
      await clocked.close();
    }
  });

  it('sends no Access-Control-Allow-Origin without an Origin', async () => {
    const res = await call(emu, 'GET', '/v1/session/password/compliancy');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.date).toBeTruthy();
  });

  it('sets cross-site cookies: SameSite=None; Secure; HttpOnly', async () => {
    const client = await SdkLikeClient.create(emu);
    const res = await client.send('POST', '/login/otp', {
      body: { identifier: { type: 'phone_number', value: '+14155550100' } },
    });
    expect(String(res.headers['set-cookie'])).toMatch(
      /^__verification-login_demo=vrf_[^;]+; Path=\/v1\/session; Max-Age=600; HttpOnly; Secure; SameSite=None$/,
    );
  });
});

describe('malformed input', () => {
  it('invalid JSON, non-object bodies, wrong types → bad_request', async () => {
    const invalid = await call(emu, 'POST', '/v1/session/login/otp', { raw: '{"identifier":' });
    expect(invalid.status).toBe(400);
    expectErrorBody(invalid.body, 'bad_request');
    expectErrorBody((await call(emu, 'POST', '/v1/session/login/otp', { body: [1, 2] })).body, 'bad_request');
    expectErrorBody((await call(emu, 'POST', '/v1/session/login/otp', { body: 'text' })).body, 'bad_request');
    expectErrorBody(
      (await call(emu, 'POST', '/v1/session/login/email/password', { body: { identifier: 5, password: 1 } }))
        .body,
      'bad_request',
    );
  });

  it('bodies over 1 MB → 413 bad_request', async () => {
    const res = await call(emu, 'POST', '/v1/session/login/otp', { raw: `{"x":"${'a'.repeat(1_100_000)}"}` });
    expect(res.status).toBe(413);
    expectErrorBody(res.body, 'bad_request');
  });

  it('unknown paths → 404 not_found; wrong method → 405', async () => {
    const unknown = await call(emu, 'GET', '/v1/session/nope');
    expect(unknown.status).toBe(404);
    expectErrorBody(unknown.body, 'not_found');
    expectErrorBody((await call(emu, 'GET', '/__emulator/nope')).body, 'not_found');
    const wrongMethod = await call(emu, 'GET', '/v1/session/refresh');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expectErrorBody(wrongMethod.body, 'not_found');
  });

  it('never answers 500 to arbitrary bodies on any endpoint', async () => {
    const client = await SdkLikeClient.create(emu);
    await client.loginWithOtp('+14155550100');
    const endpoints = [
      '/login/otp',
      '/login/otp/check',
      '/login/otp/retry',
      '/login/email/password',
      '/login/email/sign-up',
      '/login/finalize',
      '/login/oauth/google/authorize',
      '/refresh',
      '/revoke',
      '/me/revoke?target=session',
      '/me/password/reset',
      '/stepup/request',
      '/otp',
      '/otp/check',
      '/otp/retry',
      '/stepup/continue',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints),
        fc.jsonValue(),
        fc.boolean(),
        async (endpoint, body, withAuth) => {
          const headers: Record<string, string> = withAuth
            ? { Authorization: `Bearer ${client.accessToken ?? ''}` }
            : {};
          const res = await call(emu, 'POST', `/v1/session${endpoint}`, { body, headers });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400)
            expect(res.body).toMatchObject({
              code: expect.any(String),
              message: expect.any(String),
              type: expect.any(String),
            });
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('certificate', () => {
  it('the built-in generator makes a valid self-signed certificate for the domain and 127.0.0.1', async () => {
    const cert = await generateCertificate('demo.session.prelude.dev', { prefer: 'builtin' });
    const x509 = new X509Certificate(cert.certPem);
    expect(x509.checkHost('demo.session.prelude.dev')).toBe('demo.session.prelude.dev');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(cert.source).toBe('builtin');
    expect(cert.spkiHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('the emulator serves TLS with either certificate source', async () => {
    expect(new X509Certificate(emu.certPem).checkHost(emu.domain)).toBe(emu.domain);
    const builtin = await startEmulator({ port: 0, quiet: true, certificate: 'builtin' });
    try {
      expect((await call(builtin, 'GET', '/__emulator/health')).body).toMatchObject({
        ok: true,
        certificate: 'builtin',
      });
    } finally {
      await builtin.close();
    }
  });

  it('refuses a domain that is not a host name', async () => {
    await expect(generateCertificate('bad domain/x')).rejects.toThrow(/not a host name/);
  });
});
