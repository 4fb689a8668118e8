/**
 * The error vocabulary of the Prelude Session API and how the emulator puts it on the wire.
 *
 * The JS SDK 0.6.0 maps errors on the body's `code` only (`le()` in dist/slim/session.js) and the native SDKs
 * do the same, so codes are the contract; HTTP statuses and the `type` field are plausible choices, written
 * down in docs/emulator.md. One status choice matters to the SDK: its Bearer middleware refreshes the session
 * and retries on any 401, so 401 is kept for "the access token or refresh token is not acceptable" and DPoP
 * failures answer 400 (as RFC 9449 §5 does for token endpoints).
 */

/** Every `code` the emulator can answer with (the SDK's and native SDKs' known codes). */
export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'auth_blocked'
  | 'bad_request'
  | 'invalid_identifier'
  | 'oauth_provider_not_configured'
  | 'oauth_provider_disabled'
  | 'invalid_redirect_uri'
  | 'bad_check_code'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'dpop_key_mismatch'
  | 'missing_dpop_proof'
  | 'invalid_pagination_limit'
  | 'invalid_pagination_offset'
  | 'not_found'
  | 'internal'
  | 'rate_limited'
  | 'invalid_password'
  | 'conflict'
  | 'identifier_already_exists'
  | 'expired_challenge_token'
  | 'invalid_challenge_token'
  | 'invalid_verification_token'
  | 'token_mismatch'
  | 'step_not_completed'
  | 'step_not_found'
  | 'step_bypassed'
  | 'not_configured'
  | 'scope_not_allowed'
  | 'token_reused'
  | 'invalid_metadata'
  | 'insufficient_scope'
  | 'missing_challenge_token'
  | 'direct_scope_identifier_mismatch';

/** The `type` field: a coarse family, in the style of Stripe-like APIs. [GUESS] */
export type ErrorType =
  'invalid_request_error' | 'authentication_error' | 'permission_error' | 'rate_limit_error' | 'api_error';

interface CodeInfo {
  status: number;
  type: ErrorType;
  message: string;
}

const INVALID = 'invalid_request_error';
const AUTHN = 'authentication_error';
const PERM = 'permission_error';

const CODES: Record<ErrorCode, CodeInfo> = {
  unauthorized: { status: 401, type: AUTHN, message: 'Unauthorized' },
  forbidden: { status: 403, type: PERM, message: 'Forbidden' },
  auth_blocked: { status: 403, type: PERM, message: 'Authentication blocked' },
  bad_request: { status: 400, type: INVALID, message: 'Bad request' },
  invalid_identifier: { status: 400, type: INVALID, message: 'Invalid identifier' },
  oauth_provider_not_configured: { status: 400, type: INVALID, message: 'OAuth provider not configured' },
  oauth_provider_disabled: { status: 400, type: INVALID, message: 'OAuth provider disabled' },
  invalid_redirect_uri: { status: 400, type: INVALID, message: 'Invalid redirect URI' },
  bad_check_code: { status: 400, type: INVALID, message: 'Bad check code' },
  invalid_dpop_proof: { status: 400, type: AUTHN, message: 'Invalid DPoP proof' },
  use_dpop_nonce: { status: 400, type: AUTHN, message: 'Authorization server requires nonce in DPoP proof' },
  dpop_key_mismatch: { status: 400, type: AUTHN, message: 'DPoP key does not match the session key' },
  missing_dpop_proof: { status: 400, type: AUTHN, message: 'Missing DPoP proof' },
  invalid_pagination_limit: { status: 400, type: INVALID, message: 'Invalid pagination limit' },
  invalid_pagination_offset: { status: 400, type: INVALID, message: 'Invalid pagination offset' },
  not_found: { status: 404, type: INVALID, message: 'Not found' },
  internal: { status: 500, type: 'api_error', message: 'Internal server error' },
  rate_limited: { status: 429, type: 'rate_limit_error', message: 'Rate limited' },
  invalid_password: { status: 400, type: INVALID, message: 'Invalid password' },
  conflict: { status: 409, type: INVALID, message: 'Conflict' },
  identifier_already_exists: { status: 409, type: INVALID, message: 'Identifier already exists' },
  expired_challenge_token: { status: 400, type: INVALID, message: 'Expired challenge token' },
  invalid_challenge_token: { status: 400, type: INVALID, message: 'Invalid challenge token' },
  invalid_verification_token: { status: 400, type: INVALID, message: 'Invalid verification token' },
  token_mismatch: { status: 400, type: INVALID, message: 'Token mismatch' },
  step_not_completed: { status: 400, type: INVALID, message: 'Step not completed' },
  step_not_found: { status: 400, type: INVALID, message: 'Step not found' },
  step_bypassed: { status: 400, type: INVALID, message: 'Step bypassed' },
  not_configured: { status: 403, type: PERM, message: 'Step-up is not configured' },
  scope_not_allowed: { status: 403, type: PERM, message: 'Scope not allowed' },
  token_reused: { status: 409, type: INVALID, message: 'Token reused' },
  invalid_metadata: { status: 400, type: INVALID, message: 'Invalid metadata' },
  insufficient_scope: { status: 403, type: PERM, message: 'Insufficient scope' },
  missing_challenge_token: { status: 400, type: INVALID, message: 'Missing challenge token' },
  direct_scope_identifier_mismatch: {
    status: 403,
    type: PERM,
    message: 'No direct step-up rule matches the user identifiers',
  },
};

/** Whether `code` is one the emulator knows (used to validate injected `error` faults). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(CODES, code);
}

/** The default HTTP status for a code. */
export function statusFor(code: ErrorCode): number {
  return CODES[code].status;
}

/** The body every non-2xx response carries. `request_id` is read by the native SDKs. */
export interface ErrorBody {
  code: string;
  message: string;
  type: ErrorType;
  request_id: string;
}

/** An API error thrown by a handler; the server turns it into `{code, message, type}`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: ErrorType;
  /** Extra response headers (e.g. a fresh `DPoP-Nonce` with `use_dpop_nonce`). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    const info = CODES[code];
    super(message ?? info.message);
    this.name = 'ApiError';
    this.code = code;
    this.status = options.status ?? info.status;
    this.type = info.type;
    this.headers = options.headers ?? {};
  }

  /** The JSON body for this error. */
  toBody(requestId: string): ErrorBody {
    return { code: this.code, message: this.message, type: this.type, request_id: requestId };
  }
}
