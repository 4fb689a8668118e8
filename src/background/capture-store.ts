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
  add(tabId: number, capture: Capture): Promise<HttpExchange> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      // A request that started before the last Clear belongs to the cleared log.
      if (capture.startedAt < state.clearedAt) return { ...capture, id: 'cleared' };
      const recent = await this.recentOf(state);
      let truncatedNow = 0;
      const request = capBody(capture.requestBody, this.limits.maxBodyChars);
      const response = capBody(capture.responseBody, this.limits.maxBodyChars);
      truncatedNow += Number(request.truncated) + Number(response.truncated);
      const capped: Capture = { ...capture, requestBody: request.body, responseBody: response.body };

      const targetIndex = findMergeTarget(recent, { ...capped, id: '' });
      let stored: HttpExchange;
      const next: TabLogState = { ...state, truncated: state.truncated + truncatedNow };
      if (targetIndex >= 0) {
        const target = recent[targetIndex] as HttpExchange;
        stored = mergeExchanges(target, { ...capped, id: target.id });
        recent[targetIndex] = stored;
      } else {
        stored = { ...capped, id: `${tabId}-${state.seq}` };
        next.seq = state.seq + 1;
        next.ids = [...state.ids, stored.id];
        recent.push(stored);
        if (recent.length > this.limits.mergeLookback) recent.shift();
      }
      const evicted: string[] = [];
      while (next.ids.length > this.limits.maxExchangesPerTab) evicted.push(next.ids.shift() as string);
      next.dropped += evicted.length;
      await this.write(next, stored, evicted);
      return stored;
    });
  }

  /** Writes one exchange and the tab state; at the quota, evicts the tab's oldest tenth and tries again. */
  private async write(state: TabLogState, exchange: HttpExchange, evicted: string[]): Promise<void> {
    for (;;) {
      try {
        await this.storage.set({
          [storageKeys.tab(state.tabId)]: state,
          [storageKeys.exchange(exchange.id)]: exchange,
        });
        break;
      } catch (error) {
        if (!isQuotaError(error) || state.ids.length <= 1) throw error;
        const cut = Math.max(1, Math.floor(state.ids.length / 10));
        const victims = state.ids.splice(0, cut).filter((id) => id !== exchange.id);
        state.dropped += victims.length;
        evicted.push(...victims);
        await this.storage.remove(victims.map(storageKeys.exchange));
      }
    }
    this.states.set(state.tabId, state);
    if (evicted.length) await this.storage.remove(evicted.map(storageKeys.exchange));
  }

  /** Counts a page-hook message that was rejected, so the panel can say so. */
  countRejected(tabId: number): Promise<void> {
    return this.serial(async () => {
      const state = await this.state(tabId);
      const next = { ...state, rejected: state.rejected + 1 };
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
