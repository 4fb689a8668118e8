/** CORS rules: what the page's JavaScript cannot read breaks the SDK even when the network trace looks fine. */
import type { FindingRule } from './types.ts';

/** Every `cors.*` rule. */
export const CORS_RULES = [
  {
    code: 'cors.expose_headers_missing',
    severity: 'error',
    family: 'cors',
    title: 'Response headers hidden from the page',
    explanation:
      'A cross-origin Session API response sends DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At or ' +
      'WWW-Authenticate without listing it in Access-Control-Expose-Headers. The browser then hides it from ' +
      'fetch(): the SDK never learns the new nonce (every later call fails with use_dpop_nonce) or the rotated ' +
      'refresh token (the next refresh fails). DevTools and HAR files still show the header, which is why this ' +
      'is easy to miss. `*` does not help: the SDK sends credentials, and for credentialed requests `*` is taken ' +
      'literally.',
    fix:
      'On the server (or the proxy in front of a custom domain), add the headers by name: ' +
      '`Access-Control-Expose-Headers: DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date`.',
    reference: {
      label: 'Fetch standard: Access-Control-Expose-Headers',
      url: 'https://fetch.spec.whatwg.org/#http-access-control-expose-headers',
    },
  },
  {
    code: 'cors.date_not_exposed',
    severity: 'warning',
    family: 'cors',
    title: 'Date header hidden from the page',
    explanation:
      'A cross-origin Session API response does not list `Date` in Access-Control-Expose-Headers (Date is not a ' +
      'CORS-safelisted response header). The SDK reads it to correct the device clock, so on a device with a ' +
      'wrong clock token expiries are misjudged and DPoP iat values may fall outside the server window.',
    fix: 'Add `Date` to Access-Control-Expose-Headers on Session API responses.',
    reference: {
      label: 'Fetch standard: CORS-safelisted response header',
      url: 'https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name',
    },
  },
] as const satisfies readonly FindingRule[];
