/**
 * The shape of a finding rule: what the catalogue says about a code, independent of any one occurrence.
 * An occurrence (a {@link Finding} in the session model) points at one exchange and carries a specific message.
 */

/** How bad an occurrence is. `error`: a bug that breaks or weakens the flow. `warning`: likely a bug or a risk. `info`: worth knowing. */
export type Severity = 'error' | 'warning' | 'info';

/** Families group rules in the docs and the panel's filter. */
export type FindingFamily =
  | 'dpop'
  | 'cors'
  | 'challenge'
  | 'grant'
  | 'verification'
  | 'token'
  | 'prelude'
  | 'dynamic'
  | 'rfc9470'
  | 'rfc6750'
  | 'inspector';

/** Where to read more: a spec section or a vendor doc page. */
export interface FindingReference {
  label: string;
  url: string;
}

/** One entry of the findings catalogue. */
export interface FindingRule {
  /** Stable identifier, e.g. `dpop.htu_mismatch`; never renamed once shipped (CI configs and bug reports quote it). */
  code: string;
  severity: Severity;
  family: FindingFamily;
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
