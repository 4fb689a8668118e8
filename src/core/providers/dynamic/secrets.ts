/**
 * Where Dynamic's SDK API carries secrets (reference: dynamic-and-standards.md): the e-mail or SMS code the user
 * types is `verificationToken` in the verify bodies (not a token, despite its name), TOTP and recovery codes in the
 * MFA bodies, the elevated access token in bodies and in `x-dyn-elevated-access-token`, the minified JWT, the
 * session JWT, and the e-mail address or phone number a verification is sent to.
 */
import type { ProviderSecrets } from '../parts.ts';

export const dynamicSecrets: ProviderSecrets = {
  otpKeys: ['verificationToken', 'code', 'totpCode', 'recoveryCode'],
  tokenKeys: ['elevatedAccessToken', 'x-dyn-elevated-access-token', 'minifiedJwt', 'jwt', 'mfaToken'],
  refreshKeys: [],
  passwordKeys: ['x-dyn-api-key'],
  identifierKeys: ['email', 'phoneNumber', 'alias'],
};
