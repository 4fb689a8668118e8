/**
 * The inspected tab's capture log, read from chrome.storage.session and followed through its change events
 * instead of a port to the service worker: the worker can die at any moment, storage does not, so the panel
 * never has to reconnect or re-sync after a worker restart.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import { storageKeys, type TabLogState } from '../../shared/messages.ts';
import { sessionStorage } from '../../platform/storage.ts';
import type { LogEvent, LogSnapshot } from '../session/live-log.ts';

/** Reads the whole log of a tab, oldest first. */
export async function loadLog(tabId: number): Promise<LogSnapshot> {
  const tabKey = storageKeys.tab(tabId);
  const state = (await sessionStorage.get(tabKey))[tabKey] as TabLogState | undefined;
  if (!state) return { state: undefined, exchanges: [] };
  const keys = state.ids.map(storageKeys.exchange);
  const found = keys.length ? await sessionStorage.get(keys) : {};
  return { state, exchanges: keys.map((k) => found[k]).filter((x): x is HttpExchange => x !== undefined) };
}

/**
 * Follows a tab's log. A changed `ex:` key is a new exchange or a merge into an existing one (same id);
 * the tab state losing exchanges while its `clearedAt` moves means a Clear.
 */
export function followLog(tabId: number, listener: (event: LogEvent) => void): () => void {
  const tabKey = storageKeys.tab(tabId);
  const prefix = storageKeys.exchange(`${tabId}-`);
  return sessionStorage.onChanged((changes) => {
    for (const [key, change] of Object.entries(changes)) {
      if (key.startsWith(prefix) && change.newValue !== undefined) {
        listener({ type: 'exchangeCaptured', exchange: change.newValue as HttpExchange });
      } else if (key === tabKey) {
        const next = change.newValue as TabLogState | undefined;
        const previous = change.oldValue as TabLogState | undefined;
        if (!next) listener({ type: 'logCleared' });
        else {
          if (previous && next.clearedAt !== previous.clearedAt) listener({ type: 'logCleared' });
          listener({ type: 'tabStateChanged', state: next });
        }
      }
    }
  });
}
