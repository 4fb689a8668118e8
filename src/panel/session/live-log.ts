/**
 * The inspected tab's capture log as the panel mirrors it: what reading it gives, what following it reports,
 * and how each report changes the mirror (pure, so every case is reachable from a unit test).
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { TabLogState } from '../../shared/messages.ts';

export interface LogSnapshot {
  state: TabLogState | undefined;
  exchanges: HttpExchange[];
}

export type LogEvent =
  | { type: 'exchangeCaptured'; exchange: HttpExchange }
  | { type: 'tabStateChanged'; state: TabLogState }
  | { type: 'logCleared' };

/** Reads and follows a tab's log (`services/tab-log.ts`; fakes in tests). */
export interface TabLog {
  /** The whole log of a tab, oldest first. */
  loadLog(tabId: number): Promise<LogSnapshot>;
  /** Reports each change of the tab's log; returns the function that stops following. */
  followLog(tabId: number, listener: (event: LogEvent) => void): () => void;
}

/** The mirror of a tab's log. */
export interface LogMirror {
  /** False until the snapshot was read. */
  loaded: boolean;
  state: TabLogState | undefined;
  /** Capture order (the order of `state.ids`); a merge replaces an element in place. */
  exchanges: readonly HttpExchange[];
}

export type LogChange = LogEvent | { type: 'logLoaded'; snapshot: LogSnapshot };

/** Adds an exchange, or replaces the one with the same id in place (a merge from another capture source). */
function upsert(list: readonly HttpExchange[], exchange: HttpExchange): readonly HttpExchange[] {
  // Merges nearly always touch one of the latest exchanges: search from the end.
  for (let i = list.length - 1; i >= 0; i -= 1) {
    if (list[i]?.id === exchange.id) {
      if (list[i] === exchange) return list;
      const next = list.slice();
      next[i] = exchange;
      return next;
    }
  }
  return [...list, exchange];
}

/**
 * Applies one change to the mirror. Returns the same object when nothing changed.
 *
 * - `logLoaded`: the snapshot replaces the mirror (changes that arrived while loading are applied after it).
 * - `exchangeCaptured`: a new exchange is appended; an exchange with a known id replaces it in place.
 * - `tabStateChanged`: counters and settings; exchanges whose ids left `state.ids` were evicted by the
 *   per-tab cap or the storage quota and are dropped here too.
 * - `logCleared`: no exchanges.
 */
export function applyLogEvent(log: LogMirror, event: LogChange): LogMirror {
  switch (event.type) {
    case 'logLoaded':
      return { loaded: true, state: event.snapshot.state, exchanges: event.snapshot.exchanges };
    case 'exchangeCaptured': {
      const exchanges = upsert(log.exchanges, event.exchange);
      return exchanges === log.exchanges ? log : { ...log, exchanges };
    }
    case 'tabStateChanged': {
      const ids = new Set(event.state.ids);
      const kept = log.exchanges.filter((x) => ids.has(x.id));
      const exchanges = kept.length === log.exchanges.length ? log.exchanges : kept;
      return { ...log, state: event.state, exchanges };
    }
    case 'logCleared':
      return log.exchanges.length === 0 ? log : { ...log, exchanges: [] };
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled log event ${JSON.stringify(value)}`);
}
