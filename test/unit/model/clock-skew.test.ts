/**
 * A capture saved on a device whose clock is off carries the same error in its own times: only what the server
 * wrote (Date headers, issued tokens' iat) shows it. The offset is measured, reported, and proofs are judged by the
 * server's clock.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aLoginFlow } from '../../fixtures/flows.ts';
import { SkewedFlow, withoutDate } from '../../fixtures/skew.ts';

/** 5 min 2 s fast. */
const AHEAD = 302_000;

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);

/** The user opens the app on a device 5 min 2 s fast and tries to log in twice; the server refuses both proofs. */
async function refusedLogins(skewMs = AHEAD): Promise<SkewedFlow> {
  const flow = new SkewedFlow(skewMs);
  flow.push({
    path: '/login/otp',
    requestJson: { identifier: { type: 'phone_number', value: '+14155550100' } },
    responseHeaders: { Date: new Date(flow.clock).toUTCString() },
    responseJson: {},
  });
  await flow.refusedProof();
  flow.wait(20_000);
  await flow.refusedProof();
  return flow;
}

describe('client clock skew', () => {
  it('says the device clock runs 5 min 2 s ahead when the server refuses its proofs for it', async () => {
    const model = await analyse((await refusedLogins()).deviceCapture());
    expect(codes(model)).toEqual(['dpop.clock_skew', 'dpop.clock_skew']);
    const finding = model.findings[0];
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toContain("this device's clock runs 5 min 2 s ahead of the server");
    expect(finding?.message).toContain('invalid_dpop_proof');
    // The refusal is explained: no generic finding for the API's error code beside it.
    expect(codes(model)).not.toContain('prelude.invalid_dpop_proof');
    const iat = model.exchanges[1]?.dpop?.checks.find((c) => c.id === 'iat');
    expect(iat).toMatchObject({ status: 'fail', clockSkew: { refused: true } });
    expect(model.stats.clockOffset).toMatchObject({ samples: 3, notable: true });
    expect(Math.abs((model.stats.clockOffset?.offsetMs ?? 0) - AHEAD)).toBeLessThan(1000);
  });

  it('uses the estimate for a response whose Date the capture lacks (a page hook without the header exposed)', async () => {
    const flow = await refusedLogins();
    const capture = flow.deviceCapture();
    const model = await analyse(
      [capture[0], withoutDate(capture[1]!), withoutDate(capture[2]!)].flatMap((e) =>
        e === undefined ? [] : [e],
      ),
    );
    expect(codes(model)).toEqual(['dpop.clock_skew', 'dpop.clock_skew']);
    expect(model.findings[1]?.message).toContain("the capture's Date headers");
  });

  it("judges iat by the server's clock: an SDK that signs on server time passes, and the offset is still reported", async () => {
    const flow = new SkewedFlow(AHEAD, {}, true);
    await flow.login();
    await flow.refresh({ nonceRotation: true });
    await flow.revoke();
    const model = await analyse(flow.deviceCapture());
    expect(codes(model)).toEqual([]);
    expect(model.stats.clockOffset?.notable).toBe(true);
    // Date headers and the access tokens' iat: every response of the capture.
    expect(model.stats.clockOffset?.samples).toBe(flow.exchanges.length + 2);
    const iat = model.exchanges[1]?.dpop?.checks.find((c) => c.id === 'iat');
    expect(iat?.status).toBe('pass');
    expect(iat?.detail).toContain('signed on the server');
  });

  it('a lenient server that accepts the skewed proofs still gets a warning naming the clock', async () => {
    const flow = new SkewedFlow(AHEAD);
    await flow.login();
    const model = await analyse(flow.deviceCapture());
    expect(codes(model)).toEqual(['dpop.iat_skew']);
    expect(model.findings[0]?.message).toContain("this device's clock runs 5 min 2 s ahead of the server");
  });

  it('a proof stale by both clocks is a stale proof, not the clock', async () => {
    const flow = new SkewedFlow(AHEAD);
    flow.push({ path: '/login/otp', responseHeaders: { Date: new Date(flow.clock).toUTCString() } });
    await flow.refusedProof('/login/otp/check');
    const stale = await new SkewedFlow(AHEAD, { start: flow.clock - 3_600_000 }).sessionProof(
      'POST',
      '/login/otp/check',
    );
    const capture = flow.deviceCapture();
    const last = capture[1];
    if (last === undefined) throw new Error('no exchange');
    last.requestHeaders = last.requestHeaders.map((h) => (h.name === 'DPoP' ? { ...h, value: stale } : h));
    const model = await analyse(capture);
    expect(codes(model)).toContain('dpop.iat_skew');
    expect(codes(model)).not.toContain('dpop.clock_skew');
    expect(codes(model)).toContain('prelude.invalid_dpop_proof');
  });

  it('a device on time: the offset is measured but not notable, and nothing mentions it', async () => {
    const flow = await aLoginFlow();
    await flow.refresh();
    const model = await analyse(flow.exchanges);
    expect(model.stats.clockOffset).toMatchObject({ notable: false });
    expect(Math.abs(model.stats.clockOffset?.offsetMs ?? Infinity)).toBeLessThan(1000);
    for (const e of model.exchanges) {
      expect(e.dpop?.checks.find((c) => c.id === 'iat')?.detail ?? '').not.toContain('clock');
    }
  });

  it('a device 5 min behind: proofs signed in the past beyond the window are put down to the clock', async () => {
    const model = await analyse((await refusedLogins(-400_000)).deviceCapture());
    expect(codes(model)).toEqual(['dpop.clock_skew', 'dpop.clock_skew']);
    expect(model.findings[0]?.message).toContain("this device's clock runs 6 min 40 s behind the server");
  });
});
