/**
 * The live session: the inspected tab's capture log, followed, and one analyser on it. Follows first, then
 * loads: a change that lands while the snapshot is read is queued and applied after it, so nothing falls
 * between the two (applying an `exchangeCaptured` twice is harmless: same id, same or newer content).
 */
import { SessionAnalysis } from './analysis.ts';
import { applyLogEvent, type LogChange, type LogEvent, type LogMirror, type TabLog } from './live-log.ts';
import {
  EMPTY_LIVE_SESSION,
  LIVE_SESSION,
  type AnalyzerFactory,
  type LiveSession,
  type SessionSource,
} from './types.ts';

export interface LiveSourceOptions {
  /** The inspected tab; null when the panel has none (then the session is loaded and stays empty). */
  tabId: number | null;
  log: TabLog;
  createAnalyzer: AnalyzerFactory;
  emit(session: LiveSession): void;
  /** The log could not be read (the session is then shown empty). */
  onLoadError(error: unknown): void;
  onAnalysisError(error: unknown): void;
  /** Quiet time before the analyser is rebuilt after merges (ms). */
  debounceMs?: number;
}

export function openLiveSource(options: LiveSourceOptions): SessionSource {
  let session = EMPTY_LIVE_SESSION;
  let stopped = false;
  const set = (next: LiveSession) => {
    if (stopped || next === session) return;
    session = next;
    options.emit(session);
  };
  const analysis = new SessionAnalysis({
    createAnalyzer: options.createAnalyzer,
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    onModel: (model, builtFrom) => set({ ...session, model, current: builtFrom === session.exchanges }),
    onBusy: (analysing) => {
      if (analysing !== session.analysing) set({ ...session, analysing });
    },
    onError: options.onAnalysisError,
  });
  const apply = (change: LogChange) => {
    const mirror: LogMirror = applyLogEvent(session, change);
    if (mirror === session) return;
    const same = mirror.exchanges === session.exchanges;
    set({
      ...session,
      ...mirror,
      // An emptied log shows no model at once, not the old one until the rebuild.
      ...(mirror.exchanges.length === 0 && session.exchanges.length > 0 ? { model: null } : {}),
      current: same ? session.current : false,
    });
    if (session.loaded) analysis.sync(session.exchanges);
  };

  if (options.tabId === null) {
    apply({ type: 'logLoaded', snapshot: { state: undefined, exchanges: [] } });
    return {
      id: LIVE_SESSION,
      stop() {
        stopped = true;
      },
    };
  }

  let queue: LogEvent[] | null = [];
  const unfollow = options.log.followLog(options.tabId, (event) => {
    if (queue) queue.push(event);
    else apply(event);
  });
  options.log.loadLog(options.tabId).then(
    (snapshot) => {
      if (stopped) return;
      apply({ type: 'logLoaded', snapshot });
      const pending = queue ?? [];
      queue = null;
      for (const event of pending) apply(event);
    },
    (error: unknown) => {
      queue = null;
      if (stopped) return;
      apply({ type: 'logLoaded', snapshot: { state: undefined, exchanges: [] } });
      options.onLoadError(error);
    },
  );
  return {
    id: LIVE_SESSION,
    stop() {
      stopped = true;
      analysis.stop();
      unfollow();
    },
  };
}
