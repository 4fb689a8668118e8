/**
 * Feeds the store from the inspected tab's capture log. Follows first, then loads: a change that lands while
 * the snapshot is read is queued and applied after it, so nothing falls between the two (applying an
 * `exchangeCaptured` twice is harmless: same id, same or newer content).
 */
import type { LogEvent, LogSnapshot } from '../log-source.ts';
import type { PanelStore } from './panel-store.ts';

export interface LogSourceApi {
  loadLog(tabId: number): Promise<LogSnapshot>;
  followLog(tabId: number, listener: (event: LogEvent) => void): () => void;
}

/** Starts mirroring `tabId`'s log into the store; returns the function that stops it. */
export function connectLog(store: PanelStore, tabId: number, source: LogSourceApi): () => void {
  let queue: LogEvent[] | null = [];
  let stopped = false;
  const stop = source.followLog(tabId, (event) => {
    if (queue) queue.push(event);
    else store.dispatch(event);
  });
  source
    .loadLog(tabId)
    .then((snapshot) => {
      if (stopped) return;
      store.dispatch({ type: 'logLoaded', snapshot });
      const pending = queue ?? [];
      queue = null;
      for (const event of pending) store.dispatch(event);
    })
    .catch((error: unknown) => {
      queue = null;
      store.dispatch({ type: 'logLoaded', snapshot: { state: undefined, exchanges: [] } });
      store.dispatch({
        type: 'noticeShown',
        notice: { tone: 'error', text: `Could not read the capture log: ${String(error)}` },
      });
    });
  return () => {
    stopped = true;
    stop();
  };
}
