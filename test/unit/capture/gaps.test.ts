import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESOURCE_BUFFER,
  GAP_SETTLE_MS,
  RESOURCE_HINT_LIMITS,
  findGaps,
  parseResourceHint,
  type RawDocumentTiming,
  type ResourceHint,
} from '../../../src/core/capture/gaps.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { API_BASE } from '../../fixtures/tokens.ts';

/** The page's time origin: its load, epoch ms. */
const LOAD = 1_790_000_000_000;
/** Long after every call: all of them settled. */
const LATER = LOAD + 600_000;

type RawEntry = RawDocumentTiming['entries'][number];

const entry = (name: string | null, startTime: number, extra: Partial<RawEntry> = {}): RawEntry => ({
  name,
  startTime,
  duration: 40,
  initiatorType: 'fetch',
  ...extra,
});

const doc = (entries: RawEntry[], extra: Partial<RawDocumentTiming> = {}): RawDocumentTiming => ({
  timeOrigin: LOAD,
  total: entries.length,
  frame: false,
  entries,
  ...extra,
});

const hintOf = (...documents: RawDocumentTiming[]): ResourceHint => {
  const hint = parseResourceHint({ documents });
  if (!hint) throw new Error('the fixture is not a valid hint');
  return hint;
};

const api = (path: string) => `${API_BASE}${path}`;

/** An exchange of the log for `path`, started `at` ms after the page load. */
const logged = (path: string, at: number, method = 'POST') =>
  anExchange({ path: api(path), startedAt: LOAD + at, method });

describe('parseResourceHint: the page answers whatever it wants, the panel takes only the expected shape', () => {
  it('keeps the step-up API calls, by the inspector classifier, with epoch times and the provider API name', () => {
    const hint = hintOf(
      doc([
        entry('http://app.test/', 0, { initiatorType: 'navigation', duration: 300 }),
        entry(api('/refresh'), 120),
        entry('http://app.test/assets/app.js', 20, { initiatorType: 'script' }),
        entry('https://app.test/api/v0/sdk/env/users/verify', 200),
        entry('http://app.test/search?next=/v1/session/refresh', 260),
      ]),
    );
    expect(hint).toEqual({
      pageLoad: LOAD,
      incomplete: false,
      calls: [
        {
          url: api('/refresh'),
          startedAt: LOAD + 120,
          endedAt: LOAD + 160,
          apiName: 'Prelude Session API',
          inFrame: false,
        },
        {
          url: 'https://app.test/api/v0/sdk/env/users/verify',
          startedAt: LOAD + 200,
          endedAt: LOAD + 240,
          apiName: 'Dynamic SDK API',
          inFrame: false,
        },
      ],
    });
  });

  it('drops the fragment of a URL and reads a child frame in the top document’s time', () => {
    const hint = hintOf(
      doc([entry(`${api('/refresh')}#x`, 10)]),
      doc([entry(api('/stepup/request'), 5)], { timeOrigin: LOAD + 1000, frame: true }),
    );
    expect(hint.calls.map((c) => [c.url, c.startedAt, c.inFrame])).toEqual([
      [api('/refresh'), LOAD + 10, false],
      [api('/stepup/request'), LOAD + 1005, true],
    ]);
  });

  it.each([
    ['not an object', 'documents'],
    ['null', null],
    ['an array', [doc([])]],
    ['an extra key', { documents: [doc([])], injected: true }],
    ['no documents', { documents: [] }],
    ['too many documents', { documents: Array.from({ length: 17 }, (_, i) => doc([], { frame: i > 0 })) }],
    ['a frame first', { documents: [doc([], { frame: true })] }],
    ['a second top document', { documents: [doc([]), doc([])] }],
    ['a time origin that is not a date', { documents: [doc([], { timeOrigin: 42 })] }],
    ['a time origin as text', { documents: [doc([], { timeOrigin: String(LOAD) as unknown as number })] }],
    ['NaN', { documents: [doc([entry(api('/x'), Number.NaN)])] }],
    ['Infinity', { documents: [doc([entry(api('/x'), 1, { duration: Infinity })])] }],
    ['a time beyond a year', { documents: [doc([entry(api('/x'), 4e10)])] }],
    ['a total below the entries', { documents: [doc([entry(api('/x'), 1)], { total: 0 })] }],
    ['a fractional total', { documents: [doc([], { total: 1.5 })] }],
    ['a URL that is not text', { documents: [doc([entry(42 as unknown as string, 1)])] }],
    ['a URL over the limit', { documents: [doc([entry(`${api('/x')}?${'a'.repeat(5000)}`, 1)])] }],
    ['a long initiator', { documents: [doc([entry(api('/x'), 1, { initiatorType: 'x'.repeat(33) })])] }],
    [
      'an entry with an extra key',
      { documents: [doc([{ ...entry(api('/x'), 1), html: '<b>' } as RawEntry])] },
    ],
    ['an entry that is null', { documents: [doc([null as unknown as RawEntry])] }],
    [
      'more entries than the cap',
      {
        documents: [doc(Array.from({ length: RESOURCE_HINT_LIMITS.entries + 1 }, (_, i) => entry(null, i)))],
      },
    ],
  ])('gives no hint at all for %s', (_, raw) => {
    expect(parseResourceHint(raw)).toBeNull();
  });

  it('takes the odd times browsers do report (a negative duration for a worker script) as they can be read', () => {
    const hint = hintOf(
      doc([
        entry('http://app.test/assets/core-worker.js', 8214.5, { duration: -35.4, initiatorType: 'other' }),
        entry(api('/refresh'), 9000, { duration: -1 }),
      ]),
    );
    expect(hint.calls).toEqual([expect.objectContaining({ startedAt: LOAD + 9000, endedAt: LOAD + 9000 })]);
  });

  it('passes over a URL the collector left out for its length (null), judging the rest', () => {
    const hint = hintOf(doc([entry(null, 1), entry(api('/refresh'), 2)]));
    expect(hint.calls).toHaveLength(1);
  });

  it('says the record may be incomplete when the buffer was full or the collector cut it', () => {
    const full = Array.from({ length: DEFAULT_RESOURCE_BUFFER }, (_, i) => entry(`http://app.test/${i}`, i));
    expect(hintOf(doc(full)).incomplete).toBe(true);
    expect(hintOf(doc([entry(api('/refresh'), 1)], { total: 900 })).incomplete).toBe(true);
    expect(hintOf(doc(full.slice(1))).incomplete).toBe(false);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const hint = parseResourceHint(raw);
        expect(hint === null || Array.isArray(hint.calls)).toBe(true);
      }),
    );
    const hostile = {
      get documents() {
        throw new Error('page getter');
      },
    };
    expect(parseResourceHint(hostile)).toBeNull();
    expect(
      parseResourceHint(
        new Proxy(
          {},
          {
            ownKeys: () => {
              throw new Error('trap');
            },
          },
        ),
      ),
    ).toBeNull();
  });
});

describe('findGaps: the page’s calls against the log', () => {
  it('counts exactly the calls no exchange of the log matches', () => {
    const hint = hintOf(
      doc([
        entry(api('/refresh'), 100),
        entry(api('/stepup/request'), 2000),
        entry(api('/stepup/otp'), 3000),
      ]),
    );
    const report = findGaps(hint, [logged('/refresh', 130)], { now: LATER });
    expect(report).toMatchObject({ pageLoad: LOAD, missed: 2, atLeast: false, pending: 0, inFrames: 0 });
    expect(report.apiNames).toEqual(['Prelude Session API']);
    expect(findGaps(hint, [], { now: LATER }).missed).toBe(3);
  });

  it('matches within the time tolerance only', () => {
    const hint = hintOf(doc([entry(api('/refresh'), 5000)]));
    expect(findGaps(hint, [logged('/refresh', 6900)], { now: LATER }).missed).toBe(0);
    expect(findGaps(hint, [logged('/refresh', 3100)], { now: LATER }).missed).toBe(0);
    expect(findGaps(hint, [logged('/refresh', 7100)], { now: LATER }).missed).toBe(1);
    expect(findGaps(hint, [logged('/refresh', 7100)], { now: LATER, toleranceMs: 3000 }).missed).toBe(0);
  });

  it('lets each exchange match one call only: the SDK repeating a request is two calls', () => {
    const hint = hintOf(
      doc([entry(api('/refresh'), 100), entry(api('/refresh'), 400), entry(api('/refresh'), 700)]),
    );
    expect(findGaps(hint, [logged('/refresh', 420)], { now: LATER }).missed).toBe(2);
    expect(
      findGaps(hint, [logged('/refresh', 110), logged('/refresh', 390), logged('/refresh', 720)], {
        now: LATER,
      }).missed,
    ).toBe(0);
  });

  it('pairs same-URL calls in time order, leaving the fewest unmatched', () => {
    // A greedy "nearest" pairing would give the exchange at 1900 to the call at 2500 and leave one at 100 out.
    const hint = hintOf(doc([entry(api('/refresh'), 100), entry(api('/refresh'), 2500)]));
    const log = [logged('/refresh', 1900), logged('/refresh', 4000)];
    expect(findGaps(hint, log, { now: LATER }).missed).toBe(0);
  });

  it('does not count a CORS preflight of the log as the call (resource timing has no preflights)', () => {
    const hint = hintOf(doc([entry(api('/stepup/request'), 100)]));
    expect(findGaps(hint, [logged('/stepup/request', 90, 'OPTIONS')], { now: LATER }).missed).toBe(1);
    expect(
      findGaps(hint, [logged('/stepup/request', 90, 'OPTIONS'), logged('/stepup/request', 110)], {
        now: LATER,
      }).missed,
    ).toBe(0);
  });

  it('compares URLs exactly (query included, fragment not)', () => {
    const hint = hintOf(doc([entry(`${api('/refresh')}?a=1`, 100)]));
    expect(
      findGaps(hint, [anExchange({ path: `${api('/refresh')}?a=2`, startedAt: LOAD + 100 })], { now: LATER })
        .missed,
    ).toBe(1);
    expect(
      findGaps(hint, [anExchange({ path: `${api('/refresh')}?a=1#f`, startedAt: LOAD + 100 })], {
        now: LATER,
      }).missed,
    ).toBe(0);
  });

  it('leaves out exchanges of earlier page loads', () => {
    const hint = hintOf(doc([entry(api('/refresh'), 500)]));
    expect(findGaps(hint, [logged('/refresh', -10_000)], { now: LATER }).missed).toBe(1);
  });

  it('holds calls that ended a moment ago as pending, with when to look again', () => {
    const hint = hintOf(doc([entry(api('/refresh'), 100), entry(api('/stepup/request'), 9000)]));
    const now = LOAD + 9100;
    const report = findGaps(hint, [], { now });
    expect(report).toMatchObject({ missed: 1, pending: 1, settlesAt: LOAD + 9040 + GAP_SETTLE_MS });
    expect(findGaps(hint, [], { now: LOAD + 9040 + GAP_SETTLE_MS + 1 })).toMatchObject({
      missed: 2,
      pending: 0,
    });
  });

  it('does not judge what the log cannot hold any more (a Clear, evictions)', () => {
    const hint = hintOf(doc([entry(api('/refresh'), 100), entry(api('/stepup/request'), 5000)]));
    expect(findGaps(hint, [], { now: LATER, ignoreBefore: LOAD + 1000 }).missed).toBe(1);
  });

  it('counts the calls frames made, and names a mix of APIs by all of them', () => {
    const hint = hintOf(
      doc([entry(api('/refresh'), 100)]),
      doc([entry('https://app.test/api/v0/sdk/env/connect', 50)], { timeOrigin: LOAD + 200, frame: true }),
    );
    const report = findGaps(hint, [], { now: LATER });
    expect(report).toMatchObject({ missed: 2, inFrames: 1 });
    expect(report.apiNames).toEqual(['Prelude Session API', 'Dynamic SDK API']);
  });

  it('reports a lower bound when the page’s record is incomplete', () => {
    const full = Array.from({ length: DEFAULT_RESOURCE_BUFFER }, (_, i) => entry(api(`/x${i}`), i * 10));
    expect(findGaps(hintOf(doc(full)), [], { now: LATER })).toMatchObject({ missed: 250, atLeast: true });
  });

  it('finds nothing missed when every call was captured, whatever their order and spacing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('/refresh', '/stepup/request', '/stepup/otp'), fc.nat(60_000)), {
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 40, maxLength: 40 }),
        (calls, jitter) => {
          const hint = hintOf(doc(calls.map(([path, at]) => entry(api(path), at))));
          const log = calls.map(([path, at], i) => logged(path, at + (jitter[i] ?? 0)));
          const report = findGaps(hint, log.reverse(), { now: LATER });
          expect(report.missed).toBe(0);
          // Dropping k exchanges from the log leaves exactly k calls missed.
          const kept = log.slice(0, Math.floor(log.length / 2));
          expect(findGaps(hint, kept, { now: LATER }).missed).toBe(calls.length - kept.length);
        },
      ),
    );
  });
});
