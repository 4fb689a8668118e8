/** Grant rules: what happens to a scope after it was granted (single-use consumption, reuse). */
import type { FindingRule } from './types.ts';

const STEP_UP = {
  label: 'Prelude: Step-Up Authentication',
  url: 'https://docs.prelude.so/session/documentation/step-up-authentication',
};

/** Every `grant.*` rule. */
export const GRANT_RULES = [
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
