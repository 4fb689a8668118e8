/** The running estimate of the client–server clock offset. */
import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { readFacts } from '../../../src/core/model/exchange-facts.ts';
import { parseHttpDate, sampleOf, ServerClock } from '../../../src/core/model/server-clock.ts';
import { formatOffset } from '../../../src/core/dpop/offset.ts';

const SERVER = Date.UTC(2026, 8, 21, 14, 0, 0);

/** A response the server dated `serverMs` (cut to the second), seen by a client `offsetMs` ahead, taking `ms`. */
function answered(
  serverMs: number,
  offsetMs: number,
  ms = 120,
  extra: Record<string, string> = {},
): HttpExchange {
  const start = serverMs + offsetMs - ms / 2;
  return {
    id: `x${serverMs}`,
    method: 'POST',
    url: 'https://demo.session.prelude.dev/v1/session/refresh',
    requestHeaders: [],
    requestBody: { kind: 'absent' },
    status: 200,
    responseHeaders: [
      { name: 'date', value: new Date(Math.floor(serverMs / 1000) * 1000).toUTCString() },
      ...Object.entries(extra).map(([name, value]) => ({ name, value })),
    ],
    responseBody: { kind: 'absent' },
    startedAt: start,
    endedAt: start + ms,
    sources: ['har'],
  };
}

describe('ServerClock', () => {
  it('reads IMF-fixdate and turns a one-second server time into an interval around the offset', () => {
    expect(parseHttpDate('Mon, 21 Sep 2026 14:00:00 GMT')).toBe(SERVER);
    expect(parseHttpDate('not a date')).toBeUndefined();
    expect(parseHttpDate('Thu, 01 Jan 1970 00:00:00 GMT')).toBeUndefined();
    // The server wrote 14:00:00 (meaning 14:00:00.000–.999) during [start, end] of the client's clock.
    expect(sampleOf(SERVER, SERVER + 10_000, SERVER + 10_200)).toEqual({ offsetMs: 9_600, halfWidthMs: 600 });
    // Too long an exchange says too little.
    expect(sampleOf(SERVER, SERVER, SERVER + 60_000)).toBeUndefined();
  });

  it('is a running median: a response from a cache does not move it', () => {
    const clock = new ServerClock();
    for (let i = 0; i < 9; i += 1) clock.observe(readFacts(answered(SERVER + i * 7_300, 302_000)));
    // A cached response: its Date is an hour old.
    clock.observe(readFacts(answered(SERVER + 60_000 - 3_600_000, 302_000 + 3_600_000)));
    const estimate = clock.estimate();
    expect(estimate?.samples).toBe(10);
    expect(Math.abs((estimate?.offsetMs ?? 0) - 302_000)).toBeLessThan(700);
    expect(estimate?.notable).toBe(true);
    expect(formatOffset(estimate?.offsetMs ?? 0)).toBe('5 min 2 s');
  });

  it("a shared cache's Age is added to its Date", () => {
    const clock = new ServerClock();
    clock.observe(readFacts(answered(SERVER, 120_000 + 30_000, 100, { age: '30' })));
    expect(Math.abs((clock.estimate()?.offsetMs ?? 0) - 120_000)).toBeLessThan(700);
  });

  it('stays within its bucket budget however spread the samples are, and keeps the median', () => {
    const clock = new ServerClock();
    for (let i = 0; i < 2_000; i += 1) {
      const offset = i % 2 === 0 ? 5_000 : 5_000 + ((i * 7_919) % 4_000_000);
      clock.observe(readFacts(answered(SERVER + i * 1_000, offset)));
    }
    for (let i = 0; i < 500; i += 1) clock.observe(readFacts(answered(SERVER + i * 1_000, 5_000)));
    const estimate = clock.estimate();
    expect(estimate?.samples).toBe(2_500);
    // The outliers were folded into counts; the bulk's bucket is still exact.
    expect(Math.abs((estimate?.offsetMs ?? 0) - 5_000)).toBeLessThan(700);
    expect((clock as unknown as { starts: number[] }).starts.length).toBeLessThanOrEqual(256);
  });

  it('an on-time device is measured but not notable; a response without Date gives the estimate', () => {
    const clock = new ServerClock();
    clock.observe(readFacts(answered(SERVER, 0)));
    expect(clock.estimate()?.notable).toBe(false);
    const withoutDate = { ...answered(SERVER, 0), responseHeaders: [] };
    expect(clock.offsetFor(readFacts(withoutDate))).toMatchObject({ source: 'estimate', notable: false });
    expect(clock.offsetFor(readFacts(answered(SERVER, 302_000)))).toMatchObject({
      source: 'date',
      notable: true,
    });
  });
});
