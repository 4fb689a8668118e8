import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport, entryIndexesAfterSkips } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import { aLoginFlow, aStepUpFlow } from '../../fixtures/flows.ts';

async function consumedAndReused() {
  const { flow, challenge } = await aStepUpFlow({
    scope: 'transfer:write',
    steps: ['verify_sms', 'kyc_review'],
    wrongCodes: 1,
    consume: 'app',
  });
  const stale = flow.exchanges
    .find((e) => e.url.endsWith('/api/transfer'))
    ?.requestHeaders.find((h) => h.name === 'Authorization')
    ?.value.slice(7);
  flow.appCall({ accessToken: stale, errorCode: 'insufficient_scope' });
  return { flow, challenge, model: await analyse(flow.exchanges) };
}

describe('JSON report', () => {
  it('has the documented shape', async () => {
    const { flow, challenge, model } = await consumedAndReused();
    const report = buildJsonReport(model);
    expect(report.exchanges).toBe(flow.exchanges.length);
    expect(report.challenges).toHaveLength(1);
    const c = report.challenges[0];
    expect({ ...c, events: undefined }).toMatchObject({
      provider: 'prelude',
      challengeId: challenge.id,
      scope: 'transfer:write',
      status: 'completed',
      codeSends: 1,
      codeChecks: { failed: 1, succeeded: 1 },
      scopeGranted: true,
    });
    expect(c?.steps.map(({ key, order, done }) => ({ key, order, done }))).toEqual([
      { key: 'verify_sms', order: 1, done: true },
      { key: 'kyc_review', order: 2, done: true },
    ]);
    const call = flow.exchanges.findIndex((e) => e.url.endsWith('/api/transfer'));
    expect(report.grants).toEqual([
      expect.objectContaining({
        provider: 'prelude',
        scope: 'transfer:write',
        mode: 'single-use',
        state: 'consumed',
        consumedBy: call,
      }),
    ]);
    expect(report.findings.map(({ code, severity, exchange }) => ({ code, severity, exchange }))).toEqual([
      { code: 'challenge.bad_code', severity: 'info', exchange: expect.any(Number) },
      { code: 'grant.reused_after_consumption', severity: 'error', exchange: flow.exchanges.length - 1 },
    ]);
    for (const f of report.findings) expect(typeof f.message).toBe('string');
    // Plain JSON data: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(c?.events[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('reports exchange indexes as positions in the input file when entries were skipped', async () => {
    const { model } = await consumedAndReused();
    const skipped = [
      { index: 0, reason: 'the entry has no request' },
      { index: 3, reason: 'the request has no URL' },
    ];
    const entryIndexes = entryIndexesAfterSkips(model.exchanges.length, skipped);
    expect(entryIndexes.slice(0, 4)).toEqual([1, 2, 4, 5]);
    const report = buildJsonReport(model, { entryIndexes, source: { file: 'x.har', kind: 'har', skipped } });
    expect(report.findings.at(-1)?.exchange).toBe(entryIndexes.at(-1) as number);
    expect(report.source).toMatchObject({
      file: 'x.har',
      kind: 'har',
      entries: model.exchanges.length + 2,
      skippedEntries: skipped,
    });
  });
});

describe('text report', () => {
  it('reads as a timeline per challenge, grants, token scopes and grouped findings', async () => {
    const { model } = await consumedAndReused();
    const text = formatTextReport(model, {
      source: { file: 'demo.har', kind: 'har', creator: { name: 'WebInspector', version: '537.36' } },
    });
    expect(text).toContain('Step-Up Inspector report: demo.har');
    expect(text).toContain('HAR from WebInspector 537.36');
    for (const heading of ['Summary', 'Challenges (1)', 'Grants (1)', 'Access tokens', 'Findings'])
      expect(text).toContain(heading);
    expect(text).toMatch(/✔ verify_sms → ✔ kyc_review/);
    expect(text).toMatch(/factor failed \(code\)\s+verify_sms: wrong code \(bad_check_code\)/);
    expect(text).toMatch(/transfer:write\s+single-use\s+consumed\s+granted at #\d+/);
    expect(text).toMatch(/✖ error\s+grant\.reused_after_consumption/);
    expect(text).toContain('Cause:');
    expect(text).toContain('Fix:');
    expect(text).toMatch(/See:\s+Prelude: Step-Up Authentication <https:\/\/docs\.prelude\.so/);
    expect(text.includes('\u001b[')).toBe(false);
    expect(text.split('\n').every((line) => line.length <= 140)).toBe(true);
  });

  it('uses ANSI colours only when asked', async () => {
    const { model } = await consumedAndReused();
    expect(formatTextReport(model, { color: true })).toContain('\u001b[31m');
  });

  it('condenses long captures: problems first, one line per challenge', async () => {
    const flow = await aLoginFlow();
    for (let i = 0; i < 25; i += 1) {
      const c = await flow.stepUp({ scope: `scope:${i}` });
      if (i !== 7) {
        await flow.completeSteps(c);
        await flow.completeStepUp(c);
      }
    }
    const text = formatTextReport(await analyse(flow.exchanges), { maxLines: 5 });
    expect(text).toContain('Challenges (25)');
    const lines = text.split('\n');
    const first = lines.findIndex((l) => l.startsWith('Challenges'));
    expect(lines[first + 1]).toMatch(/scope:7 .* pending/);
    expect(text).toContain('… and 20 more');
  });

  it('says so when there is no traffic of any provider', async () => {
    const { anExchange } = await import('../../fixtures/exchanges.ts');
    const text = formatTextReport(
      await analyse([anExchange({ path: 'https://example.com/', method: 'GET' })]),
    );
    expect(text).toContain(
      'No Prelude Session API, Dynamic SDK API or OAuth step-up (RFC 9470) traffic found. Was the capture filtered to another host?',
    );
    expect(text).toContain('No findings.');
  });
});
