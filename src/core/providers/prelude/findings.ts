/**
 * Prelude's findings: one rule per error `code` the Session API returns (the `{"code","message","type"}` body of any
 * non-2xx answer), and the rules of its step-up flow (flow-findings.ts). The SDK maps errors on `code` only; HTTP
 * statuses are not part of the contract, so neither are they here.
 */
import type { FindingReference, FindingRule, Severity } from '../../findings/types.ts';
import type { ProviderFindings } from '../parts.ts';
import { PRELUDE_FLOW_RULES } from './flow-findings.ts';

/** Every error code listed for the Session API (JS SDK 0.6.0 and the native SDKs). */
export const PRELUDE_ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'auth_blocked',
  'bad_request',
  'invalid_identifier',
  'oauth_provider_not_configured',
  'oauth_provider_disabled',
  'invalid_redirect_uri',
  'bad_check_code',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'dpop_key_mismatch',
  'missing_dpop_proof',
  'invalid_pagination_limit',
  'invalid_pagination_offset',
  'not_found',
  'internal',
  'rate_limited',
  'invalid_password',
  'conflict',
  'identifier_already_exists',
  'expired_challenge_token',
  'invalid_challenge_token',
  'invalid_verification_token',
  'token_mismatch',
  'step_not_completed',
  'step_not_found',
  'step_bypassed',
  'not_configured',
  'scope_not_allowed',
  'token_reused',
  'invalid_metadata',
  'insufficient_scope',
  'missing_challenge_token',
  'direct_scope_identifier_mismatch',
] as const;

/** A Session API error code from {@link PRELUDE_ERROR_CODES}. */
export type PreludeErrorCode = (typeof PRELUDE_ERROR_CODES)[number];

/** The finding code of a Session API error: `prelude.<code>`, or `prelude.unknown_error` for a code not listed. */
export type PreludeErrorFindingCode = `prelude.${PreludeErrorCode}` | 'prelude.unknown_error';

const SESSION_MGMT: FindingReference = {
  label: 'Prelude: Session Management (web SDK)',
  url: 'https://docs.prelude.so/session/documentation/frontend-sdks/web/session-management',
};
const OTP_LOGIN: FindingReference = {
  label: 'Prelude: OTP Login (web SDK)',
  url: 'https://docs.prelude.so/session/documentation/frontend-sdks/web/otp',
};
const STEP_UP: FindingReference = {
  label: 'Prelude: Step-Up Authentication',
  url: 'https://docs.prelude.so/session/documentation/step-up-authentication',
};
const CUSTOM_STEPS: FindingReference = {
  label: 'Prelude: Custom Steps',
  url: 'https://docs.prelude.so/session/documentation/step-up-custom-steps',
};
const HOOK: FindingReference = {
  label: 'Prelude: Step-Up Hook Reference',
  url: 'https://docs.prelude.so/session/documentation/step-up-hook',
};
const SOCIAL: FindingReference = {
  label: 'Prelude: Social Login',
  url: 'https://docs.prelude.so/session/documentation/integration-guide/social-login/introduction',
};
const PASSWORD: FindingReference = {
  label: 'Prelude: Password Authentication',
  url: 'https://docs.prelude.so/session/documentation/integration-guide/password-authentication',
};
const RFC9449 = (section: string): FindingReference => ({
  label: `RFC 9449 §${section}`,
  url: `https://www.rfc-editor.org/rfc/rfc9449.html#section-${section}`,
});

type Entry = readonly [
  severity: Severity,
  title: string,
  explanation: string,
  fix: string,
  reference: FindingReference,
];

/** What each code means and what usually causes it. `satisfies` keeps this table complete. */
const ENTRIES = {
  unauthorized: [
    'warning',
    'Not authenticated',
    'The call needed a valid session and did not have one: no or expired access token, an expired or already ' +
      'rotated refresh token (refresh tokens are single-use), or, on /login/otp/check, an expired login verification.',
    'Refresh before calling (the SDK does), keep only the latest X-Refresh-Token, and log in again when refresh fails.',
    SESSION_MGMT,
  ],
  forbidden: [
    'warning',
    'Forbidden',
    'Authenticated, but not allowed to do this. Native SDKs also use it for a scope outside allowed_scopes.',
    'Check the user rights and the app configuration for this action.',
    STEP_UP,
  ],
  auth_blocked: [
    'error',
    'Authentication blocked',
    'Prelude blocked this authentication attempt (fraud prevention, or too many failures for this identifier).',
    'Show the user a way out (support, later retry); look at the signals in the Prelude dashboard.',
    OTP_LOGIN,
  ],
  bad_request: [
    'error',
    'Bad request',
    'The request body or parameters are malformed: missing fields, wrong types, or JSON the server could not read.',
    'Compare the body with the endpoint contract; with a custom client, check Content-Type: application/json.',
    SESSION_MGMT,
  ],
  invalid_identifier: [
    'warning',
    'Invalid identifier',
    'The phone number or email in `identifier` is not valid (phone numbers must be E.164, e.g. +14155551234).',
    'Validate and normalise the identifier before calling /login/otp.',
    OTP_LOGIN,
  ],
  oauth_provider_not_configured: [
    'error',
    'OAuth provider not configured',
    'The app has no configuration for the OAuth provider named in /login/oauth/{provider}/authorize.',
    'Configure the provider for this app, or remove the button.',
    SOCIAL,
  ],
  oauth_provider_disabled: [
    'error',
    'OAuth provider disabled',
    'The OAuth provider is configured but disabled for this app.',
    'Enable the provider, or hide it in the login UI.',
    SOCIAL,
  ],
  invalid_redirect_uri: [
    'error',
    'Invalid redirect URI',
    'The redirect_uri is not in the allowed list for the OAuth configuration.',
    'Register the exact redirect_uri (scheme, host, port and path) in the OAuth configuration.',
    SOCIAL,
  ],
  bad_check_code: [
    'info',
    'Wrong or expired code',
    'The OTP code did not match. Prelude returns the same code when the challenge or login verification has ' +
      'expired, so an "expired" state can look like a typo.',
    'Compare the challenge exp with the request time (the inspector does, see challenge.expired).',
    OTP_LOGIN,
  ],
  invalid_dpop_proof: [
    'error',
    'DPoP proof rejected',
    'The server rejected the DPoP proof: bad signature, wrong htm/htu, iat out of window, replayed jti, or a ' +
      'challenge proof whose jti is not the challenge token jti. The dpop.* findings on the same request say which.',
    'Fix the failing DPoP check shown on this request.',
    RFC9449('4.3'),
  ],
  use_dpop_nonce: [
    'warning',
    'Server demands a new DPoP nonce (again)',
    'The server wants a proof signed with its latest DPoP-Nonce. A single use_dpop_nonce followed by a retry ' +
      'with the new nonce is normal nonce rotation and is not reported; this finding means the retry failed ' +
      'the same way, or the response carried no DPoP-Nonce to retry with.',
    'Read DPoP-Nonce from every response (expose it with CORS) and retry once with it.',
    RFC9449('8'),
  ],
  dpop_key_mismatch: [
    'error',
    'DPoP key does not match the session',
    'The proof key is not the key the session (refresh token or challenge) is bound to. See dpop.key_changed.',
    'Keep the same device key for the whole session; log in again after a key loss.',
    RFC9449('5'),
  ],
  missing_dpop_proof: [
    'error',
    'DPoP proof missing',
    'The endpoint requires a DPoP header and none was sent. See dpop.missing.',
    'Send a proof; check that nothing strips the header and that the SDK has its key.',
    RFC9449('4.1'),
  ],
  invalid_pagination_limit: [
    'warning',
    'Invalid pagination limit',
    'GET /me/list got a `limit` outside the accepted range or not a number.',
    'Pass a positive integer limit within the documented maximum.',
    SESSION_MGMT,
  ],
  invalid_pagination_offset: [
    'warning',
    'Invalid pagination offset',
    'GET /me/list got a negative or non-numeric `offset`.',
    'Pass a non-negative integer offset.',
    SESSION_MGMT,
  ],
  not_found: [
    'warning',
    'Not found',
    'The resource does not exist: an unknown session id in /me/revoke, an unknown challenge, or a wrong path ' +
      '(check the /v1/session prefix on a custom domain).',
    'Check ids and the base URL the SDK was given.',
    SESSION_MGMT,
  ],
  internal: [
    'error',
    'Server error',
    'Prelude (or the step-up hook it called) failed internally. A hook that times out or answers something ' +
      'that is not valid JSON also ends here.',
    'Retry later; if it repeats on /stepup/request, check your delegation_hook logs and response format.',
    HOOK,
  ],
  rate_limited: [
    'warning',
    'Rate limited',
    'Too many requests: usually many OTP sends or wrong codes for one identifier or challenge.',
    'Back off; limit resend buttons (/otp/retry) and code attempts in the UI.',
    OTP_LOGIN,
  ],
  invalid_password: [
    'warning',
    'Invalid password',
    'The password is wrong, or (sign-up, reset) does not meet the password rules of GET /password/compliancy.',
    'Check the rules from /password/compliancy before submitting.',
    PASSWORD,
  ],
  conflict: [
    'warning',
    'Conflict',
    'The request conflicts with the current state (a concurrent change, or an operation already done).',
    'Reload the state and retry once.',
    SESSION_MGMT,
  ],
  identifier_already_exists: [
    'warning',
    'Identifier already exists',
    'Sign-up or identifier registration with an email or phone number another user already has.',
    'Offer login instead of sign-up.',
    PASSWORD,
  ],
  expired_challenge_token: [
    'warning',
    'Challenge token expired',
    'The challenge token was sent after its exp. See challenge.expired.',
    'Start a new /stepup/request.',
    STEP_UP,
  ],
  invalid_challenge_token: [
    'error',
    'Invalid challenge token',
    'The challenge token is not one the server issued or accepts: edited, signed by another app, truncated, ' +
      'or an older version of the challenge after the server moved on.',
    'Always send the latest challenge token the server returned, untouched.',
    STEP_UP,
  ],
  invalid_verification_token: [
    'error',
    'Invalid verification token',
    'The custom-step verification token could not be verified: wrong signature, unknown kid, JWKS not ' +
      'reachable from Prelude, wrong algorithm (RS256 expected), or exp/nbf out of range.',
    'Sign with a key published at the jwks_url of the step-up configuration, RS256 with a kid.',
    CUSTOM_STEPS,
  ],
  token_mismatch: [
    'error',
    'Verification token does not match',
    'The verification token sub, challenge_id or key does not match the challenge. See verification.claims_mismatch.',
    'Mint the verification token from the challenge the client is on.',
    CUSTOM_STEPS,
  ],
  step_not_completed: [
    'error',
    'Step not completed',
    'A step was skipped or the challenge was exchanged before completion (step_up_token not "completed").',
    'Complete every step in order and exchange only the token whose current_step is "completed".',
    STEP_UP,
  ],
  step_not_found: [
    'error',
    'Step not found',
    'The step key (verification token `key`) is not a step of this challenge or not a registered custom step.',
    'Register the custom step key in the step-up configuration and use the challenge current_step.',
    CUSTOM_STEPS,
  ],
  step_bypassed: [
    'error',
    'Step bypassed',
    'The client tried to complete a later step while an earlier one is still pending.',
    'Follow current_step from the latest challenge token.',
    STEP_UP,
  ],
  not_configured: [
    'error',
    'Not configured',
    'The feature used is not configured for this app (step-up, OTP login config, custom steps, JWKS URL…).',
    'Create the matching configuration with the Management API.',
    STEP_UP,
  ],
  scope_not_allowed: [
    'error',
    'Scope not allowed',
    'The scope in /stepup/request is not in allowed_scopes of the step-up configuration (or does not match ' +
      '^[a-zA-Z0-9.\\-_:]+$).',
    'Add the scope to allowed_scopes, or fix the scope string in the app.',
    STEP_UP,
  ],
  token_reused: [
    'error',
    'Token reused',
    'A single-use token was presented twice: a verification token jti already used, or a single-use grant ' +
      'already consumed. See verification.claims_mismatch and grant.reused_after_consumption.',
    'Mint a fresh verification token per step; request a new step-up after a single-use grant is consumed.',
    CUSTOM_STEPS,
  ],
  invalid_metadata: [
    'error',
    'Invalid step-up metadata',
    'The metadata of /stepup/request breaks the limits: at most 5 keys, keys up to 12 characters, values up ' +
      'to 32 characters (strings).',
    'Shorten or drop metadata entries; pass ids rather than descriptions.',
    STEP_UP,
  ],
  insufficient_scope: [
    'warning',
    'Insufficient scope',
    'The access token lacks the scope the endpoint needs (e.g. prld:pwd:write for /me/password/reset): no ' +
      'step-up was done, the refresh with step_up_token did not happen, or a single-use grant was already consumed.',
    'Run the step-up for the scope, refresh with the completed token, then call; request again after consumption.',
    STEP_UP,
  ],
  missing_challenge_token: [
    'error',
    'Challenge token missing',
    'A step-up call (/otp, /otp/check, /stepup/continue) was sent without challenge_token in the body. A cached ' +
      'challenge was lost (localStorage cleared, another tab finished it).',
    'Send the latest challenge token; start a new /stepup/request if it is gone.',
    STEP_UP,
  ],
  direct_scope_identifier_mismatch: [
    'error',
    'Identifier does not match the direct-mode scope',
    'For prld:phone:register / prld:email:register (direct mode), metadata.identifier is missing or of the ' +
      'wrong type for the configured steps.',
    'Pass metadata.identifier with the phone number or email the user is registering.',
    HOOK,
  ],
} as const satisfies Record<PreludeErrorCode, Entry>;

function rule(code: PreludeErrorFindingCode, entry: Entry): FindingRule<PreludeErrorFindingCode, 'prelude'> {
  const [severity, title, explanation, fix, reference] = entry;
  return { code, severity, family: 'prelude', title, explanation, fix, reference };
}

/** Every `prelude.<code>` rule, in {@link PRELUDE_ERROR_CODES} order, then `prelude.unknown_error`. */
export const PRELUDE_ERROR_RULES: readonly FindingRule<PreludeErrorFindingCode, 'prelude'>[] = [
  ...PRELUDE_ERROR_CODES.map((code) => rule(`prelude.${code}`, ENTRIES[code])),
  rule('prelude.unknown_error', [
    'warning',
    'Unrecognised error code',
    'The Session API answered an error whose `code` is not one the SDKs know. The SDK treats it as a generic ' +
      'error, so the app shows a vague message.',
    'Check the message field; report the code so the inspector can explain it.',
    SESSION_MGMT,
  ]),
];

/** True when `code` is a known Session API error code. */
export function isPreludeErrorCode(code: string): code is PreludeErrorCode {
  return (PRELUDE_ERROR_CODES as readonly string[]).includes(code);
}

/** The finding code for a Session API error `code` from a response body (unknown codes → `prelude.unknown_error`). */
export function preludeFindingCode(errorCode: string): PreludeErrorFindingCode {
  return isPreludeErrorCode(errorCode) ? `prelude.${errorCode}` : 'prelude.unknown_error';
}

/**
 * Prelude's part of the catalogue. Its flow rules are filed under the core's challenge, grant and DPoP families
 * (the step-up concepts they are about), so they are listed with those in docs/findings.md.
 */
export const preludeFindings = {
  families: [
    { family: 'verification', heading: 'Custom-step verification tokens' },
    { family: 'prelude', heading: 'Prelude Session API error codes' },
  ],
  rules: [...PRELUDE_FLOW_RULES, ...PRELUDE_ERROR_RULES],
} as const satisfies ProviderFindings;
