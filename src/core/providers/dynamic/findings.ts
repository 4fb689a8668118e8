/**
 * Dynamic step-up rules: `stepUp/check` → verify with `requestedScopes` → `elevatedAccessToken` → protected call
 * with `x-dyn-elevated-access-token`, single-use consumption, and Dynamic's `{error, code}` error bodies.
 */
import type { FindingReference, FindingRule } from '../../findings/types.ts';
import type { ProviderFindings } from '../parts.ts';

const OVERVIEW: FindingReference = {
  label: 'Dynamic: Step-up authentication overview',
  url: 'https://www.dynamic.xyz/docs/overview/authentication/step-up-auth',
};
const HEADLESS: FindingReference = {
  label: 'Dynamic: Step-up authentication (JavaScript SDK)',
  url: 'https://www.dynamic.xyz/docs/javascript/authentication-methods/step-up-auth',
};

/** Every `dynamic.*` rule. */
export const DYNAMIC_RULES = [
  {
    code: 'dynamic.step_up_required_but_token_missing',
    severity: 'error',
    family: 'dynamic',
    title: 'Protected call sent without the elevated token',
    explanation:
      'stepUp/check said step-up is required for a scope (isRequired true), and later a call that needs that ' +
      'scope (a wallet key export, a passkey registration, an MFA device removal…) went out without an ' +
      '`x-dyn-elevated-access-token` header. The server refuses it. Usual causes: the app skipped the ' +
      'verification after the check, the single-use token was already used by an earlier call, or the call was ' +
      'made outside the SDK, which is what attaches the token.',
    fix:
      'After a required check, verify with `requestedScopes` containing the scope, then make the protected call ' +
      'through the SDK (it attaches the token); for a second sensitive action run checkStepUpAuth again.',
    reference: HEADLESS,
  },
  {
    code: 'dynamic.single_use_token_reused',
    severity: 'error',
    family: 'dynamic',
    title: 'Single-use elevated token used twice',
    explanation:
      'An elevated token whose `singleUse` claim is true was already consumed by a successful protected call, ' +
      'and was sent again on a later call. Dynamic refuses the second use. The app kept the token itself (the ' +
      'SDK drops a single-use token from its state when it builds the protected call), or retried a protected ' +
      'call that had in fact succeeded.',
    fix:
      'Do not cache elevated tokens: let the SDK attach them, and run checkStepUpAuth and a new verification ' +
      'before each single-use action.',
    reference: OVERVIEW,
  },
  {
    code: 'dynamic.elevated_token_expired_on_use',
    severity: 'error',
    family: 'dynamic',
    title: 'Elevated token used after it expired',
    explanation:
      'An elevated token was sent in `x-dyn-elevated-access-token` after its `exp` (by the capture clock). ' +
      'Elevated tokens live 5 minutes (single-use) or 10 minutes (multi-use), so a user who waits between the ' +
      'verification and the action, or an app that stores the token, hits this.',
    fix:
      'Call checkStepUpAuth right before the protected action (it skips the server call while a valid token ' +
      'exists) and verify again when it says step-up is required.',
    reference: OVERVIEW,
  },
  {
    code: 'dynamic.scope_not_in_token',
    severity: 'error',
    family: 'dynamic',
    title: 'Elevated token lacks the scope',
    explanation:
      'Either a verification with `requestedScopes` succeeded but its `elevatedAccessToken` does not carry every ' +
      'requested scope (or no token came back at all), or a protected call carried an elevated token whose ' +
      '`scope` claim lacks the scope that call needs (for example a credential:link token sent to a wallet key ' +
      'export). The server refuses the protected call.',
    fix:
      'Pass the scope the action needs in `requestedScopes` (`TokenScope.Walletexport` for an export, ' +
      '`Credentialunlink` to remove an MFA device…) and check that step-up is enabled for it in the dashboard.',
    reference: HEADLESS,
  },
  {
    code: 'dynamic.verification_failed',
    severity: 'info',
    family: 'dynamic',
    title: 'Step-up verification refused',
    explanation:
      'A verification that carried `requestedScopes` (email or SMS OTP, TOTP, passkey, recovery code, wallet, ' +
      'social or external auth) was refused, so no elevated token was issued. A wrong or expired code is normal ' +
      'user behaviour; many in a row, or a refusal of every method, points at configuration.',
    fix:
      'Nothing for a mistyped code. Otherwise read the error code: check that the method is enabled for step-up ' +
      'and that the OTP was verified with the verificationUUID of its latest create call.',
    reference: HEADLESS,
  },
  {
    code: 'dynamic.use_out_of_sight',
    severity: 'info',
    family: 'dynamic',
    title: 'Elevated token used where the capture cannot see',
    explanation:
      'An elevated token for a wallet action (wallet:export, wallet:sign) expired with no protected call in the ' +
      "capture. That does not mean it went unused: Dynamic's SDK hands these tokens to its wallet iframe " +
      '(app.dynamicauth.com/waas-v1/…), and the export or signature request leaves from there. The page hook runs ' +
      'in the page, not in that frame, so it never sees the request; DevTools capture sees it only while DevTools ' +
      'is open on the tab, and background capture once it is on.',
    fix:
      'To see the wallet action, capture with DevTools open (or turn on background capture) and repeat it. If it ' +
      'is in such a capture and still missing, the app never made the call after the verification.',
    reference: HEADLESS,
  },
  {
    code: 'dynamic.step_up_check_failed',
    severity: 'warning',
    family: 'dynamic',
    title: 'Step-up check failed: the SDK says step-up is required',
    explanation:
      'stepUp/check got no usable answer: no response, an error status with no error code to report, a body ' +
      'that is not JSON, or a 2xx body without a `credentials` array. `checkStepUpAuth` in ' +
      '@dynamic-labs-sdk/client 1.27.1 catches every such failure and returns `{isRequired: true, credentials: []}` ' +
      'with no `defaultCredentialId`, so the app never sees the error and asks for a step-up with no credential to ' +
      "offer, even when the server answered `isRequired: false`. Raised when the request carries the client's " +
      '`x-dyn-version: ClientSDK/…`; a refusal with an error code is dynamic.api_error, whose message then says the same.',
    fix:
      'Fix what the message names (the network, the API, a proxy that answers HTML). In the app, treat an empty ' +
      '`credentials` list from checkStepUpAuth as a failed check (retry it, or tell the user) rather than as a ' +
      'step-up with nothing to choose.',
    reference: HEADLESS,
  },
  {
    code: 'dynamic.api_error',
    severity: 'warning',
    family: 'dynamic',
    title: 'Dynamic API error',
    explanation:
      'A Dynamic SDK call answered with an error body `{"error", "code", "payload"?}` not explained by a more ' +
      'specific finding; the message quotes its code. A failed stepUp/check makes the SDK assume step-up is ' +
      'required. When the request carries `x-dyn-version: ClientSDK/…`, the exchange also says what the call ' +
      'rejects with in @dynamic-labs-sdk/client 1.27.1: an `APIError` (`err.code`, `err.status`) for a body with ' +
      'an `error` string, a specific error for a few codes (`mfa_invalid_code` → `MfaInvalidOtpError`), ' +
      '`UnauthorizedError` for a 401 without one, and otherwise the raw `Response`, which has no `message`. That ' +
      'last case, and a failed stepUp/check, are spelled out in this message with their fix.',
    fix: 'Look the code up in the Dynamic API reference and fix the request or the environment settings it names.',
    reference: {
      label: 'Dynamic: SDK API reference',
      url: 'https://www.dynamic.xyz/docs/api-reference/overview',
    },
  },
] as const satisfies readonly FindingRule[];

/** Dynamic's part of the catalogue. */
export const dynamicFindings = {
  families: [{ family: 'dynamic', heading: 'Dynamic step-up' }],
  rules: DYNAMIC_RULES,
} as const satisfies ProviderFindings;
