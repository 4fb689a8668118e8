/** Step-up challenge rules: the state machine of /stepup/request → /otp… → /stepup/continue → /refresh. */
import type { FindingRule } from './types.ts';

const STEP_UP = {
  label: 'Prelude: Step-Up Authentication',
  url: 'https://docs.prelude.so/session/documentation/step-up-authentication',
};
const WEB_STEP_UP = {
  label: 'Prelude step-up (web SDK)',
  url: 'https://docs.prelude.so/session/documentation/frontend-sdks/web/step-up',
};

/** Every `challenge.*` rule. */
export const CHALLENGE_RULES = [
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
