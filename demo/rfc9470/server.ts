/**
 * A small OAuth 2.0 authorization server and resource server that speak RFC 9470 (Step-Up Authentication
 * Challenge) and RFC 6750 (`insufficient_scope`), for the demo page's generic OAuth card and the inspector's
 * RFC 9470 lane. See docs/emulator.md ("RFC 9470 step-up server").
 *
 * Plain HTTP on 127.0.0.1 (the page calls it as `http://localhost:<port>`, which the extension may observe).
 * One origin plays both roles, under different paths:
 *
 * - authorization server: `POST /as/authorize` (the user "signs in" at the AS: no UI, the page's button),
 *   `POST /as/token` (authorization code with PKCE, refresh token), `GET /as/jwks.json`, metadata (RFC 8414);
 * - resource server: `GET /api/profile` (any token), `POST /api/payments` (acr ∈ {mfa, pwd} and a fresh
 *   authentication: `max_age` 300 s), `GET /api/statements` (scope `statements:read`), metadata (RFC 9728);
 * - admin: `/__rfc9470/…` (reset, the "broken IdP" toggle, the request log).
 *
 * Access tokens are RFC 9068 JWTs (`typ: at+jwt`, ES256) carrying `acr` and `auth_time`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';

/** Authentication context classes the AS knows, strongest first. */
export const ACR = {
  mfa: 'urn:demo:mfa',
  pwd: 'urn:demo:pwd',
  /** A remembered single-sign-on session: what the first sign-in gives (authenticated an hour ago). */
  sso: 'urn:demo:sso',
} as const;

/** What `POST /api/payments` requires (RFC 9470 §3 challenge parameters). */
export const PAYMENT_POLICY = {
  acrValues: [ACR.mfa, ACR.pwd] as readonly string[],
  maxAgeS: 300,
} as const;

/** The scope `GET /api/statements` requires (RFC 6750 `insufficient_scope`). */
export const STATEMENTS_SCOPE = 'statements:read';
/** The demo page's client id. */
export const DEMO_CLIENT_ID = 'northwind-web';
/** How long ago the remembered SSO session authenticated the user. */
export const SSO_AGE_S = 3600;
export const ACCESS_TOKEN_TTL_S = 600;

/** Options of {@link startRfc9470Server}. */
export interface Rfc9470Options {
  port?: number;
  host?: string;
  /** Epoch-ms clock, for tests. */
  now?: () => number;
  quiet?: boolean;
}

/** One request the server answered (preflights included, admin excluded). */
export interface Rfc9470RecordedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  /** The `error` of the answer (`insufficient_user_authentication`, `invalid_grant`…). */
  error?: string;
  wwwAuthenticate?: string;
  /** Claims of the access token presented, when it verified. */
  token?: { acr?: string; auth_time?: number; scope?: string; jti?: string };
}

/** Claims of an access token (RFC 9068, plus `acr`/`auth_time`/`amr` from OIDC). */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  acr: string;
  auth_time: number;
  amr: string[];
  iat: number;
  exp: number;
  jti: string;
}

/** A running server. */
export interface Rfc9470Handle {
  /** `http://localhost:<port>`: the origin the page uses (the extension may observe localhost). */
  url: string;
  port: number;
  requests: Rfc9470RecordedRequest[];
  /** When true the AS ignores `acr_values` and `max_age` and re-issues the SSO context: a challenge loop. */
  brokenIdp: boolean;
  /** Mints an access token directly (tests). */
  mintAccessToken(input: { acr: string; authTime: number; scope?: string; sub?: string }): Promise<string>;
  reset(): void;
  close(): Promise<void>;
}

interface PendingCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  acr: string;
  authTime: number;
  amr: string[];
  expiresAt: number;
}

interface RefreshRecord {
  scope: string;
  acr: string;
  authTime: number;
  amr: string[];
  sub: string;
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly wwwAuthenticate?: string,
  ) {
    super(description);
  }
}

const DEMO_SUB = 'user-7f3a';
const AMR: Record<string, string[]> = {
  [ACR.mfa]: ['pwd', 'otp', 'mfa'],
  [ACR.pwd]: ['pwd'],
  [ACR.sso]: ['sso'],
};
const BASE_SCOPE = 'openid profile payments';
const EXPOSE = 'WWW-Authenticate';

/** Quotes a value for an auth-param (RFC 9110 §5.6.4). */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A `WWW-Authenticate: Bearer …` value from auth-params, in the given order. */
export function bearerChallenge(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${quoted(v)}`);
  return parts.length > 0 ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new OAuthError(413, 'invalid_request', 'Body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON or form body into string fields. */
function fields(raw: string, contentType: string | undefined): Record<string, string> {
  if (raw.trim() === '') return {};
  if (contentType?.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new OAuthError(400, 'invalid_request', 'Body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new OAuthError(400, 'invalid_request', 'Body must be a JSON object');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    }
    return out;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

const b64url = (buffer: Buffer): string => buffer.toString('base64url');

/** Starts the server. */
export async function startRfc9470Server(options: Rfc9470Options = {}): Promise<Rfc9470Handle> {
  const now = options.now ?? Date.now;
  const nowS = (): number => Math.floor(now() / 1000);
  const say = (line: string): void => {
    if (!options.quiet) console.log(line);
  };
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = await exportJWK(publicKey);
  const publicJwk: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
  const requests: Rfc9470RecordedRequest[] = [];
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, RefreshRecord>();
  let issuer = '';

  const handle: Rfc9470Handle = {
    url: '',
    port: 0,
    requests,
    brokenIdp: false,
    mintAccessToken: (input) =>
      sign({
        sub: input.sub ?? DEMO_SUB,
        scope: input.scope ?? BASE_SCOPE,
        acr: input.acr,
        authTime: input.authTime,
        amr: AMR[input.acr] ?? [],
      }),
    reset() {
      requests.length = 0;
      codes.clear();
      refreshTokens.clear();
      handle.brokenIdp = false;
    },
    close: () => Promise.resolve(),
  };

  function sign(input: {
    sub: string;
    scope: string;
    acr: string;
    authTime: number;
    amr: string[];
  }): Promise<string> {
    const iat = nowS();
    const claims: AccessTokenClaims = {
      iss: issuer,
      sub: input.sub,
      aud: `${issuer}/api`,
      client_id: DEMO_CLIENT_ID,
      scope: input.scope,
      acr: input.acr,
      auth_time: input.authTime,
      amr: input.amr,
      iat,
      exp: iat + ACCESS_TOKEN_TTL_S,
      jti: randomUUID(),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: publicJwk.kid ?? '' })
      .sign(privateKey);
  }

  /** The access token of a resource request; throws the RFC 6750 challenge when it is missing or bad. */
  async function bearer(req: IncomingMessage, entry: Rfc9470RecordedRequest): Promise<AccessTokenClaims> {
    const authorization = req.headers.authorization;
    const realm = 'northwind-api';
    if (!authorization)
      throw new OAuthError(401, 'invalid_request', 'No access token', bearerChallenge({ realm }));
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1])
      throw new OAuthError(
        401,
        'invalid_request',
        'Malformed Authorization header',
        bearerChallenge({ realm, error: 'invalid_request' }),
      );
    try {
      const { payload } = await jwtVerify(match[1], publicKey, {
        issuer,
        audience: `${issuer}/api`,
        typ: 'at+jwt',
        algorithms: ['ES256'],
        currentDate: new Date(now()),
      });
      const claims = payload as AccessTokenClaims;
      entry.token = { acr: claims.acr, auth_time: claims.auth_time, scope: claims.scope, jti: claims.jti };
      return claims;
    } catch (error) {
      const description =
        error instanceof errors.JWTExpired ? 'The access token expired' : 'The access token is invalid';
      throw new OAuthError(
        401,
        'invalid_token',
        description,
        bearerChallenge({ realm, error: 'invalid_token', error_description: description }),
      );
    }
  }

  /** RFC 9470 §3: acr ∈ acr_values and now − auth_time ≤ max_age, else the step-up challenge. */
  function requireAuthentication(claims: AccessTokenClaims): void {
    const acrOk = PAYMENT_POLICY.acrValues.includes(claims.acr);
    const age = nowS() - claims.auth_time;
    const fresh = Number.isFinite(age) && age <= PAYMENT_POLICY.maxAgeS;
    if (acrOk && fresh) return;
    const description = !acrOk
      ? `A stronger authentication is required (got ${claims.acr})`
      : `The authentication is too old (${age} s > max_age ${PAYMENT_POLICY.maxAgeS} s)`;
    throw new OAuthError(
      401,
      'insufficient_user_authentication',
      description,
      bearerChallenge({
        error: 'insufficient_user_authentication',
        error_description: description,
        acr_values: PAYMENT_POLICY.acrValues.join(' '),
        max_age: String(PAYMENT_POLICY.maxAgeS),
      }),
    );
  }

  function requireScope(claims: AccessTokenClaims, scope: string): void {
    if (claims.scope.split(' ').includes(scope)) return;
    const description = `The ${scope} scope is required`;
    throw new OAuthError(
      403,
      'insufficient_scope',
      description,
      bearerChallenge({ error: 'insufficient_scope', error_description: description, scope }),
    );
  }

  /** `POST /as/authorize`: the user completes authentication at the AS (no UI: the page's button). */
  function authorize(body: Record<string, string>): { code: string; state?: string } {
    const clientId = body['client_id'];
    if (clientId !== DEMO_CLIENT_ID) throw new OAuthError(400, 'invalid_client', 'Unknown client_id');
    const codeChallenge = body['code_challenge'];
    if (!codeChallenge || body['code_challenge_method'] !== 'S256')
      throw new OAuthError(400, 'invalid_request', 'PKCE with code_challenge_method S256 is required');
    const requestedAcr = (body['acr_values'] ?? '').split(' ').filter((v) => v !== '');
    const maxAge = body['max_age'] === undefined ? undefined : Number(body['max_age']);
    if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0))
      throw new OAuthError(400, 'invalid_request', 'max_age must be a non-negative integer');
    const scope = [...new Set([...BASE_SCOPE.split(' '), ...(body['scope'] ?? '').split(' ')])]
      .filter((s) => s !== '')
      .join(' ');
    let acr: string = ACR.sso;
    let authTime = nowS() - SSO_AGE_S;
    if (!handle.brokenIdp) {
      // Honour acr_values (first one the AS supports) and max_age / prompt=login (authenticate now).
      const supported = requestedAcr.find((v) => Object.values(ACR).includes(v as never));
      if (supported) acr = supported;
      if (supported || maxAge !== undefined || body['prompt'] === 'login') authTime = nowS();
    }
    const code = b64url(randomBytes(24));
    codes.set(code, {
      code,
      clientId,
      redirectUri: body['redirect_uri'] ?? '',
      codeChallenge,
      scope,
      acr,
      authTime,
      amr: AMR[acr] ?? [],
      expiresAt: now() + 60_000,
    });
    say(`  · AS: authenticated with ${acr}${handle.brokenIdp ? ' (broken IdP: acr_values ignored)' : ''}`);
    return body['state'] === undefined ? { code } : { code, state: body['state'] };
  }

  async function token(body: Record<string, string>): Promise<Record<string, unknown>> {
    const grantType = body['grant_type'];
    if (grantType === 'authorization_code') {
      const pending = codes.get(body['code'] ?? '');
      if (!pending || pending.expiresAt <= now())
        throw new OAuthError(400, 'invalid_grant', 'Unknown or expired authorization code');
      codes.delete(pending.code);
      if (body['client_id'] !== pending.clientId)
        throw new OAuthError(400, 'invalid_grant', 'client_id does not match the code');
      if ((body['redirect_uri'] ?? '') !== pending.redirectUri)
        throw new OAuthError(400, 'invalid_grant', 'redirect_uri does not match the code');
      const verifier = body['code_verifier'] ?? '';
      if (b64url(createHash('sha256').update(verifier).digest()) !== pending.codeChallenge)
        throw new OAuthError(400, 'invalid_grant', 'PKCE verification failed');
      const record: RefreshRecord = {
        scope: pending.scope,
        acr: pending.acr,
        authTime: pending.authTime,
        amr: pending.amr,
        sub: DEMO_SUB,
      };
      const refresh = b64url(randomBytes(32));
      refreshTokens.set(refresh, record);
      return {
        access_token: await sign(record),
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_TTL_S,
        scope: record.scope,
        refresh_token: refresh,
      };
    }
    if (grantType === 'refresh_token') {
      const record = refreshTokens.get(body['refresh_token'] ?? '');
      if (!record) throw new OAuthError(400, 'invalid_grant', 'Unknown refresh token');
      // RFC 9470 §6.1: acr and auth_time describe the original authentication and do not change on refresh.
      return {
        access_token: await sign(record),
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_TTL_S,
        scope: record.scope,
      };
    }
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      `grant_type ${grantType ?? '(none)'} is not supported`,
    );
  }

  async function route(
    req: IncomingMessage,
    method: string,
    url: URL,
    raw: string,
    entry: Rfc9470RecordedRequest,
  ): Promise<{ status?: number; body?: unknown }> {
    const path = url.pathname;
    const body = (): Record<string, string> => fields(raw, req.headers['content-type']);
    if (method === 'GET' && path === '/.well-known/oauth-authorization-server')
      return {
        body: {
          issuer,
          authorization_endpoint: `${issuer}/as/authorize`,
          token_endpoint: `${issuer}/as/token`,
          jwks_uri: `${issuer}/as/jwks.json`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          code_challenge_methods_supported: ['S256'],
          acr_values_supported: Object.values(ACR),
          scopes_supported: [...BASE_SCOPE.split(' '), STATEMENTS_SCOPE],
        },
      };
    if (method === 'GET' && path === '/.well-known/oauth-protected-resource')
      return {
        body: {
          resource: `${issuer}/api`,
          authorization_servers: [issuer],
          bearer_methods_supported: ['header'],
          scopes_supported: ['payments', STATEMENTS_SCOPE],
        },
      };
    if (method === 'GET' && path === '/as/jwks.json') return { body: { keys: [publicJwk] } };
    if (method === 'POST' && path === '/as/authorize') return { body: authorize(body()) };
    if (method === 'POST' && path === '/as/token') return { body: await token(body()) };
    if (method === 'GET' && path === '/api/profile') {
      const claims = await bearer(req, entry);
      return { body: { sub: claims.sub, acr: claims.acr, auth_time: claims.auth_time, scope: claims.scope } };
    }
    if (method === 'POST' && path === '/api/payments') {
      const claims = await bearer(req, entry);
      requireAuthentication(claims);
      const fieldsIn = body();
      return {
        status: 201,
        body: {
          payment_id: `pay_${randomUUID().slice(0, 8)}`,
          amount: Number(fieldsIn['amount'] ?? '0') || 0,
          acr: claims.acr,
          auth_time: claims.auth_time,
        },
      };
    }
    if (method === 'GET' && path === '/api/statements') {
      const claims = await bearer(req, entry);
      requireScope(claims, STATEMENTS_SCOPE);
      return { body: { statements: [{ month: '2026-10', url: `${issuer}/api/statements/2026-10.pdf` }] } };
    }
    throw new OAuthError(404, 'not_found', `No route for ${method} ${path}`);
  }

  function admin(method: string, url: URL, raw: string): { status?: number; body?: unknown } {
    const path = url.pathname.slice('/__rfc9470'.length);
    if (method === 'GET' && path === '/health') return { body: { ok: true, url: handle.url } };
    if (method === 'GET' && path === '/requests') return { body: requests };
    if (method === 'POST' && path === '/reset') {
      handle.reset();
      return {};
    }
    if (path === '/idp' && method === 'GET') return { body: { broken: handle.brokenIdp } };
    if (path === '/idp' && method === 'POST') {
      const broken = fields(raw, 'application/json')['broken'];
      handle.brokenIdp = broken === 'true';
      say(`  · AS: broken IdP ${handle.brokenIdp ? 'on' : 'off'}`);
      return { body: { broken: handle.brokenIdp } };
    }
    throw new OAuthError(404, 'not_found', `No admin route ${method} ${url.pathname}`);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const isAdmin = url.pathname.startsWith('/__rfc9470/');
    const origin = req.headers.origin;
    const cors: Record<string, string> = { Vary: 'Origin' };
    if (typeof origin === 'string') {
      cors['Access-Control-Allow-Origin'] = origin;
      cors['Access-Control-Allow-Credentials'] = 'true';
      cors['Access-Control-Expose-Headers'] = EXPOSE;
    }
    const entry: Rfc9470RecordedRequest = { at: now(), method, path: url.pathname + url.search, status: 0 };
    const finish = (): void => {
      if (isAdmin) return;
      requests.push(entry);
      if (requests.length > 5000) requests.splice(0, requests.length - 5000);
      say(
        `${new Date(entry.at).toISOString().slice(11, 19)} ${method} ${entry.path} → ${entry.status}${entry.error ? ` ${entry.error}` : ''}`,
      );
    };
    if (method === 'OPTIONS') {
      req.resume();
      const requested = req.headers['access-control-request-headers'];
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers':
          typeof requested === 'string' && requested !== '' ? requested : 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      entry.status = 204;
      finish();
      return;
    }
    let status: number;
    let body: unknown;
    const headers: Record<string, string> = { ...cors, 'Cache-Control': 'no-store' };
    try {
      const raw = await readBody(req);
      const result = isAdmin ? admin(method, url, raw) : await route(req, method, url, raw, entry);
      status = result.status ?? (result.body === undefined ? 204 : 200);
      body = result.body;
    } catch (error) {
      const oauth =
        error instanceof OAuthError
          ? error
          : (say(`  ! RFC 9470 server bug: ${(error as Error).stack ?? String(error)}`),
            new OAuthError(500, 'server_error', 'Unexpected error'));
      status = oauth.status;
      body = { error: oauth.error, error_description: oauth.message };
      entry.error = oauth.error;
      if (oauth.wwwAuthenticate) {
        headers['WWW-Authenticate'] = oauth.wwwAuthenticate;
        entry.wwwAuthenticate = oauth.wwwAuthenticate;
      }
    }
    let payload: string | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json; charset=utf-8';
      payload = JSON.stringify(body);
    }
    res.writeHead(status, headers);
    res.end(payload);
    entry.status = status;
    finish();
  }

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      say(`  ! RFC 9470 server bug: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  handle.port = port;
  handle.url = `http://localhost:${port}`;
  issuer = handle.url;
  handle.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return handle;
}
