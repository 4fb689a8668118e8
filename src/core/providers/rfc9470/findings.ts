/**
 * RFC 9470 (OAuth 2.0 Step Up Authentication Challenge) rules, for any resource server: the challenge, the new
 * token checked against it, challenge loops, `acr`/`auth_time` changes on refresh, and unreadable challenges; and
 * the RFC 6750 rule of the scope-based step-up (`error="insufficient_scope"`), which this provider also follows.
 */
import type { FindingReference, FindingRule } from '../../findings/types.ts';
import type { ProviderFindings } from '../parts.ts';

function section(n: string): FindingReference {
  return { label: `RFC 9470 §${n}`, url: `https://www.rfc-editor.org/rfc/rfc9470.html#section-${n}` };
}

/** Every `rfc9470.*` rule. */
export const RFC9470_RULES = [
  {
    code: 'rfc9470.challenge_loop',
    severity: 'error',
    family: 'rfc9470',
    title: 'Step-up challenge loop',
    explanation:
      'A resource answered a step-up challenge (insufficient_user_authentication or insufficient_scope), the ' +
      'client came back with a different access token, and the resource answered the same challenge again. ' +
      'Either the new token still does not meet the requirement (the authorization server ignored acr_values, ' +
      'max_age or scope, or the client did not pass them on), or the resource and the authorization server ' +
      'disagree on acr names or clocks. Clients that retry blindly loop forever.',
    fix:
      'Pass acr_values, max_age (or scope) from the challenge unchanged into the authorization request, check ' +
      'the new token before retrying, and stop after one failed step-up instead of looping.',
    reference: section('3'),
  },
  {
    code: 'rfc9470.acr_not_satisfied',
    severity: 'error',
    family: 'rfc9470',
    title: 'New token acr not among acr_values',
    explanation:
      'After a challenge with `acr_values`, the next access token presented to the resource has no `acr` claim, ' +
      'or an `acr` that is not one of the values asked for. The authorization server could not (or was not asked ' +
      'to) authenticate the user at that level, and says so in the token; the resource should refuse it.',
    fix:
      'Send the acr_values of the challenge in the authorization request, make the authorization server put the ' +
      'achieved level in `acr` (RFC 9068), and tell the user when the level cannot be reached.',
    reference: section('6.1'),
  },
  {
    code: 'rfc9470.max_age_exceeded',
    severity: 'error',
    family: 'rfc9470',
    title: 'New token authentication older than max_age',
    explanation:
      'After a challenge with `max_age`, the next access token presented to the resource has an `auth_time` ' +
      'older than max_age seconds at the time of the request, or no `auth_time` at all, so the resource cannot ' +
      'tell how recent the authentication is. Often the authorization server reused a session (SSO) instead of ' +
      're-authenticating, or the client refreshed the token instead of re-authorizing.',
    fix:
      'Send max_age (or prompt=login) in the authorization request so the user re-authenticates, and include ' +
      '`auth_time` in access tokens.',
    reference: section('6.1'),
  },
  {
    code: 'rfc9470.acr_changed_on_refresh',
    severity: 'error',
    family: 'rfc9470',
    title: 'acr changed on refresh',
    explanation:
      'An access token from a refresh (grant_type=refresh_token), or a new token of the same session with the ' +
      'same `auth_time`, has a different `acr` than the token before it. A refresh does not authenticate the ' +
      'user again, so it must keep the authentication information of the original event; a raised `acr` without ' +
      'a new authentication lets a refresh bypass step-up.',
    fix:
      'Make the authorization server copy `acr` and `auth_time` from the original authentication into refreshed ' +
      'tokens; a step-up must go through a new authorization request.',
    reference: section('6.1'),
  },
  {
    code: 'rfc9470.auth_time_changed_on_refresh',
    severity: 'error',
    family: 'rfc9470',
    title: 'auth_time changed on refresh',
    explanation:
      'An access token from a refresh (grant_type=refresh_token) has a different `auth_time` than the token ' +
      'before it in the same session. No user authentication happens on a refresh, so a moved `auth_time` makes ' +
      'an old authentication look recent and defeats max_age checks.',
    fix: 'Keep `auth_time` (and `acr`) of the original authentication in every token refreshed from it.',
    reference: section('6.1'),
  },
  {
    code: 'rfc9470.malformed_www_authenticate',
    severity: 'warning',
    family: 'rfc9470',
    title: 'WWW-Authenticate challenge unreadable',
    explanation:
      'A 4xx response carries a `WWW-Authenticate` header that mentions a step-up error but does not parse as ' +
      'RFC 9110 challenges (unterminated quoted-string, a parameter without a value, text after a value…), or ' +
      'its `max_age` is not a number of seconds. Clients that parse strictly miss the challenge and cannot step ' +
      'up; the message lists what the parser found.',
    fix:
      'Emit `Bearer error="insufficient_user_authentication", acr_values="…", max_age=…` with quoted values and ' +
      'comma-separated parameters, and expose WWW-Authenticate to cross-origin pages.',
    reference: section('3'),
  },
] as const satisfies readonly FindingRule[];

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

/** The OAuth step-up part of the catalogue: one family per RFC, as each has its own section in the docs. */
export const rfc9470Findings = {
  families: [
    { family: 'rfc9470', heading: 'OAuth step-up challenges (RFC 9470)' },
    { family: 'rfc6750', heading: 'OAuth scope challenges (RFC 6750)' },
  ],
  rules: [...RFC9470_RULES, ...RFC6750_RULES],
} as const satisfies ProviderFindings;
