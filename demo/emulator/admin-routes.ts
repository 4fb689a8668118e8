/**
 * The control API under `/__emulator/` (outside `/v1/session`, so an inspector never mistakes it for
 * session traffic). CORS-enabled like the rest, so a demo page can read the inbox or inject faults.
 */
import type { Engine } from './context.ts';
import { ApiError } from './errors.ts';
import { parseFault, type FaultStore } from './faults.ts';
import { objectBody, stringField, type EmulatorRequest, type HandlerResult } from './http.ts';
import type { OtpMessage } from './otp.ts';
import type { RecordedRequest } from './recorder.ts';
import type { Route } from './router.ts';

/** What the admin API needs from the running emulator. */
export interface AdminContext {
  engine: Engine;
  requests: RecordedRequest[];
  inbox: OtpMessage[];
  faults: FaultStore;
  certPem: string;
  info: () => Record<string, unknown>;
  reset: () => void;
}

/** The admin routes. */
export function adminRoutes(ctx: AdminContext): Route[] {
  const { engine } = ctx;
  const admin = (
    method: string,
    path: string | RegExp,
    handler: (req: EmulatorRequest) => HandlerResult | Promise<HandlerResult>,
  ): Route => ({
    method,
    path,
    kind: 'admin',
    handler: async (req) => handler(req),
  });
  const ok = (body: unknown, status = 200): HandlerResult => ({ status, body });
  return [
    admin('GET', '/__emulator/health', () => ok({ ok: true, ...ctx.info() })),
    admin('GET', '/__emulator/inbox', (req) => {
      const to = req.query.get('to');
      const purpose = req.query.get('purpose');
      const challengeId = req.query.get('challenge_id');
      return ok(
        ctx.inbox.filter(
          (m) =>
            (to === null || m.to.toLowerCase() === to.toLowerCase()) &&
            (purpose === null || m.purpose === purpose) &&
            (challengeId === null || m.challengeId === challengeId),
        ),
      );
    }),
    admin('GET', '/__emulator/requests', (req) => {
      const limit = Number(req.query.get('limit') ?? '0');
      return ok(Number.isInteger(limit) && limit > 0 ? ctx.requests.slice(-limit) : ctx.requests);
    }),
    admin('GET', '/__emulator/faults', () => ok(ctx.faults.list())),
    admin('POST', '/__emulator/faults', (req) => {
      const items = Array.isArray(req.body) ? (req.body as unknown[]) : [req.body];
      const parsed = items.map((item) => parseFault(item));
      const problem = parsed.find((p): p is string => typeof p === 'string');
      if (problem !== undefined) throw new ApiError('bad_request', problem);
      const added = parsed.map((fault) => ctx.faults.set(fault as Exclude<typeof fault, string>));
      return ok(Array.isArray(req.body) ? added : added[0], 201);
    }),
    admin('DELETE', '/__emulator/faults', () => {
      ctx.faults.clear();
      return {};
    }),
    admin('DELETE', /^\/__emulator\/faults\/(?<id>[^/]+)$/, (req) => {
      ctx.faults.clear(req.params.id);
      return {};
    }),
    admin('POST', '/__emulator/reset', () => {
      ctx.reset();
      return {};
    }),
    admin('POST', /^\/__emulator\/challenges\/(?<id>[^/]+)\/expire$/, (req) => {
      const challenge = engine.state.challenges.get(req.params.id ?? '');
      if (!challenge) throw new ApiError('not_found', `No challenge ${req.params.id ?? ''}`);
      challenge.expiresAt = Math.min(challenge.expiresAt, engine.now() - 1);
      return ok({ challenge_id: challenge.id, expired: true, current_step: challenge.currentStep });
    }),
    admin('POST', '/__emulator/grants/consume', async (req) => {
      // How an app's own API tells Prelude a single-use grant was used is undocumented: this models it.
      const body = objectBody(req);
      const token = stringField(body, 'access_token', { max: 8192 });
      const scope = stringField(body, 'scope', { max: 128 });
      const auth = await engine.checkAccessToken(token);
      const found = engine.findGrant(auth, scope);
      if ('error' in found) throw found.error;
      const consumed = engine.consumeGrant(found.grant, auth.claims.jti);
      engine.log(`grant ${scope} ${consumed ? 'consumed' : 'checked'} for session ${auth.session.id}`);
      return ok({
        consumed,
        grant_mode: found.grant.mode,
        scope,
        sub: auth.user.id,
        sid: auth.session.id,
        grant_expires_at: Math.floor(found.grant.expiresAt / 1000),
      });
    }),
    admin('GET', '/__emulator/state', () => ok(snapshot(engine))),
    admin('GET', '/__emulator/config', () => ok(engine.config)),
    admin('GET', '/__emulator/cert.pem', () => ({
      status: 200,
      body: ctx.certPem,
      headers: { 'Content-Type': 'application/x-pem-file' },
    })),
    admin('GET', '/__emulator/app/jwks.json', () => ok(engine.appKey.jwks())),
    admin('POST', '/__emulator/verification-tokens', async (req) => {
      // Stands in for the app backend that vouches for a custom step (built-in mock app key, RS256).
      const body = objectBody(req);
      let challengeId = typeof body.challenge_id === 'string' ? body.challenge_id : undefined;
      if (challengeId === undefined && typeof body.challenge_token === 'string') {
        const check = await engine.signer.check(body.challenge_token, engine.issuer);
        if (check.ok && typeof check.claims.challenge_id === 'string')
          challengeId = check.claims.challenge_id;
      }
      const challenge = challengeId === undefined ? undefined : engine.state.challenges.get(challengeId);
      if (!challenge) throw new ApiError('not_found', 'Give a known challenge_id or challenge_token');
      const key = typeof body.key === 'string' ? body.key : challenge.currentStep;
      const claims: { sub: string; challenge_id: string; key: string; status?: string } = {
        sub: typeof body.sub === 'string' ? body.sub : challenge.userId,
        challenge_id: challenge.id,
        key,
      };
      if (typeof body.status === 'string') claims.status = body.status;
      return ok({ verification_token: await engine.appKey.mint(claims, engine.now()) });
    }),
  ];
}

function snapshot(engine: Engine): Record<string, unknown> {
  const { state } = engine;
  const iso = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const grant = (g: {
    id: string;
    scope: string;
    mode: string;
    expiresAt: number;
    consumedAt?: number;
  }): Record<string, unknown> => ({
    id: g.id,
    scope: g.scope,
    mode: g.mode,
    expires_at: iso(g.expiresAt),
    consumed_at: iso(g.consumedAt),
  });
  return {
    users: [...state.users.values()].map((u) => ({
      id: u.id,
      identifiers: u.identifiers,
      has_password: u.password !== undefined,
      grants: u.grants.map(grant),
    })),
    sessions: [...state.sessions.values()].map((s) => ({
      id: s.id,
      user_id: s.userId,
      jkt: s.jkt,
      created_at: iso(s.createdAt),
      expires_at: iso(s.expiresAt),
      revoked_at: iso(s.revokedAt),
      grants: s.grants.map(grant),
    })),
    challenges: [...state.challenges.values()].map((c) => ({
      id: c.id,
      session_id: c.sessionId,
      scope: c.scope,
      state: c.state,
      current_step: c.currentStep,
      steps: c.steps,
      grant_mode: c.grantMode,
      granted_for: c.grantedFor,
      failed_checks: c.failedChecks,
      expires_at: iso(c.expiresAt),
    })),
  };
}
