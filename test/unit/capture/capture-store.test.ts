import { describe, expect, it } from 'vitest';
import { CaptureStore, type Capture, type KeyValueStore } from '../../../src/background/capture-store.ts';
import { sanitisePageExchange } from '../../../src/background/page-exchange.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';

/** chrome.storage.session stand-in with a quota, storing structured clones as Chrome does. */
class MemoryStorage implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  constructor(private readonly quotaChars = Infinity) {}
  async get(keys: string | string[] | null): Promise<Record<string, unknown>> {
    const list = keys === null ? [...this.data.keys()] : typeof keys === 'string' ? [keys] : keys;
    const out: Record<string, unknown> = {};
    for (const k of list) if (this.data.has(k)) out[k] = structuredClone(this.data.get(k));
    return out;
  }
  async set(items: Record<string, unknown>): Promise<void> {
    const next = new Map(this.data);
    for (const [k, v] of Object.entries(items)) next.set(k, structuredClone(v));
    const size = [...next.values()].reduce((n: number, v) => n + JSON.stringify(v).length, 0);
    if (size > this.quotaChars) throw new Error('Resource::kQuotaBytes quota exceeded');
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v));
  }
  async remove(keys: string | string[]): Promise<void> {
    for (const k of typeof keys === 'string' ? [keys] : keys) this.data.delete(k);
  }
}

/** MemoryStorage that records every call, to count storage round trips. */
class CountingStorage extends MemoryStorage {
  setAttempts = 0;
  /** Keys of each successful set, in order. */
  readonly sets: string[][] = [];
  readonly removes: string[][] = [];
  override async set(items: Record<string, unknown>): Promise<void> {
    this.setAttempts += 1;
    await super.set(items);
    this.sets.push(Object.keys(items));
  }
  override async remove(keys: string | string[]): Promise<void> {
    this.removes.push(typeof keys === 'string' ? [keys] : [...keys]);
    await super.remove(keys);
  }
  /** Forgets the calls so far. */
  reset(): void {
    this.setAttempts = 0;
    this.sets.length = 0;
    this.removes.length = 0;
  }
}

function capture(patch: Partial<Capture> = {}): Capture {
  const { id: _id, ...rest } = anExchange({ path: '/otp', requestJson: { challenge_token: 'ct' } });
  return { ...rest, sources: ['webrequest'], ...patch };
}

describe('CaptureStore', () => {
  it('stores captures in order with per-tab ids and merges a second source into the first', async () => {
    const storage = new MemoryStorage();
    const store = new CaptureStore(storage);
    const first = capture();
    await store.add(7, first);
    await store.add(7, { ...first, sources: ['devtools'], responseBody: jsonBody({ ok: true }) });
    await store.add(7, capture({ url: 'https://demo.session.prelude.dev/v1/session/otp/check' }));
    const { state, exchanges } = await store.read(7);
    expect(exchanges.map((x) => x.id)).toEqual(['7-0', '7-1']);
    expect(exchanges[0]?.sources).toEqual(['webrequest', 'devtools']);
    expect(exchanges[0]?.responseBody).toEqual(jsonBody({ ok: true }));
    expect(state.ids).toEqual(['7-0', '7-1']);
  });

  it('survives a restart: a new instance on the same storage continues the log and still merges', async () => {
    const storage = new MemoryStorage();
    const c = capture();
    await new CaptureStore(storage).add(1, c);
    const restarted = new CaptureStore(storage);
    await restarted.add(1, { ...c, sources: ['devtools'], responseBody: jsonBody({ ok: true }) });
    await restarted.add(1, capture({ startedAt: c.startedAt + 60_000 }));
    const { exchanges } = await restarted.read(1);
    expect(exchanges.map((x) => [x.id, x.sources.join('+')])).toEqual([
      ['1-0', 'webrequest+devtools'],
      ['1-1', 'webrequest'],
    ]);
  });

  it('evicts the oldest beyond the per-tab cap and counts them', async () => {
    const store = new CaptureStore(new MemoryStorage(), {
      maxExchangesPerTab: 3,
      maxBodyChars: 1000,
      mergeLookback: 8,
    });
    for (let i = 0; i < 5; i += 1) await store.add(2, capture({ startedAt: i * 60_000 }));
    const { state, exchanges } = await store.read(2);
    expect(exchanges.map((x) => x.id)).toEqual(['2-2', '2-3', '2-4']);
    expect(state.dropped).toBe(2);
  });

  it('truncates bodies over the cap and counts them', async () => {
    const store = new CaptureStore(new MemoryStorage(), {
      maxExchangesPerTab: 10,
      maxBodyChars: 32,
      mergeLookback: 8,
    });
    await store.add(3, capture({ responseBody: { kind: 'text', text: 'y'.repeat(100) } }));
    const { state, exchanges } = await store.read(3);
    expect(exchanges[0]?.responseBody).toMatchObject({ truncated: true, size: 100 });
    expect(state.truncated).toBe(1);
  });

  it('at the storage quota, evicts the oldest tenth and keeps the new capture', async () => {
    const storage = new MemoryStorage(60_000);
    const store = new CaptureStore(storage, {
      maxExchangesPerTab: 1000,
      maxBodyChars: 5_000,
      mergeLookback: 8,
    });
    for (let i = 0; i < 40; i += 1)
      await store.add(
        4,
        capture({ startedAt: i * 60_000, responseBody: { kind: 'text', text: 'z'.repeat(2_000) } }),
      );
    const { state, exchanges } = await store.read(4);
    expect(state.dropped).toBeGreaterThan(0);
    expect(exchanges.at(-1)?.id).toBe('4-39');
    expect(exchanges.length + state.dropped).toBe(40);
  });

  it('clear empties the log and ignores late captures of requests started before it', async () => {
    const store = new CaptureStore(new MemoryStorage());
    const c = capture({ startedAt: 1_000 });
    await store.add(5, c);
    await store.clear(5, 2_000);
    await store.add(5, { ...c, sources: ['devtools'] });
    expect((await store.read(5)).exchanges).toEqual([]);
    await store.add(5, capture({ startedAt: 3_000 }));
    expect((await store.read(5)).exchanges.map((x) => x.id)).toEqual(['5-1']);
  });

  it('keeps the log across navigation when preserve is on, drops it when off, releases closed tabs', async () => {
    const storage = new MemoryStorage();
    const store = new CaptureStore(storage);
    await store.add(6, capture());
    await store.navigated(6, 10);
    expect((await store.read(6)).exchanges).toHaveLength(1);
    await store.setPreserve(6, false);
    await store.navigated(6, Date.now());
    expect((await store.read(6)).exchanges).toHaveLength(0);
    await store.add(6, capture({ startedAt: Date.now() + 1 }));
    await store.removeTab(6);
    expect([...storage.data.keys()]).toEqual([]);
  });
});

describe('CaptureStore.addMany', () => {
  const text = (char: string, n: number) => ({ kind: 'text' as const, text: char.repeat(n) });
  const exchangeKeys = (storage: MemoryStorage) =>
    [...storage.data.keys()].filter((k) => k.startsWith('ex:')).sort();

  it('stores a batch in order with one storage write for all of it', async () => {
    const storage = new CountingStorage();
    const store = new CaptureStore(storage);
    const batch = [0, 1, 2, 3].map((i) => capture({ startedAt: i * 60_000 }));
    const stored = await store.addMany(8, batch);
    expect(stored.map((x) => x.id)).toEqual(['8-0', '8-1', '8-2', '8-3']);
    expect(stored.map((x) => x.startedAt)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(storage.setAttempts).toBe(1);
    expect(storage.sets[0]?.sort()).toEqual(['ex:8-0', 'ex:8-1', 'ex:8-2', 'ex:8-3', 'tab:8']);
    const { state, exchanges } = await store.read(8);
    expect(state).toMatchObject({ seq: 4, ids: ['8-0', '8-1', '8-2', '8-3'], dropped: 0, truncated: 0 });
    expect(exchanges).toEqual(stored);
  });

  it('writes nothing for an empty batch', async () => {
    const storage = new CountingStorage();
    const store = new CaptureStore(storage);
    expect(await store.addMany(8, [])).toEqual([]);
    expect(storage.setAttempts).toBe(0);
    expect(storage.data.size).toBe(0);
  });

  it('merges into an exchange another source stored earlier, also after a restart', async () => {
    const storage = new CountingStorage();
    const first = capture({ startedAt: 100_000 });
    await new CaptureStore(storage).add(9, first);
    storage.reset();
    const restarted = new CaptureStore(storage);
    const stored = await restarted.addMany(9, [
      { ...first, sources: ['page-hook'], pageReported: true, responseBody: jsonBody({ ok: true }) },
      capture({ startedAt: 200_000 }),
    ]);
    expect(stored.map((x) => x.id)).toEqual(['9-0', '9-1']);
    expect(storage.setAttempts).toBe(1);
    const { exchanges } = await restarted.read(9);
    expect(exchanges.map((x) => [x.id, x.sources.join('+')])).toEqual([
      ['9-0', 'webrequest+page-hook'],
      ['9-1', 'webrequest'],
    ]);
    expect(exchanges[0]).toMatchObject({ pageReported: true, responseBody: jsonBody({ ok: true }) });
  });

  it('merges two sources of one request that arrive in the same batch', async () => {
    const storage = new CountingStorage();
    const store = new CaptureStore(storage);
    const c = capture({ startedAt: 100_000 });
    const stored = await store.addMany(10, [
      { ...c, sources: ['page-hook'], responseBody: jsonBody({ ok: true }) },
      c,
    ]);
    expect(stored.map((x) => x.id)).toEqual(['10-0', '10-0']);
    expect(stored[1]?.sources).toEqual(['page-hook', 'webrequest']);
    expect(storage.setAttempts).toBe(1);
    expect(storage.sets[0]?.sort()).toEqual(['ex:10-0', 'tab:10']);
    const { state, exchanges } = await store.read(10);
    expect(state.seq).toBe(1);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({
      sources: ['page-hook', 'webrequest'],
      responseBody: jsonBody({ ok: true }),
    });
    // A third source later still finds it (the batch left it among the recent exchanges).
    await store.addMany(10, [{ ...c, sources: ['devtools'] }]);
    expect((await store.read(10)).exchanges.map((x) => x.sources)).toEqual([
      ['page-hook', 'webrequest', 'devtools'],
    ]);
  });

  it('evicts beyond the per-tab cap, without writing the exchanges of the batch it evicts', async () => {
    const storage = new CountingStorage();
    const store = new CaptureStore(storage, { maxExchangesPerTab: 3, maxBodyChars: 1000, mergeLookback: 8 });
    await store.addMany(11, [capture({ startedAt: 0 }), capture({ startedAt: 60_000 })]);
    storage.reset();
    const stored = await store.addMany(
      11,
      [2, 3, 4, 5].map((i) => capture({ startedAt: i * 60_000 })),
    );
    expect(stored.map((x) => x.id)).toEqual(['11-2', '11-3', '11-4', '11-5']);
    expect(storage.setAttempts).toBe(1);
    // 11-2 was added and evicted in the same batch: never written.
    expect(storage.sets[0]?.sort()).toEqual(['ex:11-3', 'ex:11-4', 'ex:11-5', 'tab:11']);
    expect(exchangeKeys(storage)).toEqual(['ex:11-3', 'ex:11-4', 'ex:11-5']);
    const { state, exchanges } = await store.read(11);
    expect(exchanges.map((x) => x.id)).toEqual(['11-3', '11-4', '11-5']);
    expect(state).toMatchObject({ ids: ['11-3', '11-4', '11-5'], dropped: 3, seq: 6 });
  });

  it('counts every body it truncates', async () => {
    const store = new CaptureStore(new MemoryStorage(), {
      maxExchangesPerTab: 10,
      maxBodyChars: 32,
      mergeLookback: 8,
    });
    await store.addMany(12, [
      capture({ startedAt: 0, requestBody: text('x', 100), responseBody: text('y', 100) }),
      capture({ startedAt: 60_000, responseBody: text('z', 33) }),
      capture({ startedAt: 120_000, responseBody: text('w', 32) }),
    ]);
    const { state, exchanges } = await store.read(12);
    expect(state.truncated).toBe(3);
    expect(exchanges[0]?.requestBody).toMatchObject({ truncated: true, size: 100, text: 'x'.repeat(32) });
    expect(exchanges[1]?.responseBody).toMatchObject({ truncated: true, size: 33 });
    expect(exchanges[2]?.responseBody).toEqual(text('w', 32));
  });

  it('ignores captures of requests started before the last clear, and writes nothing when all are', async () => {
    const storage = new CountingStorage();
    const store = new CaptureStore(storage);
    await store.clear(13, 5_000);
    storage.reset();
    const none = await store.addMany(13, [capture({ startedAt: 1_000 }), capture({ startedAt: 4_999 })]);
    expect(none.map((x) => x.id)).toEqual(['cleared', 'cleared']);
    expect(storage.setAttempts).toBe(0);
    const some = await store.addMany(13, [capture({ startedAt: 1_000 }), capture({ startedAt: 5_000 })]);
    expect(some.map((x) => x.id)).toEqual(['cleared', '13-0']);
    expect(storage.setAttempts).toBe(1);
    expect((await store.read(13)).exchanges.map((x) => x.startedAt)).toEqual([5_000]);
  });

  it('at the storage quota, evicts the oldest tenth and retries, writing none of the evicted', async () => {
    const storage = new CountingStorage(30_000);
    const store = new CaptureStore(storage, {
      maxExchangesPerTab: 1000,
      maxBodyChars: 5_000,
      mergeLookback: 8,
    });
    const big = (i: number) => capture({ startedAt: i * 60_000, responseBody: text('z', 2_000) });
    await store.addMany(14, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(big));
    expect((await store.read(14)).state.dropped).toBe(0);
    storage.reset();
    // Too much for the quota together with what is stored: the oldest (earlier and this batch's) must go.
    const stored = await store.addMany(
      14,
      Array.from({ length: 20 }, (_, i) => big(10 + i)),
    );
    expect(stored.map((x) => x.id)).toEqual(Array.from({ length: 20 }, (_, i) => `14-${10 + i}`));
    expect(storage.setAttempts).toBeGreaterThan(1);
    expect(storage.sets).toHaveLength(1);
    const { state, exchanges } = await store.read(14);
    // More than the 10 stored before: some of this batch went too.
    expect(state.dropped).toBeGreaterThan(10);
    expect(exchanges.length + state.dropped).toBe(30);
    expect(exchanges.at(-1)?.id).toBe('14-29');
    // The survivors are the newest, contiguous; the one write held exactly them and the state.
    const survivors = Array.from({ length: exchanges.length }, (_, i) => `14-${30 - exchanges.length + i}`);
    expect(state.ids).toEqual(survivors);
    expect(exchanges.map((x) => x.id)).toEqual(survivors);
    expect(storage.sets[0]?.sort()).toEqual([...survivors.map((id) => `ex:${id}`), 'tab:14'].sort());
    expect(exchangeKeys(storage)).toEqual(survivors.map((id) => `ex:${id}`).sort());
  });

  it('gives exactly the log, storage and results that adding the captures one by one gives', async () => {
    const limits = { maxExchangesPerTab: 6, maxBodyChars: 40, mergeLookback: 8 };
    const a = capture({ startedAt: 10_000 });
    const b = capture({ startedAt: 20_000, url: 'https://demo.session.prelude.dev/v1/session/otp/check' });
    const c = capture({ startedAt: 30_000 });
    const d = capture({ startedAt: 40_000, requestBody: text('x', 100), responseBody: text('y', 100) });
    const later = [50_000, 60_000, 70_000, 80_000].map((t) => capture({ startedAt: t }));
    const batch: Capture[] = [
      // another source of an exchange stored before the batch
      { ...a, sources: ['devtools'], responseBody: jsonBody({ ok: true }) },
      c,
      // another source of an exchange earlier in the batch, its body over the cap
      { ...c, sources: ['page-hook'], pageReported: true, responseBody: text('r', 100) },
      // started before the clear
      capture({ startedAt: 1_000 }),
      d,
      { ...d, sources: ['devtools'], status: 0 },
      // the same source twice is two requests
      { ...c, startedAt: 30_500 },
      ...later,
      { ...(later[3] as Capture), sources: ['devtools'], statusText: 'OK' },
    ];

    async function run(many: boolean) {
      const storage = new CountingStorage();
      const store = new CaptureStore(storage, limits);
      await store.clear(15, 5_000);
      await store.add(15, structuredClone(a));
      await store.add(15, structuredClone(b));
      storage.reset();
      const input = structuredClone(batch);
      const results = many
        ? await store.addMany(15, input)
        : await input.reduce<Promise<HttpExchange[]>>(
            async (acc, x) => [...(await acc), await store.add(15, x)],
            Promise.resolve([]),
          );
      expect(input).toEqual(batch); // the captures passed in are not modified
      return {
        results,
        log: await store.read(15),
        data: Object.fromEntries(storage.data),
        sets: storage.sets.length,
      };
    }

    const one = await run(false);
    const many = await run(true);
    expect(many.sets).toBe(1);
    expect(one.sets).toBe(batch.length - 1); // the cleared capture writes nothing
    expect(many.results).toEqual(one.results);
    expect(many.log).toEqual(one.log);
    expect(many.data).toEqual(one.data);
    // And the scenario did what it says: merges, a drop, truncations, the cap.
    expect(one.log.state).toMatchObject({ dropped: 3, truncated: 5, seq: 9 });
    expect(one.log.exchanges.map((x) => [x.id, x.sources.join('+')])).toEqual([
      ['15-3', 'webrequest+devtools'],
      ['15-4', 'webrequest'],
      ['15-5', 'webrequest'],
      ['15-6', 'webrequest'],
      ['15-7', 'webrequest'],
      ['15-8', 'webrequest+devtools'],
    ]);
    expect(one.results.map((x) => x.id)).toEqual([
      '15-0',
      '15-2',
      '15-2',
      'cleared',
      '15-3',
      '15-3',
      '15-4',
      '15-5',
      '15-6',
      '15-7',
      '15-8',
      '15-8',
    ]);
  });
});

describe('CaptureStore.countRejected', () => {
  it('adds the count to the tab state in one write and keeps it across a restart', async () => {
    const storage = new CountingStorage();
    const store = new CaptureStore(storage);
    await store.add(16, capture());
    storage.reset();
    await store.countRejected(16, 3);
    expect(storage.setAttempts).toBe(1);
    expect(storage.sets[0]).toEqual(['tab:16']);
    await store.countRejected(16);
    const restarted = new CaptureStore(storage);
    await restarted.countRejected(16, 2);
    const { state, exchanges } = await restarted.read(16);
    expect(state.rejected).toBe(6);
    expect(state.ids).toEqual(['16-0']);
    expect(exchanges).toHaveLength(1);
    expect((await restarted.read(17)).state.rejected).toBe(0);
  });
});

/* Two ways the merge cache could disagree with storage (both found while batching the writes). */
describe('CaptureStore keeps its merge cache true to storage', () => {
  it('a late capture of an exchange evicted at the quota leaves no orphan key behind', async () => {
    // The quota branch of write() takes exchanges out of state.ids but not out of the `recent` merge
    // cache: the late capture merges into the evicted exchange and is written as ex:<evicted id>, which no
    // tab state lists, so removeTab/clear never delete it.
    const storage = new MemoryStorage(30_000);
    const store = new CaptureStore(storage, {
      maxExchangesPerTab: 1000,
      maxBodyChars: 5000,
      mergeLookback: 64,
    });
    const captures = Array.from({ length: 14 }, (_, i) =>
      capture({ startedAt: i * 60_000, responseBody: { kind: 'text', text: 'z'.repeat(2_000) } }),
    );
    await store.addMany(18, captures);
    expect((await store.read(18)).state.ids).not.toContain('18-0');
    await store.add(18, { ...(captures[0] as Capture), sources: ['devtools'] });
    const { state } = await store.read(18);
    const listed = new Set(state.ids.map((id) => `ex:${id}`));
    expect([...storage.data.keys()].filter((k) => k.startsWith('ex:') && !listed.has(k))).toEqual([]);
    await store.removeTab(18);
    expect([...storage.data.keys()]).toEqual([]);
  });

  it('a failed write does not leave phantom exchanges that later overwrite stored ones', async () => {
    // addMany updates the `recent` merge cache before storage.set; when set throws (not at the quota),
    // the cache keeps an exchange with the id the next capture is then also given.
    const storage = new MemoryStorage();
    const set = storage.set.bind(storage);
    let failNext = true;
    storage.set = async (items) => {
      if (!failNext) return set(items);
      failNext = false;
      throw new Error('storage unavailable');
    };
    const store = new CaptureStore(storage);
    const lost = capture({ startedAt: 0 });
    await expect(store.addMany(19, [lost])).rejects.toThrow('storage unavailable');
    const kept = capture({ startedAt: 100_000 });
    expect((await store.add(19, kept)).id).toBe('19-0');
    // The other source of the request whose write failed arrives.
    await store.add(19, { ...lost, sources: ['devtools'], responseBody: jsonBody({ late: true }) });
    const { exchanges } = await store.read(19);
    expect(exchanges.map((x) => x.startedAt)).toContain(100_000);
  });
});

describe('page-reported exchanges', () => {
  it('are marked page-reported and cannot claim another source or the inspector as initiator', () => {
    const { id: _id, ...rest } = anExchange({ path: '/otp/check' });
    const result = sanitisePageExchange({ ...rest, sources: ['webrequest'], initiator: 'inspector' });
    expect(typeof result).toBe('object');
    expect(result).toMatchObject({ sources: ['page-hook'], initiator: 'page', pageReported: true });
  });

  it('cannot mark its own DPoP proof as cut to size to keep it from being checked', () => {
    const { id: _id, ...rest } = anExchange({
      path: '/otp/check',
      requestHeaders: { DPoP: 'eyJhbGciOiJub25lIn0.e30.' },
    });
    const forged = {
      ...rest,
      requestHeaders: rest.requestHeaders.map((h) => (h.name === 'DPoP' ? { ...h, truncated: true } : h)),
    };
    const result = sanitisePageExchange(forged);
    if (typeof result === 'string') throw new Error(result);
    expect(result.requestHeaders.find((h) => h.name === 'DPoP')).toEqual({
      name: 'DPoP',
      value: 'eyJhbGciOiJub25lIn0.e30.',
    });
    const huge = { ...rest, requestHeaders: [{ name: 'DPoP', value: 'x'.repeat(1024 * 1024 + 10) }] };
    const cut = sanitisePageExchange(huge);
    if (typeof cut === 'string') throw new Error(cut);
    expect(cut.requestHeaders[0]?.truncated).toBe(true);
  });

  it('rejects non-objects and malformed exchanges with a reason', () => {
    expect(sanitisePageExchange(null)).toBeTypeOf('string');
    expect(sanitisePageExchange('x')).toBeTypeOf('string');
    expect(sanitisePageExchange({ method: 42 })).toBeTypeOf('string');
  });

  it('does not let prototype-polluting keys through', () => {
    const { id: _id, ...rest } = anExchange({ path: '/otp/check' });
    const hostile = JSON.parse(
      JSON.stringify({
        ...rest,
        __proto__: { polluted: true },
        constructor: { prototype: { polluted: true } },
      }).replace('"method"', '"__proto__":{"polluted":true},"method"'),
    );
    const result = sanitisePageExchange(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (typeof result !== 'string') expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});
