/**
 * The checklist's rows: their fixed order and RFC 9449 sections, the collector every check writes into, and the
 * short quoting the row details share.
 */
import type { CheckStatus, DpopCheck, DpopCheckId, DpopProofReport } from './types.ts';

/** Row order of every report: the order a verifier works in (RFC 9449 §4.3), then session-level checks. */
export const DPOP_CHECK_ORDER: readonly DpopCheckId[] = [
  'single_header',
  'well_formed',
  'typ',
  'alg',
  'signature',
  'no_private_key',
  'required_claims',
  'htm',
  'htu',
  'iat',
  'nonce',
  'ath',
  'cnf_jkt',
  'key_continuity',
  'jti_unique',
  'challenge_jti',
];

/** RFC 9449 section each check comes from. */
const SECTION: Record<DpopCheckId, string> = {
  single_header: '4.3',
  well_formed: '4.3',
  typ: '4.2',
  alg: '4.3',
  signature: '4.3',
  no_private_key: '4.3',
  required_claims: '4.2',
  htm: '4.3',
  htu: '4.3',
  iat: '4.3',
  nonce: '8',
  ath: '4.3',
  cnf_jkt: '6.1',
  key_continuity: '5',
  jti_unique: '11.1',
  challenge_jti: '4.2',
};

/** Collects rows and fills the ones a path did not reach with `n/a`, in {@link DPOP_CHECK_ORDER}. */
export class Rows {
  private readonly rows = new Map<DpopCheckId, DpopCheck>();
  set(id: DpopCheckId, status: CheckStatus, detail: string, extra?: Pick<DpopCheck, 'clockSkew'>): void {
    this.rows.set(id, { id, status, section: SECTION[id], detail, ...extra });
  }
  report(
    flavour: DpopProofReport['flavour'],
    raw: string | undefined,
    thumbprint: string | undefined,
    missingDetail: string,
  ): DpopProofReport {
    const checks = DPOP_CHECK_ORDER.map(
      (id) =>
        this.rows.get(id) ?? { id, status: 'n/a' as const, section: SECTION[id], detail: missingDetail },
    );
    const report: DpopProofReport = { flavour, checks };
    if (raw !== undefined) report.raw = raw;
    if (thumbprint !== undefined) report.thumbprint = thumbprint;
    return report;
  }
}

/** A claim or header value for a one-line detail: strings quoted, anything else as JSON, long values cut. */
export function quote(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** A thumbprint shortened for one-line details; the full value is in the report's `thumbprint`. */
export function short(thumbprint: string): string {
  return thumbprint.length > 12 ? `${thumbprint.slice(0, 12)}…` : thumbprint;
}
