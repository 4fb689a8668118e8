/**
 * The rules of Prelude's step-up flow (/stepup/request → /otp… → /stepup/continue → /refresh): its challenges,
 * single-use grants, custom-step verification tokens and challenge-bound DPoP proofs. They are filed under the
 * core's families where one fits, so docs/findings.md lists them with the other challenge, grant and DPoP rules.
 */
import type { FindingReference, FindingRule } from '../../findings/types.ts';

const STEP_UP: FindingReference = {
  label: 'Prelude: Step-Up Authentication',
  url: 'https://docs.prelude.so/session/documentation/step-up-authentication',
};
const WEB_STEP_UP: FindingReference = {
  label: 'Prelude step-up (web SDK)',
  url: 'https://docs.prelude.so/session/documentation/frontend-sdks/web/step-up',
};

/** Every `challenge.*` rule. */
export const PRELUDE_CHALLENGE_RULES = [
  {
    code: 'challenge.expired',
    severity: 'warning',
    family: 'challenge',
    title: 'Challenge used after it expired',
    explanation:
      'A challenge token was sent after its `exp`, or the server said the challenge expired ' +
      '(expired_challenge_token, or bad_check_code on an expired challenge: Prelude returns the same code for ' +
      'a wrong OTP and for an expired challenge). The user took longer than the step allows, or the app kept a ' +
      'cached challenge token across a page reload.',
    fix:
      'Check the challenge `exp` (and each step `expiration_duration`) before sending, and start a new ' +
      '/stepup/request when it has passed; tell the user the code expired rather than that it was wrong.',
    reference: STEP_UP,
  },
  {
    code: 'challenge.bad_code',
    severity: 'info',
    family: 'challenge',
    title: 'Wrong OTP code',
    explanation:
      '/otp/check answered bad_check_code for a challenge that had not expired: the code typed was wrong. ' +
      'Normal user behaviour; many in a row end in rate_limited or auth_blocked.',
    fix: 'Nothing, unless it happens on every try: then check that the OTP went to the identifier the user expects.',
    reference: WEB_STEP_UP,
  },
  {
    code: 'challenge.blocked',
    severity: 'info',
    family: 'challenge',
    title: 'Step-up blocked by the hook',
    explanation:
      '/stepup/request answered status "block": the app step-up hook (or the direct-mode config) refused to ' +
      'grant the scope to this user. No challenge token is issued.',
    fix: 'If the block was not intended, check the decision your delegation_hook returns for this user and scope.',
    reference: {
      label: 'Prelude: Step-Up Hook Reference',
      url: 'https://docs.prelude.so/session/documentation/step-up-hook',
    },
  },
  {
    code: 'challenge.scope_not_granted',
    severity: 'error',
    family: 'challenge',
    title: 'Completed step-up but the scope is missing',
    explanation:
      'The challenge reached `completed` and the /refresh with its step_up_token succeeded, but the new access ' +
      'token `scope` claim does not contain the requested scope. The protected call will be refused with ' +
      'insufficient_scope. Causes: the step_up_token sent was not the completed one, the refresh hit another ' +
      'session, or the grant expired at once (granted_for 0).',
    fix:
      'Send the challenge token whose current_step is "completed" as step_up_token, on the same session, and ' +
      'check granted_for in your hook.',
    reference: STEP_UP,
  },
  {
    code: 'challenge.completed_without_refresh',
    severity: 'error',
    family: 'challenge',
    title: 'Challenge completed but never exchanged',
    explanation:
      'The challenge reached `completed`, but no /refresh carrying it as step_up_token followed: a plain ' +
      '/refresh came instead (more than 2 s later; the SDK sends the step-up refresh at once), or nothing ' +
      'within 30 s. The scope is only added to the access token by that ' +
      'refresh, so the app keeps an access token without it. Usual causes: custom client code that drops the ' +
      'completed token, or an app that reloaded before the SDK finished.',
    fix:
      'After the last step, call POST /refresh with `{"step_up_token": <completed challenge token>}` (the SDK ' +
      'does this inside requestStepUp / continueStepUp; do not bypass it).',
    reference: WEB_STEP_UP,
  },
  {
    code: 'challenge.refresh_before_completion',
    severity: 'error',
    family: 'challenge',
    title: 'step_up_token sent before the challenge completed',
    explanation:
      'A /refresh carried a step_up_token whose current_step is not "completed". The server refuses it ' +
      '(step_not_completed): only a finished challenge can be exchanged for the scope.',
    fix: 'Exchange the token returned by the last step, whose current_step is "completed".',
    reference: WEB_STEP_UP,
  },
] as const satisfies readonly FindingRule[];

/** Every `grant.*` rule. */
export const PRELUDE_GRANT_RULES = [
  {
    code: 'grant.reused_after_consumption',
    severity: 'error',
    family: 'grant',
    title: 'Single-use grant used again',
    explanation:
      'A single-use scope was consumed by a successful protected call, and a later call tried to use it again ' +
      'and was refused (insufficient_scope or token_reused). The client kept the old access token (or the ' +
      'cached scope) after consumption and assumed the scope was still there.',
    fix:
      'Treat a single-use scope as gone after the protected call succeeds: refresh the access token and start ' +
      'a new /stepup/request for the next sensitive action.',
    reference: STEP_UP,
  },
  {
    code: 'grant.still_present_after_consumption',
    severity: 'warning',
    family: 'grant',
    title: 'Consumed single-use scope still in new tokens',
    explanation:
      'A single-use grant was consumed by a successful protected call, but a later access token still carries ' +
      'the scope. Either the protected endpoint does not report consumption (the app API checked the scope ' +
      'without consuming it) or the inspector matched the wrong call as the consumer.',
    fix:
      'Make the protected endpoint consume the grant when it succeeds; for /me/password/reset and passkey ' +
      'registration Prelude does this itself.',
    reference: STEP_UP,
  },
] as const satisfies readonly FindingRule[];

/** Every `verification.*` rule. */
export const PRELUDE_VERIFICATION_RULES = [
  {
    code: 'verification.claims_mismatch',
    severity: 'error',
    family: 'verification',
    title: 'Verification token does not match the challenge',
    explanation:
      'The verification token your backend minted for a custom step does not match the challenge it was sent ' +
      'with: `sub` must be the challenge user, `challenge_id` the challenge, `key` the current step, `status` ' +
      '"completed", it must be within exp/nbf, and its `jti` must not have been used before. Prelude rejects ' +
      'it (token_mismatch, invalid_verification_token or token_reused).',
    fix:
      'Mint one verification token per step completion, from the challenge the client is on (read ' +
      'challenge_id, sub and current_step from the challenge token), with a fresh jti and a short exp.',
    reference: {
      label: 'Prelude: Custom Steps',
      url: 'https://docs.prelude.so/session/documentation/step-up-custom-steps',
    },
  },
] as const satisfies readonly FindingRule[];

/** The DPoP rule of challenge-bound proofs (the other DPoP rules are the core's, RFC 9449's). */
export const PRELUDE_DPOP_RULES = [
  {
    code: 'dpop.challenge_jti_mismatch',
    severity: 'error',
    family: 'dpop',
    title: 'Challenge proof jti is not the challenge token jti',
    explanation:
      'On /otp/check and /stepup/continue, Prelude binds the proof to the challenge: the proof `jti` must equal ' +
      'the `jti` of the challenge token in the request body. It differs here, usually because the client sent ' +
      'an older challenge token than the one it signed for (each step returns a new token with a new jti), or ' +
      'signed a session-style proof with a random jti.',
    fix:
      'After every /otp/check or /stepup/continue, replace the cached challenge token with the one in the ' +
      'response, and sign the next proof with that token jti.',
    reference: WEB_STEP_UP,
  },
] as const satisfies readonly FindingRule[];

/** Every flow rule, by family. */
export const PRELUDE_FLOW_RULES = [
  ...PRELUDE_CHALLENGE_RULES,
  ...PRELUDE_GRANT_RULES,
  ...PRELUDE_VERIFICATION_RULES,
  ...PRELUDE_DPOP_RULES,
] as const;
