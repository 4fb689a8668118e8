/**
 * A lane's marks in time order, with runs of the same mark collapsed: five OTP sends in a row are one mark
 * "code sent ×5" (its times in the tooltip and accessible name) until the user unfolds the run.
 */
import { formatClockTime } from '../../core/tokens/time.ts';
import type { RawMark } from './marks.ts';

/** A run of identical marks: on its collapsed mark, or on every mark of the run once unfolded. */
export interface MarkRepeat {
  /** Id of the run: the id of its first mark. */
  group: string;
  count: number;
  /** Time of every mark of the run, in order. */
  times: number[];
  /** Unfolded: each mark of the run is drawn on its own. */
  expanded: boolean;
  /** This mark carries the run's count, the control that folds or unfolds it. */
  toggle: boolean;
}

/** Marks by time; marks at the same time keep the order their events have in the model. */
export function inTimeOrder<T extends { time: number }>(marks: readonly T[]): T[] {
  return marks
    .map((mark, index) => ({ mark, index }))
    .sort((a, b) => a.mark.time - b.mark.time || a.index - b.index)
    .map((entry) => entry.mark);
}

/** Marks that say the same thing: same event, same words, same tone, sent by the same party. */
function sameMark(a: RawMark, b: RawMark): boolean {
  return a.kind === b.kind && a.label === b.label && a.tone === b.tone && a.byInspector === b.byInspector;
}

/**
 * Collapses each run of consecutive identical marks (already in time order) into its first mark, carrying the
 * count and every time; a run whose group id is in `expanded` keeps its marks, each tagged with the run so any
 * of them can fold it again. Single marks are returned unchanged.
 */
export function collapseRepeats(marks: readonly RawMark[], expanded: ReadonlySet<string>): RawMark[] {
  const out: RawMark[] = [];
  let i = 0;
  while (i < marks.length) {
    const first = marks[i] as RawMark;
    let j = i + 1;
    while (j < marks.length && sameMark(first, marks[j] as RawMark)) j += 1;
    const run = marks.slice(i, j);
    i = j;
    if (run.length === 1) {
      out.push(first);
      continue;
    }
    const times = run.map((m) => m.time);
    const group = first.id;
    if (expanded.has(group)) {
      run.forEach((mark, n) =>
        out.push({
          ...mark,
          repeat: { group, count: run.length, times, expanded: true, toggle: n === 0 },
        }),
      );
    } else {
      out.push({ ...first, repeat: { group, count: run.length, times, expanded: false, toggle: true } });
    }
  }
  return out;
}

/** Times listed at most in a run's description; a longer run says how many more. */
export const MAX_LISTED_TIMES = 20;

/** A run in words, for its tooltip and accessible name: `code sent ×3 at 10:00:01.250, 10:00:04.000, … UTC`. */
export function describeRun(label: string, repeat: MarkRepeat): string {
  const listed = repeat.times.slice(0, MAX_LISTED_TIMES).map((t) => formatClockTime(t, { millis: true }));
  const more = repeat.times.length - listed.length;
  return `${label} ×${repeat.count} at ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''} UTC`;
}
