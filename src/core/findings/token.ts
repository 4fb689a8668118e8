/** Token rules: tokens that cannot be read, or are used after expiry. */
import type { FindingRule } from './types.ts';

/** Every `token.*` rule. */
export const TOKEN_RULES = [
  {
    code: 'token.malformed',
    severity: 'error',
    family: 'token',
    title: 'Token cannot be decoded',
    explanation:
      'A token field (access_token, challenge_token, step_up_token, verification_token, or a Bearer token sent ' +
      'to the Session API) is not a decodable JWT: wrong number of segments, bad base64url, or a payload that ' +
      'is not a JSON object. Often a token cut when stored (a length limit), quoted twice, or a placeholder ' +
      'left in a request.',
    fix: 'Store and send the token exactly as received; check for truncation and extra quotes.',
    reference: { label: 'RFC 7519 §7.2', url: 'https://www.rfc-editor.org/rfc/rfc7519.html#section-7.2' },
  },
  {
    code: 'token.expired_on_use',
    severity: 'warning',
    family: 'token',
    title: 'Access token used after it expired',
    explanation:
      'An access token was sent after its `exp` time (by the request clock of the capture). The server ' +
      'refuses it (unauthorized). The SDK refreshes shortly before expiry, so this usually means the app ' +
      'cached the token itself, or the device clock is off and the `Date` header is not exposed.',
    fix: 'Get the access token from the SDK (it refreshes as needed) just before each call instead of caching it.',
    reference: { label: 'RFC 7519 §4.1.4', url: 'https://www.rfc-editor.org/rfc/rfc7519.html#section-4.1.4' },
  },
] as const satisfies readonly FindingRule[];
