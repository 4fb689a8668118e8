/**
 * Which columns of the exchanges table fit the width it has, and how many of a row's marks fit its Marks cell.
 * Pure, so the choices are tested without a layout engine; the table feeds it the width of its own box (the
 * detail pane may sit beside it), not the window's.
 *
 * Priorities are a step-up debugger's: the endpoint and its status tell the story, the error code says why a
 * call was refused and the marks say which rows the findings, the inspector or the page are about; the row
 * number, the method (the endpoint's label already implies it) and the time (also in the endpoint's tooltip and
 * the detail pane) are what a narrow panel can do without. A column is dropped whole, never cut to "Met…".
 */

export type ColumnId = 'num' | 'time' | 'method' | 'endpoint' | 'status' | 'error' | 'marks';

export interface TableColumn {
  id: ColumnId;
  label: string;
  /** CSS grid track. */
  track: string;
}

export interface TableLayout {
  columns: TableColumn[];
  /** `grid-template-columns` for the header and every row. */
  template: string;
  /** Room for marks inside the Marks cell, in px (its padding excluded). */
  marksRoom: number;
}

/** Horizontal padding of a cell (5 px each side), included in the widths below. */
const CELL_PADDING = 10;
const ENDPOINT_MIN = 120;
const STATUS_WIDTH = 60;
const ERROR_MIN = 80;
const MARKS_NARROW = 76;
const MARKS_WIDE = 140;
const METHOD_WIDTH = 68;
const TIME_WIDTH = 94;

/** Width of the row-number column: its digits at 12 px tabular figures, plus padding. */
export function numberColumnWidth(rowCount: number): number {
  const digits = Math.max(2, String(Math.max(0, Math.floor(rowCount))).length);
  return CELL_PADDING + 4 + digits * 7;
}

interface Step {
  id: ColumnId | 'marks-wide';
  width: number;
  /** Room the endpoint (and, once shown, the error code) must keep beyond their minimums for this step. */
  endpointAtLeast: number;
}

/**
 * The columns for a table `width` px wide (inside its scrollbar). The endpoint, the status and the marks always
 * show; the others join in priority order while the endpoint keeps the room each asks for, and the first that
 * does not fit ends the list, so a lower-priority column never shows while a higher one is dropped.
 */
export function tableLayout(width: number, rowCount: number): TableLayout {
  const steps: Step[] = [
    { id: 'error', width: ERROR_MIN, endpointAtLeast: ENDPOINT_MIN },
    { id: 'marks-wide', width: MARKS_WIDE - MARKS_NARROW, endpointAtLeast: 160 },
    // From here on the endpoint and the error code share the room asked for: neither is cut for a column below them.
    { id: 'num', width: numberColumnWidth(rowCount), endpointAtLeast: 200 },
    { id: 'method', width: METHOD_WIDTH, endpointAtLeast: 220 },
    { id: 'time', width: TIME_WIDTH, endpointAtLeast: 240 },
  ];
  const taken = new Set<Step['id']>();
  let used = STATUS_WIDTH + MARKS_NARROW;
  for (const step of steps) {
    if (used + step.width + step.endpointAtLeast > width) break;
    used += step.width;
    taken.add(step.id);
  }
  const marks = taken.has('marks-wide') ? MARKS_WIDE : MARKS_NARROW;
  const all: (TableColumn | null)[] = [
    taken.has('num') ? { id: 'num', label: '#', track: `${numberColumnWidth(rowCount)}px` } : null,
    taken.has('time') ? { id: 'time', label: 'Time (UTC)', track: `${TIME_WIDTH}px` } : null,
    taken.has('method') ? { id: 'method', label: 'Method', track: `${METHOD_WIDTH}px` } : null,
    { id: 'endpoint', label: 'Endpoint', track: `minmax(${ENDPOINT_MIN}px, 1fr)` },
    { id: 'status', label: 'Status', track: `${STATUS_WIDTH}px` },
    taken.has('error') ? { id: 'error', label: 'Error', track: `minmax(${ERROR_MIN}px, 0.5fr)` } : null,
    { id: 'marks', label: 'Marks', track: `${marks}px` },
  ];
  const columns = all.filter((c): c is TableColumn => c !== null);
  return { columns, template: columns.map((c) => c.track).join(' '), marksRoom: marks - CELL_PADDING };
}

export interface RowMark {
  id: string;
  text: string;
  title: string;
}

/** Gap between two marks, in px. */
const MARK_GAP = 3;
/** Padding inside a mark, in px. */
const MARK_PADDING = 8;
/**
 * A generous width per character of a mark's 10 px text (DejaVu Sans, the widest of the usual UI fonts, runs
 * about 6 px for these words), so a mark judged to fit does fit.
 */
const MARK_CHAR = 6.2;

export function markWidth(text: string): number {
  return Math.ceil(MARK_PADDING + [...text].length * MARK_CHAR);
}

/**
 * The marks shown in full in `room` px and how many are left for a "+n" count: a mark is never cut. Marks come
 * most telling first; one too wide to fit beside the count gives its place to a shorter one after it.
 */
export function fitMarks<T extends RowMark>(marks: readonly T[], room: number): { shown: T[]; hidden: T[] } {
  const shown: T[] = [];
  const hidden: T[] = [];
  let used = 0;
  marks.forEach((mark, i) => {
    const next = used + (shown.length ? MARK_GAP : 0) + markWidth(mark.text);
    const uncounted = hidden.length + marks.length - i - 1;
    const count = uncounted > 0 ? MARK_GAP + markWidth(`+${uncounted}`) : 0;
    if (next + count > room) {
      hidden.push(mark);
      return;
    }
    shown.push(mark);
    used = next;
  });
  return { shown, hidden };
}
