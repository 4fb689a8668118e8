/**
 * The session: `/refresh` (refresh-token rotation, step-up redemption), `/revoke`, `/me/list`, `/me/revoke`,
 * `/me/password/reset` (consumes `prld:pwd:write`), and the JWKS.
 */
import type { Engine } from './context.ts';
import { ApiError } from './errors.ts';
import { cookie, header, objectBody, type EmulatorRequest, type HandlerResult } from './http.ts';
import { checkPassword } from './identifiers.ts';
import type { Route } from './router.ts';
import type { Session } from './state.ts';
import { loadChallenge, redeemChallenge, type LoadedChallenge } from './stepup.ts';

/** The scope `/me/password/reset` needs and consumes. */
export const PASSWORD_SCOPE = 'prld:pwd:write';

/** Session routes, plus the JWKS at the domain root and under `/v1/session`. */
export function sessionRoutes(engine: Engine): Route[] {
  const api = (method: string, path: string, handler: Route['handler']): Route => ({
    method,
    path,
    handler,
    kind: 'api',
  });
  const jwks = (): Promise<HandlerResult> =>
    Promise.resolve({
      status: 200,
      body: engine.signer.jwks(),
      headers: { 'Cache-Control': 'public, max-age=300' },
    });
  return [
    api('POST', '/v1/session/refresh', (req) => refresh(engine, req)),
    api('POST', '/v1/session/revoke', (req) => revoke(engine, req)),
    api('GET', '/v1/session/me/list', (req) => listSessions(engine, req)),
    api('POST', '/v1/session/me/revoke', (req) => revokeSessions(engine, req)),
    api('POST', '/v1/session/me/password/reset', (req) => resetPassword(engine, req)),
    api('GET', '/.well-known/jwks.json', jwks),
    api('GET', '/v1/session/.well-known/jwks.json', jwks),
  ];
}

function refreshTokenOf(engine: Engine, req: EmulatorRequest): string | undefined {
  const fromHeader = header(req, 'x-refresh-token');
  if (fromHeader) return fromHeader;
  return req.cookies[engine.cookieNames.refresh] || undefined;
}

/**
 * `POST /refresh` + session DPoP + `X-Refresh-Token` (or the refresh cookie), body empty or
 * `{step_up_token}` → `{access_token, expires_at}` with a rotated refresh token in `X-Refresh-Token`.
 */
async function refresh(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const proof = await engine.sessionProof(req);
  const body = objectBody(req);
  // The asynchronous part of redeeming a step-up token (signature) runs first; every check and state change
  // then happens in one synchronous block, so two racing refreshes cannot both spend the same refresh token.
  let loaded: LoadedChallenge | ApiError | undefined;
  if (body.step_up_token !== undefined) {
    loaded = await loadChallenge(engine, body.step_up_token).catch((error: unknown) => {
      if (error instanceof ApiError) {
        return error.code === 'missing_challenge_token'
          ? new ApiError('invalid_challenge_token', 'step_up_token is empty')
          : error;
      }
      throw error;
    });
  }
  const token = refreshTokenOf(engine, req);
  if (!token)
    throw new ApiError('unauthorized', 'No refresh token (X-Refresh-Token header or refresh cookie)');
  const record = engine.state.refreshTokens.get(token);
  if (!record) throw new ApiError('unauthorized', 'Unknown refresh token');
  const session = engine.state.sessions.get(record.sessionId);
  if (!session) throw new ApiError('unauthorized', 'Unknown session');
  if (record.status === 'rotated') {
    // RFC 9700 §4.14.2: a rotated refresh token coming back means two parties hold it; end the session.
    if (engine.settings.revokeOnRefreshReuse) {
      engine.state.revokeSession(session);
      engine.log(`refresh token reuse on session ${session.id}: session revoked`);
    }
    throw new ApiError(
      'unauthorized',
      engine.settings.revokeOnRefreshReuse
        ? 'Refresh token already used; the session has been revoked'
        : 'Refresh token already used',
    );
  }
  if (record.status === 'revoked' || !engine.state.activeSession(session.id)) {
    throw new ApiError('unauthorized', 'Session revoked or expired');
  }
  if (proof.jkt !== session.jkt)
    throw new ApiError('dpop_key_mismatch', 'The DPoP key is not the key this session was created with');
  if (loaded instanceof ApiError) throw loaded;
  if (loaded) redeemChallenge(engine, loaded, session);
  record.status = 'rotated';
  session.lastSeenAt = engine.now();
  engine.issueRefreshToken(session, req);
  const { accessToken, expiresAt } = await engine.mintAccessToken(session);
  return { status: 200, body: { access_token: accessToken, expires_at: expiresAt } };
}

/**
 * `POST /revoke`: ends the session named by the refresh token. With a DPoP proof (the SDK has a key) the key
 * must be the session's; without one (the SDK's key-less logout) the refresh token alone is enough. → 204
 */
async function revoke(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const proof = req.headers.dpop === undefined ? undefined : await engine.sessionProof(req);
  const token = refreshTokenOf(engine, req);
  const record = token === undefined ? undefined : engine.state.refreshTokens.get(token);
  const session = record === undefined ? undefined : engine.state.sessions.get(record.sessionId);
  if (session) {
    if (proof && proof.jkt !== session.jkt)
      throw new ApiError('dpop_key_mismatch', 'The DPoP key is not the key this session was created with');
    engine.state.revokeSession(session);
    engine.log(`session ${session.id} revoked (logout)`);
  }
  req.setCookies.push(cookie(engine.cookieNames.refresh, '', 0));
  return {};
}

function sessionView(session: Session): Record<string, string> {
  const ua = session.userAgent;
  const mobile = /Mobile|Android|iPhone/i.test(ua);
  const tablet = /iPad|Tablet/i.test(ua);
  const model =
    /Chrom(e|ium)\/[\d.]+/.exec(ua)?.[0] ??
    /Firefox\/[\d.]+/.exec(ua)?.[0] ??
    (ua.split(' ')[0] || 'unknown');
  const os = /\(([^)]*)\)/.exec(ua)?.[1] ?? '';
  return {
    id: session.id,
    device_model: model,
    device_type: tablet ? 'tablet' : mobile ? 'mobile' : ua ? 'desktop' : 'unknown',
    os_version: os,
    country_code: 'ZZ',
    created_at: new Date(session.createdAt).toISOString(),
    last_seen_at: new Date(session.lastSeenAt).toISOString(),
    expires_at: new Date(session.expiresAt).toISOString(),
  };
}

function integerParam(
  req: EmulatorRequest,
  name: string,
  fallback: number,
  min: number,
  max: number,
  code: 'invalid_pagination_limit' | 'invalid_pagination_offset',
): number {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new ApiError(code, `${name} must be an integer in ${min}..${max}`);
  return value;
}

/** `GET /me/list?limit&offset` (Bearer) → `{sessions, total, limit, offset}`. */
async function listSessions(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const auth = await engine.authenticate(req);
  const limit = integerParam(req, 'limit', 10, 1, 100, 'invalid_pagination_limit');
  const offset = integerParam(req, 'offset', 0, 0, 1_000_000, 'invalid_pagination_offset');
  const sessions = [...engine.state.sessions.values()]
    .filter((s) => s.userId === auth.user.id && engine.state.activeSession(s.id))
    .sort((a, b) => b.createdAt - a.createdAt);
  return {
    status: 200,
    body: {
      sessions: sessions.slice(offset, offset + limit).map(sessionView),
      total: sessions.length,
      limit,
      offset,
    },
  };
}

/** `POST /me/revoke?target=all|others|mine|session[&session_id]` (Bearer). → 204 */
async function revokeSessions(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const auth = await engine.authenticate(req);
  const target = req.query.get('target');
  const mine = [...engine.state.sessions.values()].filter(
    (s) => s.userId === auth.user.id && engine.state.activeSession(s.id),
  );
  let victims: Session[];
  switch (target) {
    case 'all':
      victims = mine;
      break;
    case 'others':
      victims = mine.filter((s) => s.id !== auth.session.id);
      break;
    case 'mine':
      victims = [auth.session];
      break;
    case 'session': {
      const id = req.query.get('session_id');
      if (!id) throw new ApiError('bad_request', 'session_id is required when target is session');
      const found = mine.find((s) => s.id === id);
      if (!found) throw new ApiError('not_found', `No active session ${id} for this user`);
      victims = [found];
      break;
    }
    default:
      throw new ApiError('bad_request', 'target must be all, others, mine or session');
  }
  for (const session of victims) engine.state.revokeSession(session);
  return {};
}

/**
 * `POST /me/password/reset {password}` (Bearer): needs `prld:pwd:write` in the access token and an
 * unconsumed grant behind it; consumes it on success (204). The password is validated before consuming, so
 * a rejected password does not spend the grant.
 */
async function resetPassword(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const auth = await engine.authenticate(req);
  const body = objectBody(req);
  const found = engine.findGrant(auth, PASSWORD_SCOPE);
  if ('error' in found) throw found.error;
  const password = checkPassword(body.password);
  auth.user.password = password;
  engine.consumeGrant(found.grant, auth.claims.jti);
  engine.log(`password reset for ${auth.user.id}; ${PASSWORD_SCOPE} consumed`);
  return {};
}
