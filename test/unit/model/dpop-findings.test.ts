import { describe, expect, it } from 'vitest';
import { DPOP_CHECK_ORDER } from '../../../src/core/dpop/check.ts';
import type { CheckStatus, DpopCheckId, DpopProofReport } from '../../../src/core/dpop/types.ts';
import { dpopFindings } from '../../../src/core/model/dpop-findings.ts';

function report(
  rows: Partial<Record<DpopCheckId, CheckStatus>>,
  raw: string | null = 'a.b.c',
): DpopProofReport {
  const r: DpopProofReport = {
    flavour: 'session',
    checks: DPOP_CHECK_ORDER.map((id) => ({
      id,
      status: rows[id] ?? 'pass',
      section: '4.3',
      detail: `${id} detail`,
    })),
  };
  if (raw !== null) r.raw = raw;
  return r;
}

const context = { label: 'Refresh', previousUse: null, resend: false };

describe('dpopFindings', () => {
  it('gives no finding for a clean proof', () => {
    expect(dpopFindings(report({}), context)).toEqual([]);
  });

  it('maps each failing row to its catalogue code', () => {
    const expected: Partial<Record<DpopCheckId, string>> = {
      signature: 'dpop.signature_invalid',
      no_private_key: 'dpop.private_key_exposed',
      htm: 'dpop.htm_mismatch',
      htu: 'dpop.htu_mismatch',
      iat: 'dpop.iat_skew',
      nonce: 'dpop.nonce_stale',
      ath: 'dpop.ath_mismatch',
      cnf_jkt: 'dpop.cnf_mismatch',
      key_continuity: 'dpop.key_changed',
      jti_unique: 'dpop.jti_reused',
      challenge_jti: 'dpop.challenge_jti_mismatch',
      well_formed: 'dpop.malformed',
      typ: 'dpop.malformed',
      alg: 'dpop.malformed',
      required_claims: 'dpop.malformed',
      single_header: 'dpop.malformed',
    };
    for (const id of DPOP_CHECK_ORDER) {
      expect(
        dpopFindings(report({ [id]: 'fail' }), context).map((f) => f.code),
        id,
      ).toEqual([expected[id]]);
    }
  });

  it('a missing proof is dpop.missing; structural failures merge into one dpop.malformed', () => {
    expect(dpopFindings(report({ single_header: 'fail' }, null), context)).toEqual([
      { code: 'dpop.missing', message: 'Refresh requires a session DPoP proof and none was sent.' },
    ]);
    expect(dpopFindings(report({ typ: 'fail', alg: 'fail' }), context)).toEqual([
      { code: 'dpop.malformed', message: 'typ detail; alg detail.' },
    ]);
  });

  it('tells a stalled resend from a replay', () => {
    expect(
      dpopFindings(report({ jti_unique: 'fail' }), { ...context, previousUse: 4, resend: true })[0],
    ).toMatchObject({
      code: 'dpop.proof_resent',
      related: [4],
    });
    expect(dpopFindings(report({ jti_unique: 'fail' }), { ...context, previousUse: 4 })[0]).toMatchObject({
      code: 'dpop.jti_reused',
      message: 'jti_unique detail (exchange #4).',
    });
  });

  it('turns only the warnings a strict server rejects into findings', () => {
    const codes = (id: DpopCheckId) => dpopFindings(report({ [id]: 'warn' }), context).map((f) => f.code);
    expect(codes('iat')).toEqual(['dpop.iat_skew']);
    expect(codes('htm')).toEqual(['dpop.htm_mismatch']);
    expect(codes('typ')).toEqual(['dpop.malformed']);
    expect(codes('nonce')).toEqual([]);
    expect(codes('ath')).toEqual([]);
    expect(codes('signature')).toEqual([]);
  });
});
