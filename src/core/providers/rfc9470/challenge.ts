/**
 * Reads the step-up challenge out of parsed `WWW-Authenticate` challenges: RFC 9470 §3
 * (`error="insufficient_user_authentication"` with `acr_values` and/or `max_age`) and RFC 6750 §3.1
 * (`error="insufficient_scope"` with `scope`), on a `Bearer` or `DPoP` (RFC 9449 §7.1) challenge.
 */
import { parseScopes } from '../../tokens/scopes.ts';
import { isScheme, parseWwwAuthenticate, type AuthChallenge } from '../../http/www-authenticate.ts';

/** The two challenge errors that ask the client for a better token. */
export type StepUpError = 'insufficient_user_authentication' | 'insufficient_scope';

/** What a resource server asked for. */
export interface StepUpChallenge {
  /** `Bearer` or `DPoP`, as written. */
  scheme: string;
  error: StepUpError;
  errorDescription?: string;
  /** `acr_values`, space-separated in order of preference (RFC 9470 §3). */
  acrValues: string[];
  /** `max_age` in seconds, when given as a non-negative integer. */
  maxAge?: number;
  /** `max_age` as sent, when it is not a non-negative integer. */
  invalidMaxAge?: string;
  /** `scope` (RFC 6750 §3), space-separated. */
  scope: string[];
  realm?: string;
  /** Every parameter, lower-cased names. */
  params: Readonly<Record<string, string>>;
}

/** Everything read from a response's `WWW-Authenticate` lines. */
export interface StepUpChallengeRead {
  /** The first Bearer/DPoP challenge with a step-up error, if any. */
  challenge?: StepUpChallenge;
  /** Syntax errors, and step-up parameters that break their RFC's rules. */
  problems: string[];
}

const STEP_UP_ERRORS: ReadonlySet<string> = new Set([
  'insufficient_user_authentication',
  'insufficient_scope',
]);

function isTokenScheme(challenge: AuthChallenge): boolean {
  return isScheme(challenge, 'bearer') || isScheme(challenge, 'dpop');
}

/** Cheap test on raw header values: could they hold a step-up challenge (before parsing)? */
export function mentionsStepUpError(values: readonly string[]): boolean {
  for (const value of values)
    if (typeof value === 'string' && value.toLowerCase().includes('insufficient_')) return true;
  return false;
}

/** Finds and reads the step-up challenge in `WWW-Authenticate` header values. Never throws. */
export function readStepUpChallenge(values: readonly string[]): StepUpChallengeRead {
  const parsed = parseWwwAuthenticate(values);
  const problems = parsed.errors.map((e) => `${e.message} (line ${e.line + 1}, character ${e.offset + 1})`);
  const found = parsed.challenges.find(
    (c) => isTokenScheme(c) && c.token68 === undefined && STEP_UP_ERRORS.has(c.params['error'] ?? ''),
  );
  if (found === undefined) return { problems };
  const params = found.params;
  const challenge: StepUpChallenge = {
    scheme: found.scheme,
    error: params['error'] as StepUpError,
    acrValues: parseScopes(params['acr_values'] ?? ''),
    scope: parseScopes(params['scope'] ?? ''),
    params,
  };
  if (params['error_description'] !== undefined) challenge.errorDescription = params['error_description'];
  if (params['realm'] !== undefined) challenge.realm = params['realm'];
  const maxAge = params['max_age'];
  if (maxAge !== undefined) {
    if (/^\d{1,15}$/.test(maxAge)) challenge.maxAge = Number(maxAge);
    else {
      challenge.invalidMaxAge = maxAge;
      problems.push(`max_age "${maxAge}" is not a non-negative integer of seconds`);
    }
  }
  return { challenge, problems };
}

/** One line for a timeline: what the challenge asks. */
export function describeStepUpChallenge(challenge: StepUpChallenge): string {
  const parts: string[] = [];
  if (challenge.acrValues.length > 0) parts.push(`acr_values ${challenge.acrValues.join(' ')}`);
  if (challenge.maxAge !== undefined) parts.push(`max_age ${challenge.maxAge}s`);
  if (challenge.scope.length > 0) parts.push(`scope ${challenge.scope.join(' ')}`);
  return parts.length > 0 ? parts.join(', ') : 'no requirement given';
}
