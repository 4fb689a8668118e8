/**
 * What the app receives from `@prelude.so/js-sdk` for a Session API answer: the class of the error its call
 * rejects with, a re-send the SDK makes first, or a success it reports whatever the body said. The server's
 * `code` is one thing; the class the app's `catch` sees is another, and the vendor docs test classes the SDK
 * never throws (`err instanceof PrldErrors.BadCheckCode`). Every row here was read in the SDK's shipped code and
 * seen running it (0.6.0); for any other version the texts say what 0.6.0 does and that the version was not
 * verified.
 */
import type { ClientBodyShape } from '../../http/body.ts';

/** The only release whose error paths were read in its code and run. */
export const VERIFIED_SDK_VERSION = '0.6.0';

/** The SDK's version, from its `X-SDK-User-Agent` request header. */
export interface SdkVersion {
  /** `major.minor.patch[-pre][+build]`, rebuilt from what was parsed, so safe to print. */
  version: string;
  /** Whether it is {@link VERIFIED_SDK_VERSION} exactly. */
  verified: boolean;
}

/** A real header is about 40 characters; anything much longer is not the SDK's. */
const MAX_USER_AGENT_LENGTH = 200;
const NUMBER = '(0|[1-9][0-9]{0,5})';
const IDENTIFIERS = '[0-9A-Za-z-]{1,20}(?:\\.[0-9A-Za-z-]{1,20}){0,4}';
/** `Prelude/0.6.0 Core/<core> (Web)`: the JS SDK's own fingerprint (the native SDKs send `User-Agent` instead). */
const USER_AGENT = new RegExp(
  `^Prelude/${NUMBER}\\.${NUMBER}\\.${NUMBER}(-${IDENTIFIERS})?(\\+${IDENTIFIERS})?(?: +Core/[0-9A-Za-z.+_-]{1,40})? +\\(Web\\)$`,
);

/**
 * Reads the JS SDK's version from its `X-SDK-User-Agent` values. Undefined unless there is exactly one distinct
 * value and it has the SDK's exact shape: header values come from pages and files, so anything else (another
 * client, a native SDK's string, an edited or oversized value, two different values) says nothing about the SDK.
 */
export function parseSdkUserAgent(values: readonly unknown[]): SdkVersion | undefined {
  let value: string | undefined;
  for (const candidate of values) {
    if (typeof candidate !== 'string') return undefined;
    if (value !== undefined && candidate !== value) return undefined;
    value = candidate;
  }
  if (value === undefined || value.length > MAX_USER_AGENT_LENGTH) return undefined;
  const match = USER_AGENT.exec(value.trim());
  if (!match) return undefined;
  const version = `${match[1]}.${match[2]}.${match[3]}${match[4] ?? ''}${match[5] ?? ''}`;
  return { version, verified: version === VERIFIED_SDK_VERSION };
}

/** The `PrldErrors` members: `err.name` of each and the message it takes when the body has none. */
export const PRLD_ERRORS = {
  Generic: { name: 'GenericError', fallback: 'Unknown error' },
  Unauthorized: { name: 'UnauthorizedError', fallback: 'Unauthorized' },
  Forbidden: { name: 'ForbiddenError', fallback: 'Forbidden' },
  BadRequest: { name: 'BadRequestError', fallback: 'Bad request' },
  NotFound: { name: 'NotFoundError', fallback: 'Not found' },
  InternalServer: { name: 'InternalServerError', fallback: 'Internal server error' },
  RateLimited: { name: 'RateLimitedError', fallback: 'Rate limited' },
  InvalidPassword: { name: 'InvalidPasswordError', fallback: 'Invalid password' },
  Conflict: { name: 'ConflictError', fallback: 'Conflict' },
  UnprocessableEntity: { name: 'UnprocessableEntityError', fallback: null },
  ExpiredChallengeToken: { name: 'ExpiredChallengeTokenError', fallback: 'Expired challenge token' },
  InvalidChallengeToken: { name: 'InvalidChallengeTokenError', fallback: 'Invalid challenge token' },
  InvalidVerificationToken: { name: 'InvalidVerificationTokenError', fallback: 'Invalid verification token' },
  TokenMismatch: { name: 'TokenMismatchError', fallback: 'Token mismatch' },
  StepNotCompleted: { name: 'StepNotCompletedError', fallback: 'Step not completed' },
  StepNotFound: { name: 'StepNotFoundError', fallback: 'Step not found' },
  StepBypassed: { name: 'StepBypassedError', fallback: 'Step bypassed' },
  StepUpNotConfigured: { name: 'StepUpNotConfiguredError', fallback: 'Not configured' },
  ScopeNotAllowed: { name: 'ScopeNotAllowedError', fallback: 'Scope not allowed' },
  TokenReused: { name: 'TokenReusedError', fallback: 'Token reused' },
  InvalidMetadata: { name: 'InvalidMetadataError', fallback: 'Invalid metadata' },
  MissingChallengeToken: { name: 'MissingChallengeTokenError', fallback: null },
  BadCheckCode: { name: 'BadCheckCodeError', fallback: null },
} as const;

/** A `PrldErrors` member name (`BadRequest`, `BadCheckCode`…). */
export type PrldErrorKey = keyof typeof PRLD_ERRORS;

/**
 * 0.6.0's `throwAPIError(code, message)`: the class for each `code`. Every other code, and a body without a
 * string `code`, is `Generic`. No code maps to `UnprocessableEntity`, `MissingChallengeToken` or `BadCheckCode`.
 */
export const SDK_CODE_CLASSES: ReadonlyMap<string, PrldErrorKey> = new Map<string, PrldErrorKey>([
  ['unauthorized', 'Unauthorized'],
  ['forbidden', 'Forbidden'],
  ['auth_blocked', 'Forbidden'],
  ['bad_request', 'BadRequest'],
  ['invalid_identifier', 'BadRequest'],
  ['oauth_provider_not_configured', 'BadRequest'],
  ['oauth_provider_disabled', 'BadRequest'],
  ['invalid_redirect_uri', 'BadRequest'],
  ['bad_check_code', 'BadRequest'],
  ['invalid_dpop_proof', 'BadRequest'],
  ['use_dpop_nonce', 'BadRequest'],
  ['dpop_key_mismatch', 'BadRequest'],
  ['missing_dpop_proof', 'BadRequest'],
  ['invalid_pagination_limit', 'BadRequest'],
  ['invalid_pagination_offset', 'BadRequest'],
  ['not_found', 'NotFound'],
  ['internal', 'InternalServer'],
  ['rate_limited', 'RateLimited'],
  ['invalid_password', 'InvalidPassword'],
  ['conflict', 'Conflict'],
  ['identifier_already_exists', 'Conflict'],
  ['expired_challenge_token', 'ExpiredChallengeToken'],
  ['invalid_challenge_token', 'InvalidChallengeToken'],
  ['invalid_verification_token', 'InvalidVerificationToken'],
  ['token_mismatch', 'TokenMismatch'],
  ['step_not_completed', 'StepNotCompleted'],
  ['step_not_found', 'StepNotFound'],
  ['step_bypassed', 'StepBypassed'],
  ['not_configured', 'StepUpNotConfigured'],
  ['scope_not_allowed', 'ScopeNotAllowed'],
  ['token_reused', 'TokenReused'],
  ['invalid_metadata', 'InvalidMetadata'],
]);

/** Why an app tests a class that 0.6.0 never throws for the code: where that class comes from. */
export const DOCUMENTED_CLASSES: ReadonlyMap<string, { key: PrldErrorKey; source: string }> = new Map([
  [
    'bad_check_code',
    {
      key: 'BadCheckCode',
      source: "Prelude's step-up and password-reset guides test `err instanceof PrldErrors.BadCheckCode`",
    },
  ],
  [
    'missing_challenge_token',
    {
      key: 'MissingChallengeToken',
      source: 'the SDK exports a class named after this code, but throws it only from its own cache check',
    },
  ],
] as const);

/**
 * How the SDK sends a call, which decides what it does with an answer before the app sees it: `session-proof`
 * calls go through its DPoP layer (nonce re-send; a body it cannot parse is re-sent), `bearer` calls through
 * its access-token layer (a 401 refreshes and re-sends), `plain` through neither.
 */
export type SdkCallKind = 'plain' | 'session-proof' | 'bearer';

/** One SDK call: the method the app called and how the SDK sends it. */
export interface SdkCall {
  method: string;
  kind: SdkCallKind;
  /**
   * What a 2xx answer must carry (a truthy `field`, or any truthy body when there is no field), and the plain
   * `Error` the call throws without it.
   */
  needs?: { field?: string; error: string };
}

/** The Session API calls 0.6.0 makes, by endpoint key; it makes no other (no password reset, no passkeys). */
const SDK_CALLS: ReadonlyMap<string, SdkCall> = new Map<string, SdkCall>([
  ['login.otp', { method: 'startOTPLogin', kind: 'plain' }],
  ['login.otp.check', { method: 'checkOTP', kind: 'session-proof' }],
  ['login.otp.retry', { method: 'retryOTP', kind: 'plain' }],
  ['login.password', { method: 'loginWithPassword', kind: 'plain' }],
  ['login.signup', { method: 'signUpWithEmail', kind: 'plain' }],
  ['login.oauth.authorize', { method: 'initiateOAuthLogin', kind: 'plain' }],
  ['login.finalize', { method: 'the login finalize step', kind: 'session-proof' }],
  [
    'refresh',
    { method: 'refresh', kind: 'session-proof', needs: { field: 'access_token', error: 'No access token' } },
  ],
  ['revoke', { method: 'logout', kind: 'session-proof' }],
  ['me.list', { method: 'listSessions', kind: 'bearer' }],
  ['me.revoke', { method: 'revokeSessions', kind: 'bearer' }],
  ['password.compliancy', { method: 'getPasswordCompliancy', kind: 'plain' }],
  [
    'stepup.request',
    { method: 'requestStepUp', kind: 'bearer', needs: { error: 'Failed to request step-up' } },
  ],
  ['otp.send', { method: 'otpCreate', kind: 'plain' }],
  [
    'otp.check',
    {
      method: 'otpCheck',
      kind: 'plain',
      needs: { field: 'challenge_token', error: 'Failed to check step-up OTP' },
    },
  ],
  ['otp.retry', { method: 'otpRetry', kind: 'plain' }],
  [
    'stepup.continue',
    {
      method: 'continueStepUp',
      kind: 'bearer',
      needs: { field: 'challenge_token', error: 'Failed to advance step-up challenge' },
    },
  ],
]);

/**
 * The SDK call behind an endpoint, or undefined for an endpoint 0.6.0 never calls. `withProof`: the request
 * carried a DPoP header (`logout` without a stored key sends none and skips the DPoP layer).
 */
export function sdkCallFor(endpoint: string, withProof: boolean): SdkCall | undefined {
  const call = SDK_CALLS.get(endpoint);
  if (call === undefined) return undefined;
  return endpoint === 'revoke' && !withProof ? { ...call, kind: 'plain' } : call;
}

/** A response body as the SDK's `res.json()` would meet it. */
export type SdkBody = ClientBodyShape;

/** One answer to an SDK call. */
export interface SdkAnswer {
  /** HTTP status; 0 when no response arrived. */
  status: number;
  body: SdkBody;
  /**
   * The response's `DPoP-Nonce` header as the page sees it: `hidden` when it is there but a cross-origin page
   * cannot read it (not listed in `Access-Control-Expose-Headers`).
   */
  dpopNonce: 'readable' | 'hidden' | 'absent';
}

/** The error a call rejects with. */
export interface SdkError {
  /** `err.name`: a `PrldErrors` class, or `SyntaxError`, `TypeError`, `Error`. */
  name: string;
  /** The `PrldErrors` member, when it is one. */
  key?: PrldErrorKey;
  /** `err.message`. */
  message: string;
}

/** What the app's call does with the answer. */
export type SdkReceives =
  | { kind: 'resolves'; errorCode?: string }
  | { kind: 'rejects'; error: SdkError; requests: 1 | 3 }
  | { kind: 'resends'; reason: 'no_response' }
  | { kind: 'resends'; reason: 'nonce' }
  /** `ifRefreshFails`: this answer's error (when the body was captured), which the app gets if the refresh fails. */
  | { kind: 'resends'; reason: 'unauthorized'; ifRefreshFails?: SdkError }
  | { kind: 'unknown' };

/** Why the class the app receives is not the one it is likely to test. */
export type SdkTrap =
  /** The docs or the SDK's naming point at a class 0.6.0 never throws for this code. */
  | { kind: 'documented'; key: PrldErrorKey; source: string }
  /** No class of its own: `GenericError`, which carries no code. */
  | { kind: 'no_class'; code: string }
  /** HTTP 422, but the status is ignored: never `UnprocessableEntity`. */
  | { kind: 'status_422' }
  /** An error body on a 2xx answer, reported as success. */
  | { kind: 'error_as_success'; code: string };

/** The SDK's handling of one answer, per 0.6.0. */
export interface SdkOutcome {
  call: SdkCall;
  /** The error code of the body, when it has a string one. */
  code?: string;
  receives: SdkReceives;
  trap?: SdkTrap;
  /** For a use_dpop_nonce the SDK could not answer: whether the response had no nonce or hid it. */
  nonce?: 'absent' | 'hidden';
}

const MAX_MESSAGE_LENGTH = 120;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `err.message` as `new XError(body.message || fallback)` makes it. */
function errorMessage(raw: unknown, fallback: string): string {
  if (raw === undefined || raw === null || raw === false || raw === 0 || raw === '') return fallback;
  const text = typeof raw === 'string' ? raw : isRecord(raw) ? '[object Object]' : String(raw);
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/** The error 0.6.0 throws for a parsed error body (its `throwAPIError`). */
function errorOfBody(value: unknown): { error: SdkError; code?: string } {
  const code = isRecord(value) && typeof value['code'] === 'string' ? value['code'] : undefined;
  // `body.code` and `body.message` of a JSON string, number or array are undefined, as in the SDK.
  const message = isRecord(value) ? value['message'] : undefined;
  const key = (code !== undefined ? SDK_CODE_CLASSES.get(code) : undefined) ?? 'Generic';
  const entry = PRLD_ERRORS[key];
  const error: SdkError = { name: entry.name, key, message: errorMessage(message, entry.fallback ?? '') };
  return code !== undefined ? { error, code } : { error };
}

function unparsable(body: SdkBody): SdkError | undefined {
  if (body.kind === 'empty' || body.kind === 'not_json')
    return { name: 'SyntaxError', message: 'the body is not JSON' };
  // `null.code` is read before any class is chosen.
  if (body.kind === 'json' && body.value === null)
    return { name: 'TypeError', message: 'the body is JSON null' };
  return undefined;
}

function trapOf(code: string | undefined, status: number, error: SdkError): SdkTrap | undefined {
  if (code !== undefined) {
    const documented = DOCUMENTED_CLASSES.get(code);
    if (documented !== undefined) return { kind: 'documented', ...documented };
    if (error.key === 'Generic') return { kind: 'no_class', code };
  }
  if (status === 422) return { kind: 'status_422' };
  return undefined;
}

function meets(needs: NonNullable<SdkCall['needs']>, value: unknown): boolean {
  if (needs.field === undefined) return Boolean(value);
  return isRecord(value) && Boolean(value[needs.field]);
}

function success(call: SdkCall, answer: SdkAnswer): SdkOutcome {
  const { body } = answer;
  if (body.kind === 'unknown') return { call, receives: { kind: 'unknown' } };
  // 204 is never parsed; every other 2xx is.
  if (answer.status !== 204) {
    const broken = unparsable(body);
    if (broken?.name === 'SyntaxError')
      return { call, receives: { kind: 'rejects', error: broken, requests: 1 } };
  }
  const value = answer.status !== 204 && body.kind === 'json' ? body.value : undefined;
  const code = isRecord(value) && typeof value['code'] === 'string' ? value['code'] : undefined;
  const withCode =
    code !== undefined ? { call, code, trap: { kind: 'error_as_success', code } as const } : { call };
  if (call.needs !== undefined && !meets(call.needs, value)) {
    const error = { name: 'Error', message: call.needs.error };
    return { ...withCode, receives: { kind: 'rejects', error, requests: 1 } };
  }
  return {
    ...withCode,
    receives: code !== undefined ? { kind: 'resolves', errorCode: code } : { kind: 'resolves' },
  };
}

/**
 * What the app's call receives from 0.6.0 for one answer. `call` from {@link sdkCallFor}. Undefined for 1xx and
 * 3xx statuses, which the SDK's `fetch` never hands back to it.
 */
export function sdkOutcome(call: SdkCall, answer: SdkAnswer): SdkOutcome | undefined {
  const { status, body } = answer;
  if (status === 0) return { call, receives: { kind: 'resends', reason: 'no_response' } };
  if (status >= 200 && status < 300) return success(call, answer);
  if (status < 400 || status > 599) return undefined;
  // The access-token layer looks at the status alone, before anything reads the body.
  const refreshes = call.kind === 'bearer' && status === 401;
  if (body.kind === 'unknown') {
    return { call, receives: refreshes ? { kind: 'resends', reason: 'unauthorized' } : { kind: 'unknown' } };
  }
  const broken = unparsable(body);
  if (broken !== undefined) {
    if (refreshes)
      return { call, receives: { kind: 'resends', reason: 'unauthorized', ifRefreshFails: broken } };
    // The DPoP layer parses an error body inside the SDK's re-send loop: a parse that throws is re-sent.
    const requests = call.kind === 'session-proof' ? 3 : 1;
    return { call, receives: { kind: 'rejects', error: broken, requests } };
  }
  const { error, code } = errorOfBody(body.kind === 'json' ? body.value : undefined);
  const trap = trapOf(code, status, error);
  const withCode = { call, ...(code !== undefined ? { code } : {}), ...(trap !== undefined ? { trap } : {}) };
  if (refreshes)
    return { ...withCode, receives: { kind: 'resends', reason: 'unauthorized', ifRefreshFails: error } };
  if (call.kind === 'session-proof' && code === 'use_dpop_nonce') {
    if (answer.dpopNonce === 'readable')
      return { ...withCode, receives: { kind: 'resends', reason: 'nonce' } };
    const noNonce: SdkError = {
      name: 'GenericError',
      key: 'Generic',
      message: 'Server requested nonce but did not provide one',
    };
    return {
      ...withCode,
      receives: { kind: 'rejects', error: noNonce, requests: 3 },
      nonce: answer.dpopNonce,
    };
  }
  return { ...withCode, receives: { kind: 'rejects', error, requests: 1 } };
}

/** Which finding the text is attached to, for the words that depend on it. */
export interface DescribeOptions {
  /** The answer was a code check on a challenge that had expired. */
  expired?: boolean;
}

function className(error: SdkError): string {
  return error.key !== undefined ? `${error.name} (PrldErrors.${error.key})` : error.name;
}

function rejection(error: SdkError): string {
  return `${className(error)}, message "${error.message}"`;
}

function receivesText(outcome: SdkOutcome): string {
  const { method } = outcome.call;
  const r = outcome.receives;
  switch (r.kind) {
    case 'resolves':
      return r.errorCode !== undefined
        ? `${method} resolves: a 2xx answer counts as success whatever its body, so this ${r.errorCode} never reaches the app as an error`
        : `${method} resolves`;
    case 'rejects': {
      const times = r.requests === 3 ? ', after sending this request 3 times' : '';
      if (r.error.name === 'SyntaxError')
        return `${method} rejects with SyntaxError${times}: the SDK parses ${outcome.call.kind === 'session-proof' ? 'this error body' : 'every answer but a 204'} as JSON and this body is not JSON`;
      if (r.error.name === 'TypeError')
        return `${method} rejects with TypeError${times}: the body is JSON null, and the SDK reads its code`;
      if (r.error.name === 'Error') {
        const field = outcome.call.needs?.field;
        return `${method} rejects with Error("${r.error.message}"): ${field !== undefined ? `the 2xx body has no ${field}` : 'the 2xx answer has no body'}`;
      }
      const nonce =
        outcome.nonce === 'hidden'
          ? ": the page cannot read this response's DPoP-Nonce, which Access-Control-Expose-Headers does not list"
          : outcome.nonce === 'absent'
            ? ': this response has no DPoP-Nonce to sign with'
            : '';
      return `${method} rejects with ${rejection(r.error)}${times}${nonce}`;
    }
    case 'resends':
      if (r.reason === 'no_response')
        return `${method} re-sends a request that gets no response (3 tries in all, each with a timeout that doubles), then rejects with TypeError or Error("Timeout when executing 'fetch'"); an identical request right after this one is that re-send`;
      if (r.reason === 'nonce')
        return `${method} signs a new proof with this response's DPoP-Nonce and re-sends once; only the re-send's answer reaches the app (use_dpop_nonce again: BadRequestError)`;
      return `${method} drops its access token, refreshes and re-sends this request once; the app sees the re-send's answer, or, if the refresh fails, this answer${r.ifRefreshFails !== undefined ? ` as ${rejection(r.ifRefreshFails)}` : "'s error"}`;
    case 'unknown':
      return `what ${method} received cannot be told: the response body was not captured whole`;
  }
}

function trapText(outcome: SdkOutcome, options: DescribeOptions): string {
  const trap = outcome.trap;
  const { method } = outcome.call;
  if (trap === undefined) return '';
  switch (trap.kind) {
    case 'documented':
      if (trap.key === 'BadCheckCode') {
        const never = ` Never PrldErrors.BadCheckCode: ${trap.source}, which is always false in 0.6.0`;
        const test = `test \`err instanceof PrldErrors.BadRequest\` (or \`err.name === 'BadRequestError'\`)`;
        if (options.expired)
          return (
            `${never}, and an expired challenge gets the same BadRequestError as a wrong code, with no code to tell them apart.` +
            ` Fix: in the catch of ${method}, ${test}; to say "expired" rather than "wrong", compare the challenge token's exp with the time ${method} failed.`
          );
        return (
          `${never}, so a wrong-code branch written that way never runs.` +
          ` Fix: in the catch of ${method}, ${test}; the error carries no code, so on ${method} it means a wrong or expired code unless the proof was refused (invalid_dpop_proof, dpop_key_mismatch and missing_dpop_proof are BadRequestError too).`
        );
      }
      return (
        ` Not PrldErrors.${trap.key}: ${trap.source}, before any request, so \`err instanceof PrldErrors.${trap.key}\` misses this answer.` +
        ` Fix: after ${method}, treat \`err instanceof PrldErrors.Generic\` (\`err.name === 'GenericError'\`) the same way.`
      );
    case 'no_class':
      return (
        ` 0.6.0 has no class for ${trap.code}: a code it does not know becomes GenericError, whatever the HTTP status, and the error carries no code.` +
        ` Fix: test \`err instanceof PrldErrors.Generic\` (\`err.name === 'GenericError'\`) and show err.message.`
      );
    case 'status_422':
      return ' HTTP 422 does not make it PrldErrors.UnprocessableEntity: the SDK ignores the status and never throws that class; test the class above.';
    case 'error_as_success':
      return ` Fix the server (or the proxy in front of it): the SDK reads an error only from a non-2xx answer, so ${trap.code} must come with a 4xx or 5xx status.`;
  }
}

/**
 * One or two sentences on what the app receives, for a finding's message or an exchange note: the class and
 * message the call rejects with (or its re-send, or its success), then the trap and its fix when there is one.
 */
export function describeSdkOutcome(
  sdk: SdkVersion,
  outcome: SdkOutcome,
  options: DescribeOptions = {},
): string {
  const lead = sdk.verified
    ? `Prelude JS SDK ${sdk.version}:`
    : `Prelude JS SDK ${sdk.version} (this version was not verified; what follows is what ${VERIFIED_SDK_VERSION} does):`;
  return `${lead} ${receivesText(outcome)}.${trapText(outcome, options)}`;
}
