/**
 * Login: OTP (`/login/otp`, `/login/otp/check`, `/login/otp/retry`), password login and sign-up (which hand
 * back a one-time `challenge_token`), `/login/finalize`, OAuth (not configured), and password rules.
 *
 * The SDK's `checkOTP(code)` sends only `{code}`: the server finds the pending verification through the
 * `__verification-login_{app_id}` cookie set by `/login/otp`. When the browser did not send it (third-party
 * cookies blocked), the emulator falls back to the most recent pending login code. [GUESS]
 */
import { createHash } from 'node:crypto';
import { LIFETIMES, type Engine } from './context.ts';
import { ApiError } from './errors.ts';
import { cookie, objectBody, stringField, type EmulatorRequest, type HandlerResult } from './http.ts';
import { PASSWORD_RULES, checkPassword, parseEmailIdentifier, parseIdentifier } from './identifiers.ts';
import { OTP_LIMITS } from './otp.ts';
import type { Route } from './router.ts';
import { newId, type LoginChallenge, type User, type Verification } from './state.ts';
import type { LoginChallengeClaims } from './tokens.ts';

const OAUTH_PROVIDERS = ['google', 'apple', 'microsoft', 'github', 'okta'];

/** The login routes, under `/v1/session`. */
export function loginRoutes(engine: Engine): Route[] {
  const api = (method: string, path: string | RegExp, handler: Route['handler']): Route => ({
    method,
    path,
    handler,
    kind: 'api',
  });
  return [
    api('POST', '/v1/session/login/otp', (req) => startOtpLogin(engine, req)),
    api('POST', '/v1/session/login/otp/retry', (req) => retryOtpLogin(engine, req)),
    api('POST', '/v1/session/login/otp/check', (req) => checkOtpLogin(engine, req)),
    api('POST', '/v1/session/login/email/password', (req) => passwordLogin(engine, req)),
    api('POST', '/v1/session/login/email/sign-up', (req) => signUp(engine, req)),
    api('POST', '/v1/session/login/finalize', (req) => finalize(engine, req)),
    api('POST', /^\/v1\/session\/login\/oauth\/(?<provider>[^/]+)\/authorize$/, (req) => oauthAuthorize(req)),
    api('GET', '/v1/session/password/compliancy', () =>
      Promise.resolve({ status: 200, body: { ...PASSWORD_RULES } }),
    ),
  ];
}

/** `POST /login/otp` (and the native SDKs' `POST /otp {identifier}`): send a login code. → 204 */
export async function startOtpLogin(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const body = objectBody(req);
  const identifier = parseIdentifier(body.identifier);
  const verification = engine.otp.startLogin(identifier);
  req.setCookies.push(
    cookie(engine.cookieNames.loginVerification, verification.id, OTP_LIMITS.loginTtlMs / 1000),
  );
  return {};
}

/** The pending login verification named by the cookie, else the most recent pending one. */
export function findLoginVerification(engine: Engine, req: EmulatorRequest): Verification | undefined {
  const byCookie = req.cookies[engine.cookieNames.loginVerification];
  const named = byCookie === undefined ? undefined : engine.state.verifications.get(byCookie);
  if (named && named.purpose === 'login') return named;
  let latest: Verification | undefined;
  for (const v of engine.state.verifications.values()) {
    if (v.purpose === 'login' && v.state === 'pending' && (!latest || v.createdAt >= latest.createdAt))
      latest = v;
  }
  return latest;
}

async function retryOtpLogin(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const verification = findLoginVerification(engine, req);
  if (!verification || verification.state !== 'pending') {
    throw new ApiError('not_found', 'No pending login verification; start with /login/otp');
  }
  engine.otp.resend(verification);
  return {};
}

/** Checks a login code; returns the user on success. Shared with the native SDKs' `/otp/check {code}`. */
export function checkLoginCode(engine: Engine, req: EmulatorRequest, code: string): User {
  const verification = findLoginVerification(engine, req);
  if (!verification)
    throw new ApiError('bad_check_code', 'No pending login verification; start with /login/otp');
  const result = engine.otp.check(verification, code);
  if (result === 'locked') throw new ApiError('rate_limited', 'Too many wrong codes; request a new one');
  if (result === 'expired') throw new ApiError('bad_check_code', 'The code has expired');
  if (result === 'wrong') throw new ApiError('bad_check_code', 'Wrong code');
  req.setCookies.push(cookie(engine.cookieNames.loginVerification, '', 0));
  return engine.state.findOrCreateOtpUser(verification.identifier);
}

/** `POST /login/otp/check` + session DPoP: `{code}` → `{access_token, expires_at}` and a new session. */
async function checkOtpLogin(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const proof = await engine.sessionProof(req);
  const code = codeField(req);
  const user = checkLoginCode(engine, req, code);
  return startSession(engine, req, user, proof.jkt);
}

/** The `code` field (a string of at most 32 characters). */
export function codeField(req: EmulatorRequest): string {
  return stringField(objectBody(req), 'code', { max: 32 });
}

async function startSession(
  engine: Engine,
  req: EmulatorRequest,
  user: User,
  jkt: string,
): Promise<HandlerResult> {
  const session = engine.createSession(user, jkt, req);
  const { accessToken, expiresAt } = await engine.mintAccessToken(session);
  engine.log(`session ${session.id} started for ${user.id}`);
  // `expires_at` is epoch seconds: the SDK adds its clock skew (seconds) to it and compares with
  // Math.floor(Date.now() / 1000).
  return { status: 200, body: { access_token: accessToken, expires_at: expiresAt } };
}

/** Mints a one-time login challenge token for `user` (exchanged at `/login/finalize`). */
export async function mintLoginChallenge(
  engine: Engine,
  user: User,
  codeChallenge?: string,
): Promise<string> {
  const now = engine.now();
  const challenge: LoginChallenge = {
    id: newId('lch'),
    jti: crypto.randomUUID(),
    userId: user.id,
    expiresAt: now + LIFETIMES.loginChallenge * 1000,
    used: false,
  };
  if (codeChallenge !== undefined) challenge.codeChallenge = codeChallenge;
  engine.state.loginChallenges.set(challenge.id, challenge);
  const claims: LoginChallengeClaims = {
    iss: engine.issuer,
    sub: user.id,
    challenge_id: challenge.id,
    purpose: 'login',
    exp: Math.floor(challenge.expiresAt / 1000),
    iat: Math.floor(now / 1000),
    jti: challenge.jti,
  };
  return engine.signer.sign(claims);
}

async function passwordLogin(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const body = objectBody(req);
  const identifier = parseEmailIdentifier(body.identifier);
  if (typeof body.password !== 'string') throw new ApiError('bad_request', 'password must be a string');
  const user = engine.state.findUserByIdentifier(identifier);
  if (!user || user.password === undefined || user.password !== body.password) {
    throw new ApiError('unauthorized', 'Invalid email or password');
  }
  return { status: 200, body: { challenge_token: await mintLoginChallenge(engine, user) } };
}

async function signUp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const body = objectBody(req);
  const identifier = parseEmailIdentifier(body.identifier);
  const password = checkPassword(body.password);
  if (engine.state.findUserByIdentifier(identifier)) {
    throw new ApiError('identifier_already_exists', `${identifier.value} is already registered`);
  }
  const user = engine.state.createUser([identifier], password);
  return { status: 200, body: { challenge_token: await mintLoginChallenge(engine, user) } };
}

/** `POST /login/finalize` + session DPoP: `{challenge_token, code_verifier?}` → `{access_token, expires_at}`. */
async function finalize(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const proof = await engine.sessionProof(req);
  const body = objectBody(req);
  if (body.challenge_token === undefined || body.challenge_token === '') {
    throw new ApiError('missing_challenge_token', 'challenge_token is required');
  }
  const check = await engine.signer.check(body.challenge_token, engine.issuer);
  if (!check.ok) throw new ApiError('invalid_challenge_token', `Challenge token rejected: ${check.reason}`);
  const id = check.claims.challenge_id;
  const record =
    typeof id === 'string' && check.claims.purpose === 'login'
      ? engine.state.loginChallenges.get(id)
      : undefined;
  if (!record || record.jti !== check.claims.jti)
    throw new ApiError('invalid_challenge_token', 'Not a login challenge token');
  if (record.used)
    throw new ApiError('invalid_challenge_token', 'This login challenge token has already been used');
  if (check.expired || record.expiresAt <= engine.now())
    throw new ApiError('expired_challenge_token', 'The login challenge token has expired');
  if (record.codeChallenge !== undefined) {
    const verifier = body.code_verifier;
    const computed =
      typeof verifier === 'string' ? createHash('sha256').update(verifier).digest('base64url') : undefined;
    if (computed !== record.codeChallenge)
      throw new ApiError('invalid_challenge_token', 'code_verifier does not match');
  }
  record.used = true;
  const user = engine.state.users.get(record.userId);
  if (!user) throw new ApiError('invalid_challenge_token', 'Unknown user');
  return startSession(engine, req, user, proof.jkt);
}

async function oauthAuthorize(req: EmulatorRequest): Promise<HandlerResult> {
  const provider = req.params.provider ?? '';
  const body = objectBody(req);
  if (!OAUTH_PROVIDERS.includes(provider))
    throw new ApiError('bad_request', `Unknown OAuth provider ${provider}`);
  if (typeof body.redirect_uri !== 'string' || !URL.canParse(body.redirect_uri)) {
    throw new ApiError('invalid_redirect_uri', 'redirect_uri must be an absolute URL');
  }
  throw new ApiError(
    'oauth_provider_not_configured',
    `The emulator has no ${provider} OAuth provider configured`,
  );
}
