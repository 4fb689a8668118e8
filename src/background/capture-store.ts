/**
 * The per-tab capture log, kept in storage that outlives the service worker (chrome.storage.session in the
 * extension; an in-memory map in tests). The worker may be stopped between any two events, so nothing that
 * matters lives only in this object's memory: every mutation is written before it is acknowledged, and a
 * cold instance re-reads what it needs.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import { capBody, findMergeTarget, mergeExchanges } from '../core/capture/merge.ts';
import { storageKeys, type TabLogState } from '../shared/messages.ts';

/** What the store needs from storage: the subset of chrome.storage.session it uses. */
export interface KeyValueStore {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export interface CaptureLimits {
  /** Exchanges kept per tab; the oldest are evicted beyond it. */
  maxExchangesPerTab: number;
  /** Characters kept of each body. */
  maxBodyChars: number;
  /** How many recent exchanges a new capture is compared with for merging. */
  mergeLookback: number;
}

export const DEFAULT_LIMITS: CaptureLimits = {
  maxExchangesPerTab: 5_000,
  maxBodyChars: 256 * 1024,
  mergeLookback: 64,
};

/** Capture as a source reports it, before the store assigns its id. */
export type Capture = Omit<HttpExchange, 'id'>;

function emptyState(tabId: number): TabLogState {
  return { tabId, seq: 0, ids: [], dropped: 0, truncated: 0, rejected: 0, preserve: true, clearedAt: 0 };
}

function isQuotaError(error: unknown): boolean {
  return /quota/i.test(error instanceof Error ? error.message : String(error));
}

export class CaptureStore {
  /** One chain for all writes: storage read-modify-write must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Recent exchanges per tab, for merging without re-reading storage on every capture. */
  private readonly recent = new Map<number, HttpExchange[]>();
  private readonly states = new Map<number, TabLogState>();

  constructor(
    private readonly storage: KeyValueStore,
    private readonly limits: CaptureLimits = DEFAULT_LIMITS,
  ) {}

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
   * them (the page hook's relay sends them in batches). Resolves with the stored exchanges, in order.
   */
  addMany(tabId: number, captures: readonly Capture[]): Promise<HttpExchange[]> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      const recent = await this.recentOf(state);
      const next: TabLogState = { ...state, ids: [...state.ids] };
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
        next.truncated += Number(request.truncated) + Number(response.truncated);
        const capped: Capture = { ...capture, requestBody: request.body, responseBody: response.body };
        const targetIndex = findMergeTarget(recent, { ...capped, id: '' });
        let stored: HttpExchange;
        if (targetIndex >= 0) {
          const target = recent[targetIndex] as HttpExchange;
          stored = mergeExchanges(target, { ...capped, id: target.id });
          recent[targetIndex] = stored;
        } else {
          stored = { ...capped, id: `${tabId}-${next.seq}` };
          next.seq += 1;
          next.ids.push(stored.id);
          recent.push(stored);
          if (recent.length > this.limits.mergeLookback) recent.shift();
        }
        changed.set(stored.id, stored);
        result.push(stored);
      }
      if (changed.size === 0) return result;
      const evicted: string[] = [];
      while (next.ids.length > this.limits.maxExchangesPerTab) evicted.push(next.ids.shift() as string);
      for (const id of evicted) changed.delete(id);
      next.dropped += evicted.length;
      try {
        await this.write(next, [...changed.values()], evicted);
      } catch (error) {
        // The merge cache already holds this batch, with ids the next capture would reuse: forget both
        // caches so the next capture starts again from what storage really holds.
        this.recent.delete(tabId);
        this.states.delete(tabId);
        throw error;
      }
      return result;
    });
  }

  /** Writes exchanges and the tab state; at the quota, evicts the tab's oldest tenth and tries again. */
  private async write(state: TabLogState, exchanges: HttpExchange[], evicted: string[]): Promise<void> {
    for (;;) {
      const items: Record<string, unknown> = { [storageKeys.tab(state.tabId)]: state };
      for (const exchange of exchanges) items[storageKeys.exchange(exchange.id)] = exchange;
      try {
        await this.storage.set(items);
        break;
      } catch (error) {
        if (!isQuotaError(error) || state.ids.length <= 1) throw error;
        const cut = Math.max(1, Math.floor(state.ids.length / 10));
        const victims = state.ids.splice(0, cut);
        state.dropped += victims.length;
        evicted.push(...victims);
        const gone = new Set(victims);
        exchanges = exchanges.filter((e) => !gone.has(e.id));
        await this.storage.remove(victims.map(storageKeys.exchange));
      }
    }
    this.states.set(state.tabId, state);
    if (evicted.length) {
      // An evicted exchange must not stay a merge target: a late capture would write its key back,
      // listed by no tab (an orphan that Clear and tab removal never see).
      const gone = new Set(evicted);
      const recent = this.recent.get(state.tabId);
      if (recent)
        this.recent.set(
          state.tabId,
          recent.filter((x) => !gone.has(x.id)),
        );
      await this.storage.remove(evicted.map(storageKeys.exchange));
    }
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

  /** Empties a tab's log but keeps its settings. */
  clear(tabId: number, now: number): Promise<void> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      await this.storage.remove(state.ids.map(storageKeys.exchange));
      const next: TabLogState = {
        ...emptyState(tabId),
        preserve: state.preserve,
        seq: state.seq,
        clearedAt: now,
      };
      await this.storage.set({ [storageKeys.tab(tabId)]: next });
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
