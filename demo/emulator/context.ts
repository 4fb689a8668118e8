/**
 * The emulator's engine: the shared services every route uses (state, signer, DPoP, OTP, faults) and the
 * session-level operations several routes share: checking proofs and access tokens, minting access tokens,
 * and issuing and rotating refresh tokens.
 */
import type { StepUpConfig } from './config.ts';
import { DpopVerifier, normaliseHtu, type VerifiedProof } from './dpop.ts';
import { ApiError } from './errors.ts';
import type { FaultStore } from './faults.ts';
import { cookie, header, type EmulatorRequest } from './http.ts';
import { OtpService, type OtpMessage } from './otp.ts';
import { EmulatorState, newOpaque, type Grant, type Session, type User } from './state.ts';
import type { StepUpDeps } from './stepup.ts';
import type { AccessTokenClaims, TokenSigner } from './tokens.ts';
import { VerificationTokenVerifier, type BuiltinAppKey } from './verification-token.ts';

/** Lifetimes, in seconds. [GUESS] Prelude's are not documented. */
export const LIFETIMES = {
  accessToken: 300,
  refreshToken: 30 * 86_400,
  loginChallenge: 300,
} as const;

/** Fixed settings of one emulator instance. */
export interface EngineSettings {
  domain: string;
  appId: string;
  now: () => number;
  fixedOtp?: string;
  /** Put `cnf.jkt` in access tokens (off by default: no evidence Prelude does). */
  bindAccessTokens: boolean;
  /** Revoke the whole session when an already rotated refresh token is presented again. */
  revokeOnRefreshReuse: boolean;
  log: (line: string) => void;
  announceOtp: (message: OtpMessage) => void;
}

/** An authenticated Bearer request. */
export interface Authenticated {
  claims: AccessTokenClaims;
  session: Session;
  user: User;
}

/** Shared services and session operations. */
export class Engine implements StepUpDeps {
  readonly state: EmulatorState;
  readonly dpop: DpopVerifier;
  readonly otp: OtpService;
  readonly verificationTokens: VerificationTokenVerifier;
  readonly issuer: string;
  readonly now: () => number;
  readonly log: (line: string) => void;

  constructor(
    readonly settings: EngineSettings,
    readonly signer: TokenSigner,
    readonly appKey: BuiltinAppKey,
    readonly config: StepUpConfig,
    readonly faults: FaultStore,
    readonly inbox: OtpMessage[],
  ) {
    this.now = settings.now;
    this.log = settings.log;
    this.issuer = `https://${settings.domain}`;
    this.state = new EmulatorState(this.now);
    this.dpop = new DpopVerifier(this.now);
    this.otp = new OtpService(this.state, inbox, this.now, settings.fixedOtp, settings.announceOtp);
    this.verificationTokens = new VerificationTokenVerifier(this.now, appKey);
  }

  /** Cookie names, per app (reference: "Cookies"). The step-up one is the emulator's own. [GUESS] */
  get cookieNames(): { refresh: string; loginVerification: string; stepUpVerification: string } {
    const id = this.settings.appId;
    return {
      refresh: `__refresh_${id}`,
      loginVerification: `__verification-login_${id}`,
      stepUpVerification: `__verification-stepup_${id}`,
    };
  }

  /** Forgets everything but keys and configuration. */
  reset(): void {
    this.state.reset();
    this.dpop.reset();
    this.otp.reset();
    this.verificationTokens.reset();
  }

  /**
   * The URLs a proof's `htu` may name: the request as addressed to the emulated domain, and as addressed to
   * the Host it actually arrived with (e.g. `127.0.0.1:8443` when called directly).
   */
  acceptedHtus(req: EmulatorRequest): string[] {
    const urls = [`https://${this.settings.domain}${req.pathname}`];
    const host = header(req, 'host');
    if (host) urls.push(`https://${host}${req.pathname}`);
    return urls.map((u) => normaliseHtu(u)).filter((u): u is string => u !== null);
  }

  /**
   * Verifies a session proof, honouring a `use_dpop_nonce` fault, and puts a fresh `DPoP-Nonce` on the
   * response whatever happens next (the SDK stores the nonce of every response, success or error).
   */
  async sessionProof(req: EmulatorRequest): Promise<VerifiedProof> {
    const fault = this.faults.take('use_dpop_nonce', req.method, req.pathname);
    if (fault) req.firedFaults.push(fault.id);
    const forceNonce = fault !== undefined;
    const proof = await this.dpop.verifySessionProof(
      { header: req.headers.dpop, method: req.method, urls: this.acceptedHtus(req) },
      { forceNonce },
    );
    req.responseHeaders['DPoP-Nonce'] = this.dpop.issueNonce();
    return proof;
  }

  /** Verifies a challenge proof (`jti` = the challenge token's `jti`) and its key against the session's. */
  async challengeProof(
    req: EmulatorRequest,
    challengeJti: string,
    session: Session | undefined,
  ): Promise<VerifiedProof> {
    const proof = await this.dpop.verifyChallengeProof(
      { header: req.headers.dpop, method: req.method, urls: this.acceptedHtus(req) },
      challengeJti,
    );
    if (session && proof.jkt !== session.jkt) {
      throw new ApiError('dpop_key_mismatch', 'The DPoP key is not the key this session was created with');
    }
    return proof;
  }

  /** Checks `Authorization: Bearer <access token>`. Throws `unauthorized` (401, with `WWW-Authenticate`). */
  async authenticate(req: EmulatorRequest): Promise<Authenticated> {
    const authorization = header(req, 'authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const challenge = (description: string): ApiError =>
      new ApiError('unauthorized', description, {
        headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` },
      });
    if (!match?.[1]) {
      throw new ApiError('unauthorized', 'An access token is required', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    return this.checkAccessToken(match[1], challenge);
  }

  /** Checks an access token (from a header or from the admin consume API). */
  async checkAccessToken(
    token: string,
    fail: (description: string) => ApiError = (d) => new ApiError('unauthorized', d),
  ): Promise<Authenticated> {
    const check = await this.signer.check(token, this.issuer);
    if (!check.ok) throw fail(`Access token rejected: ${check.reason}`);
    if (check.expired) throw fail('Access token expired');
    const claims = check.claims as unknown as AccessTokenClaims;
    if (
      typeof claims.sid !== 'string' ||
      typeof claims.jti !== 'string' ||
      typeof claims.scope !== 'string'
    ) {
      throw fail('Not an access token');
    }
    const session = this.state.activeSession(claims.sid);
    if (!session) throw fail('Session revoked or expired');
    const user = this.state.users.get(session.userId);
    if (!user) throw fail('Unknown user');
    session.lastSeenAt = this.now();
    return { claims, session, user };
  }

  /**
   * Mints an access token for a session: `scope` lists the active grants, and the token never outlives the
   * shortest of them.
   */
  async mintAccessToken(session: Session): Promise<{ accessToken: string; expiresAt: number }> {
    const now = this.now();
    const grants = this.state.activeGrants(session);
    const expMs = Math.min(now + LIFETIMES.accessToken * 1000, ...grants.map((g) => g.expiresAt));
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      sub: session.userId,
      sid: session.id,
      aud: this.settings.appId,
      exp: Math.floor(expMs / 1000),
      iat: Math.floor(now / 1000),
      jti: crypto.randomUUID(),
      scope: [...new Set(grants.map((g) => g.scope))].join(' '),
      cc: {},
    };
    if (this.settings.bindAccessTokens) claims.cnf = { jkt: session.jkt };
    this.state.accessTokens.set(claims.jti, {
      jti: claims.jti,
      sessionId: session.id,
      grantIds: grants.map((g) => g.id),
      expiresAt: claims.exp * 1000,
    });
    return { accessToken: await this.signer.sign(claims), expiresAt: claims.exp };
  }

  /** Creates a session bound to a DPoP key, with its first refresh token (headers and cookie set on `req`). */
  createSession(user: User, jkt: string, req: EmulatorRequest): Session {
    const now = this.now();
    const session: Session = {
      id: crypto.randomUUID(),
      userId: user.id,
      jkt,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + LIFETIMES.refreshToken * 1000,
      userAgent: header(req, 'user-agent') ?? '',
      grants: [],
    };
    this.state.sessions.set(session.id, session);
    this.issueRefreshToken(session, req);
    return session;
  }

  /** Issues a new refresh token: `X-Refresh-Token` + `X-Refresh-Token-Expires-At` (ISO 8601) + cookie. */
  issueRefreshToken(session: Session, req: EmulatorRequest): void {
    const token = newOpaque(32);
    this.state.refreshTokens.set(token, {
      sessionId: session.id,
      expiresAt: session.expiresAt,
      status: 'active',
    });
    req.responseHeaders['X-Refresh-Token'] = token;
    req.responseHeaders['X-Refresh-Token-Expires-At'] = new Date(session.expiresAt).toISOString();
    req.setCookies.push(cookie(this.cookieNames.refresh, token, (session.expiresAt - this.now()) / 1000));
  }

  /** Finds the single-use-or-not grant behind `scope` in an access token, without consuming it. */
  findGrant(auth: Authenticated, scope: string): { grant: Grant } | { error: ApiError } {
    const granted = auth.claims.scope.split(' ').filter(Boolean);
    if (!granted.includes(scope)) {
      return { error: insufficientScope(scope, `The access token does not carry ${scope}`) };
    }
    const record = this.state.accessTokens.get(auth.claims.jti);
    const user = auth.user;
    const grants = [...auth.session.grants, ...user.grants].filter(
      (g) => g.scope === scope && (record === undefined || record.grantIds.includes(g.id)),
    );
    const grant = grants[grants.length - 1];
    if (!grant) return { error: insufficientScope(scope, `No ${scope} grant backs this access token`) };
    if (grant.consumedAt !== undefined) {
      if (grant.consumedByJti === auth.claims.jti) {
        return {
          error: new ApiError('token_reused', `This access token already used its single-use ${scope} grant`),
        };
      }
      return { error: insufficientScope(scope, `The ${scope} grant has already been consumed`) };
    }
    if (grant.expiresAt <= this.now())
      return { error: insufficientScope(scope, `The ${scope} grant has expired`) };
    return { grant };
  }

  /** Consumes a grant if it is single-use; returns whether it was consumed. */
  consumeGrant(grant: Grant, jti: string): boolean {
    if (grant.mode !== 'single-use') return false;
    grant.consumedAt = this.now();
    grant.consumedByJti = jti;
    return true;
  }
}

function insufficientScope(scope: string, message: string): ApiError {
  return new ApiError('insufficient_scope', message, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
  });
}
