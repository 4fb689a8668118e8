import { describe, expect, it } from 'vitest';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aLoginFlow, aStepUpFlow, editRequestHeader } from '../../fixtures/flows.ts';
import { tamperSignature } from '../../fixtures/tokens.ts';

/** A capture that raises findings of most kinds, including one raised later about an earlier exchange. */
async function busyCapture(): Promise<HttpExchange[]> {
  const flow = await aLoginFlow({ exposeHeaders: false });
  await flow.refresh({ nonceRotation: true });
  const a = await flow.stepUp({ scope: 'transfer:write', steps: ['verify_sms', 'kyc_review'] });
  const b = await flow.stepUp({ scope: 'wallet:export' });
  flow.otpSend(a);
  flow.otpSend(b);
  await flow.otpCheck(a, { wrong: true });
  await flow.otpCheck(b, { proof: { jti: 'wrong' } });
  await flow.otpCheck(a);
  await flow.continueStep(a, { verification: { key: 'nope' }, error: 'token_mismatch' });
  await flow.continueStep(a);
  await flow.refresh({ proof: { htu: 'https://elsewhere.example/refresh' } }); // plain refresh: a was not exchanged
  await flow.completeStepUp(b);
  flow.appCall();
  flow.appCall({ errorCode: 'insufficient_scope' });
  const tampered = await flow.refresh({ drop: ['wallet:export'] });
  editRequestHeader(tampered, 'DPoP', tamperSignature);
  return flow.exchanges;
}

/** The model without its version counter (which counts changes, not state). */
function state(model: SessionModel): Omit<SessionModel, 'version'> {
  const { version: _version, ...rest } = model;
  return rest;
}

describe('incremental analysis', () => {
  it('addMany gives the same model as one add at a time (and as any batch size)', async () => {
    const exchanges = await busyCapture();
    const bulk = await analyse(exchanges);
    const one = createAnalyzer();
    for (const exchange of exchanges) await one.add(exchange);
    const tiny = createAnalyzer({ batchSize: 3 });
    await tiny.addMany(exchanges);

    expect(bulk.findings.length).toBeGreaterThan(8);
    expect(new Set(bulk.findings.map((f) => f.code)).size).toBeGreaterThan(6);
    expect(state(one.snapshot())).toEqual(state(bulk));
    expect(state(tiny.snapshot())).toEqual(state(bulk));
  });

  it('keeps findings in canonical order: by exchange, DPoP first, later findings about an exchange last', async () => {
    const model = await analyse(await busyCapture());
    const positions = model.findings.map((f) => f.exchange ?? Infinity);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    for (const exchange of model.exchanges) {
      expect(exchange.findingIds).toEqual(
        model.findings.filter((f) => f.exchange === exchange.index).map((f) => f.id),
      );
    }
    expect(new Set(model.findings.map((f) => f.id)).size).toBe(model.findings.length);
  });

  it('serialises adds that are not awaited, in call order', async () => {
    const exchanges = await busyCapture();
    const analyzer = createAnalyzer();
    const pending = exchanges.map((e) => analyzer.add(e));
    await Promise.all(pending);
    expect(analyzer.snapshot().exchanges.map((e) => e.exchange.id)).toEqual(exchanges.map((e) => e.id));
    expect(state(analyzer.snapshot())).toEqual(state(await analyse(exchanges)));
  });

  it('snapshots are cheap: same object while nothing changes, unchanged parts reused after a change', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    const other = await flow.stepUp({ scope: 'wallet:export' });
    const analyzer = createAnalyzer();
    await analyzer.addMany(flow.exchanges);
    const first = analyzer.snapshot();
    expect(analyzer.snapshot()).toBe(first);

    flow.otpSend(other);
    await analyzer.add(flow.exchanges.at(-1) as HttpExchange);
    const second = analyzer.snapshot();
    expect(second).not.toBe(first);
    expect(second.version).toBeGreaterThan(first.version);
    expect(second.challenges[0]).toBe(first.challenges[0]); // untouched challenge: same object
    expect(second.challenges[1]).not.toBe(first.challenges[1]); // the one that moved: a new object
    expect(second.exchanges[0]).toBe(first.exchanges[0]);
    expect(second.grants).toBe(first.grants);
    expect(second.accessTokens).toBe(first.accessTokens);
    // Older snapshots never change.
    expect(first.challenges[1]?.codeSends).toBe(0);
    expect(second.challenges[1]?.codeSends).toBe(1);
  });

  it('tells subscribers after each add, and stops when unsubscribed', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    const analyzer = createAnalyzer();
    const seen: number[] = [];
    const unsubscribe = analyzer.subscribe((v) => seen.push(v));
    await analyzer.add(flow.exchanges[0] as HttpExchange);
    await analyzer.add(flow.exchanges[1] as HttpExchange);
    unsubscribe();
    await analyzer.add(flow.exchanges[2] as HttpExchange);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBeGreaterThan(seen[0] as number);
    expect(analyzer.version).toBeGreaterThan(seen[1] as number);
  });

  it('a throwing subscriber does not stop the analysis', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    const analyzer = createAnalyzer();
    analyzer.subscribe(() => {
      throw new Error('view bug');
    });
    await analyzer.addMany(flow.exchanges);
    await analyzer.idle();
    expect(analyzer.snapshot().exchanges).toHaveLength(flow.exchanges.length);
  });
});
