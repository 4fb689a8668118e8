/**
 * The per-tab capture log, kept in storage that outlives the service worker (chrome.storage.session in the
 * extension; an in-memory map in tests). The worker may be stopped between any two events, so nothing that
 * matters lives only in this object's memory: every mutation is written before it is acknowledged, and a
 * cold instance re-reads what it needs.
 *
 * Page-reported exchanges (the page hook's, which the inspected page can forge) have a budget of their own
 * (page-budget.ts): a rate, a queue bound and a share of the log. An exchange only the page reported is
 * "page-only"; the tab's state lists them. When the log is full (the per-tab cap or the storage quota),
 * page-only exchanges go first, this tab's and then other tabs', and a page-reported capture never causes
 * the eviction of an exchange another source (DevTools, webRequest, the inspector) captured: beyond its
 * share, or with nothing page-only left to give way, it is dropped and counted instead.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import { capBody, findMergeTarget, mergeExchanges } from '../core/capture/merge.ts';
import { describe } from '../core/util.ts';
import { storageKeys, type PageOnlyEntry, type TabLogState } from '../shared/messages.ts';
import { DEFAULT_PAGE_LIMITS, PageIntake, takeTokens, type Budget, type PageLimits } from './page-budget.ts';

/** What the store needs from storage: the subset of chrome.storage.session it uses. */
export interface KeyValueStore {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export interface CaptureLimits {
  /** Exchanges kept per tab; beyond it page-only exchanges are evicted first, then the oldest. */
  maxExchangesPerTab: number;
  /** Characters kept of each body. */
  maxBodyChars: number;
  /** How many recent exchanges a new capture is compared with for merging. */
  mergeLookback: number;
  /** The budget of page-reported exchanges. */
  page: PageLimits;
}

export const DEFAULT_LIMITS: CaptureLimits = {
  maxExchangesPerTab: 5_000,
  maxBodyChars: 256 * 1024,
  mergeLookback: 64,
  page: DEFAULT_PAGE_LIMITS,
};

/** Capture as a source reports it, before the store assigns its id. */
export type Capture = Omit<HttpExchange, 'id'>;

/** What became of one message of page-reported exchanges. */
export interface PageReport {
  /** Exchanges stored or merged into the log. */
  stored: number;
  /** Malformed (counted as rejected). */
  rejected: number;
  /** Over the rate limit or the queue bound. */
  overRate: number;
  /** Over the page-reported share (never stored, nothing evicted for them). */
  overShare: number;
}

/** Page counter writes driven by drops alone are spaced by at least this much per tab. */
const DROP_COUNT_WRITE_INTERVAL_MS = 1_000;

function emptyState(tabId: number): TabLogState {
  return { tabId, seq: 0, ids: [], dropped: 0, truncated: 0, rejected: 0, preserve: true, clearedAt: 0 };
}

function isQuotaError(error: unknown): boolean {
  return /quota/i.test(describe(error));
}

/** Seen by no source but the page hook: what a hostile page could have made up entirely. */
export function isPageOnly(exchange: Pick<HttpExchange, 'sources'>): boolean {
  return exchange.sources.length > 0 && exchange.sources.every((s) => s === 'page-hook');
}

const storedChars = (exchange: HttpExchange): number => JSON.stringify(exchange).length;

/** Whose write it is: only another source's capture may evict what the page did not report alone. */
type Mode = 'trusted' | 'page';

/** The page-specific counts a write carries. */
interface PageTally {
  overShare: number;
}

export class CaptureStore {
  /** One chain for all writes: storage read-modify-write must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Recent exchanges per tab, for merging without re-reading storage on every capture. */
  private readonly recent = new Map<number, HttpExchange[]>();
  private readonly states = new Map<number, TabLogState>();
  /** Tabs whose logs hold page-only exchanges (cache of storageKeys.pageTabs). */
  private pageTabs: number[] | undefined;
  private readonly limits: CaptureLimits;
  private readonly intake: PageIntake;
  private readonly dropFlushes = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly lastDropWrite = new Map<number, number>();

  constructor(
    private readonly storage: KeyValueStore,
    limits: Partial<Omit<CaptureLimits, 'page'>> & { page?: Partial<PageLimits> } = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits, page: { ...DEFAULT_PAGE_LIMITS, ...limits.page } };
    this.intake = new PageIntake(this.limits.page.maxQueued);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async state(tabId: number): Promise<TabLogState> {
    const cached = this.states.get(tabId);
    if (cached) return cached;
    const key = storageKeys.tab(tabId);
    const stored = (await this.storage.get(key))[key] as TabLogState | undefined;
    const state = stored ?? emptyState(tabId);
    this.states.set(tabId, state);
    return state;
  }

  private async recentOf(state: TabLogState): Promise<HttpExchange[]> {
    const cached = this.recent.get(state.tabId);
    if (cached) return cached;
    const ids = state.ids.slice(-this.limits.mergeLookback);
    const keys = ids.map(storageKeys.exchange);
    const found = keys.length ? await this.storage.get(keys) : {};
    const list = keys.map((k) => found[k]).filter((x): x is HttpExchange => x !== undefined);
    this.recent.set(state.tabId, list);
    return list;
  }

  private async pageTabIndex(): Promise<number[]> {
    if (this.pageTabs) return this.pageTabs;
    const stored = (await this.storage.get(storageKeys.pageTabs))[storageKeys.pageTabs];
    this.pageTabs = Array.isArray(stored) ? stored.filter((t): t is number => typeof t === 'number') : [];
    return this.pageTabs;
  }

  /** The index entry to write with `state`, when its membership changes (empty otherwise). */
  private async indexItems(tabId: number, holdsPageOnly: boolean): Promise<Record<string, unknown>> {
    const index = await this.pageTabIndex();
    if (index.includes(tabId) === holdsPageOnly) return {};
    const next = holdsPageOnly ? [...index, tabId] : index.filter((t) => t !== tabId);
    return { [storageKeys.pageTabs]: next };
  }

  private commitIndex(items: Record<string, unknown>): void {
    const next = items[storageKeys.pageTabs];
    if (Array.isArray(next)) this.pageTabs = next as number[];
  }

  /**
   * Adds one capture to a tab's log, merging it into the exchange another source already reported for
   * the same request. Resolves with the stored exchange.
   */
  async add(tabId: number, capture: Capture): Promise<HttpExchange> {
    const [stored] = await this.addMany(tabId, [capture]);
    return stored as HttpExchange;
  }

  /**
   * Adds captures of one tab in order, as {@link add} would one by one, with one storage write for all of
   * them. For sources the extension trusts (DevTools, webRequest, the inspector); page-reported exchanges
   * go through {@link addPageReported}. Resolves with the stored exchanges, in order.
   */
  addMany(tabId: number, captures: readonly Capture[]): Promise<HttpExchange[]> {
    return this.serial(() => this.addCaptures(tabId, captures, 'trusted'));
  }

  /**
   * Adds what one relay message brought from the page hook, within the page's budget: `items` are the raw
   * entries (validated here by `sanitise`, after the rate limit, so a flood costs no parsing), `now` the
   * arrival time. Admission to the queue is decided at once, before anything is awaited.
   */
  addPageReported(
    tabId: number,
    items: readonly unknown[],
    sanitise: (raw: unknown) => Capture | string,
    now: number,
  ): Promise<PageReport> {
    const admitted = this.intake.admit(tabId, items.length);
    const refused = items.length - admitted;
    if (admitted === 0) {
      if (refused > 0) this.scheduleDropWrite(tabId);
      return Promise.resolve({ stored: 0, rejected: 0, overRate: refused, overShare: 0 });
    }
    const work = items.slice(0, admitted);
    return this.serial(async () => {
      try {
        const state = await this.state(tabId);
        const take = takeTokens(state.pageBudget, work.length, now, this.limits.page.rate);
        const overRate = refused + work.length - take.granted;
        this.intake.addDropped(tabId, work.length - take.granted);
        // Nothing admitted: the stored bucket still gives the same refill later, so nothing need be written.
        if (take.granted === 0) return { stored: 0, rejected: 0, overRate, overShare: 0 };
        const captures: Capture[] = [];
        let rejected = 0;
        for (const raw of work.slice(0, take.granted)) {
          const capture = sanitise(raw);
          if (typeof capture === 'string') rejected += 1;
          else captures.push(capture);
        }
        const tally: PageTally = { overShare: 0 };
        const results = await this.addCaptures(tabId, captures, 'page', {
          rejected,
          budget: take.budget,
          tally,
        });
        const stored = results.filter((x) => x.id !== 'cleared').length - tally.overShare;
        return { stored, rejected, overRate, overShare: tally.overShare };
      } finally {
        if (this.intake.release(tabId, admitted) && this.intake.hasDropped(tabId))
          this.scheduleDropWrite(tabId);
      }
    });
  }

  private async addCaptures(
    tabId: number,
    captures: readonly Capture[],
    mode: Mode,
    page?: { rejected: number; budget: Budget; tally: PageTally },
  ): Promise<HttpExchange[]> {
    const state = await this.state(tabId);
    const recent = await this.recentOf(state);
    const next: TabLogState = { ...state, ids: [...state.ids] };
    const pageOnly: PageOnlyEntry[] = [...(state.pageOnly ?? [])];
    const share = this.limits.page.share;
    let pageChars = pageOnly.reduce((n, e) => n + e.chars, 0);
    /** Ids of page-only exchanges this batch created: evicting one is dropping it, not evicting. */
    const fresh = new Set<string>();
    let overShare = 0;
    const result: HttpExchange[] = [];
    const changed = new Map<string, HttpExchange>();
    for (const capture of captures) {
      // A request that started before the last Clear belongs to the cleared log.
      if (capture.startedAt < state.clearedAt) {
        result.push({ ...capture, id: 'cleared' });
        continue;
      }
      const request = capBody(capture.requestBody, this.limits.maxBodyChars);
      const response = capBody(capture.responseBody, this.limits.maxBodyChars);
      const capped: Capture = { ...capture, requestBody: request.body, responseBody: response.body };
      const targetIndex = findMergeTarget(recent, { ...capped, id: '' });
      let stored: HttpExchange;
      if (targetIndex >= 0) {
        const target = recent[targetIndex] as HttpExchange;
        stored = mergeExchanges(target, { ...capped, id: target.id });
        recent[targetIndex] = stored;
        const at = pageOnly.findIndex((e) => e.id === target.id);
        // Another source saw it too: no longer the page's word alone.
        if (at >= 0 && !isPageOnly(stored)) {
          pageChars -= (pageOnly[at] as PageOnlyEntry).chars;
          pageOnly.splice(at, 1);
        }
      } else {
        stored = { ...capped, id: `${tabId}-${next.seq}` };
        if (isPageOnly(stored)) {
          const chars = storedChars(stored);
          if (mode === 'page' && (pageOnly.length >= share.exchanges || pageChars + chars > share.chars)) {
            overShare += 1;
            result.push({ ...capped, id: 'dropped' });
            continue;
          }
          pageOnly.push({ id: stored.id, chars });
          pageChars += chars;
          fresh.add(stored.id);
        }
        next.seq += 1;
        next.ids.push(stored.id);
        recent.push(stored);
        if (recent.length > this.limits.mergeLookback) recent.shift();
      }
      next.truncated += Number(request.truncated) + Number(response.truncated);
      changed.set(stored.id, stored);
      result.push(stored);
    }
    if (page) page.tally.overShare = overShare;
    if (changed.size === 0 && !page) return result;
    // Beyond the per-tab cap, page-only exchanges go first. A page batch adds nothing but page-only
    // exchanges and merges, so it never needs to evict anything else.
    const evicted: string[] = [];
    while (next.ids.length > this.limits.maxExchangesPerTab) {
      const victim = pageOnly.length > 0 ? (pageOnly.shift() as PageOnlyEntry).id : (next.ids[0] as string);
      next.ids.splice(next.ids.indexOf(victim), 1);
      evicted.push(victim);
    }
    for (const id of evicted) changed.delete(id);
    const freshEvicted = evicted.filter((id) => fresh.has(id)).length;
    next.dropped += evicted.length - freshEvicted;
    if (page) {
      page.tally.overShare += freshEvicted;
      next.rejected += page.rejected;
      next.pageBudget = page.budget;
    }
    this.setPageOnly(next, pageOnly);
    const pendingDrops = this.intake.takeDropped(tabId);
    this.addPageDrops(next, pendingDrops, page?.tally.overShare ?? 0);
    try {
      const pageDropped = await this.write(next, [...changed.values()], evicted, mode, fresh);
      if (page) page.tally.overShare += pageDropped;
      this.lastDropWrite.set(tabId, Date.now());
    } catch (error) {
      this.intake.addDropped(tabId, pendingDrops);
      // The merge cache already holds this batch, with ids the next capture would reuse: forget both
      // caches so the next capture starts again from what storage really holds.
      this.recent.delete(tabId);
      this.states.delete(tabId);
      throw error;
    }
    return result;
  }

  private setPageOnly(state: TabLogState, pageOnly: PageOnlyEntry[]): void {
    if (pageOnly.length > 0) state.pageOnly = pageOnly;
    else delete state.pageOnly;
  }

  private addPageDrops(state: TabLogState, rate: number, share: number): void {
    if (rate === 0 && share === 0) return;
    const before = state.pageDropped ?? { rate: 0, share: 0 };
    state.pageDropped = { rate: before.rate + rate, share: before.share + share };
  }

  /**
   * Writes exchanges and the tab state. At the storage quota it makes room and tries again: this tab's
   * page-only exchanges first (oldest tenth), then, for a trusted write, other tabs' page-only exchanges,
   * then this tab's oldest tenth. A page write never goes past the first step: once this tab has nothing
   * page-only left, what the page batch merged into other sources' exchanges is given up instead (they
   * stay as stored) and only the state is written. Resolves with how many of the page batch's
   * contributions were given up (page-only exchanges of this batch, `fresh`, evicted at once; merges not
   * written), which the caller counts as dropped over the share rather than as evicted.
   */
  private async write(
    state: TabLogState,
    exchanges: HttpExchange[],
    evicted: string[],
    mode: Mode,
    fresh: ReadonlySet<string>,
  ): Promise<number> {
    let pageDropped = 0;
    for (;;) {
      const pageOnly = state.pageOnly ?? [];
      const index = await this.indexItems(state.tabId, pageOnly.length > 0);
      const items: Record<string, unknown> = { ...index, [storageKeys.tab(state.tabId)]: state };
      for (const exchange of exchanges) items[storageKeys.exchange(exchange.id)] = exchange;
      try {
        await this.storage.set(items);
        this.commitIndex(index);
        break;
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        let victims: string[];
        if (pageOnly.length > 0) {
          victims = pageOnly.splice(0, Math.max(1, Math.floor(pageOnly.length / 10))).map((e) => e.id);
          this.setPageOnly(state, pageOnly);
        } else if (mode === 'page') {
          if (exchanges.length === 0) throw error;
          pageDropped += exchanges.length;
          this.addPageDrops(state, 0, exchanges.length);
          exchanges = [];
          // The merge cache holds the merged versions that were not written.
          this.recent.delete(state.tabId);
          continue;
        } else if (await this.evictOtherTabsPageOnly(state.tabId)) {
          continue;
        } else {
          if (state.ids.length <= 1) throw error;
          victims = state.ids.slice(0, Math.max(1, Math.floor(state.ids.length / 10)));
        }
        const gone = new Set(victims);
        state.ids = state.ids.filter((id) => !gone.has(id));
        const freshGone = victims.filter((id) => fresh.has(id)).length;
        pageDropped += freshGone;
        state.dropped += victims.length - freshGone;
        if (freshGone > 0) this.addPageDrops(state, 0, freshGone);
        evicted.push(...victims);
        exchanges = exchanges.filter((e) => !gone.has(e.id));
        await this.storage.remove(victims.map(storageKeys.exchange));
      }
    }
    this.states.set(state.tabId, state);
    if (evicted.length) {
      this.forgetRecent(state.tabId, evicted);
      await this.storage.remove(evicted.map(storageKeys.exchange));
    }
    return pageDropped;
  }

  /** An evicted exchange must not stay a merge target: a late capture would write back a key no tab lists. */
  private forgetRecent(tabId: number, evicted: readonly string[]): void {
    const gone = new Set(evicted);
    const recent = this.recent.get(tabId);
    if (recent)
      this.recent.set(
        tabId,
        recent.filter((x) => !gone.has(x.id)),
      );
  }

  /**
   * For a trusted write at the quota: evicts the oldest tenth of the page-only exchanges of the other tab
   * that holds the most of them. Resolves false when no other tab holds any.
   */
  private async evictOtherTabsPageOnly(tabId: number): Promise<boolean> {
    let chosen: TabLogState | undefined;
    for (const other of await this.pageTabIndex()) {
      if (other === tabId) continue;
      const candidate = await this.state(other);
      if ((candidate.pageOnly?.length ?? 0) > (chosen?.pageOnly?.length ?? 0)) chosen = candidate;
    }
    if (!chosen?.pageOnly?.length) {
      // The index listed tabs with nothing page-only (it is kept in step, but a stale entry must not loop).
      const stale = (await this.pageTabIndex()).filter((t) => t !== tabId);
      if (stale.length > 0) {
        const items = { [storageKeys.pageTabs]: (await this.pageTabIndex()).filter((t) => t === tabId) };
        await this.storage.set(items).catch(() => undefined);
        this.commitIndex(items);
      }
      return false;
    }
    const pageOnly = [...chosen.pageOnly];
    const victims = pageOnly.splice(0, Math.max(1, Math.floor(pageOnly.length / 10))).map((e) => e.id);
    const gone = new Set(victims);
    const next: TabLogState = {
      ...chosen,
      ids: chosen.ids.filter((id) => !gone.has(id)),
      dropped: chosen.dropped + victims.length,
    };
    this.setPageOnly(next, pageOnly);
    await this.storage.remove(victims.map(storageKeys.exchange));
    const index = await this.indexItems(next.tabId, pageOnly.length > 0);
    await this.storage.set({ ...index, [storageKeys.tab(next.tabId)]: next });
    this.commitIndex(index);
    this.states.set(next.tabId, next);
    this.forgetRecent(next.tabId, victims);
    return true;
  }

  /**
   * Writes the page drops counted since the tab's state was last written. Drops alone write at most once
   * a second per tab (a flood must not turn into a flood of writes): see {@link scheduleDropWrite}.
   */
  flushPageDrops(tabId: number): Promise<void> {
    return this.serial(async () => {
      if (!this.intake.hasDropped(tabId)) return;
      const state = await this.state(tabId);
      const pendingDrops = this.intake.takeDropped(tabId);
      const next: TabLogState = { ...state };
      this.addPageDrops(next, pendingDrops, 0);
      try {
        await this.storage.set({ [storageKeys.tab(tabId)]: next });
      } catch (error) {
        this.intake.addDropped(tabId, pendingDrops);
        throw error;
      }
      this.states.set(tabId, next);
      this.lastDropWrite.set(tabId, Date.now());
    });
  }

  private scheduleDropWrite(tabId: number): void {
    if (this.dropFlushes.has(tabId)) return;
    const last = this.lastDropWrite.get(tabId) ?? 0;
    const wait = Math.max(0, last + DROP_COUNT_WRITE_INTERVAL_MS - Date.now());
    this.dropFlushes.set(
      tabId,
      setTimeout(() => {
        this.dropFlushes.delete(tabId);
        // A lost count is a counter short, nothing more; the error shows in the worker's console.
        this.flushPageDrops(tabId).catch((error: unknown) => console.error('[step-up inspector]', error));
      }, wait),
    );
  }

  /** Counts page-hook messages that were rejected, so the panel can say so. */
  countRejected(tabId: number, count = 1): Promise<void> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      const next = { ...state, rejected: state.rejected + count };
      await this.storage.set({ [storageKeys.tab(tabId)]: next });
      this.states.set(tabId, next);
    });
  }

  /**
   * Empties a tab's log but keeps its settings, and the page's rate budget: a page that can navigate
   * itself (which clears the log when "Preserve log" is off) must not thereby get a fresh budget.
   */
  clear(tabId: number, now: number): Promise<void> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      await this.storage.remove(state.ids.map(storageKeys.exchange));
      const next: TabLogState = {
        ...emptyState(tabId),
        preserve: state.preserve,
        seq: state.seq,
        clearedAt: now,
        ...(state.pageBudget ? { pageBudget: state.pageBudget } : {}),
      };
      this.intake.forget(tabId);
      const index = await this.indexItems(tabId, false);
      await this.storage.set({ ...index, [storageKeys.tab(tabId)]: next });
      this.commitIndex(index);
      this.states.set(tabId, next);
      this.recent.set(tabId, []);
    });
  }

  setPreserve(tabId: number, preserve: boolean): Promise<void> {
    return this.serial(async () => {
      const next = { ...(await this.state(tabId)), preserve };
      await this.storage.set({ [storageKeys.tab(tabId)]: next });
      this.states.set(tabId, next);
    });
  }

  /** A tab navigated: its log goes unless "Preserve log" is on (the default). */
  async navigated(tabId: number, now: number): Promise<void> {
    const state = await this.serial(() => this.state(tabId));
    if (!state.preserve && state.ids.length > 0) await this.clear(tabId, now);
  }

  /** A tab closed: release everything it held. */
  removeTab(tabId: number): Promise<void> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      await this.storage.remove([storageKeys.tab(tabId), ...state.ids.map(storageKeys.exchange)]);
      const index = await this.indexItems(tabId, false);
      if (Object.keys(index).length > 0) await this.storage.set(index);
      this.commitIndex(index);
      this.intake.forget(tabId);
      this.states.delete(tabId);
      this.recent.delete(tabId);
    });
  }

  /** The whole log of a tab, oldest first (for tests and export). */
  async read(tabId: number): Promise<{ state: TabLogState; exchanges: HttpExchange[] }> {
    const state = await this.serial(() => this.state(tabId));
    const keys = state.ids.map(storageKeys.exchange);
    const found = keys.length ? await this.storage.get(keys) : {};
    return { state, exchanges: keys.map((k) => found[k]).filter((x): x is HttpExchange => x !== undefined) };
  }
}
