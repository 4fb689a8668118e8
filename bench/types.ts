/**
 * The benchmark suite's contract. A measure is one module exporting a {@link BenchMeasure}, registered in
 * bench/run.ts; it returns figures, and the runner prints them all as one table and writes
 * bench/results/latest.json. Browser measures share one Chromium (bench/browser/harness.ts).
 */

/** One measured number, with its budget and, when it has one, the lower bound it is compared with. */
export interface Figure {
  /** Stable id for latest.json consumers, e.g. `analysis.whole.median`. */
  id: string;
  /** What was measured, for the table. */
  label: string;
  /** `ms`: a duration; `ratio`: with / without (1 = no cost); `bytes`: a size. */
  unit: 'ms' | 'ratio' | 'bytes';
  measured: number;
  /** Upper limit; absent for figures shown for context only. */
  budget?: number;
  /** The bare lower bound measured in the same run, for the ratio column. */
  baseline?: number;
  /** One line of context (sample size, spread). */
  note?: string;
}

/** What a measure gets from the runner. */
export interface BenchContext {
  /** Smaller inputs and fewer repetitions, for a quick check (`--quick`); budgets are not enforced. */
  quick: boolean;
  /** Whether browser measures may run `vite build` when dist/ is missing or stale (`--no-build` turns it off). */
  build: boolean;
  /** Progress messages (stderr). */
  log(message: string): void;
}

/** One registered measure. */
export interface BenchMeasure {
  id: string;
  title: string;
  run(context: BenchContext): Promise<Figure[]>;
}

/** Median of a list of numbers (the list is sorted in place). */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (the list is sorted in place). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[rank] as number;
}
