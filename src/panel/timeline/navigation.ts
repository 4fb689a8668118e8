/**
 * Keyboard navigation between the marks of a laid-out timeline: which key moves where, and the mark the
 * cursor lands on.
 */
import type { TimelineLane } from './layout.ts';
import type { TimelineMark } from './marks.ts';

export type MarkDirection = 'left' | 'right' | 'up' | 'down' | 'home' | 'end';

/**
 * The mark the cursor moves to: left/right to the previous/next mark of the lane in time order, up/down to
 * the mark closest in time in the lane above/below, home/end to the first/last mark of the timeline. With no
 * current mark, any direction starts at the first mark.
 */
export function neighbourMark(
  lanes: readonly TimelineLane[],
  current: string | null,
  direction: MarkDirection,
): string | null {
  const ordered = lanes
    .map((lane) => [...lane.marks].sort((a, b) => a.time - b.time || a.x - b.x))
    .filter((m) => m.length > 0);
  const first = ordered[0]?.[0]?.id ?? null;
  if (direction === 'home') return first;
  if (direction === 'end') return ordered.at(-1)?.at(-1)?.id ?? null;
  const laneIndex = ordered.findIndex((marks) => marks.some((m) => m.id === current));
  if (laneIndex === -1) return first;
  const marks = ordered[laneIndex] as TimelineMark[];
  const at = marks.findIndex((m) => m.id === current);
  const mark = marks[at] as TimelineMark;
  switch (direction) {
    case 'left':
      return (marks[at - 1] ?? mark).id;
    case 'right':
      return (marks[at + 1] ?? mark).id;
    case 'up':
    case 'down': {
      const other = ordered[laneIndex + (direction === 'up' ? -1 : 1)];
      if (!other) return mark.id;
      let best = other[0] as TimelineMark;
      for (const m of other) if (Math.abs(m.time - mark.time) < Math.abs(best.time - mark.time)) best = m;
      return best.id;
    }
    default:
      return assertNever(direction);
  }
}

const KEY_DIRECTIONS: Readonly<Record<string, MarkDirection>> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'home',
  End: 'end',
};

/** The direction a key moves the cursor, or undefined for keys that do not. */
export function directionOfKey(key: string): MarkDirection | undefined {
  return Object.hasOwn(KEY_DIRECTIONS, key) ? KEY_DIRECTIONS[key] : undefined;
}

function assertNever(value: never): never {
  throw new Error(`unknown direction ${String(value)}`);
}
