/**
 * The findings catalogue: every rule the analyser can raise, with a stable code, a severity and a plain-words
 * explanation of cause and fix. The core's rules are in this folder, one file per family; each registered provider
 * adds its own (src/core/providers/<id>/findings.ts, listed by id in providers/finding-rules.ts), in registry
 * order. Provider modules import only types from src/core/findings, so reading the registry here makes no import
 * cycle. `docs/findings.md` is generated
 * from the catalogue (scripts/gen-findings-doc.ts) and a unit test fails when the two drift apart.
 */
import { PROVIDER_FINDINGS as FINDINGS_BY_PROVIDER } from '../providers/finding-rules.ts';
import { PROVIDERS } from '../providers/registry.ts';
import { CORS_RULES } from './cors.ts';
import { DPOP_RULES } from './dpop.ts';
import { INSPECTOR_RULES } from './inspector.ts';
import { TOKEN_RULES } from './token.ts';
import type { FindingCode, FindingFamily } from './codes.ts';
import type { FindingRule, Severity } from './types.ts';

const CORE_RULES = [...DPOP_RULES, ...CORS_RULES, ...TOKEN_RULES, ...INSPECTOR_RULES] as const;

type ProviderFindingsEntry = (typeof FINDINGS_BY_PROVIDER)[keyof typeof FINDINGS_BY_PROVIDER];
const PROVIDER_FINDINGS: readonly ProviderFindingsEntry[] = PROVIDERS.map(
  (provider) => FINDINGS_BY_PROVIDER[provider.id],
);

export type { FindingCode, FindingFamily } from './codes.ts';

/**
 * Families in documentation order, with a heading for each: the core's, then each provider's in registry order,
 * then the inspector's own. The core's challenge and grant sections hold providers' rules only.
 */
export const FAMILIES: readonly { family: FindingFamily; heading: string }[] = [
  { family: 'dpop', heading: 'DPoP proofs (RFC 9449)' },
  { family: 'cors', heading: 'CORS' },
  { family: 'challenge', heading: 'Step-up challenges' },
  { family: 'grant', heading: 'Grants and single-use consumption' },
  { family: 'token', heading: 'Tokens' },
  ...PROVIDER_FINDINGS.flatMap<ProviderFindingsEntry['families'][number]>((provider) => provider.families),
  { family: 'inspector', heading: 'The inspector itself' },
];

const FAMILY_ORDER: ReadonlyMap<string, number> = new Map(FAMILIES.map(({ family }, i) => [family, i]));

/**
 * All rules, in documentation order: by family, and within a family the core's first, then each provider's as
 * written. A rule of an undeclared family sorts last (the catalogue test fails on it).
 */
export const RULES: readonly FindingRule[] = [
  ...CORE_RULES,
  ...PROVIDER_FINDINGS.flatMap<ProviderFindingsEntry['rules'][number]>((provider) => provider.rules),
].sort(
  (a, b) => (FAMILY_ORDER.get(a.family) ?? FAMILIES.length) - (FAMILY_ORDER.get(b.family) ?? FAMILIES.length),
);

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

/** The severity a rule has; a shortcut for views. */
export function severityOf(code: FindingCode): Severity {
  return getRule(code).severity;
}
