/**
 * Constants and policy of the Dynamic SDK API emulator: hosts, the demo environment, which scopes exist,
 * which are single-use, and token lifetimes. Values marked [GUESS] are not documented by Dynamic.
 */

/** The host the SDK calls (`DEFAULT_API_BASE_URL` = `https://app.dynamicauth.com/api/v0` in the SDK). */
export const DYNAMIC_API_HOST = 'app.dynamicauth.com';
/** Where the SDK sends its instrumentation (`LOGS_BASE_URL` = `https://logs.dynamicauth.com/api/v1`). */
export const DYNAMIC_LOGS_HOST = 'logs.dynamicauth.com';
/** The SDK path prefix: `/api/v0/sdk/{environmentId}/…`. */
export const SDK_PATH_PREFIX = '/api/v0/sdk/';
/**
 * The demo environment id. Dynamic's ids are UUIDs, and the SDK only signs device nonces for URLs matching
 * `/api/v0/sdk/[0-9a-f-]{36}/…`, so it must look like one.
 */
export const DEMO_ENVIRONMENT_ID = '5c4f8d3e-2b1a-4e6f-9c7d-8a0b1c2d3e4f';
/** The demo user signing in by e-mail OTP. */
export const DEMO_DYNAMIC_EMAIL = 'grace@demo.test';

/** Every `TokenScope` of `@dynamic-labs/sdk-api-core` 0.0.1125. */
export const TOKEN_SCOPES = [
  'business_account:link_wallet',
  'business_account:member:add',
  'business_account:member:remove',
  'business_account:member:role:update',
  'business_account:signer:add',
  'business_account:signer:remove',
  'business_account:transfer_ownership',
  'business_account:wallet:remove',
  'console:admin_action:review',
  'console:approval_workflow:update',
  'console:member:invite',
  'console:mfa:reset',
  'console:project:delete',
  'console:settings:update',
  'console:sso:update',
  'console:user:delete',
  'credential:link',
  'credential:update',
  'credential:unlink',
  'user:update',
  'user:delete',
  'wallet:export',
  'wallet:delete',
  'wallet:delegate',
  'wallet:sign',
  'wallet:restore',
] as const;

export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function isTokenScope(value: unknown): value is TokenScope {
  return typeof value === 'string' && (TOKEN_SCOPES as readonly string[]).includes(value);
}

/**
 * Scopes whose elevated token is single-use. [GUESS] Dynamic's docs say tokens are single-use or multi-use
 * and that a single-use token is spent by the protected call; which scopes are which is configured per
 * environment. A token is single-use when any of its scopes is.
 */
export const DEFAULT_SINGLE_USE_SCOPES: readonly TokenScope[] = [
  'wallet:export',
  'wallet:delete',
  'wallet:restore',
  'user:delete',
  'credential:unlink',
];

/** Lifetimes, in seconds. Dynamic documents 5 min for single-use tokens and 10 min for multi-use ones. */
export const LIFETIMES = {
  singleUseElevatedS: 5 * 60,
  multiUseElevatedS: 10 * 60,
  /** [GUESS] session JWT lifetime. */
  sessionS: 2 * 60 * 60,
  /** [GUESS] how long an e-mail code is valid. */
  verificationS: 10 * 60,
} as const;

/** [GUESS] wrong codes before a verification is locked. */
export const MAX_VERIFICATION_ATTEMPTS = 5;
