/**
 * One analyser following one session's list of exchanges. Exchanges appended to the list are `add`ed.
 * Anything else (a merge replaced an exchange with a fuller one, a clear, an eviction) invalidates what the
 * analyser saw, so it is rebuilt from the current list, debounced: merges come in bursts (webRequest, then the
 * DevTools body a moment later), and one rebuild per burst is enough. A clear is rebuilt at once, so an empty
 * log never shows the old model.
 *
 * It compares the list it fed with the one it is given: same elements by reference, plus new ones at the end,
 * is an append.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { SessionModel } from '../../core/model/types.ts';
import type { AnalyzerFactory, AnalyzerLike } from './types.ts';

export interface AnalysisOptions {
  createAnalyzer: AnalyzerFactory;
  /** Quiet time before a rebuild (ms). */
  debounceMs?: number;
  /** A new snapshot, and the list it was built from. */
  onModel(model: SessionModel, builtFrom: readonly HttpExchange[]): void;
  /** Work queued (true) or all done (false). */
  onBusy(busy: boolean): void;
  /** An analyser failure: a bug in core must not take the panel down. */
  onError(error: unknown): void;
}

/** True when `next` starts with exactly the elements of `fed` (by reference). */
export function isAppendOf(fed: readonly HttpExchange[], next: readonly HttpExchange[]): boolean {
  if (next.length < fed.length) return false;
  for (let i = fed.length - 1; i >= 0; i -= 1) if (fed[i] !== next[i]) return false;
  return true;
}

export class SessionAnalysis {
  private readonly debounceMs: number;
  private analyzer: Promise<AnalyzerLike> | null = null;
  private fed: readonly HttpExchange[] = [];
  /** The newest list given: what a rebuild reads when it fires. */
  private latest: readonly HttpExchange[] = [];
  /** Bumped on every rebuild: work queued for an older analyser is dropped. */
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: AnalysisOptions) {
    this.debounceMs = options.debounceMs ?? 150;
  }

  /** Brings the analyser to `list`: adds what was appended, or schedules a rebuild. */
  sync(list: readonly HttpExchange[]): void {
    if (this.stopped) return;
    this.latest = list;
    if (this.timer !== undefined) return; // a rebuild is due; it reads the latest list when it fires
    if (isAppendOf(this.fed, list)) {
      const added = list.slice(this.fed.length);
      if (added.length === 0) return;
      this.fed = list;
      const gen = this.generation;
      const target = (this.analyzer ??= this.options.createAnalyzer());
      this.run(async () => {
        if (gen !== this.generation) return;
        const analyzer = await target;
        if (added.length === 1) await analyzer.add(added[0] as HttpExchange);
        else await analyzer.addMany(added);
        this.publish(gen, analyzer, list);
      });
      return;
    }
    if (list.length === 0) this.rebuild();
    else this.timer = setTimeout(() => this.rebuild(), this.debounceMs);
  }

  /** Resolves once every job queued so far has run. */
  idle(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rebuild(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.generation += 1;
    const gen = this.generation;
    const list = this.latest;
    this.fed = list;
    const target = (this.analyzer = this.options.createAnalyzer());
    this.run(async () => {
      if (gen !== this.generation) return;
      const analyzer = await target;
      if (list.length > 0) await analyzer.addMany(list);
      this.publish(gen, analyzer, list);
    });
  }

  private run(job: () => Promise<void>): void {
    this.pending += 1;
    if (this.pending === 1) this.options.onBusy(true);
    this.chain = this.chain
      .then(job)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.pending -= 1;
        if (this.pending === 0 && !this.stopped) this.options.onBusy(false);
      });
  }

  private publish(gen: number, analyzer: AnalyzerLike, list: readonly HttpExchange[]): void {
    if (gen === this.generation && !this.stopped) this.options.onModel(analyzer.snapshot(), list);
  }
}
