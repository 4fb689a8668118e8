/**
 * The budget of page-reported exchanges (src/background/page-budget.ts, CaptureStore.addPageReported): a
 * hooked page that floods the worker is capped by a rate and a queue bound, keeps to its share of the log,
 * and can never push out what DevTools, webRequest or the inspector captured; a worker restart does not
 * hand it a fresh budget.
 */
import { describe, expect, it } from 'vitest';
import {
  CaptureStore,
  isPageOnly,
  type Capture,
  type CaptureLimits,
} from '../../../src/background/capture-store.ts';
import { sanitisePageExchange } from '../../../src/background/page-exchange.ts';
import {
  DEFAULT_PAGE_LIMITS,
  MAX_QUEUED_PAGE_EXCHANGES,
  PAGE_RATE,
  PageIntake,
  takeTokens,
  type PageLimits,
} from '../../../src/background/page-budget.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { storageKeys } from '../../../src/shared/messages.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { QuotaStorage } from './memory-storage.ts';

const T = 1_700_000_000_000;
let serial = 0;

/** What the relay would forward for one hooked request (anything can be in it: it is validated). */
function pageItem(patch: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  const { id: _id, ...rest } = anExchange({ path: `/page/${serial}`, startedAt: T + serial * 10_000 });
  return { ...rest, sources: ['devtools'], ...patch };
}

/** A capture by a source the extension trusts. */
function trusted(source: 'devtools' | 'webrequest' | 'inspector', patch: Partial<Capture> = {}): Capture {
  serial += 1;
  const { id: _id, ...rest } = anExchange({ path: `/trusted/${serial}`, startedAt: T + serial * 10_000 });
  return { ...rest, sources: [source], ...patch };
}

const bigText = (chars: number) => ({ kind: 'text' as const, text: 'z'.repeat(chars) });

/** Limits for one test: the defaults, but for what it changes. */
function limits(patch: Partial<Omit<CaptureLimits, 'page'>> & { page?: Partial<PageLimits> } = {}) {
  return { ...patch, page: { ...DEFAULT_PAGE_LIMITS, ...patch.page } };
}

const send = (store: CaptureStore, tabId: number, items: unknown[], now = T) =>
  store.addPageReported(tabId, items, sanitisePageExchange, now);

async function trustedIds(store: CaptureStore, tabId: number): Promise<string[]> {
  return (await store.read(tabId)).exchanges.filter((x) => !isPageOnly(x)).map((x) => x.id);
}

describe('takeTokens (the per-tab token bucket)', () => {
  const rate = { burst: 10, perMinute: 60 };

  it('gives a full burst to a tab it has not seen, then refills at the rate, never above the burst', () => {
    const first = takeTokens(undefined, 25, T, rate);
    expect(first.granted).toBe(10);
    expect(takeTokens(first.budget, 5, T + 999, rate).granted).toBe(0);
    expect(takeTokens(first.budget, 5, T + 3_000, rate).granted).toBe(3);
    expect(takeTokens(first.budget, 50, T + 3_600_000, rate).granted).toBe(10);
  });

  it('refills nothing when time goes backwards (messages handled out of arrival order)', () => {
    const first = takeTokens(undefined, 10, T + 5_000, rate);
    const late = takeTokens(first.budget, 10, T, rate);
    expect(late.granted).toBe(0);
    expect(late.budget.at).toBe(T + 5_000);
  });
});

describe('PageIntake (the bounded queue)', () => {
  it('admits up to its bound per tab, counts the rest as dropped, and frees room on release', () => {
    const intake = new PageIntake(100);
    expect(intake.admit(1, 60)).toBe(60);
    expect(intake.admit(1, 60)).toBe(40);
    expect(intake.admit(1, 10)).toBe(0);
    expect(intake.admit(2, 50)).toBe(50); // another tab has its own queue
    expect(intake.takeDropped(1)).toBe(30);
    expect(intake.takeDropped(1)).toBe(0);
    expect(intake.release(1, 60)).toBe(false);
    expect(intake.admit(1, 70)).toBe(60);
    expect(intake.release(1, 100)).toBe(true);
  });
});

describe('page-reported exchanges: rate and queue', () => {
  it('caps a flood: the queue takes a bounded number, the bucket a burst; every drop is counted', async () => {
    const store = new CaptureStore(new QuotaStorage());
    // 40 messages of 50 arrive at once, as a page dispatching the hook's event in a loop would cause.
    const messages = Array.from({ length: 40 }, () => Array.from({ length: 50 }, () => pageItem()));
    const reports = await Promise.all(messages.map((items) => send(store, 3, items)));
    const total = (k: 'stored' | 'overRate' | 'overShare' | 'rejected') =>
      reports.reduce((n, r) => n + r[k], 0);
    expect(total('stored')).toBe(PAGE_RATE.burst);
    expect(total('overRate')).toBe(2_000 - PAGE_RATE.burst);
    expect(total('overShare') + total('rejected')).toBe(0);
    // Only what fitted in the queue was ever looked at: the rest was refused on arrival.
    expect(reports.filter((r) => r.overRate === 50 && r.stored === 0).length).toBeGreaterThanOrEqual(
      40 - MAX_QUEUED_PAGE_EXCHANGES / 50,
    );
    await store.flushPageDrops(3);
    const { state, exchanges } = await store.read(3);
    expect(exchanges).toHaveLength(PAGE_RATE.burst);
    expect(state.pageDropped).toEqual({ rate: 2_000 - PAGE_RATE.burst, share: 0 });
    expect(state.dropped).toBe(0);
  });

  it('refills at the steady rate: a minute later a full burst again, not more', async () => {
    const store = new CaptureStore(new QuotaStorage());
    const burst = () => Array.from({ length: 50 }, () => pageItem());
    let stored = 0;
    for (let i = 0; i < 4; i += 1) stored += (await send(store, 4, burst(), T)).stored;
    expect(stored).toBe(PAGE_RATE.burst);
    expect((await send(store, 4, burst(), T + 2_000)).stored).toBe(10); // 300 a minute: 5 a second
    stored = 0;
    for (let i = 0; i < 4; i += 1) stored += (await send(store, 4, burst(), T + 62_000)).stored;
    expect(stored).toBe(PAGE_RATE.burst);
  });

  it('each tab has its own budget', async () => {
    const store = new CaptureStore(
      new QuotaStorage(),
      limits({ page: { rate: { burst: 5, perMinute: 60 } } }),
    );
    expect(
      (
        await send(
          store,
          1,
          Array.from({ length: 8 }, () => pageItem()),
        )
      ).stored,
    ).toBe(5);
    expect(
      (
        await send(
          store,
          2,
          Array.from({ length: 8 }, () => pageItem()),
        )
      ).stored,
    ).toBe(5);
  });

  it('a worker restart does not reset the budget: the bucket is stored with the log', async () => {
    const storage = new QuotaStorage();
    const tight = limits({ page: { rate: { burst: 20, perMinute: 60 } } });
    const before = new CaptureStore(storage, tight);
    expect(
      (
        await send(
          before,
          6,
          Array.from({ length: 30 }, () => pageItem()),
          T,
        )
      ).stored,
    ).toBe(20);
    // The worker stops; a new instance starts from storage alone.
    const after = new CaptureStore(storage, tight);
    const report = await send(
      after,
      6,
      Array.from({ length: 30 }, () => pageItem()),
      T + 3_000,
    );
    expect(report.stored).toBe(3);
    expect(report.overRate).toBe(27);
    expect((await after.read(6)).exchanges).toHaveLength(23);
  });

  it('clearing the log (also what a self-reload does with "Preserve log" off) keeps the budget', async () => {
    const store = new CaptureStore(
      new QuotaStorage(),
      limits({ page: { rate: { burst: 10, perMinute: 60 } } }),
    );
    await store.setPreserve(7, false);
    expect(
      (
        await send(
          store,
          7,
          Array.from({ length: 10 }, () => pageItem()),
          T,
        )
      ).stored,
    ).toBe(10);
    await store.navigated(7, T + 1);
    expect((await store.read(7)).exchanges).toEqual([]);
    expect(
      (
        await send(
          store,
          7,
          Array.from({ length: 10 }, () => pageItem()),
          T + 1_000,
        )
      ).stored,
    ).toBe(1);
  });

  it('malformed entries use up the budget too and are counted as rejected, in the same write', async () => {
    const storage = new QuotaStorage();
    const store = new CaptureStore(storage, limits({ page: { rate: { burst: 4, perMinute: 60 } } }));
    const report = await send(store, 8, [null, { method: 42 }, pageItem(), 'x', pageItem(), pageItem()]);
    expect(report).toEqual({ stored: 1, rejected: 3, overRate: 2, overShare: 0 });
    expect(storage.sets).toBe(1);
    await store.flushPageDrops(8);
    expect((await store.read(8)).state).toMatchObject({ rejected: 3, pageDropped: { rate: 2, share: 0 } });
  });
});

describe('page-reported exchanges: their share of the log', () => {
  it('beyond the share, new page-reported exchanges are dropped, and nothing is evicted for them', async () => {
    const store = new CaptureStore(
      new QuotaStorage(),
      limits({ page: { share: { exchanges: 10, chars: 1_000_000 } } }),
    );
    for (let i = 0; i < 5; i += 1) await store.add(9, trusted('devtools'));
    const report = await send(
      store,
      9,
      Array.from({ length: 15 }, () => pageItem()),
    );
    expect(report).toMatchObject({ stored: 10, overShare: 5 });
    const { state, exchanges } = await store.read(9);
    expect(exchanges.filter((x) => isPageOnly(x))).toHaveLength(10);
    expect(exchanges.filter((x) => !isPageOnly(x))).toHaveLength(5);
    expect(state).toMatchObject({ dropped: 0, pageDropped: { rate: 0, share: 5 } });
    expect(state.pageOnly?.map((e) => e.id)).toEqual(exchanges.filter(isPageOnly).map((x) => x.id));
  });

  it('the share is also counted in characters', async () => {
    const store = new CaptureStore(
      new QuotaStorage(),
      limits({ maxBodyChars: 50_000, page: { share: { exchanges: 1_000, chars: 25_000 } } }),
    );
    const report = await send(
      store,
      10,
      Array.from({ length: 5 }, () => pageItem({ responseBody: bigText(10_000) })),
    );
    expect(report).toMatchObject({ stored: 2, overShare: 3 });
  });

  it('at the per-tab cap, a page-reported exchange never evicts a DevTools, webRequest or inspector one', async () => {
    const store = new CaptureStore(new QuotaStorage(), limits({ maxExchangesPerTab: 6 }));
    await store.add(11, trusted('devtools'));
    await store.add(11, trusted('webrequest'));
    await store.add(11, trusted('inspector', { initiator: 'inspector' }));
    await store.add(11, trusted('devtools'));
    const before = await trustedIds(store, 11);
    // Two page-only exchanges fill the log; more only replace page-only ones, oldest first (of three
    // new ones only two fit: the oldest of them is dropped, over the share).
    await send(store, 11, [pageItem(), pageItem()]);
    const newest = [pageItem(), pageItem(), pageItem()];
    const report = await send(store, 11, newest);
    expect(report).toMatchObject({ stored: 2, overShare: 1 });
    expect(await trustedIds(store, 11)).toEqual(before);
    const { state, exchanges } = await store.read(11);
    expect(exchanges).toHaveLength(6);
    expect(exchanges.filter(isPageOnly).map((x) => x.url)).toEqual(newest.slice(1).map((x) => x['url']));
    expect(state).toMatchObject({ dropped: 2, pageDropped: { rate: 0, share: 1 } });
    // A log full of other sources' captures: the page's exchanges are dropped instead.
    for (let i = 0; i < 2; i += 1) await store.add(11, trusted('devtools'));
    expect((await store.read(11)).exchanges.filter(isPageOnly)).toEqual([]);
    const full = await trustedIds(store, 11);
    expect(full).toHaveLength(6);
    const refused = await send(store, 11, [pageItem(), pageItem()]);
    expect(refused).toMatchObject({ stored: 0, overShare: 2 });
    expect(await trustedIds(store, 11)).toEqual(full);
    expect((await store.read(11)).state.pageDropped).toEqual({ rate: 0, share: 3 });
  });

  it('at the per-tab cap, a DevTools capture evicts page-only exchanges first', async () => {
    const store = new CaptureStore(new QuotaStorage(), limits({ maxExchangesPerTab: 5 }));
    const first = await store.add(12, trusted('devtools'));
    await send(store, 12, [pageItem(), pageItem(), pageItem()]);
    await store.add(12, trusted('webrequest'));
    const incoming = await store.add(12, trusted('devtools'));
    const { exchanges, state } = await store.read(12);
    expect(exchanges.map((x) => x.id)).toContain(first.id);
    expect(exchanges.map((x) => x.id)).toContain(incoming.id);
    expect(exchanges.filter(isPageOnly)).toHaveLength(2);
    expect(state.pageOnly).toHaveLength(2);
  });

  it("at the storage quota, DevTools captures survive a flood; the page's own exchanges make way or are dropped", async () => {
    const storage = new QuotaStorage(120_000);
    const store = new CaptureStore(
      storage,
      limits({ maxBodyChars: 10_000, page: { rate: { burst: 1_000, perMinute: 60_000 } } }),
    );
    const big = () => ({ responseBody: bigText(9_000) });
    const devtools: HttpExchange[] = [];
    for (let i = 0; i < 11; i += 1) devtools.push(await store.add(13, trusted('devtools', big())));
    // The page floods with big exchanges: far more than the room left.
    const reports = [];
    for (let i = 0; i < 12; i += 1)
      reports.push(
        await send(
          store,
          13,
          Array.from({ length: 5 }, () => pageItem(big())),
          T + i,
        ),
      );
    const afterFlood = await store.read(13);
    const trustedOf = (log: typeof afterFlood) =>
      log.exchanges.filter((x) => !isPageOnly(x)).map((x) => x.id);
    expect(trustedOf(afterFlood)).toEqual(devtools.map((x) => x.id));
    expect(reports.reduce((n, r) => n + r.stored, 0)).toBeGreaterThan(0);
    expect(afterFlood.state.pageOnly?.length).toBeGreaterThan(0);
    expect(afterFlood.state.pageDropped?.share).toBe(reports.reduce((n, r) => n + r.overShare, 0));
    expect(afterFlood.state.pageDropped?.share).toBeGreaterThan(40);
    expect(storage.size()).toBeLessThanOrEqual(120_000);
    // DevTools keeps capturing at the quota: the page-only exchanges give way, no DevTools capture does.
    devtools.push(await store.add(13, trusted('devtools', big())));
    const end = await store.read(13);
    expect(trustedOf(end)).toEqual(devtools.map((x) => x.id));
    expect(end.state.pageOnly?.length ?? 0).toBeLessThan(afterFlood.state.pageOnly?.length ?? 0);
    expect(end.exchanges).toHaveLength(end.state.ids.length);
  });

  it("at the storage quota, a capture in another tab evicts this tab's page-only exchanges, even after a restart", async () => {
    const storage = new QuotaStorage(100_000);
    const options = limits({ maxBodyChars: 10_000, page: { rate: { burst: 1_000, perMinute: 60_000 } } });
    const flooded = new CaptureStore(storage, options);
    for (let i = 0; i < 20; i += 1)
      await send(
        flooded,
        14,
        Array.from({ length: 5 }, () => pageItem({ responseBody: bigText(9_000) })),
        T + i,
      );
    expect((await flooded.read(14)).state.pageOnly?.length).toBeGreaterThan(5);
    expect((await storage.get(storageKeys.pageTabs))[storageKeys.pageTabs]).toEqual([14]);
    // The worker restarts; DevTools captures in tab 15 find the quota reached.
    const restarted = new CaptureStore(storage, options);
    const kept: HttpExchange[] = [];
    for (let i = 0; i < 8; i += 1)
      kept.push(await restarted.add(15, trusted('devtools', { responseBody: bigText(9_000) })));
    expect((await restarted.read(15)).exchanges.map((x) => x.id)).toEqual(kept.map((x) => x.id));
    expect((await restarted.read(15)).state.dropped).toBe(0);
    const victim = await restarted.read(14);
    expect(victim.state.dropped).toBeGreaterThan(0);
    expect(victim.exchanges.length).toBe(victim.state.ids.length);
  });

  it('a page capture may add its body to a DevTools exchange; a webRequest capture takes a page-only exchange out of the share', async () => {
    const store = new CaptureStore(new QuotaStorage());
    const seen = trusted('devtools');
    await store.add(16, seen);
    const { id: _id, ...same } = { ...seen, id: '' };
    await send(store, 16, [{ ...same, responseBody: { kind: 'text', text: '{"from":"page"}' } }]);
    let { exchanges, state } = await store.read(16);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.sources).toEqual(['devtools', 'page-hook']);
    expect(state.pageOnly).toBeUndefined();

    const raw = pageItem();
    await send(store, 16, [raw]);
    expect((await store.read(16)).state.pageOnly).toHaveLength(1);
    const { sources: _s, initiator: _i, ...request } = raw as unknown as Capture;
    await store.add(16, { ...(request as Capture), sources: ['webrequest'] });
    ({ exchanges, state } = await store.read(16));
    expect(exchanges).toHaveLength(2);
    expect(exchanges[1]?.sources).toEqual(['page-hook', 'webrequest']);
    expect(state.pageOnly).toBeUndefined();
  });
});
