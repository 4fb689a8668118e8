import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importLog } from '../../../src/core/export/export.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toHar } from '../../../src/core/http/har.ts';
import { INSPECTOR_LOG_FORMAT, parseLogFile } from '../../../src/core/http/log-file.ts';
import { createIdAllocator } from '../../../src/core/http/unique-ids.ts';
import { anExchange } from '../../fixtures/exchanges.ts';

/** The rule as every reader applied it before the allocator: scan `#2`, `#3`, … from the start each time. */
function referenceIds(bases: readonly string[]): string[] {
  const seen = new Set<string>();
  return bases.map((base) => {
    let id = base;
    for (let n = 2; seen.has(id); n += 1) id = `${base}#${n}`;
    seen.add(id);
    return id;
  });
}

function allocate(bases: readonly string[]): string[] {
  const ids = createIdAllocator();
  return bases.map((base) => ids.claim(base));
}

describe('createIdAllocator', () => {
  it('gives exactly the ids of the scan from #2, including when a file already holds suffix-like ids', () => {
    // Ids that look like suffixes are what could make a resumed scan differ from a fresh one.
    const base = fc.constantFrom('a', 'b', 'a#2', 'a#3', 'a#5', 'a#2#2', 'b#2', 'a#02', '#2', '');
    fc.assert(
      fc.property(fc.array(base, { maxLength: 60 }), (bases) => {
        expect(allocate(bases)).toEqual(referenceIds(bases));
      }),
      { numRuns: 500 },
    );
  });

  it('skips a suffix an earlier entry holds as its own id', () => {
    expect(allocate(['x', 'x#2', 'x', 'x', 'x#4', 'x'])).toEqual(['x', 'x#2', 'x#3', 'x#4', 'x#4#2', 'x#5']);
  });

  it('hands out 100,000 repeats of one id as distinct ids, in order, in linear time', () => {
    // The scan from #2 needs ~5·10⁹ look-ups for this and would not finish within the test timeout.
    const ids = allocate(Array.from({ length: 100_000 }, () => 'same'));
    expect(ids[0]).toBe('same');
    expect(ids[1]).toBe('same#2');
    expect(ids[99_999]).toBe('same#100000');
    expect(new Set(ids).size).toBe(100_000);
  });
});

describe('loading a file where many entries share one id', () => {
  const N = 20_000;
  /** Every entry says `dup`, with a few that already look like suffixes, in the middle of the run. */
  const bases = Array.from({ length: N }, (_, i) => (i === 10 ? 'dup#12' : i === 500 ? 'dup#3' : 'dup'));
  const exchanges: HttpExchange[] = bases.map((id, i) =>
    anExchange({ id, startedAt: 1_790_000_000_000 + i, path: `/v1/session/refresh?i=${i}` }),
  );
  // Written out rather than taken from the scan (which needs ~2·10⁸ look-ups here): `dup#2`, `dup#3`, … in
  // order, skipping `dup#12`, which entry 10 holds as its own id; entry 500's own `dup#3` is taken by then.
  const expected: string[] = [];
  let n = 2;
  for (const base of bases) {
    if (base === 'dup#12') expected.push(base);
    else if (base === 'dup#3') expected.push('dup#3#2');
    else if (expected.length === 0) expected.push('dup');
    else {
      if (n === 12) n += 1;
      expected.push(`dup#${n}`);
      n += 1;
    }
  }
  const har = JSON.stringify(toHar(exchanges));
  const inspector = JSON.stringify({
    format: INSPECTOR_LOG_FORMAT,
    version: 1,
    exportedAt: '2026-12-03T10:00:00.000Z',
    redacted: false,
    exchanges,
  });

  const loaders: [string, (text: string) => Promise<string[]>][] = [
    [
      'parseLogFile',
      (text) => {
        const result = parseLogFile(text);
        return Promise.resolve(result.ok ? result.exchanges.map((e) => e.id) : []);
      },
    ],
    [
      'importLog in chunks of 97',
      async (text) => {
        const result = await importLog(text, { chunkSize: 97 });
        return result.ok ? result.exchanges.map((e) => e.id) : [];
      },
    ],
  ];

  for (const [format, text] of [
    ['HAR', har],
    ['inspector JSON', inspector],
  ] as const) {
    for (const [name, load] of loaders) {
      it(`${format}, ${name}: ${N.toLocaleString('en')} distinct ids, the same as before, the same every time`, async () => {
        const ids = await load(text);
        expect(ids).toHaveLength(N);
        expect(new Set(ids).size).toBe(N);
        expect(ids).toEqual(expected);
        expect(await load(text)).toEqual(ids);
      });
    }
  }
});
