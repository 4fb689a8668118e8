/**
 * The findings catalogue: every rule the analyser can raise, with a stable code, a severity and a plain-words
 * explanation of cause and fix. `docs/findings.md` is generated from it (scripts/gen-findings-doc.ts) and a unit
 * test fails when the two drift apart.
 */
import { CHALLENGE_RULES } from './challenge.ts';
import { CORS_RULES } from './cors.ts';
import { DPOP_RULES } from './dpop.ts';
import { DYNAMIC_RULES } from './dynamic.ts';
import { GRANT_RULES } from './grant.ts';
import { INSPECTOR_RULES } from './inspector.ts';
import { PRELUDE_ERROR_CODES, PRELUDE_ERROR_RULES, type PreludeErrorCode } from './prelude-errors.ts';
import { RFC6750_RULES } from './rfc6750.ts';
import { RFC9470_RULES } from './rfc9470.ts';
import { TOKEN_RULES } from './token.ts';
import type { FindingFamily, FindingRule, Severity } from './types.ts';

/** A code of a hand-written rule (everything except the generated `prelude.<code>` family). */
export type StaticFindingCode = (
  | typeof DPOP_RULES
  | typeof CORS_RULES
  | typeof CHALLENGE_RULES
  | typeof GRANT_RULES
  | typeof TOKEN_RULES
  | typeof DYNAMIC_RULES
  | typeof RFC9470_RULES
  | typeof RFC6750_RULES
  | typeof INSPECTOR_RULES
)[number]['code'];

/** Every finding code the analyser can raise. */
export type FindingCode = StaticFindingCode | `prelude.${PreludeErrorCode}` | 'prelude.unknown_error';

/** All rules, in documentation order: by family, then as written. */
export const RULES: readonly FindingRule[] = [
  ...DPOP_RULES,
  ...CORS_RULES,
  ...CHALLENGE_RULES,
  ...GRANT_RULES,
  ...TOKEN_RULES,
  ...PRELUDE_ERROR_RULES,
  ...DYNAMIC_RULES,
  ...RFC9470_RULES,
  ...RFC6750_RULES,
  ...INSPECTOR_RULES,
];

const BY_CODE: ReadonlyMap<string, FindingRule> = new Map(RULES.map((rule) => [rule.code, rule]));

/** The rule for a code; every {@link FindingCode} has one. */
export function getRule(code: FindingCode): FindingRule {
  // The map is built from the same lists the type is derived from, so the lookup cannot miss.
  return BY_CODE.get(code) as FindingRule;
}

/** The rule for any string, or undefined (for codes read from files or messages). */
export function findRule(code: string): FindingRule | undefined {
  return BY_CODE.get(code);
}

/** The finding code for a Session API error `code` from a response body (unknown codes → `prelude.unknown_error`). */
export function preludeFindingCode(errorCode: string): FindingCode {
  return (PRELUDE_ERROR_CODES as readonly string[]).includes(errorCode)
    ? (`prelude.${errorCode}` as FindingCode)
    : 'prelude.unknown_error';
}

/** Families in documentation order, with a heading for each. */
export const FAMILIES: readonly { family: FindingFamily; heading: string }[] = [
  { family: 'dpop', heading: 'DPoP proofs (RFC 9449)' },
  { family: 'cors', heading: 'CORS' },
  { family: 'challenge', heading: 'Step-up challenges' },
  { family: 'grant', heading: 'Grants and single-use consumption' },
  { family: 'token', heading: 'Tokens' },
  { family: 'verification', heading: 'Custom-step verification tokens' },
  { family: 'prelude', heading: 'Prelude Session API error codes' },
  { family: 'dynamic', heading: 'Dynamic step-up' },
  { family: 'rfc9470', heading: 'OAuth step-up challenges (RFC 9470)' },
  { family: 'rfc6750', heading: 'OAuth scope challenges (RFC 6750)' },
  { family: 'inspector', heading: 'The inspector itself' },
];

/** The severity a rule has; a shortcut for views. */
export function severityOf(code: FindingCode): Severity {
  return getRule(code).severity;
}
