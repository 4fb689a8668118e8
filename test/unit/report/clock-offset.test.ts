/** The reports carry the client–server clock offset, and mention it only when it matters. */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import { aLoginFlow } from '../../fixtures/flows.ts';
import { SkewedFlow } from '../../fixtures/skew.ts';

describe('clock offset in the reports', () => {
  it('a device 5 min 2 s fast: the summary says so, and the refused proofs are put down to it', async () => {
    const flow = new SkewedFlow(302_000);
    flow.push({ path: '/login/otp', responseHeaders: { Date: new Date(flow.clock).toUTCString() } });
    await flow.refusedProof();
    const model = await analyse(flow.deviceCapture());
    const text = formatTextReport(model, { width: 400 });
    const summary = text.slice(text.indexOf('Summary'), text.indexOf('Findings'));
    expect(summary).toContain("The capturing device's clock runs 5 min 2 s ahead of the server");
    expect(text).toContain('dpop.clock_skew');
    const json = buildJsonReport(model);
    expect(json.tool.reportVersion).toBe(2);
    expect(json.summary.clockOffset).toMatchObject({ samples: 2, notable: true });
    expect(Math.round((json.summary.clockOffset?.offsetMs ?? 0) / 1000)).toBe(302);
  });

  it('a device on time: measured in the JSON, not mentioned in the text', async () => {
    const flow = await aLoginFlow();
    const model = await analyse(flow.exchanges);
    expect(formatTextReport(model)).not.toContain('clock');
    expect(buildJsonReport(model).summary.clockOffset?.notable).toBe(false);
  });

  it('no server time at all: no clock offset in the JSON', async () => {
    const flow = await aLoginFlow();
    const model = await analyse(
      flow.exchanges.map((e) => ({ ...e, responseHeaders: [], responseBody: { kind: 'absent' as const } })),
    );
    expect(buildJsonReport(model).summary.clockOffset).toBeUndefined();
  });
});
