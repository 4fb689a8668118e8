/**
 * The shape of a finding rule: what the catalogue says about a code, independent of any one occurrence.
 * An occurrence (a {@link Finding} in the session model) points at one exchange and carries a specific message.
 */

/** How bad an occurrence is. `error`: a bug that breaks or weakens the flow. `warning`: likely a bug or a risk. `info`: worth knowing. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * The families the core defines. Families group rules in the docs and the panel's filter; a provider adds its own
 * (the whole list is `FindingFamily` in catalogue.ts) and may also file a rule under one of these, when the rule
 * is about a step-up concept every provider shares but only that provider's traffic can raise it.
 */
export type CoreFindingFamily = 'dpop' | 'cors' | 'challenge' | 'grant' | 'token' | 'inspector';

/** Where to read more: a spec section or a vendor doc page. */
export interface FindingReference {
  label: string;
  url: string;
}

/**
 * One entry of the findings catalogue. `Code` and `Family` narrow the two keys for lists declared `as const`, from
 * which the catalogue derives its `FindingCode` and `FindingFamily` types.
 */
export interface FindingRule<Code extends string = string, Family extends string = string> {
  /** Stable identifier, e.g. `dpop.htu_mismatch`; never renamed once shipped (CI configs and bug reports quote it). */
  code: Code;
  severity: Severity;
  /** The family: the code's prefix, and the docs section the rule is listed in. */
  family: Family;
  /** A few words for lists. */
  title: string;
  /** What happened and what usually causes it, in plain words. */
  explanation: string;
  /** What to change. */
  fix: string;
  reference: FindingReference;
}

/** Orders severities for sorting and thresholds: error first. */
export const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
