/**
 * The Prelude Session API endpoint table (see docs/reference "Prelude Session API: what goes over the
 * wire"). One row per endpoint key; the panel and the docs list it, the classifier matches against it.
 */
import type { ExchangeClassification } from '../parts.ts';

/** Stable endpoint keys. Findings and views switch on these; never rename one. */
export type PreludeEndpointKey =
  | 'login.otp'
  | 'login.otp.check'
  | 'login.otp.retry'
  | 'login.password'
  | 'login.signup'
  | 'login.oauth.authorize'
  | 'login.finalize'
  | 'login.passkey.begin'
  | 'login.passkey.finish'
  | 'refresh'
  | 'revoke'
  | 'me.list'
  | 'me.revoke'
  | 'password.compliancy'
  | 'stepup.request'
  | 'stepup.continue'
  | 'otp.send'
  | 'otp.login'
  | 'otp.check'
  | 'otp.retry'
  | 'me.password.reset'
  | 'me.passkeys.register.begin'
  | 'me.passkeys.register.finish'
  | 'jwks'
  | 'signals'
  | 'preflight'
  | 'unknown';

/** How an endpoint authenticates. */
export type EndpointAuth = ExchangeClassification['auth'];

/** One row of {@link PRELUDE_ENDPOINTS}. */
export interface PreludeEndpoint {
  key: PreludeEndpointKey;
  /** HTTP method; `*` for rows that match any method. */
  method: string;
  /**
   * Path under the API base (`/v1/session`), with `{name}` for one free segment. `signals` is an absolute
   * URL and `jwks` is also served at the host root; `*` stands for "any other path".
   */
  path: string;
  label: string;
  auth: EndpointAuth;
  description: string;
}

const NONE: EndpointAuth = { dpop: 'none', bearer: false, refreshToken: false };
const SESSION_DPOP: EndpointAuth = { dpop: 'session', bearer: false, refreshToken: false };
const BEARER: EndpointAuth = { dpop: 'none', bearer: true, refreshToken: false };

function row(
  key: PreludeEndpointKey,
  method: string,
  path: string,
  label: string,
  auth: EndpointAuth,
  description: string,
): PreludeEndpoint {
  return { key, method, path, label, auth, description };
}

/**
 * Every endpoint the inspector knows, keyed by endpoint key. `auth` is what the SDKs send, per the
 * reference; rows marked [GUESS] in `description` rest on inference, not on observed traffic.
 */
export const PRELUDE_ENDPOINTS: Readonly<Record<PreludeEndpointKey, PreludeEndpoint>> = {
  'login.otp': row(
    'login.otp',
    'POST',
    '/login/otp',
    'Login: send OTP',
    NONE,
    'startOTPLogin: sends a login code to `identifier`.',
  ),
  'login.otp.check': row(
    'login.otp.check',
    'POST',
    '/login/otp/check',
    'Login: check OTP',
    SESSION_DPOP,
    'checkOTP: `{code}` → `{access_token, expires_at}`, with a session DPoP proof; rotates the refresh token.',
  ),
  'login.otp.retry': row(
    'login.otp.retry',
    'POST',
    '/login/otp/retry',
    'Login: resend OTP',
    NONE,
    'retryOTP during login; no body.',
  ),
  'login.password': row(
    'login.password',
    'POST',
    '/login/email/password',
    'Login: password',
    NONE,
    '`{identifier, password}` → `{challenge_token}`, then /login/finalize.',
  ),
  'login.signup': row(
    'login.signup',
    'POST',
    '/login/email/sign-up',
    'Sign up: email',
    NONE,
    '`{identifier, password}` → `{challenge_token}`, then /login/finalize.',
  ),
  'login.oauth.authorize': row(
    'login.oauth.authorize',
    'POST',
    '/login/oauth/{provider}/authorize',
    'Login: OAuth authorize',
    NONE,
    'OAuth start (google, apple, microsoft, github, okta): PKCE challenge → `{authorization_url}`.',
  ),
  'login.finalize': row(
    'login.finalize',
    'POST',
    '/login/finalize',
    'Login: finalize',
    SESSION_DPOP,
    '`{challenge_token, code_verifier?}` → `{access_token, expires_at}`, with a session DPoP proof.',
  ),
  'login.passkey.begin': row(
    'login.passkey.begin',
    'POST',
    '/login/passkey/begin',
    'Login: passkey begin',
    NONE,
    'Starts a passkey login (native SDKs and docs; not in JS SDK 0.6.0).',
  ),
  'login.passkey.finish': row(
    'login.passkey.finish',
    'POST',
    '/login/passkey/finish',
    'Login: passkey finish',
    { dpop: 'optional', bearer: false, refreshToken: false },
    'Completes a passkey login. [GUESS] It starts a session, so a DPoP proof is likely but not required here.',
  ),
  refresh: row(
    'refresh',
    'POST',
    '/refresh',
    'Refresh',
    { dpop: 'session', bearer: false, refreshToken: true },
    'New access token from the refresh token (single-use, rotated); `{step_up_token}` after a completed step-up.',
  ),
  revoke: row(
    'revoke',
    'POST',
    '/revoke',
    'Logout (revoke)',
    { dpop: 'optional', bearer: false, refreshToken: true },
    'logout: revokes the refresh token; DPoP only when the page holds a key.',
  ),
  'me.list': row(
    'me.list',
    'GET',
    '/me/list',
    'List sessions',
    BEARER,
    'listSessions: `?limit&offset`; sent without credentials.',
  ),
  'me.revoke': row(
    'me.revoke',
    'POST',
    '/me/revoke',
    'Revoke sessions',
    BEARER,
    'revokeSessions: `?target=all|others|mine|session[&session_id]`.',
  ),
  'password.compliancy': row(
    'password.compliancy',
    'GET',
    '/password/compliancy',
    'Password rules',
    NONE,
    'Password policy: `{min_length, max_length, uppercase, lowercase, numbers, symbols}`.',
  ),
  'stepup.request': row(
    'stepup.request',
    'POST',
    '/stepup/request',
    'Step-up request',
    { dpop: 'optional', bearer: true, refreshToken: false },
    'requestStepUp: `{scope, metadata?, dispatch_id?}` → `{status, challenge_token?}`; native SDKs add DPoP.',
  ),
  'stepup.continue': row(
    'stepup.continue',
    'POST',
    '/stepup/continue',
    'Step-up continue',
    { dpop: 'challenge', bearer: true, refreshToken: false },
    'continueStepUp: `{challenge_token, verification_token | passkey_assertion}` → next `{challenge_token}`.',
  ),
  'otp.send': row(
    'otp.send',
    'POST',
    '/otp',
    'Step-up: send OTP',
    NONE,
    'otpCreate: `{challenge_token, dispatch_id?}` → 204. No auth headers.',
  ),
  'otp.login': row(
    'otp.login',
    'POST',
    '/otp',
    'Login: send OTP (native)',
    NONE,
    'Native Android login: `POST /otp` with `{identifier, …}` instead of /login/otp.',
  ),
  'otp.check': row(
    'otp.check',
    'POST',
    '/otp/check',
    'OTP check',
    { dpop: 'challenge', bearer: false, refreshToken: false },
    'otpCheck: `{code, challenge_token}` → next `{challenge_token}`; DPoP `jti` equals the challenge `jti`.',
  ),
  'otp.retry': row(
    'otp.retry',
    'POST',
    '/otp/retry',
    'OTP resend',
    NONE,
    'otpRetry: no body; the pending OTP is found by cookie.',
  ),
  'me.password.reset': row(
    'me.password.reset',
    'POST',
    '/me/password/reset',
    'Password reset',
    BEARER,
    '`{password}`; needs scope `prld:pwd:write`, consumed on success.',
  ),
  'me.passkeys.register.begin': row(
    'me.passkeys.register.begin',
    'POST',
    '/me/passkeys/register/begin',
    'Passkey registration begin',
    BEARER,
    'Starts registering a passkey; needs scope `prld:passkey:write`.',
  ),
  'me.passkeys.register.finish': row(
    'me.passkeys.register.finish',
    'POST',
    '/me/passkeys/register/finish',
    'Passkey registration finish',
    BEARER,
    'Finishes registering a passkey; consumes `prld:passkey:write`.',
  ),
  jwks: row(
    'jwks',
    'GET',
    '/.well-known/jwks.json',
    'JWKS (signing keys)',
    NONE,
    'Public keys for access tokens. Matched under /v1/session, or at the host root when the SDK sent it.',
  ),
  signals: row(
    'signals',
    'POST',
    'https://edge.prelude.dev/v1/signals',
    'Device signals',
    NONE,
    'Fraud signals, sent only when the app set an `sdkKey` (`X-SDK-Key`, `X-SDK-DispatchID`).',
  ),
  preflight: row(
    'preflight',
    'OPTIONS',
    '*',
    'CORS preflight',
    NONE,
    'The browser asking the API whether a cross-origin call may be sent; carries no credentials.',
  ),
  unknown: row(
    'unknown',
    '*',
    '*',
    'Unknown Prelude call',
    { dpop: 'optional', bearer: false, refreshToken: false },
    'A path under /v1/session the inspector does not know, or a known path with another method.',
  ),
};

/** Rows matched by method and path segments; `otp.login` shares its row with `otp.send` and is decided by body. */
const ROUTABLE: readonly PreludeEndpoint[] = Object.values(PRELUDE_ENDPOINTS).filter(
  (endpoint) => endpoint.path.startsWith('/') && endpoint.key !== 'otp.login',
);

const EXACT = new Map<string, PreludeEndpoint>();
const PATTERNS: { segments: string[]; endpoint: PreludeEndpoint }[] = [];
for (const endpoint of ROUTABLE) {
  if (endpoint.path.includes('{')) PATTERNS.push({ segments: endpoint.path.split('/'), endpoint });
  else EXACT.set(endpoint.path, endpoint);
}

function matchesPattern(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((part, i) => {
    const segment = segments[i] ?? '';
    return part.startsWith('{') ? segment !== '' : part === segment;
  });
}

/** Result of {@link matchPreludePath}: the row, plus a free segment's value (the OAuth provider). */
export interface PreludePathMatch {
  endpoint: PreludeEndpoint;
  /** Value of the `{…}` segment, when the row has one. */
  param?: string;
  /** True when the path is known but the method is not the one the SDK uses. */
  methodMismatch: boolean;
}

/**
 * Finds the table row for `subPath` (the path after `/v1/session`, no query, no trailing slash).
 * `undefined` when the path is not in the table.
 */
export function matchPreludePath(method: string, subPath: string): PreludePathMatch | undefined {
  const upper = method.toUpperCase();
  const exact = EXACT.get(subPath);
  if (exact) return { endpoint: exact, methodMismatch: exact.method !== upper };
  if (!subPath.includes('/', 1)) return undefined;
  const segments = subPath.split('/');
  for (const { segments: pattern, endpoint } of PATTERNS) {
    if (!matchesPattern(pattern, segments)) continue;
    const index = pattern.findIndex((part) => part.startsWith('{'));
    const match: PreludePathMatch = { endpoint, methodMismatch: endpoint.method !== upper };
    const param = segments[index];
    if (param !== undefined) match.param = param;
    return match;
  }
  return undefined;
}
