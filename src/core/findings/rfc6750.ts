/** RFC 6750 rules: the scope-based step-up (`error="insufficient_scope"`). */
import type { FindingRule } from './types.ts';

/** Every `rfc6750.*` rule. */
export const RFC6750_RULES = [
  {
    code: 'rfc6750.insufficient_scope',
    severity: 'error',
    family: 'rfc6750',
    title: 'New token still lacks the scope asked for',
    explanation:
      'A resource answered `insufficient_scope` with a `scope` parameter, and the next access token the client ' +
      'presented to it still does not carry every scope asked for. The client retried without obtaining a token ' +
      'for the wider scope, or the authorization server granted less than was requested.',
    fix:
      'Request a new token with the scope from the challenge (re-authorize, or refresh with `scope` when the ' +
      'grant allows it) and check its `scope` before retrying.',
    reference: { label: 'RFC 6750 §3.1', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1' },
  },
] as const satisfies readonly FindingRule[];
