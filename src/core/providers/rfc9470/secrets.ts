/**
 * Where OAuth traffic carries secrets (RFC 6749, 6750, 7636, 9470): bearer and ID tokens, refresh tokens,
 * authorization codes (in redirects as much as in token requests), client secrets and PKCE verifiers, device and
 * user codes.
 */
import type { ProviderSecrets } from '../parts.ts';

export const rfc9470Secrets: ProviderSecrets = {
  otpKeys: ['code', 'user_code'],
  tokenKeys: ['access_token', 'id_token', 'device_code', 'assertion', 'client_assertion', 'subject_token'],
  refreshKeys: ['refresh_token'],
  passwordKeys: ['client_secret', 'code_verifier', 'password'],
  identifierKeys: ['username', 'login_hint'],
};
