/** `iat` is judged by the server's clock when the capture shows it, as the server judges it. */
import { describe, expect, it } from 'vitest';
import { checkDpopProof, type DpopCheckInput } from '../../../src/core/dpop/check.ts';
import { dpopFindings } from '../../../src/core/model/dpop-findings.ts';
import { API_BASE, T0, aDpopProof } from '../../fixtures/tokens.ts';

/** The device's clock: 5 min 2 s ahead of the server's. */
const DEVICE_NOW = T0 * 1000;
const AHEAD = 302_000;

async function iatRow(iat: number, overrides: Partial<DpopCheckInput> = {}) {
  const report = await checkDpopProof({
    proofHeaders: [await aDpopProof({ iat })],
    method: 'POST',
    url: `${API_BASE}/refresh`,
    requestTime: DEVICE_NOW,
    flavour: 'session',
    ...overrides,
  });
  return { report, row: report.checks.find((c) => c.id === 'iat') };
}

describe('iat against the server clock', () => {
  it("a proof fresh by the device's clock fails by the server's; the clock is named as the cause", async () => {
    const { report, row } = await iatRow(T0, {
      clockOffset: { offsetMs: AHEAD, source: 'date', notable: true },
      proofRefused: true,
    });
    expect(row).toMatchObject({ status: 'fail', clockSkew: { offsetMs: AHEAD, refused: true } });
    expect(row?.detail).toContain("this device's clock runs 5 min 2 s ahead of the server");
    expect(row?.detail).toContain('the server refused the proof (invalid_dpop_proof)');
    const findings = dpopFindings(report, { label: 'Refresh', previousUse: null, resend: false });
    expect(findings.map((f) => f.code)).toEqual(['dpop.clock_skew']);
  });

  it('the same proof accepted by the server is the iat warning, still naming the clock', async () => {
    const { report, row } = await iatRow(T0, {
      clockOffset: { offsetMs: AHEAD, source: 'estimate', notable: true },
    });
    expect(row?.clockSkew).toEqual({ offsetMs: AHEAD, refused: false });
    expect(row?.detail).toContain("the capture's Date headers");
    const findings = dpopFindings(report, { label: 'Refresh', previousUse: null, resend: false });
    expect(findings.map((f) => f.code)).toEqual(['dpop.iat_skew']);
  });

  it("a proof signed on the server's time passes, and says the device's clock is off", async () => {
    const { row } = await iatRow(T0 - 302, {
      clockOffset: { offsetMs: AHEAD, source: 'date', notable: true },
    });
    expect(row?.status).toBe('pass');
    expect(row?.detail).toContain("signed on the server's time");
  });

  it('an offset within what the measurement explains corrects silently', async () => {
    const { row } = await iatRow(T0 + 30, {
      clockOffset: { offsetMs: 800, source: 'date', notable: false },
    });
    expect(row?.status).toBe('pass');
    expect(row?.detail).not.toContain('clock');
    expect(row?.clockSkew).toBeUndefined();
  });

  it('a proof an hour old is stale by both clocks: not put down to the clock', async () => {
    const { row } = await iatRow(T0 - 3600, {
      clockOffset: { offsetMs: AHEAD, source: 'date', notable: true },
      proofRefused: true,
    });
    expect(row?.status).toBe('fail');
    expect(row?.clockSkew).toBeUndefined();
    expect(row?.detail).toContain('a stale or pre-made proof');
  });
});
