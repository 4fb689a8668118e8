/**
 * Typed, never-throwing readers for the claims the inspector reasons about, and the checks a step-up server
 * applies to a custom-step verification token. Claims come from decoded (unverified) tokens, so every field is
 * read defensively: a value of the wrong type is treated as absent.
 */
import type { CheckStatus } from '../dpop/types.ts';
import { parseScopes } from './scopes.ts';
import { formatEpochSeconds } from './time.ts';
import { isRecord } from '../util.ts';

/** One step of a multi-step challenge (`steps[]` in the challenge token). */
export interface ChallengeStep {
  key: string;
  order: number;
  done: boolean;
  /** Seconds the step may take (`expiration_duration`), when given. */
  expirationDuration?: number;
}

/** The claims of a challenge token that lists its steps (`challenge_id`, `current_step`, `steps`). */
export interface ChallengeClaims {
  challengeId?: string;
  /** `verify_sms`, `verify_email`, `verify_passkey`, a custom key, or `completed`. */
  currentStep?: string;
  /** Sorted by `order`; malformed entries dropped. */
  steps: ChallengeStep[];
  scopeRequested?: string;
  /** `single-use` | `session-bound` | `profile-bound` | `session-start` | `oauth-email-link`, kept as sent. */
  grantMode?: string;
  sub?: string;
  sid?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  metadata?: Record<string, unknown>;
}

/** The claims of an access token (a step-up API's own, or any RFC 9068-style token). */
export interface AccessClaims {
  sub?: string;
  sid?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  /** From `scope` (space-separated), or `scp` (array) when `scope` is absent. */
  scopes: string[];
  /** `cnf.jkt`: the DPoP key thumbprint the token is bound to (RFC 9449 §6), when present. */
  cnfJkt?: string;
  /** Authentication context class (OpenID Connect `acr`, carried in access tokens per RFC 9068). */
  acr?: string;
  /** `auth_time`, epoch seconds. */
  authTime?: number;
}

/** The claims of a custom-step verification token minted by the app's backend. */
export interface VerificationClaims {
  sub?: string;
  challengeId?: string;
  key?: string;
  status?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
}

/** Reads a challenge token's claims. Never throws; `claims` may be anything. */
export function readChallengeClaims(claims: unknown): ChallengeClaims {
  const c = asRecord(claims);
  const steps = Array.isArray(c['steps']) ? c['steps'].flatMap(readStep) : [];
  // Array.prototype.sort is stable (ES2019), so steps sharing an order keep the server's order.
  steps.sort((a, b) => a.order - b.order);
  const metadata = c['metadata'];
  return dropUndefined({
    challengeId: str(c['challenge_id']),
    currentStep: str(c['current_step']),
    steps,
    scopeRequested: str(c['scope_requested']),
    grantMode: str(c['grant_mode']),
    sub: str(c['sub']),
    sid: str(c['sid']),
    exp: num(c['exp']),
    iat: num(c['iat']),
    jti: str(c['jti']),
    metadata: isRecord(metadata) ? metadata : undefined,
  });
}

/** A step needs a string `key` and a numeric `order`; `done` defaults to false when absent but not when mistyped. */
function readStep(value: unknown): ChallengeStep[] {
  if (!isRecord(value)) return [];
  const key = str(value['key']);
  const order = num(value['order']);
  const done = value['done'] ?? false;
  if (key === undefined || key.length === 0 || order === undefined || typeof done !== 'boolean') return [];
  const expirationDuration = num(value['expiration_duration']);
  return [expirationDuration === undefined ? { key, order, done } : { key, order, done, expirationDuration }];
}

/** Reads an access token's claims. Never throws; `claims` may be anything. */
export function readAccessClaims(claims: unknown): AccessClaims {
  const c = asRecord(claims);
  const cnf = c['cnf'];
  return dropUndefined({
    sub: str(c['sub']),
    sid: str(c['sid']),
    exp: num(c['exp']),
    iat: num(c['iat']),
    iss: str(c['iss']),
    scopes: parseScopes(c['scope'] ?? c['scp']),
    cnfJkt: isRecord(cnf) ? str(cnf['jkt']) : undefined,
    acr: str(c['acr']),
    authTime: num(c['auth_time']),
  });
}

/** Reads a verification token's claims. Never throws; `claims` may be anything. */
export function readVerificationClaims(claims: unknown): VerificationClaims {
  const c = asRecord(claims);
  return dropUndefined({
    sub: str(c['sub']),
    challengeId: str(c['challenge_id']),
    key: str(c['key']),
    status: str(c['status']),
    exp: num(c['exp']),
    nbf: num(c['nbf']),
    iat: num(c['iat']),
    jti: str(c['jti']),
  });
}

/** The checks {@link checkVerificationToken} runs, in the order it returns them. */
export type VerificationCheckId = 'sub' | 'challenge_id' | 'key' | 'status' | 'exp' | 'nbf' | 'jti_unique';

/** One row of the verification-token checklist (the same shape as a DPoP check, without an RFC section). */
export interface VerificationCheck {
  id: VerificationCheckId;
  status: CheckStatus;
  /** One-line plain-words result naming the actual and expected values. */
  detail: string;
}

/**
 * Checks a custom-step verification token against the challenge token it was sent with (on `/stepup/continue`),
 * as the step-up server does: `sub` and `challenge_id` equal the challenge's, `key` equals the challenge's
 * `current_step`, `status` is `completed`, `exp`/`nbf` hold at `nowMs` (no leeway: the server's clock decides,
 * and the capture time is the best estimate of it), and `jti` was not used before (reuse → `token_reused`).
 * The signature is not checked here: it needs the app's JWKS.
 *
 * @param seenJtis jtis of verification tokens already sent in this session; without it `jti_unique` is `n/a`
 *   unless the jti is missing.
 */
export function checkVerificationToken(
  verification: VerificationClaims,
  challenge: ChallengeClaims,
  nowMs: number,
  seenJtis?: ReadonlySet<string>,
): VerificationCheck[] {
  const nowSec = nowMs / 1000;
  const rows: VerificationCheck[] = [
    compare('sub', 'sub', verification.sub, 'the challenge sub', challenge.sub),
    compare('challenge_id', 'challenge_id', verification.challengeId, 'the challenge', challenge.challengeId),
    compare('key', 'key', verification.key, "the challenge's current_step", challenge.currentStep),
  ];

  if (verification.status === 'completed') rows.push(row('status', 'pass', 'status is "completed"'));
  else if (verification.status === undefined)
    rows.push(row('status', 'fail', 'no status; it must be "completed"'));
  else rows.push(row('status', 'fail', `status is "${verification.status}" but must be "completed"`));

  if (verification.exp === undefined) rows.push(row('exp', 'fail', 'no exp; the token must expire'));
  else if (!Number.isFinite(nowSec)) rows.push(row('exp', 'n/a', 'no request time to compare exp with'));
  else if (verification.exp <= nowSec) {
    rows.push(
      row(
        'exp',
        'fail',
        `expired at ${formatEpochSeconds(verification.exp)}, before the request at ${at(nowMs)}`,
      ),
    );
  } else rows.push(row('exp', 'pass', `valid until ${formatEpochSeconds(verification.exp)}`));

  if (verification.nbf === undefined)
    rows.push(row('nbf', 'warn', 'no nbf; verification tokens are documented with one'));
  else if (!Number.isFinite(nowSec)) rows.push(row('nbf', 'n/a', 'no request time to compare nbf with'));
  else if (verification.nbf > nowSec) {
    rows.push(
      row(
        'nbf',
        'fail',
        `not valid before ${formatEpochSeconds(verification.nbf)}, after the request at ${at(nowMs)}`,
      ),
    );
  } else rows.push(row('nbf', 'pass', `valid since ${formatEpochSeconds(verification.nbf)}`));

  if (verification.jti === undefined)
    rows.push(row('jti_unique', 'fail', 'no jti; the server cannot detect reuse'));
  else if (seenJtis === undefined)
    rows.push(row('jti_unique', 'n/a', 'no earlier verification tokens to compare'));
  else if (seenJtis.has(verification.jti)) {
    rows.push(row('jti_unique', 'fail', `jti ${verification.jti} was already used; expect token_reused`));
  } else rows.push(row('jti_unique', 'pass', `jti ${verification.jti} not seen before`));

  return rows;
}

function compare(
  id: VerificationCheckId,
  claim: string,
  actual: string | undefined,
  expectedLabel: string,
  expected: string | undefined,
): VerificationCheck {
  if (actual === undefined) return row(id, 'fail', `no ${claim} in the verification token`);
  if (expected === undefined) return row(id, 'warn', `${claim} is "${actual}"; ${expectedLabel} is unknown`);
  if (actual === expected) return row(id, 'pass', `${claim} "${actual}" matches ${expectedLabel}`);
  return row(id, 'fail', `${claim} is "${actual}" but ${expectedLabel} is "${expected}"`);
}

function row(id: VerificationCheckId, status: CheckStatus, detail: string): VerificationCheck {
  return { id, status, detail };
}

function at(ms: number): string {
  return formatEpochSeconds(Math.floor(ms / 1000));
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Keeps optional fields truly absent (not `undefined`), so results compare cleanly with `toEqual` and in JSON. */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
