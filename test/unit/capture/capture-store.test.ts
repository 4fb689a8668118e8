import { describe, expect, it } from 'vitest';
import { CaptureStore, type Capture, type KeyValueStore } from '../../../src/background/capture-store.ts';
import { sanitisePageExchange } from '../../../src/background/page-exchange.ts';
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

describe('page-reported exchanges', () => {
  it('are marked page-reported and cannot claim another source or the inspector as initiator', () => {
    const { id: _id, ...rest } = anExchange({ path: '/otp/check' });
    const result = sanitisePageExchange({ ...rest, sources: ['webrequest'], initiator: 'inspector' });
    expect(typeof result).toBe('object');
    expect(result).toMatchObject({ sources: ['page-hook'], initiator: 'page', pageReported: true });
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
