/**
 * Step-up over HTTP: `/stepup/request`, `/otp`, `/otp/retry`, `/otp/check`, `/stepup/continue`.
 *
 * `/otp` and `/otp/check` also accept the native SDKs' login variants (`{identifier}` and `{code}` without a
 * challenge token): the body tells them apart, as the reference notes.
 */
import { OTP_STEP_CHANNEL } from './config.ts';
import type { Engine } from './context.ts';
import { ApiError } from './errors.ts';
import { cookie, objectBody, stringField, type EmulatorRequest, type HandlerResult } from './http.ts';
import {
  checkLoginCode,
  codeField,
  findLoginVerification,
  mintLoginChallenge,
  startOtpLogin,
} from './login-routes.ts';
import type { Route } from './router.ts';
import type { Challenge, Verification } from './state.ts';
import {
  completeCurrentStep,
  createChallenge,
  decideStepUp,
  isManagedStep,
  isOtpStep,
  loadChallenge,
  mintChallengeToken,
  parseMetadata,
  parseScope,
  type LoadedChallenge,
} from './stepup.ts';
import { OTP_LIMITS } from './otp.ts';

/** The step-up routes, under `/v1/session`. */
export function stepUpRoutes(engine: Engine): Route[] {
  const api = (method: string, path: string, handler: Route['handler']): Route => ({
    method,
    path,
    handler,
    kind: 'api',
  });
  return [
    api('POST', '/v1/session/stepup/request', (req) => requestStepUp(engine, req)),
    api('POST', '/v1/session/otp', (req) => sendOtp(engine, req)),
    api('POST', '/v1/session/otp/retry', (req) => retryOtp(engine, req)),
    api('POST', '/v1/session/otp/check', (req) => checkOtp(engine, req)),
    api('POST', '/v1/session/stepup/continue', (req) => continueStepUp(engine, req)),
  ];
}

/**
 * `POST /stepup/request {scope, metadata?, dispatch_id?}` (Bearer; native SDKs add a session DPoP proof,
 * checked when present) → `{status: "block"}` or `{status, challenge_token}`.
 */
async function requestStepUp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const auth = await engine.authenticate(req);
  if (req.headers.dpop !== undefined) {
    const proof = await engine.sessionProof(req);
    if (proof.jkt !== auth.session.jkt)
      throw new ApiError('dpop_key_mismatch', 'The DPoP key is not the key this session was created with');
  }
  const body = objectBody(req);
  const scope = parseScope(body.scope);
  const metadata = parseMetadata(body.metadata);
  const signals: Record<string, unknown> = {};
  if (typeof body.dispatch_id === 'string') signals.dispatch_id = body.dispatch_id;
  const decision = await decideStepUp(engine, auth.user, scope, metadata, signals);
  if (decision.status === 'block') {
    engine.log(`step-up ${scope} for ${auth.user.id}: block`);
    return { status: 200, body: { status: 'block' } };
  }
  const challenge = createChallenge(engine, auth.session, scope, decision, metadata);
  engine.log(
    `step-up ${scope} for ${auth.user.id}: ${decision.status}, challenge ${challenge.id} at ${challenge.currentStep}`,
  );
  return {
    status: 200,
    body: { status: decision.status, challenge_token: await mintChallengeToken(engine, challenge) },
  };
}

/** Common state checks for a loaded challenge, in the order a server would make them. */
function assertPending(engine: Engine, loaded: LoadedChallenge): Challenge {
  const { challenge } = loaded;
  if (challenge.state === 'locked')
    throw new ApiError(
      'rate_limited',
      'Too many wrong codes; this challenge is locked, request step-up again',
    );
  if (challenge.state !== 'pending')
    throw new ApiError('invalid_challenge_token', 'This challenge is already completed');
  if (!engine.state.activeSession(challenge.sessionId))
    throw new ApiError('invalid_challenge_token', 'The session of this challenge has ended');
  return challenge;
}

/** `POST /otp {challenge_token, dispatch_id?}` (no auth): send the code for the current OTP step. → 204 */
async function sendOtp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const body = objectBody(req);
  if (body.challenge_token === undefined && body.identifier !== undefined) return startOtpLogin(engine, req);
  const loaded = await loadChallenge(engine, body.challenge_token);
  const challenge = assertPending(engine, loaded);
  if (loaded.expired) throw new ApiError('expired_challenge_token', 'The challenge token has expired');
  const otp = OTP_STEP_CHANNEL[challenge.currentStep];
  if (!otp) throw new ApiError('bad_request', `The current step ${challenge.currentStep} is not an OTP step`);
  const identifier = engine.state.users
    .get(challenge.userId)
    ?.identifiers.find((i) => i.type === otp.identifier);
  if (!identifier)
    throw new ApiError('direct_scope_identifier_mismatch', `The user has no ${otp.identifier}`);
  const verification = engine.otp.startStepUp(challenge, challenge.currentStep, identifier, otp.channel);
  req.setCookies.push(
    cookie(
      engine.cookieNames.stepUpVerification,
      verification.id,
      (challenge.expiresAt - engine.now()) / 1000,
    ),
  );
  return {};
}

/**
 * `POST /otp/retry` (no body, no auth): resends the pending code found through the verification cookies
 * (step-up, then login); without cookies, the most recent pending code of either kind. [GUESS] → 204
 */
async function retryOtp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const names = engine.cookieNames;
  const candidates: Verification[] = [];
  for (const name of [names.stepUpVerification, names.loginVerification]) {
    const id = req.cookies[name];
    const v = id === undefined ? undefined : engine.state.verifications.get(id);
    if (v && v.state === 'pending') candidates.push(v);
  }
  if (candidates.length === 0) {
    for (const v of engine.state.verifications.values()) if (v.state === 'pending') candidates.push(v);
  }
  const verification = candidates.sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!verification) throw new ApiError('not_found', 'No pending verification to resend');
  if (verification.purpose === 'stepup') {
    const challenge = engine.state.challenges.get(verification.challengeId ?? '');
    if (!challenge || challenge.state !== 'pending' || challenge.currentStep !== verification.stepKey) {
      throw new ApiError('not_found', 'No pending verification to resend');
    }
    if (challenge.expiresAt <= engine.now())
      throw new ApiError('expired_challenge_token', 'The challenge has expired');
    engine.otp.resend(verification, challenge.scope);
  } else {
    engine.otp.resend(verification);
  }
  return {};
}

/**
 * `POST /otp/check {code, challenge_token}` + challenge DPoP → `{challenge_token}` advanced. A wrong code
 * and an expired challenge both answer `bad_check_code` (as Prelude does); after {@link OTP_LIMITS}.maxAttempts
 * wrong codes the challenge is locked (`rate_limited`).
 */
async function checkOtp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const body = objectBody(req);
  if (body.challenge_token === undefined) return checkNativeLoginOtp(engine, req);
  const code = stringField(body, 'code', { max: 32 });
  const loaded = await loadChallenge(engine, body.challenge_token);
  await engine.challengeProof(req, loaded.jti, engine.state.sessions.get(loaded.challenge.sessionId));
  const challenge = assertPending(engine, loaded);
  if (loaded.expired) throw new ApiError('bad_check_code', 'The challenge has expired');
  if (!isOtpStep(challenge.currentStep)) {
    throw new ApiError('bad_request', `The current step ${challenge.currentStep} is not an OTP step`);
  }
  const verification = [...engine.state.verifications.values()].find(
    (v) => v.challengeId === challenge.id && v.stepKey === challenge.currentStep && v.state === 'pending',
  );
  const result = verification ? engine.otp.check(verification, code) : 'wrong';
  if (result !== 'ok') {
    challenge.failedChecks += 1;
    if (result === 'locked' || challenge.failedChecks >= OTP_LIMITS.maxAttempts) {
      challenge.state = 'locked';
      throw new ApiError(
        'rate_limited',
        'Too many wrong codes; this challenge is locked, request step-up again',
      );
    }
    throw new ApiError(
      'bad_check_code',
      result === 'expired'
        ? 'The code has expired'
        : verification
          ? 'Wrong code'
          : 'No code was sent for this step',
    );
  }
  completeCurrentStep(engine, challenge);
  engine.log(`challenge ${challenge.id} (${challenge.scope}) → ${challenge.currentStep}`);
  return { status: 200, body: { challenge_token: await mintChallengeToken(engine, challenge) } };
}

/** The native SDKs' login check: `POST /otp/check {code}` → `{challenge_token}` for `/login/finalize`. */
async function checkNativeLoginOtp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const code = codeField(req);
  if (!findLoginVerification(engine, req))
    throw new ApiError('missing_challenge_token', 'challenge_token is required');
  const user = checkLoginCode(engine, req, code);
  return { status: 200, body: { challenge_token: await mintLoginChallenge(engine, user) } };
}

/**
 * `POST /stepup/continue {challenge_token, verification_token}` (Bearer + challenge DPoP) → `{challenge_token}`
 * advanced past a custom step.
 */
async function continueStepUp(engine: Engine, req: EmulatorRequest): Promise<HandlerResult> {
  const auth = await engine.authenticate(req);
  const body = objectBody(req);
  const loaded = await loadChallenge(engine, body.challenge_token);
  await engine.challengeProof(req, loaded.jti, auth.session);
  if (loaded.challenge.sessionId !== auth.session.id)
    throw new ApiError('token_mismatch', 'The challenge belongs to another session');
  assertPending(engine, loaded);
  if (loaded.expired) throw new ApiError('expired_challenge_token', 'The challenge token has expired');
  const vt = await engine.verificationTokens.verify(body.verification_token, engine.config.jwks_url);
  // Re-read state after the await: another request may have advanced the challenge meanwhile.
  const challenge = assertPending(engine, loaded);
  if (challenge.currentJti !== loaded.jti)
    throw new ApiError('invalid_challenge_token', 'This challenge token has been superseded by a newer one');
  if (engine.state.usedVerificationJtis.has(vt.jti))
    throw new ApiError('token_reused', 'This verification token has already been used');
  if (vt.challenge_id !== challenge.id)
    throw new ApiError('token_mismatch', "The verification token's challenge_id is not this challenge");
  if (vt.sub !== challenge.userId)
    throw new ApiError('token_mismatch', "The verification token's sub is not the challenge's user");
  const index = challenge.steps.findIndex((s) => s.key === vt.key);
  const step = challenge.steps[index];
  if (!step) throw new ApiError('step_not_found', `The challenge has no step ${vt.key}`);
  if (isManagedStep(vt.key)) {
    throw new ApiError(
      'step_bypassed',
      `${vt.key} is a managed step: complete it through /otp/check, not a verification token`,
    );
  }
  if (step.done) throw new ApiError('invalid_verification_token', `Step ${vt.key} is already completed`);
  if (vt.key !== challenge.currentStep)
    throw new ApiError('step_not_completed', `Complete step ${challenge.currentStep} before ${vt.key}`);
  if (vt.status !== 'completed')
    throw new ApiError(
      'step_not_completed',
      `The verification token's status is ${vt.status || 'missing'}, not completed`,
    );
  engine.state.usedVerificationJtis.add(vt.jti);
  completeCurrentStep(engine, challenge);
  engine.log(`challenge ${challenge.id} (${challenge.scope}) → ${challenge.currentStep}`);
  return { status: 200, body: { challenge_token: await mintChallengeToken(engine, challenge) } };
}
