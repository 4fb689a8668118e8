/**
 * A minimal OAuth client for the RFC 9470 demo API (demo/rfc9470): authorization code + PKCE against its
 * authorization server, Bearer calls to its resource server, and parsing of `WWW-Authenticate` challenges.
 */
import { createStore } from './store.ts';

export const OAUTH_CLIENT_ID = 'northwind-web';

/** The demo API's origin, from the demo server's `/demo-config.json`. */
let configured: Promise<string> | undefined;
export function rfc9470Base(): Promise<string> {
  configured ??= fetch('/demo-config.json', { cache: 'no-store' })
    .then((r) => (r.ok ? (r.json() as Promise<{ rfc9470Url?: unknown }>) : {}))
    .then((c) => {
      const url = (c as { rfc9470Url?: unknown }).rfc9470Url;
      if (typeof url !== 'string' || url === '') throw new Error('The RFC 9470 demo API is not running');
      return url;
    });
  configured.catch(() => (configured = undefined));
  return configured;
}

/** A `WWW-Authenticate` challenge: scheme and auth-params (RFC 9110 §11.6.1). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses the first challenge of a `WWW-Authenticate` value (quoted strings and tokens). */
export function parseWwwAuthenticate(value: string): Challenge | null {
  const match = /^\s*([A-Za-z][\w.-]*)\s*(.*)$/s.exec(value);
  if (!match?.[1]) return null;
  const params: Record<string, string> = {};
  for (const m of (match[2] ?? '').matchAll(/([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g)) {
    if (m[1]) params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme: match[1], params };
}

/** The decoded claims the card shows. */
export interface AccessTokenView {
  token: string;
  acr: string;
  authTime: number;
  scope: string;
  jti: string;
}

/** The card's OAuth session. */
export const oauthSession = createStore<{ accessToken: AccessTokenView | null }>({ accessToken: null });

function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  return JSON.parse(json) as Record<string, unknown>;
}

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** What to ask the authorization server for. */
export interface AuthorizeRequest {
  acrValues?: string;
  maxAge?: string;
  scope?: string;
}

/**
 * Authenticates at the authorization server (its `POST /as/authorize` stands for the login page: no UI here)
 * and redeems the code at `/as/token` with PKCE. Returns the new access token.
 */
export async function authorize(request: AuthorizeRequest = {}): Promise<AccessTokenView> {
  const base = await rfc9470Base();
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const state = b64url(crypto.getRandomValues(new Uint8Array(12)));
  const redirectUri = `${window.location.origin}/oauth/callback`;
  const authorizeBody: Record<string, string> = {
    response_type: 'code',
    client_id: OAUTH_CLIENT_ID,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  if (request.scope) authorizeBody['scope'] = request.scope;
  if (request.acrValues) authorizeBody['acr_values'] = request.acrValues;
  if (request.maxAge) authorizeBody['max_age'] = request.maxAge;
  const authz = await fetch(`${base}/as/authorize`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(authorizeBody),
  });
  const authzBody = (await authz.json()) as { code?: string; state?: string; error_description?: string };
  if (!authz.ok || !authzBody.code)
    throw new Error(authzBody.error_description ?? `authorize: HTTP ${authz.status}`);
  if (authzBody.state !== state) throw new Error('authorize: state mismatch');
  const token = await fetch(`${base}/as/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: authzBody.code,
      redirect_uri: redirectUri,
      client_id: OAUTH_CLIENT_ID,
      code_verifier: verifier,
    }),
  });
  const tokenBody = (await token.json()) as { access_token?: string; error_description?: string };
  if (!token.ok || !tokenBody.access_token)
    throw new Error(tokenBody.error_description ?? `token: HTTP ${token.status}`);
  const claims = decodeClaims(tokenBody.access_token);
  const view: AccessTokenView = {
    token: tokenBody.access_token,
    acr: String(claims['acr'] ?? ''),
    authTime: Number(claims['auth_time'] ?? 0),
    scope: String(claims['scope'] ?? ''),
    jti: String(claims['jti'] ?? ''),
  };
  oauthSession.set({ accessToken: view });
  return view;
}

/** The outcome of one resource-server call. */
export interface ApiResult {
  status: number;
  body: Record<string, unknown>;
  /** The parsed `WWW-Authenticate` challenge of a 401/403. */
  challenge: Challenge | null;
}

/** Calls the resource server with the current access token (if any). */
export async function callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResult> {
  const base = await rfc9470Base();
  const headers: Record<string, string> = {};
  const token = oauthSession.get().accessToken?.token;
  if (token) headers['Authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${base}${path}`, init);
  let parsed: Record<string, unknown>;
  try {
    parsed = (await response.json()) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  const www = response.headers.get('WWW-Authenticate');
  return { status: response.status, body: parsed, challenge: www ? parseWwwAuthenticate(www) : null };
}

/** Turns the broken-IdP switch of the demo authorization server on or off. */
export async function setBrokenIdp(broken: boolean): Promise<void> {
  const base = await rfc9470Base();
  await fetch(`${base}/__rfc9470/idp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ broken }),
  });
}
