/**
 * What the app receives from `@dynamic-labs-sdk/client` for a Dynamic API answer, for requests that carry its
 * `x-dyn-version: ClientSDK/<version>`. Read in the client's shipped code (1.27.1); for any other version the
 * texts say what 1.27.1 does and that the version was not verified. Two answers surprise an app: a failed
 * `stepUp/check`, which `checkStepUpAuth` turns into "step-up required, no credentials" without a word, and an
 * error the API answers without a JSON `error` string, which the client throws as the raw `Response` (no
 * `message`). sdk-model.ts puts these into findings and notes.
 */
import type { ClientBodyShape } from '../../http/body.ts';

/** The only client release whose error paths were read in its code and run. */
export const VERIFIED_CLIENT_VERSION = '1.27.1';

/** The client's version, from `x-dyn-version`. */
export interface ClientSdkVersion {
  /** Rebuilt from what was parsed, so safe to print. */
  version: string;
  verified: boolean;
}

const MAX_VERSION_LENGTH = 100;
const NUMBER = '(0|[1-9][0-9]{0,5})';
const IDENTIFIERS = '[0-9A-Za-z-]{1,20}(?:\\.[0-9A-Za-z-]{1,20}){0,4}';
/** `ClientSDK/1.27.1`: other Dynamic SDKs (the React SDK's `WalletKit/…`) name themselves otherwise. */
const CLIENT_VERSION = new RegExp(
  `^ClientSDK/${NUMBER}\\.${NUMBER}\\.${NUMBER}(-${IDENTIFIERS})?(\\+${IDENTIFIERS})?$`,
);

/**
 * Reads the client's version from its `x-dyn-version` values. Undefined unless there is exactly one distinct value
 * of exactly that shape: values come from pages and files.
 */
export function parseClientSdkVersion(values: readonly unknown[]): ClientSdkVersion | undefined {
  let value: string | undefined;
  for (const candidate of values) {
    if (typeof candidate !== 'string') return undefined;
    if (value !== undefined && candidate !== value) return undefined;
    value = candidate;
  }
  if (value === undefined || value.length > MAX_VERSION_LENGTH) return undefined;
  const match = CLIENT_VERSION.exec(value.trim());
  if (!match) return undefined;
  const version = `${match[1]}.${match[2]}.${match[3]}${match[4] ?? ''}${match[5] ?? ''}`;
  return { version, verified: version === VERIFIED_CLIENT_VERSION };
}

/**
 * The client's `clientErrorMapper`: the error it throws instead of an `APIError` with these codes, with that
 * error's own `code` and `message` (the `APIError` becomes its `cause`).
 */
export const MAPPED_CLIENT_ERRORS: ReadonlyMap<string, { name: string; code: string; message: string }> =
  new Map([
    [
      'mfa_invalid_code',
      { name: 'MfaInvalidOtpError', code: 'mfa_invalid_otp_error', message: 'Invalid OTP' },
    ],
    [
      'mfa_rate_limited',
      { name: 'MfaRateLimitedError', code: 'mfa_rate_limited_error', message: 'Rate limited' },
    ],
    [
      'invalid_external_auth',
      {
        name: 'InvalidExternalAuthError',
        code: 'invalid_external_auth_error',
        message: 'Error authenticating with external JWT',
      },
    ],
    [
      'sandbox_maximum_threshold_reached',
      {
        name: 'SandboxMaximumThresholdReachedError',
        code: 'sandbox_maximum_threshold_reached_error',
        message:
          'Your sandbox environment has reached the maximum MAU. Please use a live environment for production traffic.',
      },
    ],
    [
      'merge_accounts_invalid',
      {
        name: 'LinkCredentialError',
        code: 'link_credential_error',
        message:
          'The credential you are trying to link is associated with another account and cannot be reassigned.',
      },
    ],
    [
      'reassign_wallet_error',
      {
        name: 'LinkCredentialError',
        code: 'link_credential_error',
        message:
          'The credential you are trying to link is associated with another account and cannot be reassigned.',
      },
    ],
  ]);

/** A response body as the client meets it. */
export type ClientBody = ClientBodyShape;

/** What a call rejects with for an error answer. */
export type ClientRejection =
  /**
   * `APIError` (`err.code`, `err.status`, `err.message` from the body's `code` and `error`), or the error it is
   * mapped to, whose `cause` is that APIError with `apiCode`.
   */
  | { kind: 'api_error'; name: string; code: string; message: string; status: number; apiCode?: string }
  /** 401 without an `error` string. */
  | { kind: 'unauthorized' }
  /** Any other status without an `error` string: the `Response` itself is thrown. */
  | { kind: 'response'; status: number }
  /** No response: fetch's `TypeError`; the client does not re-send. */
  | { kind: 'network' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_MESSAGE_LENGTH = 120;

function clip(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/**
 * What 1.27.1's call rejects with for a status of 400 and above, or no response (status 0). Undefined for any
 * other status, and when the body was not captured whole (the class depends on it).
 */
export function clientRejection(status: number, body: ClientBody): ClientRejection | undefined {
  if (status === 0) return { kind: 'network' };
  if (status < 400 || status > 599 || body.kind === 'unknown') return undefined;
  const value = body.kind === 'json' ? body.value : undefined;
  // APIError.fromResponse runs first, on any status from 400: a 401 with an `error` string is an APIError.
  if (isRecord(value) && typeof value['error'] === 'string') {
    const code = typeof value['code'] === 'string' ? value['code'] : 'unknown_error';
    const mapped = MAPPED_CLIENT_ERRORS.get(code);
    if (mapped !== undefined) return { kind: 'api_error', ...mapped, status, apiCode: code };
    return { kind: 'api_error', name: 'APIError', code, message: clip(value['error']), status };
  }
  if (status === 401) return { kind: 'unauthorized' };
  return { kind: 'response', status };
}

/** Why `checkStepUpAuth` fell back to "required". */
export interface CheckFailure {
  why: 'no_response' | 'error_status' | 'not_json' | 'no_credentials';
  /** The answer said `isRequired: false`, which the app never learns. */
  serverSaidNotRequired: boolean;
}

/**
 * Whether 1.27.1's `checkStepUpAuth` failed on this `stepUp/check` answer, and so returned
 * `{isRequired: true, credentials: []}`: no response, an error status, or a 2xx body its parser throws on (not
 * JSON, or no `credentials` array). Undefined when it read the answer, or when the body was not captured whole.
 */
export function checkFailure(status: number, body: ClientBody): CheckFailure | undefined {
  if (status === 0) return { why: 'no_response', serverSaidNotRequired: false };
  if (status >= 400 && status <= 599) return { why: 'error_status', serverSaidNotRequired: false };
  if (status < 200 || status > 299 || body.kind === 'unknown') return undefined;
  if (body.kind !== 'json' || body.value === null) return { why: 'not_json', serverSaidNotRequired: false };
  const value = body.value;
  if (isRecord(value) && Array.isArray(value['credentials'])) return undefined;
  return { why: 'no_credentials', serverSaidNotRequired: isRecord(value) && value['isRequired'] === false };
}

function lead(sdk: ClientSdkVersion): string {
  return sdk.verified
    ? `@dynamic-labs-sdk/client ${sdk.version}:`
    : `@dynamic-labs-sdk/client ${sdk.version} (this version was not verified; what follows is what ${VERIFIED_CLIENT_VERSION} does):`;
}

export const FAILURE_WORDS: Record<CheckFailure['why'], string> = {
  no_response: 'got no response',
  error_status: 'was refused',
  not_json: 'answered a body that is not JSON',
  no_credentials: 'answered without a credentials array',
};

/** What the app gets from `checkStepUpAuth` after a failed check, and what to do about it. */
export function describeCheckFailure(sdk: ClientSdkVersion, failure: CheckFailure): string {
  const contrary = failure.serverSaidNotRequired ? ', although the server answered isRequired: false' : '';
  return (
    `${lead(sdk)} checkStepUpAuth catches this failure and returns {isRequired: true, credentials: []} with no ` +
    `defaultCredentialId: the app never sees the error and is told step-up is required with no credential to offer${contrary}.` +
    ' Fix: treat an empty credentials list from checkStepUpAuth as a failed check (retry it, or say so) rather than as a step-up with nothing to choose.'
  );
}

/** What the call rejects with, and the trap when it is the raw `Response`. */
export function describeRejection(sdk: ClientSdkVersion, rejection: ClientRejection): string {
  switch (rejection.kind) {
    case 'api_error': {
      const detail =
        rejection.apiCode === undefined
          ? `err.code "${rejection.code}", err.status ${rejection.status}`
          : `err.code "${rejection.code}"; err.cause is the APIError with code "${rejection.apiCode}", status ${rejection.status}`;
      return `${lead(sdk)} the call rejects with ${rejection.name} (${detail}), message "${rejection.message}".`;
    }
    case 'unauthorized':
      return `${lead(sdk)} the call rejects with UnauthorizedError, message "Unauthorized".`;
    case 'network':
      return `${lead(sdk)} the call rejects with fetch's TypeError; the client does not re-send it.`;
    case 'response':
      return (
        `${lead(sdk)} the call rejects with the raw Response (err.status ${rejection.status}): the body has no JSON "error" string, ` +
        "so no APIError is made, and a Response is not an Error: err.message is undefined, and Dynamic's `console.error('Step-up failed:', error.message)` logs undefined." +
        ' Fix: test `err instanceof Response` before reading err.message (and make the API answer {"error", "code"}).'
      );
  }
}
