/**
 * Dynamic's wallet actions (wallet:export, wallet:sign) send the elevated token from Dynamic's own iframe
 * (app.dynamicauth.com/waas-v1/…): a page-hook capture never holds that request. A grant with no use in the log
 * is then said to have been used where the capture cannot see, not "unused"; a capture that does hold the
 * iframe's request (a DevTools HAR) is modelled as usual.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { providerModule } from '../../../src/core/providers/registry.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import { aDynamicSession, DYNAMIC_ENV, DYNAMIC_WALLET, type DynamicFlow } from '../../fixtures/dynamic.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);

/** The page's side of an export: check, email OTP, verify → a single-use wallet:export token. */
async function exportVerified(scope = 'wallet:export'): Promise<DynamicFlow> {
  const flow = await aDynamicSession();
  flow.check({ scope });
  flow.sendEmailOtp();
  await flow.verifyOtp();
  return flow;
}

describe("Dynamic's wallet iframe", () => {
  it('a page-hook capture: the export token expires with no use in sight, and the lane says where it went', async () => {
    const flow = await exportVerified();
    // The user goes on using the app; the export itself left from the iframe.
    flow.wait(6 * 60_000);
    flow.check({ scope: 'credential:link', required: false });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.use_out_of_sight']);
    const finding = model.findings[0];
    expect(finding).toMatchObject({ severity: 'info', exchange: 2 });
    expect(finding?.message).toContain('app.dynamicauth.com/waas-v1/');
    expect(finding?.message).toContain('page hook cannot see');
    const events = model.challenges[0]?.events ?? [];
    expect(events.find((e) => e.kind === 'granted')?.detail).toContain("Dynamic's wallet iframe");
    expect(events.find((e) => e.kind === 'grant_expired')?.detail).toContain('no use in this capture');
    expect(events.find((e) => e.kind === 'grant_expired')?.detail).not.toMatch(/unused|not consumed/);
  });

  it('while the token is still valid, the reports say where its use goes rather than nothing', async () => {
    const flow = await exportVerified('wallet:sign');
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.grants[0]?.state).toBe('active');
    const json = buildJsonReport(model);
    expect(json.grants[0]?.unseenUse).toContain('wallet:sign tokens to its wallet iframe');
    expect(formatTextReport(model, { width: 400 })).toContain('used out of sight: Dynamic');
  });

  it('a DevTools HAR that holds the iframe request: consumed as usual, noted as sent from the iframe', async () => {
    const flow = await exportVerified();
    const token = flow.elevatedToken;
    flow.push({
      method: 'POST',
      path: `/waas/${DYNAMIC_WALLET}/privateKey/export`,
      requestHeaders: {
        Origin: 'https://app.dynamicauth.com',
        Referer: `https://app.dynamicauth.com/waas-v1/${DYNAMIC_ENV}/index.html`,
        'x-dyn-elevated-access-token': token,
      },
      requestJson: { chain: 'EVM' },
      responseJson: { ok: true },
    });
    flow.wait(6 * 60_000);
    flow.check({ scope: 'credential:link', required: false });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.grants[0]).toMatchObject({ state: 'consumed', consumedBy: 3 });
    expect(model.exchanges[3]?.notes.join(' ')).toContain("Dynamic's wallet iframe");
    expect(buildJsonReport(model).grants[0]?.unseenUse).toBeUndefined();
  });

  it('a token for an action the page makes itself (credential:link) that expires unused is just expired', async () => {
    const flow = await exportVerified('credential:link');
    flow.wait(6 * 60_000);
    flow.check({ scope: 'credential:link', required: false });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]?.events.find((e) => e.kind === 'grant_expired')?.detail).toMatch(/exp passed/);
    expect(providerModule('dynamic')?.presentation.unseenUse?.('credential:link')).toBeUndefined();
  });
});
