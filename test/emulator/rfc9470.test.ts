/**
 * The RFC 9470 demo server (demo/rfc9470): the authorization server (code + PKCE, refresh keeping acr and
 * auth_time), the resource server's challenges (RFC 9470 `insufficient_user_authentication` until acr and
 * max_age are satisfied, RFC 6750 `insufficient_scope`, `invalid_token`), the broken IdP that makes a client
 * loop, CORS and the admin API.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACR,
  DEMO_CLIENT_ID,
  PAYMENT_POLICY,
  SSO_AGE_S,
  STATEMENTS_SCOPE,
  bearerChallenge,
  startRfc9470Server,
  type Rfc9470Handle,
} from '../../demo/rfc9470/server.ts';

let server: Rfc9470Handle;
let clock = Date.now();
/** 127.0.0.1 rather than `localhost`: Node may try ::1 first, where the server does not listen. */
let base = '';

interface Res {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(
  method: string,
  path: string,
  options: {
    token?: string;
    json?: unknown;
    form?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const b64url = (b: Buffer): string => b.toString('base64url');

/** Authorization code + PKCE, as the demo page does it. */
async function authorize(params: Record<string, string> = {}): Promise<{ access: string; refresh: string }> {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const authz = await call('POST', '/as/authorize', {
    json: {
      client_id: DEMO_CLIENT_ID,
      redirect_uri: 'http://localhost:5180/oauth/callback',
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    },
  });
  expect(authz.status).toBe(200);
  expect(authz.body.state).toBe('s1');
  const token = await call('POST', '/as/token', {
    form: {
      grant_type: 'authorization_code',
      code: authz.body.code,
      redirect_uri: 'http://localhost:5180/oauth/callback',
      client_id: DEMO_CLIENT_ID,
      code_verifier: verifier,
    },
  });
  expect(token.status).toBe(200);
  return { access: token.body.access_token, refresh: token.body.refresh_token };
}

const STEP_UP = bearerChallenge({
  error: 'insufficient_user_authentication',
  error_description: 'A stronger authentication is required (got urn:demo:sso)',
  acr_values: 'urn:demo:mfa urn:demo:pwd',
  max_age: '300',
});

beforeAll(async () => {
  server = await startRfc9470Server({ quiet: true, now: () => clock });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  clock = Date.now();
  server.reset();
});

describe('RFC 9470 demo server: authorization server', () => {
  it('publishes RFC 8414 and RFC 9728 metadata and its JWKS', async () => {
    const as = await call('GET', '/.well-known/oauth-authorization-server');
    expect(as.body).toMatchObject({
      issuer: server.url,
      token_endpoint: `${server.url}/as/token`,
      acr_values_supported: [ACR.mfa, ACR.pwd, ACR.sso],
    });
    const rs = await call('GET', '/.well-known/oauth-protected-resource');
    expect(rs.body.authorization_servers).toEqual([server.url]);
    expect((await call('GET', '/as/jwks.json')).body.keys[0]).toMatchObject({ alg: 'ES256', crv: 'P-256' });
  });

  it('signs in through the remembered SSO session: acr urn:demo:sso, authenticated an hour ago', async () => {
    const { access } = await authorize();
    expect(decodeProtectedHeader(access)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const claims = decodeJwt(access);
    expect(claims).toMatchObject({ acr: ACR.sso, client_id: DEMO_CLIENT_ID, iss: server.url, amr: ['sso'] });
    expect(claims.auth_time).toBe(Math.floor(clock / 1000) - SSO_AGE_S);
  });

  it('honours acr_values (first supported one) and authenticates now', async () => {
    const claims = decodeJwt(
      (await authorize({ acr_values: 'urn:other urn:demo:pwd', max_age: '300' })).access,
    );
    expect(claims).toMatchObject({ acr: ACR.pwd, auth_time: Math.floor(clock / 1000), amr: ['pwd'] });
  });

  it('refresh keeps acr and auth_time (RFC 9470 §6.1)', async () => {
    const { access, refresh } = await authorize({ acr_values: ACR.mfa });
    clock += 60_000;
    const res = await call('POST', '/as/token', {
      form: { grant_type: 'refresh_token', refresh_token: refresh },
    });
    const before = decodeJwt(access);
    const after = decodeJwt(res.body.access_token);
    expect(after.acr).toBe(before.acr);
    expect(after.auth_time).toBe(before.auth_time);
    expect(after.iat).toBe((before.iat ?? 0) + 60);
  });

  it('refuses a bad PKCE verifier, a reused code and unknown grants', async () => {
    const challenge = b64url(createHash('sha256').update('right').digest());
    const authz = await call('POST', '/as/authorize', {
      json: { client_id: DEMO_CLIENT_ID, code_challenge: challenge, code_challenge_method: 'S256' },
    });
    const exchange = (verifier: string) =>
      call('POST', '/as/token', {
        form: {
          grant_type: 'authorization_code',
          code: authz.body.code,
          client_id: DEMO_CLIENT_ID,
          code_verifier: verifier,
        },
      });
    expect((await exchange('wrong')).body).toEqual({
      error: 'invalid_grant',
      error_description: 'PKCE verification failed',
    });
    expect((await exchange('right')).body.error).toBe('invalid_grant'); // the code was spent by the first try
    expect((await call('POST', '/as/token', { form: { grant_type: 'password' } })).body.error).toBe(
      'unsupported_grant_type',
    );
    const noPkce = await call('POST', '/as/authorize', { json: { client_id: DEMO_CLIENT_ID } });
    expect(noPkce.body.error).toBe('invalid_request');
    expect((await call('POST', '/as/authorize', { json: { client_id: 'evil' } })).body.error).toBe(
      'invalid_client',
    );
  });
});

describe('RFC 9470 demo server: resource server challenges', () => {
  it('RFC 6750: no token → Bearer realm; a bad token → invalid_token', async () => {
    const none = await call('GET', '/api/profile');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="northwind-api"');
    const bad = await call('GET', '/api/profile', { token: 'e30.e30.sig' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers insufficient_user_authentication until acr and max_age are satisfied', async () => {
    const sso = (await authorize()).access;
    const refused = await call('POST', '/api/payments', { token: sso, json: { amount: 10 } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(STEP_UP);
    expect(refused.body).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A stronger authentication is required (got urn:demo:sso)',
    });
    const mfa = (
      await authorize({
        acr_values: PAYMENT_POLICY.acrValues.join(' '),
        max_age: String(PAYMENT_POLICY.maxAgeS),
      })
    ).access;
    const ok = await call('POST', '/api/payments', { token: mfa, json: { amount: 10 } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ amount: 10, acr: ACR.mfa });
    expect(server.requests.at(-1)?.token?.acr).toBe(ACR.mfa);
  });

  it('a strong but old authentication fails max_age', async () => {
    const old = await server.mintAccessToken({ acr: ACR.pwd, authTime: Math.floor(clock / 1000) - 301 });
    const res = await call('POST', '/api/payments', { token: old });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      'error_description="The authentication is too old (301 s > max_age 300 s)"',
    );
    const fresh = await server.mintAccessToken({ acr: ACR.pwd, authTime: Math.floor(clock / 1000) - 300 });
    expect((await call('POST', '/api/payments', { token: fresh })).status).toBe(201);
  });

  it('RFC 6750 insufficient_scope (403) until the scope is authorized', async () => {
    const { access } = await authorize();
    const refused = await call('GET', '/api/statements', { token: access });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="The ${STATEMENTS_SCOPE} scope is required", scope="${STATEMENTS_SCOPE}"`,
    );
    const scoped = (await authorize({ scope: STATEMENTS_SCOPE })).access;
    expect((await call('GET', '/api/statements', { token: scoped })).status).toBe(200);
  });

  it('an expired token is invalid_token, not a step-up', async () => {
    const { access } = await authorize({ acr_values: ACR.mfa });
    clock += 601_000;
    const res = await call('POST', '/api/payments', { token: access });
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('RFC 9470 demo server: the broken IdP loop', () => {
  it('with the IdP broken, re-authenticating with acr_values gets the same challenge again', async () => {
    expect((await call('POST', '/__rfc9470/idp', { json: { broken: true } })).body).toEqual({ broken: true });
    let token = (await authorize()).access;
    const seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await call('POST', '/api/payments', { token });
      expect(res.status).toBe(401);
      seen.push(res.headers.get('www-authenticate') ?? '');
      token = (await authorize({ acr_values: 'urn:demo:mfa urn:demo:pwd', max_age: '300' })).access;
      expect(decodeJwt(token).acr).toBe(ACR.sso);
    }
    expect(new Set(seen)).toEqual(new Set([STEP_UP]));
    await call('POST', '/__rfc9470/idp', { json: { broken: false } });
    token = (await authorize({ acr_values: 'urn:demo:mfa urn:demo:pwd', max_age: '300' })).access;
    expect((await call('POST', '/api/payments', { token })).status).toBe(201);
  });
});

describe('RFC 9470 demo server: plumbing', () => {
  it('CORS: reflects the origin, exposes WWW-Authenticate, answers preflights', async () => {
    const origin = 'http://localhost:5180';
    const pre = await call('OPTIONS', '/api/payments', {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    const res = await call('POST', '/api/payments', { headers: { Origin: origin } });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
  });

  it('records API calls (not admin ones) and resets', async () => {
    await call('GET', '/api/profile');
    await call('GET', '/__rfc9470/health');
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /api/profile 401']);
    expect((await call('GET', '/__rfc9470/requests')).body).toHaveLength(1);
    await call('POST', '/__rfc9470/reset');
    expect(server.requests).toHaveLength(0);
    expect((await call('GET', '/nope')).status).toBe(404);
  });
});
