/**
 * Where Prelude's Session API carries secrets (reference: prelude-session-api.md, the SDK's requests): the OTP
 * `code` of `/otp/check` and `/login/otp/check`, the access, challenge, step-up and verification tokens, the
 * rotating refresh token in `X-Refresh-Token`, passwords of the e-mail logins and reset, PKCE's verifier, and the
 * phone number or e-mail address under `identifier`.
 */
import type { ProviderSecrets } from '../parts.ts';

export const preludeSecrets: ProviderSecrets = {
  otpKeys: ['code'],
  tokenKeys: ['access_token', 'challenge_token', 'step_up_token', 'verification_token', 'X-SDK-Key'],
  refreshKeys: ['X-Refresh-Token', 'refresh_token'],
  passwordKeys: ['password', 'code_verifier'],
  identifierKeys: ['identifier', 'identifiers', 'phone_number', 'email_address'],
};
