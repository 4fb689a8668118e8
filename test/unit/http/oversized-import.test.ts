import { beforeAll, describe, expect, it } from 'vitest';
import { importLog } from '../../../src/core/export/export.ts';
import type { Header, HttpExchange } from '../../../src/core/http/exchange.ts';
import { MAX_HEADER_VALUE_LENGTH } from '../../../src/core/http/guards.ts';
import { MAX_BODY_PAYLOAD_LENGTH, toHar } from '../../../src/core/http/har.ts';
import { INSPECTOR_LOG_FORMAT, parseLogFile } from '../../../src/core/http/log-file.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';

/**
 * A header over 1 MiB or a body over 32 MiB in an imported file: the entry stays, the part is cut and marked
 * `truncated`, the file's notes say so, and the analysis reports the cut proof or token as unchecked rather
 * than missing or malformed.
 */

type Load = (
  text: string,
) => Promise<
  | { ok: true; exchanges: HttpExchange[]; skipped: { index: number; reason: string; kept?: true }[] }
  | { ok: false }
>;
const LOADERS: [string, Load][] = [
  ['parseLogFile (CLI)', (text) => Promise.resolve(parseLogFile(text))],
  ['importLog (panel, in chunks of 3)', (text) => importLog(text, { chunkSize: 3 })],
];

let flow: HttpExchange[];
/** Index of the refresh whose DPoP proof is made oversized (a proof the endpoint requires). */
let refresh: number;
/** Index of the step-up request whose Authorization header is made oversized. */
let stepUp: number;
/** Index of the app call whose response body is made oversized. */
let appCall: number;

beforeAll(async () => {
  flow = (await aStepUpFlow({ consume: 'app' })).exchanges;
  refresh = flow.findIndex((e) => e.url.endsWith('/refresh'));
  stepUp = flow.findIndex((e) => e.url.endsWith('/stepup/request'));
  appCall = flow.findIndex((e) => e.url.startsWith('https://app.example.com/'));
  expect([refresh, stepUp, appCall].every((i) => i >= 0)).toBe(true);
  // The untouched flow analyses without findings, so any finding below comes from the cut.
  expect((await analyse(flow)).findings).toEqual([]);
});

/** The flow with its refresh's DPoP proof, its step-up's Authorization header and an app response padded. */
function oversized(): HttpExchange[] {
  const pad = (h: Header, name: string): Header =>
    h.name.toLowerCase() === name ? { ...h, value: `${h.value}${'A'.repeat(MAX_HEADER_VALUE_LENGTH)}` } : h;
  return flow.map((e, i) => {
    if (i === refresh) return { ...e, requestHeaders: e.requestHeaders.map((h) => pad(h, 'dpop')) };
    if (i === stepUp) return { ...e, requestHeaders: e.requestHeaders.map((h) => pad(h, 'authorization')) };
    if (i === appCall) {
      return {
        ...e,
        responseBody: { kind: 'text', text: `{"ok":true,"pad":"${'b'.repeat(MAX_BODY_PAYLOAD_LENGTH)}"}` },
      };
    }
    return e;
  });
}

function harText(exchanges: HttpExchange[]): string {
  return JSON.stringify(toHar(exchanges, { creator: { name: 'Charles Proxy', version: '4.6.6' } }));
}

/** Written by hand: `toInspectorLog` copies through the import guard, which would cut the values already. */
function inspectorText(exchanges: HttpExchange[]): string {
  return JSON.stringify({
    format: INSPECTOR_LOG_FORMAT,
    version: 1,
    exportedAt: '2026-12-03T10:00:00.000Z',
    redacted: false,
    exchanges,
  });
}

function header(exchange: HttpExchange | undefined, name: string): Header | undefined {
  return exchange?.requestHeaders.find((h) => h.name.toLowerCase() === name);
}

for (const [format, write] of [
  ['HAR', harText],
  ['inspector JSON', inspectorText],
] as const) {
  describe(`an oversized DPoP proof, Authorization header and body in ${format}`, () => {
    for (const [loader, load] of LOADERS) {
      it(`${loader}: keeps every entry, cuts and marks the parts, notes them, and raises no false finding`, async () => {
        const result = await load(write(oversized()));
        expect(result.ok).toBe(true);
        if (!result.ok) return;

        // Entry kept: nothing skipped, the same exchanges in the same order.
        expect(result.exchanges.map((e) => e.id)).toEqual(flow.map((e) => e.id));

        // Mark: the headers are cut to the limit and flagged; the body too.
        const proof = header(result.exchanges[refresh], 'dpop');
        expect(proof).toMatchObject({ truncated: true });
        expect(proof?.value.length).toBe(MAX_HEADER_VALUE_LENGTH);
        expect(header(result.exchanges[stepUp], 'authorization')).toMatchObject({ truncated: true });
        const body = result.exchanges[appCall]?.responseBody;
        expect(body).toMatchObject({ kind: 'text', truncated: true });
        expect(body?.kind === 'text' && body.text.length).toBe(MAX_BODY_PAYLOAD_LENGTH);
        // Headers that were not oversized carry no mark.
        expect(result.exchanges.flatMap((e) => e.requestHeaders).filter((h) => h.truncated)).toHaveLength(2);

        // Note: one per entry kept with cuts, naming the header and its size, marked `kept`.
        const size = (MAX_HEADER_VALUE_LENGTH + (header(flow[refresh], 'dpop')?.value.length ?? 0))
          .toString()
          .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
        expect(result.skipped).toEqual([
          {
            index: stepUp,
            reason: expect.stringMatching(/request header Authorization is [\d,]+ characters/),
            kept: true,
          },
          {
            index: refresh,
            reason: expect.stringContaining(`request header DPoP is ${size} characters`),
            kept: true,
          },
          { index: appCall, reason: expect.stringMatching(/response body is [\d,]+ characters/), kept: true },
        ]);

        // Analysis: the cut proof is "not checked", never missing or malformed; the cut token raises nothing.
        const model = await analyse(result.exchanges);
        expect(model.findings.map((f) => f.code)).toEqual([]);
        const report = model.exchanges[refresh]?.dpop;
        expect(report?.checks.find((c) => c.id === 'single_header')).toMatchObject({
          status: 'n/a',
          detail: expect.stringContaining('cut to size'),
        });
        expect(report?.checks.some((c) => c.status === 'fail' || c.status === 'warn')).toBe(false);
        expect(model.exchanges[refresh]?.notes).toContain(
          'The DPoP header was cut to size when the file was loaded: the proof could not be checked.',
        );
        expect(model.exchanges[stepUp]?.tokens.some((t) => !t.decoded.ok)).toBe(false);
        expect(model.stats.dpopProofs).toBe((await analyse(flow)).stats.dpopProofs);
      });
    }
  });
}

describe('a cut header survives export and import', () => {
  it('HAR keeps the mark in the header’s _stepupInspector field, so the round trip is lossless', () => {
    const first = parseLogFile(harText(oversized()));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const again = parseLogFile(harText(first.exchanges));
    expect(again.ok && again.exchanges).toEqual(first.exchanges);
    // Already cut: within the limits now, so no second note.
    expect(again.ok && again.skipped).toEqual([]);
  });

  it('inspector JSON keeps `truncated` on the header and refuses a non-boolean one', () => {
    const first = parseLogFile(inspectorText(oversized()));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const again = parseLogFile(inspectorText(first.exchanges));
    expect(again.ok && again.exchanges).toEqual(first.exchanges);
    const bad = flow.slice(0, 1).map((e) => ({
      ...e,
      requestHeaders: [{ name: 'DPoP', value: 'x', truncated: 'yes' }],
    }));
    expect(parseLogFile(inspectorText(bad as unknown as HttpExchange[]))).toMatchObject({
      ok: true,
      exchanges: [],
      skipped: [{ index: 0, reason: 'requestHeaders[0].truncated is "yes", not true or false' }],
    });
  });
});
