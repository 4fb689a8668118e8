/**
 * The step-up state machine: deciding a request (direct rule or delegation hook), creating challenges,
 * minting challenge tokens, advancing steps, and redeeming a completed challenge into a grant.
 *
 * Every transition issues a new challenge token with a new `jti`; the previous token stops being accepted
 * (`invalid_challenge_token`), which is also what makes the `jti`-bound challenge DPoP proofs single-use.
 */
import {
  MANAGED_STEPS,
  OTP_STEP_CHANNEL,
  parseDecision,
  type StepUpConfig,
  type StepUpDecision,
} from './config.ts';
import { ApiError } from './errors.ts';
import { newId, type Challenge, type EmulatorState, type Grant, type Session, type User } from './state.ts';
import type { ChallengeTokenClaims, TokenSigner } from './tokens.ts';

/** What step-up needs from the emulator. */
export interface StepUpDeps {
  state: EmulatorState;
  signer: TokenSigner;
  issuer: string;
  now: () => number;
  config: StepUpConfig;
  log: (line: string) => void;
}

/** How long a completed challenge token may wait to be redeemed at `/refresh`. [GUESS] */
export const COMPLETED_TTL_SECONDS = 300;
/** Grant lifetime used when a decision says `granted_for: 0` for a non-block status. [GUESS] */
export const DEFAULT_GRANTED_FOR = 300;
/** Timeout for the delegation hook call. */
export const HOOK_TIMEOUT_MS = 5_000;

const SCOPE_PATTERN = /^[a-zA-Z0-9.\-_:]{1,128}$/;

/** Validates a requested scope's syntax. */
export function parseScope(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ApiError('bad_request', 'scope is required');
  if (!SCOPE_PATTERN.test(value)) throw new ApiError('bad_request', 'scope must match ^[a-zA-Z0-9.\\-_:]+$');
  return value;
}

/** Validates step-up metadata: at most 5 string entries, keys ≤ 12 characters, values ≤ 32. */
export function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new ApiError('invalid_metadata', 'metadata must be an object');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 5) throw new ApiError('invalid_metadata', 'metadata allows at most 5 keys');
  const metadata: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (key.length === 0 || key.length > 12)
      throw new ApiError('invalid_metadata', `metadata key ${key} must be 1..12 characters`);
    if (typeof v !== 'string')
      throw new ApiError('invalid_metadata', `metadata value for ${key} must be a string`);
    if (v.length > 32)
      throw new ApiError('invalid_metadata', `metadata value for ${key} must be at most 32 characters`);
    metadata[key] = v;
  }
  return metadata;
}

/**
 * Decides a step-up request: the first direct rule for the scope whose `identifier_types` the user has, or
 * the delegation hook. Throws `not_configured`, `scope_not_allowed`, `invalid_metadata`,
 * `direct_scope_identifier_mismatch` or `internal` (hook failure).
 */
export async function decideStepUp(
  deps: StepUpDeps,
  user: User,
  scope: string,
  metadata: Record<string, string>,
  signals: Record<string, unknown>,
): Promise<StepUpDecision> {
  const { config } = deps;
  if (config.allowed_scopes.length === 0)
    throw new ApiError('not_configured', 'Step-up is not configured for this app');
  const rules = config.allowed_scopes.filter((rule) => rule.scope === scope);
  if (rules.length === 0) throw new ApiError('scope_not_allowed', `Scope ${scope} is not in allowed_scopes`);
  if (
    (scope === 'prld:phone:register' || scope === 'prld:email:register') &&
    metadata.identifier === undefined
  ) {
    throw new ApiError('invalid_metadata', `${scope} needs metadata.identifier`);
  }
  const types = new Set(user.identifiers.map((i) => i.type));
  let decision: StepUpDecision | undefined;
  for (const rule of rules) {
    if (rule.mode === 'delegated') {
      decision = await callHook(deps, rule.delegated.delegation_hook, user, scope, metadata, signals);
      break;
    }
    if (rule.direct.identifier_types.some((t) => types.has(t))) {
      const parsed = parseDecision(rule.direct, config.step_keys);
      if (!parsed.ok)
        throw new ApiError('not_configured', `Direct rule for ${scope} is invalid: ${parsed.reason}`);
      decision = parsed.decision;
      break;
    }
  }
  if (!decision) {
    throw new ApiError(
      'direct_scope_identifier_mismatch',
      `No ${scope} rule applies to the user's identifier types`,
    );
  }
  // An OTP step needs the identifier it delivers to.
  for (const step of decision.steps) {
    const otp = OTP_STEP_CHANNEL[step.key];
    if (otp && !types.has(otp.identifier)) {
      throw new ApiError(
        'direct_scope_identifier_mismatch',
        `Step ${step.key} needs a ${otp.identifier} the user does not have`,
      );
    }
  }
  return decision;
}

async function callHook(
  deps: StepUpDeps,
  url: string,
  user: User,
  scope: string,
  metadata: Record<string, string>,
  signals: Record<string, unknown>,
): Promise<StepUpDecision> {
  const payload = {
    scope_requested: scope,
    user_id: user.id,
    identifiers: user.identifiers,
    signals,
    metadata,
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': 'prelude-session-emulator',
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
    });
  } catch (error) {
    deps.log(`step-up hook ${url} unreachable: ${(error as Error).message}`);
    throw new ApiError('internal', `Delegation hook unreachable: ${(error as Error).message}`, {
      status: 502,
    });
  }
  const text = await response.text().catch(() => '');
  deps.log(`step-up hook ${url} → ${response.status} ${text.slice(0, 200)}`);
  if (!response.ok)
    throw new ApiError('internal', `Delegation hook answered HTTP ${response.status}`, { status: 502 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError('internal', 'Delegation hook answered with invalid JSON', { status: 502 });
  }
  const parsed = parseDecision(body, deps.config.step_keys);
  if (!parsed.ok)
    throw new ApiError('internal', `Delegation hook answer is invalid: ${parsed.reason}`, { status: 502 });
  return parsed.decision;
}

/** Creates a challenge for a `continue`/`review` decision. A decision without steps is completed at once. */
export function createChallenge(
  deps: StepUpDeps,
  session: Session,
  scope: string,
  decision: StepUpDecision,
  metadata: Record<string, string>,
): Challenge {
  if (decision.status === 'block') throw new Error('a blocked decision has no challenge');
  const now = deps.now();
  const challenge: Challenge = {
    id: newId('chl'),
    sessionId: session.id,
    userId: session.userId,
    scope,
    status: decision.status,
    grantMode: decision.grant_mode,
    grantedFor: decision.granted_for > 0 ? decision.granted_for : DEFAULT_GRANTED_FOR,
    metadata,
    steps: decision.steps.map((s) => ({ ...s, done: false })),
    currentStep: 'completed',
    currentJti: '',
    expiresAt: now,
    state: 'pending',
    failedChecks: 0,
    sends: [],
    createdAt: now,
  };
  moveToNextStep(deps, challenge);
  deps.state.challenges.set(challenge.id, challenge);
  return challenge;
}

/** Marks the current step done and moves on (to the next step or to `completed`). */
export function completeCurrentStep(deps: StepUpDeps, challenge: Challenge): void {
  const step = challenge.steps.find((s) => s.key === challenge.currentStep);
  if (step) step.done = true;
  challenge.failedChecks = 0;
  challenge.sends.length = 0;
  moveToNextStep(deps, challenge);
}

function moveToNextStep(deps: StepUpDeps, challenge: Challenge): void {
  const next = challenge.steps.find((s) => !s.done);
  const now = deps.now();
  challenge.currentJti = crypto.randomUUID();
  if (next) {
    challenge.currentStep = next.key;
    challenge.expiresAt = now + next.expiration_duration * 1000;
  } else {
    challenge.currentStep = 'completed';
    challenge.state = 'completed';
    challenge.expiresAt = now + COMPLETED_TTL_SECONDS * 1000;
  }
}

/** Mints the token for the challenge's current state. */
export function mintChallengeToken(deps: StepUpDeps, challenge: Challenge): Promise<string> {
  const claims: ChallengeTokenClaims = {
    iss: deps.issuer,
    sub: challenge.userId,
    sid: challenge.sessionId,
    challenge_id: challenge.id,
    current_step: challenge.currentStep,
    steps: challenge.steps.map((s) => ({
      key: s.key,
      order: s.order,
      expiration_duration: s.expiration_duration,
      done: s.done,
    })),
    scope_requested: challenge.scope,
    grant_mode: challenge.grantMode,
    metadata: challenge.metadata,
    exp: Math.floor(challenge.expiresAt / 1000),
    iat: Math.floor(deps.now() / 1000),
    jti: challenge.currentJti,
  };
  return deps.signer.sign(claims);
}

/** A challenge token that verified, with the challenge it names. */
export interface LoadedChallenge {
  challenge: Challenge;
  jti: string;
  /** Past its `exp`, or expired server-side (admin / fault). */
  expired: boolean;
}

/**
 * Verifies a challenge token and finds its challenge. Throws `missing_challenge_token` or
 * `invalid_challenge_token` (bad signature, unknown challenge, or a superseded token); expiry is reported
 * for the caller to answer.
 */
export async function loadChallenge(deps: StepUpDeps, token: unknown): Promise<LoadedChallenge> {
  if (token === undefined || token === null || token === '')
    throw new ApiError('missing_challenge_token', 'challenge_token is required');
  const check = await deps.signer.check(token, deps.issuer);
  if (!check.ok) throw new ApiError('invalid_challenge_token', `Challenge token rejected: ${check.reason}`);
  const { challenge_id: id, jti } = check.claims;
  if (typeof id !== 'string' || typeof jti !== 'string' || typeof check.claims.current_step !== 'string') {
    throw new ApiError('invalid_challenge_token', 'Not a step-up challenge token');
  }
  const challenge = deps.state.challenges.get(id);
  if (!challenge) throw new ApiError('invalid_challenge_token', 'Unknown challenge');
  if (jti !== challenge.currentJti) {
    throw new ApiError('invalid_challenge_token', 'This challenge token has been superseded by a newer one');
  }
  return { challenge, jti, expired: check.expired || challenge.expiresAt <= deps.now() };
}

/** Whether a step is one of Prelude's OTP steps. */
export function isOtpStep(key: string): boolean {
  return OTP_STEP_CHANNEL[key] !== undefined;
}

/** Whether a step is managed by Prelude (cannot be completed with a verification token). */
export function isManagedStep(key: string): boolean {
  return (MANAGED_STEPS as readonly string[]).includes(key);
}

/**
 * Redeems a completed challenge (`/refresh {step_up_token}`) into a grant on the session (or on the user for
 * `profile-bound`). Synchronous, so the caller can run it in the same tick as the refresh-token rotation.
 * Throws `token_mismatch`, `invalid_challenge_token`, `step_not_completed` or `expired_challenge_token`.
 */
export function redeemChallenge(deps: StepUpDeps, loaded: LoadedChallenge, session: Session): Grant {
  const { challenge } = loaded;
  if (challenge.sessionId !== session.id)
    throw new ApiError('token_mismatch', 'The challenge belongs to another session');
  if (challenge.state === 'redeemed')
    throw new ApiError('invalid_challenge_token', 'This challenge has already been redeemed');
  if (challenge.state !== 'completed') {
    throw new ApiError(
      'step_not_completed',
      `The challenge is at step ${challenge.currentStep}, not completed`,
    );
  }
  if (loaded.expired)
    throw new ApiError('expired_challenge_token', 'The completed challenge token has expired');
  challenge.state = 'redeemed';
  const now = deps.now();
  const grant: Grant = {
    id: newId('grt'),
    scope: challenge.scope,
    mode: challenge.grantMode,
    challengeId: challenge.id,
    grantedAt: now,
    expiresAt: now + challenge.grantedFor * 1000,
  };
  if (grant.mode === 'profile-bound') deps.state.users.get(session.userId)?.grants.push(grant);
  else session.grants.push(grant);
  return grant;
}
