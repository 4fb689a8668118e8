/**
 * From an RFC 9449 checklist (dpop/check.ts) to findings: which failing or warning rows become which catalogue
 * codes, with a message naming the values involved. Pure; the analyser attaches exchange and challenge.
 */
import type { DpopProofReport } from '../dpop/types.ts';
import type { FindingCode } from '../findings/codes.ts';

/** One finding a proof report yields. */
export interface DpopFinding {
  code: FindingCode;
  message: string;
  related?: number[];
}

/** What the analyser knows about the proof besides its report. */
export interface DpopFindingContext {
  /** How the exchange is shown in messages (`Refresh`, `POST https://…`). */
  label: string;
  /** The exchange that used this proof's jti before, when any. */
  previousUse: number | null;
  /** That earlier use was this very request, re-sent after it got no response. */
  resend: boolean;
}

const ONE_TO_ONE: Partial<Record<DpopProofReport['checks'][number]['id'], FindingCode>> = {
  signature: 'dpop.signature_invalid',
  no_private_key: 'dpop.private_key_exposed',
  htm: 'dpop.htm_mismatch',
  htu: 'dpop.htu_mismatch',
  nonce: 'dpop.nonce_stale',
  ath: 'dpop.ath_mismatch',
  cnf_jkt: 'dpop.cnf_mismatch',
  key_continuity: 'dpop.key_changed',
  challenge_jti: 'dpop.challenge_jti_mismatch',
};

/**
 * The findings of one proof report, in checklist order; the structural rows (several proofs, not a JWS, typ,
 * alg, missing claims) are merged into one `dpop.malformed`, placed last. Warnings become findings only where a
 * strict server rejects the proof (iat just outside the window, htm differing only in case, typ spelled
 * `application/dpop+jwt`); a signature that cannot be checked in this runtime or an `ath` where the API's own
 * proofs carry none is left to the checklist.
 */
export function dpopFindings(report: DpopProofReport, context: DpopFindingContext): DpopFinding[] {
  const findings: DpopFinding[] = [];
  const malformed: string[] = [];
  for (const check of report.checks) {
    if (check.status === 'fail') {
      switch (check.id) {
        case 'single_header':
          if (report.raw === undefined) {
            findings.push({
              code: 'dpop.missing',
              message: `${context.label} requires a ${report.flavour} DPoP proof and none was sent.`,
            });
          } else malformed.push(check.detail);
          break;
        case 'well_formed':
        case 'typ':
        case 'alg':
        case 'required_claims':
          malformed.push(check.detail);
          break;
        case 'jti_unique': {
          const related = context.previousUse !== null ? [context.previousUse] : [];
          findings.push(
            context.resend
              ? {
                  code: 'dpop.proof_resent',
                  message: `Same request and proof as exchange #${context.previousUse ?? '?'}, which got no response: the SDK re-sent it after a stall.`,
                  related,
                }
              : {
                  code: 'dpop.jti_reused',
                  message: `${check.detail}${context.previousUse !== null ? ` (exchange #${context.previousUse})` : ''}.`,
                  related,
                },
          );
          break;
        }
        case 'signature':
          findings.push({ code: 'dpop.signature_invalid', message: `Proof signature ${check.detail}.` });
          break;
        case 'iat':
          findings.push(iatFinding(check));
          break;
        default: {
          const code = ONE_TO_ONE[check.id];
          if (code !== undefined) findings.push({ code, message: `${check.detail}.` });
        }
      }
    } else if (check.status === 'warn') {
      if (check.id === 'iat') findings.push(iatFinding(check));
      else if (check.id === 'htm') findings.push({ code: 'dpop.htm_mismatch', message: `${check.detail}.` });
      else if (check.id === 'typ') malformed.push(check.detail);
    }
  }
  if (malformed.length > 0) findings.push({ code: 'dpop.malformed', message: `${malformed.join('; ')}.` });
  return findings;
}

/**
 * An `iat` outside the window: `dpop.clock_skew` when the device's clock explains it and the server refused the
 * proof for it (the refusal is the clock's doing, not the proof's), else `dpop.iat_skew`.
 */
function iatFinding(check: DpopProofReport['checks'][number]): DpopFinding {
  return {
    code: check.clockSkew?.refused === true ? 'dpop.clock_skew' : 'dpop.iat_skew',
    message: `${check.detail}.`,
  };
}
