/**
 * The Dynamic SDK API endpoints that take part in step-up (`@dynamic-labs-sdk/client` 1.27.x, read in its published
 * code; see docs "Dynamic step-up"). Paths are relative to the environment base
 * `https://app.dynamicauth.com/api/v0/sdk/{environmentId}`.
 */
import type { ExchangeClassification } from '../parts.ts';

/** Stable endpoint keys. Findings and views switch on these; never rename one. */
export type DynamicEndpointKey =
  | 'stepup.check'
  | 'email.create'
  | 'email.verify'
  | 'sms.create'
  | 'sms.verify'
  | 'mfa.totp'
  | 'mfa.passkey'
  | 'mfa.recovery'
  | 'passkey.options'
  | 'wallet.verify'
  | 'provider.verify'
  | 'external.verify'
  | 'mfa.device.delete'
  | 'passkey.register'
  | 'wallet.export'
  | 'wallet.sign'
  | 'protected'
  | 'preflight'
  | 'unknown';

/** What an endpoint does in a step-up. */
export type DynamicEndpointRole =
  /** `stepUp/check`: is step-up required for a scope, and with which credentials. */
  | 'check'
  /** Sends an OTP (`{verificationUUID}` back); carries no scopes. */
  | 'otp_send'
  /** Verifies a factor; with `requestedScopes` the response carries `elevatedAccessToken`. */
  | 'verify'
  /** A call an elevated token authorises (`x-dyn-elevated-access-token`). */
  | 'protected'
  | 'other';

/** One row of {@link DYNAMIC_ENDPOINTS}. */
export interface DynamicEndpoint {
  key: DynamicEndpointKey;
  /** HTTP method; `*` for rows that match any method. */
  method: string;
  /** Path under the environment base, `{name}` for one free segment; `*` for "any other path". */
  path: string;
  label: string;
  role: DynamicEndpointRole;
  /** For `verify` rows: the factor, as the challenge step key (`verify_email`, `mfa_totp`…). */
  factor?: string;
  /** For protected rows: the elevated scope the SDK attaches a token for. */
  scope?: string;
  description: string;
}

const BEARER: ExchangeClassification['auth'] = { dpop: 'none', bearer: true, refreshToken: false };

/** How Dynamic calls authenticate: the session JWT as Bearer (or the `DYNAMIC_JWT_TOKEN` cookie), no DPoP. */
export const DYNAMIC_AUTH: ExchangeClassification['auth'] = BEARER;

function row(
  key: DynamicEndpointKey,
  method: string,
  path: string,
  label: string,
  role: DynamicEndpointRole,
  description: string,
  extra: { factor?: string; scope?: string } = {},
): DynamicEndpoint {
  return { key, method, path, label, role, description, ...extra };
}

/** Every endpoint the inspector knows, keyed by endpoint key. */
export const DYNAMIC_ENDPOINTS: Readonly<Record<DynamicEndpointKey, DynamicEndpoint>> = {
  'stepup.check': row(
    'stepup.check',
    'POST',
    'stepUp/check',
    'Dynamic: step-up check',
    'check',
    'checkStepUpAuth: `{scope}` → `{isRequired, credentials:[{id, format, type?, alias?}], defaultCredentialId?}`.',
  ),
  'email.create': row(
    'email.create',
    'POST',
    'emailVerifications/create',
    'Dynamic: send email OTP',
    'otp_send',
    'sendEmailOTP: `{email}` → `{verificationUUID}`.',
    { factor: 'verify_email' },
  ),
  'email.verify': row(
    'email.verify',
    'POST',
    'emailVerifications/verify',
    'Dynamic: verify email OTP',
    'verify',
    'verifyOTP: `{verificationUUID, verificationToken, requestedScopes}` → `{…, elevatedAccessToken?}`.',
    { factor: 'verify_email' },
  ),
  'sms.create': row(
    'sms.create',
    'POST',
    'smsVerifications/create',
    'Dynamic: send SMS OTP',
    'otp_send',
    'sendSmsOTP: `{phoneNumber, phoneCountryCode, isoCountryCode}` → `{verificationUUID}`.',
    { factor: 'verify_sms' },
  ),
  'sms.verify': row(
    'sms.verify',
    'POST',
    'smsVerifications/verify',
    'Dynamic: verify SMS OTP',
    'verify',
    'verifyOTP: `{verificationUUID, verificationToken, requestedScopes}` → `{…, elevatedAccessToken?}`.',
    { factor: 'verify_sms' },
  ),
  'mfa.totp': row(
    'mfa.totp',
    'POST',
    'users/mfa/auth/totp',
    'Dynamic: TOTP MFA',
    'verify',
    'authenticateTotpMfaDevice: `{code, deviceId?, requestedScopes}` → `{…, elevatedAccessToken?}`.',
    { factor: 'mfa_totp' },
  ),
  'mfa.passkey': row(
    'mfa.passkey',
    'POST',
    'users/mfa/auth/passkey',
    'Dynamic: passkey MFA',
    'verify',
    'authenticatePasskeyMFA: the WebAuthn assertion plus `requestedScopes` → `{…, elevatedAccessToken?}`.',
    { factor: 'mfa_passkey' },
  ),
  'mfa.recovery': row(
    'mfa.recovery',
    'POST',
    'users/mfa/auth/recovery',
    'Dynamic: recovery code',
    'verify',
    'authenticateMfaRecoveryCode: `{code, requestedScopes}` → `{…, elevatedAccessToken?}`.',
    { factor: 'mfa_recovery' },
  ),
  'passkey.options': row(
    'passkey.options',
    'GET',
    'users/passkeys/authenticate',
    'Dynamic: passkey options',
    'other',
    'WebAuthn request options before a passkey MFA.',
  ),
  'wallet.verify': row(
    'wallet.verify',
    'POST',
    'wallets/verify',
    'Dynamic: verify wallet',
    'verify',
    'verifyWallet (external wallets only): signed message plus `requestedScopes` → `{elevatedAccessToken}`.',
    { factor: 'verify_wallet' },
  ),
  'provider.verify': row(
    'provider.verify',
    'POST',
    'providers/{provider}/verify',
    'Dynamic: verify social',
    'verify',
    'verifySocial: OAuth re-authentication plus `requestedScopes` → `{elevatedAccessToken}`.',
    { factor: 'verify_social' },
  ),
  'external.verify': row(
    'external.verify',
    'POST',
    'externalAuth/verify',
    'Dynamic: external auth verify',
    'verify',
    'Bring-your-own-auth: the app backend JWT plus `requestedScopes` → `{elevatedAccessToken}`.',
    { factor: 'verify_external' },
  ),
  'mfa.device.delete': row(
    'mfa.device.delete',
    'DELETE',
    'users/mfa/{deviceId}',
    'Dynamic: remove MFA device',
    'protected',
    'Unlinks an MFA device; needs an elevated token with credential:unlink.',
    { scope: 'credential:unlink' },
  ),
  'passkey.register': row(
    'passkey.register',
    'POST',
    'users/passkeys/register',
    'Dynamic: register passkey',
    'protected',
    'Links a passkey; needs an elevated token with credential:link.',
    { scope: 'credential:link' },
  ),
  'wallet.export': row(
    'wallet.export',
    'POST',
    'waas/{walletId}/privateKey/export',
    'Dynamic: export wallet key',
    'protected',
    'Exports an embedded wallet key; needs an elevated token with wallet:export.',
    { scope: 'wallet:export' },
  ),
  'wallet.sign': row(
    'wallet.sign',
    'POST',
    'waas/{walletId}/signMessage',
    'Dynamic: sign message',
    'protected',
    'Signs with an embedded wallet; needs an elevated token with wallet:sign when step-up is on.',
    { scope: 'wallet:sign' },
  ),
  protected: row(
    'protected',
    '*',
    '*',
    'Dynamic: call with elevated token',
    'protected',
    'Any other call carrying `x-dyn-elevated-access-token`.',
  ),
  preflight: row(
    'preflight',
    'OPTIONS',
    '*',
    'CORS preflight',
    'other',
    'The browser asking the API whether a cross-origin call may be sent; carries no credentials.',
  ),
  unknown: row(
    'unknown',
    '*',
    '*',
    'Dynamic SDK call',
    'other',
    'Another Dynamic SDK call (sign-in, wallets, settings…): recognised, not modelled.',
  ),
};

/** Rows matched by method and path segments. */
const ROUTABLE = Object.values(DYNAMIC_ENDPOINTS).filter((endpoint) => endpoint.path !== '*');
const EXACT = new Map<string, DynamicEndpoint>();
const PATTERNS: { segments: string[]; endpoint: DynamicEndpoint }[] = [];
for (const endpoint of ROUTABLE) {
  if (endpoint.path.includes('{')) PATTERNS.push({ segments: endpoint.path.split('/'), endpoint });
  else EXACT.set(endpoint.path, endpoint);
}

/** Result of {@link matchDynamicPath}. */
export interface DynamicPathMatch {
  endpoint: DynamicEndpoint;
  /** True when the path is known but the method is not the one the SDK uses. */
  methodMismatch: boolean;
}

/**
 * The table row for `subPath` (after the environment base, no leading or trailing slash, no query), or
 * `undefined` when the path is not in the table.
 */
export function matchDynamicPath(method: string, subPath: string): DynamicPathMatch | undefined {
  const upper = method.toUpperCase();
  const exact = EXACT.get(subPath);
  if (exact) return { endpoint: exact, methodMismatch: exact.method !== upper };
  const segments = subPath.split('/');
  for (const { segments: pattern, endpoint } of PATTERNS) {
    if (pattern.length !== segments.length) continue;
    const fits = pattern.every((part, i) => {
      const segment = segments[i] ?? '';
      return part.startsWith('{') ? segment !== '' : part === segment;
    });
    if (fits) return { endpoint, methodMismatch: endpoint.method !== upper };
  }
  return undefined;
}

/** The header that carries an elevated access token to a protected call. */
export const ELEVATED_TOKEN_HEADER = 'x-dyn-elevated-access-token';
