import { SignJWT, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  DPOP_CHECK_ORDER,
  checkDpopProof,
  checkDpopProofs,
  summariseDpop,
  type DpopCheckInput,
} from '../../../src/core/dpop/check.ts';
import type { CheckStatus, DpopCheckId, DpopProofReport } from '../../../src/core/dpop/types.ts';
import { API_BASE, T0, aDpopProof, aKey, anAccessToken, tamperSignature } from '../../fixtures/tokens.ts';

const REFRESH = `${API_BASE}/refresh`;
const NOW = T0 * 1000;

function input(
  proof: string | string[] | undefined,
  overrides: Partial<DpopCheckInput> = {},
): DpopCheckInput {
  return {
    proofHeaders: proof === undefined ? [] : Array.isArray(proof) ? proof : [proof],
    method: 'POST',
    url: REFRESH,
    requestTime: NOW,
    flavour: 'session',
    ...overrides,
  };
}

function check(
  proof: string | string[] | undefined,
  overrides: Partial<DpopCheckInput> = {},
): Promise<DpopProofReport> {
  return checkDpopProof(input(proof, overrides));
}

function statusOf(report: DpopProofReport, id: DpopCheckId): CheckStatus | undefined {
  return report.checks.find((c) => c.id === id)?.status;
}

function detailOf(report: DpopProofReport, id: DpopCheckId): string {
  return report.checks.find((c) => c.id === id)?.detail ?? '';
}

function failedIds(report: DpopProofReport): DpopCheckId[] {
  return summariseDpop(report).failed.map((c) => c.id);
}

/** Replaces a signed proof's protected header, keeping payload and signature (so the signature no longer covers it). */
function withHeader(jws: string, header: Record<string, unknown>): string {
  const [, payload, signature] = jws.split('.');
  return `${base64url.encode(JSON.stringify(header))}.${payload}.${signature}`;
}

async function sha256(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))),
  );
}

async function deviceKeyThumbprint(): Promise<string> {
  return (await aKey('ES256', 'device')).thumbprint;
}

describe('checkDpopProof: a good session proof', () => {
  it('passes every applicable check, in a stable order, with the RFC 7638 thumbprint', async () => {
    const thumbprint = await deviceKeyThumbprint();
    const proof = await aDpopProof({ nonce: 'nonce-A' });
    const report = await check(proof, {
      expectedNonce: 'nonce-A',
      previousThumbprint: thumbprint,
      seenJtis: new Set(),
    });
    expect(report.checks.map((c) => c.id)).toEqual(DPOP_CHECK_ORDER);
    expect(report.raw).toBe(proof);
    expect(report.flavour).toBe('session');
    expect(report.thumbprint).toBe(thumbprint);
    expect(summariseDpop(report)).toEqual({ failed: [], warned: [] });
    const notApplicable = report.checks.filter((c) => c.status === 'n/a').map((c) => c.id);
    expect(notApplicable).toEqual(['ath', 'cnf_jkt', 'challenge_jti']);
    for (const c of report.checks) {
      expect(c.section).toMatch(/^\d+(\.\d+)?$/);
      expect(c.detail.length).toBeGreaterThan(0);
    }
  });

  it.each(['ES384', 'EdDSA', 'RS256', 'PS256'] as const)('verifies a %s proof', async (alg) => {
    const report = await check(await aDpopProof({ alg }));
    expect(statusOf(report, 'alg')).toBe('pass');
    expect(statusOf(report, 'signature')).toBe('pass');
    expect(report.thumbprint).toBe((await aKey(alg, 'device')).thumbprint);
    expect(failedIds(report)).toEqual([]);
  });
});

describe('checkDpopProof: header count', () => {
  it('is n/a when no proof was sent and none is required', async () => {
    const report = await check(undefined);
    expect(report.checks.every((c) => c.status === 'n/a')).toBe(true);
    expect(report.raw).toBeUndefined();
  });

  it('fails single_header when a required proof is missing', async () => {
    const report = await check(undefined, { required: true });
    expect(failedIds(report)).toEqual(['single_header']);
    expect(detailOf(report, 'single_header')).toContain('missing_dpop_proof');
  });

  it('fails single_header for two DPoP headers and checks the first', async () => {
    const first = await aDpopProof();
    const report = await check([first, await aDpopProof()]);
    expect(failedIds(report)).toEqual(['single_header']);
    expect(report.raw).toBe(first);
  });

  it('fails single_header for two proofs merged into one header value', async () => {
    const report = await check(`${await aDpopProof()}, ${await aDpopProof()}`);
    expect(failedIds(report)).toEqual(['single_header']);
  });
});

describe('checkDpopProof: structure and signature', () => {
  it('fails well_formed for a value that is not a JWS, and checks nothing else', async () => {
    const report = await check('not-a-jws');
    expect(statusOf(report, 'single_header')).toBe('pass');
    expect(failedIds(report)).toEqual(['well_formed']);
    expect(report.checks.filter((c) => c.status !== 'n/a').map((c) => c.id)).toEqual([
      'single_header',
      'well_formed',
    ]);
  });

  it('fails well_formed for an empty header value', async () => {
    expect(failedIds(await check(''))).toEqual(['well_formed']);
  });

  it('reports a redacted signature as not verifiable instead of invalid', async () => {
    const proof = await aDpopProof();
    const redacted = `${proof.slice(0, proof.lastIndexOf('.'))}.REDACTED`;
    const report = await check(redacted);
    expect(statusOf(report, 'signature')).toBe('n/a');
    expect(detailOf(report, 'signature')).toMatch(/redacted/);
    expect(failedIds(report)).toEqual([]);
  });

  it('fails signature for a tampered proof', async () => {
    const report = await check(tamperSignature(await aDpopProof()));
    expect(failedIds(report)).toEqual(['signature']);
    expect(report.thumbprint).toBe(await deviceKeyThumbprint());
  });

  it('fails typ for typ JWT and warns for an equivalent spelling', async () => {
    expect(failedIds(await check(await aDpopProof({ header: { typ: 'JWT' } })))).toEqual(['typ']);
    const report = await check(await aDpopProof({ header: { typ: 'application/dpop+jwt' } }));
    expect(statusOf(report, 'typ')).toBe('warn');
    expect(failedIds(report)).toEqual([]);
  });

  it('fails alg none and does not try to verify', async () => {
    const signed = await aDpopProof();
    const [header, payload] = signed.split('.');
    const decodedHeader = JSON.parse(new TextDecoder().decode(base64url.decode(header ?? ''))) as Record<
      string,
      unknown
    >;
    const unsigned = `${base64url.encode(JSON.stringify({ ...decodedHeader, alg: 'none' }))}.${payload}.`;
    const report = await check(unsigned);
    expect(failedIds(report)).toEqual(['alg']);
    expect(statusOf(report, 'signature')).toBe('n/a');
    expect(detailOf(report, 'alg')).toContain('none');
  });

  it('fails alg HS256 (a symmetric key)', async () => {
    const { publicJwk } = await aKey('ES256', 'device');
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
    const proof = await new SignJWT({ jti: 'j1', htm: 'POST', htu: REFRESH, iat: T0 })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: publicJwk })
      .sign(secret);
    const report = await check(proof);
    expect(failedIds(report)).toEqual(['alg']);
    expect(detailOf(report, 'alg')).toMatch(/symmetric/);
  });

  it('fails signature when the header alg does not fit the jwk', async () => {
    const signed = await aDpopProof();
    const { publicJwk } = await aKey('ES256', 'device');
    const report = await check(withHeader(signed, { typ: 'dpop+jwt', alg: 'RS256', jwk: publicJwk }));
    expect(failedIds(report)).toEqual(['signature']);
    expect(detailOf(report, 'signature')).toMatch(/cannot be used with RS256/);
  });

  it('fails signature when there is no jwk', async () => {
    const signed = await aDpopProof();
    const report = await check(withHeader(signed, { typ: 'dpop+jwt', alg: 'ES256' }));
    expect(failedIds(report)).toEqual(['signature']);
    expect(statusOf(report, 'no_private_key')).toBe('n/a');
    expect(report.thumbprint).toBeUndefined();
  });

  it('fails no_private_key when the jwk leaks the private key, and still verifies', async () => {
    const report = await check(await aDpopProof({ leakPrivateKey: true }));
    expect(failedIds(report)).toEqual(['no_private_key']);
    expect(detailOf(report, 'no_private_key')).toMatch(/\bd\b/);
    expect(statusOf(report, 'signature')).toBe('pass');
    expect(report.thumbprint).toBe(await deviceKeyThumbprint());
  });

  it('lists every leaked RSA private member', async () => {
    const report = await check(await aDpopProof({ alg: 'RS256', leakPrivateKey: true }));
    expect(detailOf(report, 'no_private_key')).toContain('d, p, q, dp, dq, qi');
  });
});

describe('checkDpopProof: claims', () => {
  it('fails required_claims for missing jti and iat', async () => {
    const report = await check(await aDpopProof({ claims: { jti: undefined, iat: undefined } }));
    expect(failedIds(report)).toEqual(['required_claims']);
    expect(detailOf(report, 'required_claims')).toBe('jti missing; iat missing');
    expect(statusOf(report, 'iat')).toBe('n/a');
    expect(statusOf(report, 'jti_unique')).toBe('n/a');
  });

  it('fails required_claims for a mistyped iat', async () => {
    const report = await check(await aDpopProof({ claims: { iat: String(T0) } }));
    expect(failedIds(report)).toEqual(['required_claims']);
  });

  it('fails htm GET for a POST request, and warns on a case difference', async () => {
    const report = await check(await aDpopProof({ htm: 'GET' }));
    expect(failedIds(report)).toEqual(['htm']);
    expect(detailOf(report, 'htm')).toBe('htm is GET but the request was POST');
    expect(statusOf(await check(await aDpopProof({ htm: 'post' })), 'htm')).toBe('warn');
  });

  it('fails htu for another path, naming both', async () => {
    const report = await check(await aDpopProof({ htu: `${API_BASE}/revoke` }));
    expect(failedIds(report)).toEqual(['htu']);
    expect(detailOf(report, 'htu')).toBe(`htu is ${API_BASE}/revoke but the request went to ${REFRESH}`);
  });

  it('fails htu that carries a query, even when the request had the same query', async () => {
    const report = await check(await aDpopProof({ htu: `${REFRESH}?a=1` }), { url: `${REFRESH}?a=1` });
    expect(failedIds(report)).toEqual(['htu']);
    expect(detailOf(report, 'htu')).toMatch(/query/);
  });

  it('passes htu after normalisation, ignoring the request query', async () => {
    const report = await check(
      await aDpopProof({ htu: 'https://DEMO.session.prelude.dev:443/v1/session/refresh' }),
      {
        url: `${REFRESH}?x=1`,
      },
    );
    expect(statusOf(report, 'htu')).toBe('pass');
    expect(detailOf(report, 'htu')).toMatch(/after normalisation/);
  });

  it('fails htu that is not a URL', async () => {
    expect(failedIds(await check(await aDpopProof({ htu: '/v1/session/refresh' })))).toEqual(['htu']);
  });

  it.each<[string, number, CheckStatus]>([
    ['at the request time', T0, 'pass'],
    ['4 minutes before', T0 - 240, 'pass'],
    ['30 s after', T0 + 30, 'pass'],
    ['90 s after (just beyond the future window)', T0 + 90, 'warn'],
    ['10 minutes after', T0 + 600, 'fail'],
    ['7 minutes before (just beyond the past window)', T0 - 420, 'warn'],
    ['an hour before', T0 - 3600, 'fail'],
  ])('iat %s → %s', async (_name, iat, status) => {
    const report = await check(await aDpopProof({ iat }));
    expect(statusOf(report, 'iat')).toBe(status);
    expect(detailOf(report, 'iat')).toMatch(/window: 300 s before to 60 s after/);
  });

  it('uses a caller-supplied iat window', async () => {
    const report = await check(await aDpopProof({ iat: T0 - 30 }), {
      iatWindow: { pastSeconds: 10, futureSeconds: 5 },
    });
    expect(statusOf(report, 'iat')).toBe('fail');
  });
});

describe('checkDpopProof: nonce', () => {
  it('passes the latest nonce', async () => {
    expect(statusOf(await check(await aDpopProof({ nonce: 'B' }), { expectedNonce: 'B' }), 'nonce')).toBe(
      'pass',
    );
  });

  it('fails a stale nonce, naming both', async () => {
    const report = await check(await aDpopProof({ nonce: 'A' }), { expectedNonce: 'B' });
    expect(failedIds(report)).toEqual(['nonce']);
    expect(detailOf(report, 'nonce')).toBe(
      'stale nonce: "A" but the latest DPoP-Nonce is B (expect use_dpop_nonce)',
    );
  });

  it('fails a missing nonce when the server sent one', async () => {
    expect(failedIds(await check(await aDpopProof(), { expectedNonce: 'B' }))).toEqual(['nonce']);
  });

  it('passes no nonce when the server never asked, warns on an unasked nonce', async () => {
    expect(statusOf(await check(await aDpopProof(), { expectedNonce: null }), 'nonce')).toBe('pass');
    expect(statusOf(await check(await aDpopProof({ nonce: 'x' }), { expectedNonce: null }), 'nonce')).toBe(
      'warn',
    );
  });

  it('is n/a when no nonce was seen, and for challenge proofs', async () => {
    expect(statusOf(await check(await aDpopProof({ nonce: 'x' })), 'nonce')).toBe('n/a');
    const challenge = await check(await aDpopProof({ jti: 'cjti_01' }), {
      flavour: 'challenge',
      expectedNonce: 'B',
      challengeTokenJti: 'cjti_01',
    });
    expect(statusOf(challenge, 'nonce')).toBe('n/a');
  });
});

describe('checkDpopProof: access-token binding', () => {
  it('passes the right ath (token given as an Authorization value)', async () => {
    const token = await anAccessToken();
    const report = await check(await aDpopProof({ ath: await sha256(token) }), {
      accessToken: `DPoP ${token}`,
    });
    expect(statusOf(report, 'ath')).toBe('pass');
    expect(failedIds(report)).toEqual([]);
  });

  it('fails a wrong ath', async () => {
    const token = await anAccessToken();
    const report = await check(await aDpopProof({ ath: await sha256('another token') }), {
      accessToken: token,
    });
    expect(failedIds(report)).toEqual(['ath']);
  });

  it('is n/a without ath for Prelude proofs, a warning for a generic server', async () => {
    const token = await anAccessToken();
    expect(statusOf(await check(await aDpopProof(), { accessToken: token }), 'ath')).toBe('n/a');
    expect(statusOf(await check(await aDpopProof(), { accessToken: token, flavour: 'unknown' }), 'ath')).toBe(
      'warn',
    );
  });

  it('passes cnf.jkt equal to the proof key thumbprint', async () => {
    const token = await anAccessToken({ cnf: { jkt: await deviceKeyThumbprint() } });
    expect(statusOf(await check(await aDpopProof(), { accessToken: token }), 'cnf_jkt')).toBe('pass');
  });

  it('fails cnf.jkt bound to another key', async () => {
    const token = await anAccessToken({ cnf: { jkt: (await aKey('ES256', 'other')).thumbprint } });
    const report = await check(await aDpopProof(), { accessToken: token });
    expect(failedIds(report)).toEqual(['cnf_jkt']);
  });

  it('is n/a when the access token has no cnf.jkt', async () => {
    expect(statusOf(await check(await aDpopProof(), { accessToken: await anAccessToken() }), 'cnf_jkt')).toBe(
      'n/a',
    );
  });
});

describe('checkDpopProof: session continuity', () => {
  it('fails key_continuity when the key changed', async () => {
    const report = await check(await aDpopProof({ keyName: 'a-new-device' }), {
      previousThumbprint: await deviceKeyThumbprint(),
    });
    expect(failedIds(report)).toEqual(['key_continuity']);
    expect(detailOf(report, 'key_continuity')).toContain('dpop_key_mismatch');
  });

  it('fails jti_unique for a reused session jti', async () => {
    const report = await check(await aDpopProof({ jti: 'j-1' }), { seenJtis: new Set(['j-1']) });
    expect(failedIds(report)).toEqual(['jti_unique']);
  });

  it('passes a challenge proof whose jti is the challenge token jti, even if seen before', async () => {
    const report = await check(await aDpopProof({ jti: 'cjti_01', htu: `${API_BASE}/otp/check` }), {
      url: `${API_BASE}/otp/check`,
      flavour: 'challenge',
      challengeTokenJti: 'cjti_01',
      seenJtis: new Set(['cjti_01']),
    });
    expect(report.flavour).toBe('challenge');
    expect(statusOf(report, 'challenge_jti')).toBe('pass');
    expect(statusOf(report, 'jti_unique')).toBe('n/a');
    expect(failedIds(report)).toEqual([]);
  });

  it('fails challenge_jti when the jti is not the challenge token jti', async () => {
    const report = await check(await aDpopProof({ jti: 'random-uuid' }), {
      flavour: 'challenge',
      challengeTokenJti: 'cjti_01',
    });
    expect(failedIds(report)).toEqual(['challenge_jti']);
    expect(detailOf(report, 'challenge_jti')).toBe(
      "jti is random-uuid but the challenge token's jti is cjti_01",
    );
  });
});

describe('checkDpopProof: robustness', () => {
  it('never rejects on nonsense input', async () => {
    const nonsense = { proofHeaders: 'x', flavour: 'weird' } as unknown as DpopCheckInput;
    const report = await checkDpopProof(nonsense);
    expect(report.flavour).toBe('unknown');
    expect(report.checks).toHaveLength(DPOP_CHECK_ORDER.length);
  });

  it('checkDpopProofs keeps input order', async () => {
    const proofs = await Promise.all(['GET', 'POST', 'PUT'].map((htm) => aDpopProof({ htm })));
    const reports = await checkDpopProofs(
      proofs.map((p) => input(p)),
      2,
    );
    expect(reports.map((r) => statusOf(r, 'htm'))).toEqual(['fail', 'pass', 'fail']);
    expect(await checkDpopProofs([])).toEqual([]);
  });
});
