/**
 * Runs the analyser on the live log, in the panel. One analyser follows the log incrementally: exchanges
 * appended to the log are `add`ed. Anything else (a merge replaced an exchange with a fuller one, a clear,
 * an eviction) invalidates what the analyser saw, so it is rebuilt from the current list, debounced: merges
 * come in bursts (webRequest, then the DevTools body a moment later), and one rebuild per burst is enough.
 *
 * The controller watches the store's list rather than the log events: it only has to compare the list it
 * fed with the current one (same elements, by reference, plus new ones at the end → append).
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { SessionModel } from '../../core/model/types.ts';
import type { PanelStore } from './panel-store.ts';

/** What the panel needs of `createAnalyzer()` (src/core/model). */
export interface AnalyzerLike {
  add(exchange: HttpExchange): Promise<void>;
  addMany(exchanges: readonly HttpExchange[]): Promise<void>;
  snapshot(): SessionModel;
}

export interface AnalysisOptions {
  createAnalyzer: () => AnalyzerLike;
  /** Quiet time before a rebuild (ms). */
  debounceMs?: number;
  /** Reports analyser failures (a bug in core must not take the panel down). */
  onError?: (error: unknown) => void;
}

/** True when `next` starts with exactly the elements of `fed` (by reference). */
export function isAppendOf(fed: readonly HttpExchange[], next: readonly HttpExchange[]): boolean {
  if (next.length < fed.length) return false;
  for (let i = fed.length - 1; i >= 0; i -= 1) if (fed[i] !== next[i]) return false;
  return true;
}

/** Connects an analyser to the store's live log; returns the function that stops it. */
export function connectAnalysis(store: PanelStore, options: AnalysisOptions): () => void {
  const debounceMs = options.debounceMs ?? 150;
  const onError =
    options.onError ?? ((error: unknown) => console.error('[step-up inspector] analysis', error));
  let analyzer = options.createAnalyzer();
  let fed: readonly HttpExchange[] = [];
  /** Bumped on every rebuild: work queued for an older analyser is dropped. */
  let generation = 0;
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const run = (job: () => Promise<void>) => {
    pending += 1;
    store.dispatch({ type: 'analysisStateChanged', analysing: true });
    chain = chain
      .then(job)
      .catch(onError)
      .finally(() => {
        pending -= 1;
        if (pending === 0 && !stopped) store.dispatch({ type: 'analysisStateChanged', analysing: false });
      });
  };

  const publish = (gen: number) => {
    if (gen === generation && !stopped)
      store.dispatch({ type: 'liveModelUpdated', model: analyzer.snapshot() });
  };

  const rebuild = () => {
    timer = undefined;
    generation += 1;
    const gen = generation;
    analyzer = options.createAnalyzer();
    const target = analyzer;
    fed = store.getState().live.exchanges;
    const list = fed;
    run(async () => {
      if (gen !== generation) return;
      if (list.length > 0) await target.addMany(list);
      publish(gen);
    });
  };

  const sync = (list: readonly HttpExchange[]) => {
    if (timer !== undefined) return; // a rebuild is due; it reads the list when it fires
    if (isAppendOf(fed, list)) {
      const added = list.slice(fed.length);
      if (added.length === 0) return;
      fed = list;
      const gen = generation;
      const target = analyzer;
      run(async () => {
        if (gen !== generation) return;
        if (added.length === 1) await target.add(added[0] as HttpExchange);
        else await target.addMany(added);
        publish(gen);
      });
      return;
    }
    // A clear is shown at once; merges and evictions wait for the burst to end.
    if (list.length === 0) rebuild();
    else timer = setTimeout(rebuild, debounceMs);
  };

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.live.exchanges !== previous.live.exchanges || state.live.loaded !== previous.live.loaded) {
      if (state.live.loaded) sync(state.live.exchanges);
    }
  });
  if (store.getState().live.loaded) sync(store.getState().live.exchanges);

  return () => {
    stopped = true;
    generation += 1;
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
  };
}

/** Resolves once the analyser has caught up with the list in the store (for tests). */
export function whenAnalysed(store: PanelStore): Promise<SessionModel> {
  return new Promise((resolve) => {
    const check = () => {
      const state = store.getState();
      const model = state.liveModel;
      if (model && !state.analysing && model.exchanges.length === state.live.exchanges.length) {
        unsubscribe();
        resolve(model);
        return true;
      }
      return false;
    };
    const unsubscribe = store.subscribe(() => void check());
    check();
  });
}
