/**
 * Every captured exchange, DevTools-Network style, virtualised with fixed-height rows: only the rows in view
 * (plus a small overscan) exist in the DOM, so 10,000 exchanges scroll as smoothly as 10.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { errorReasonOf } from '../../core/http/www-authenticate.ts';
import { formatIsoTime } from '../../core/tokens/time.ts';
import { useDispatch, useStore } from '../hooks.ts';
import { selectAllRows, selectVisibleRows, type ExchangeRow } from '../store/selectors.ts';
import { clockTime } from './common.tsx';

export const ROW_HEIGHT = 20;
const OVERSCAN = 8;
/** Viewport height assumed before the first measurement (and in DOMs that do no layout). */
const FALLBACK_HEIGHT = 480;

/** First and last (exclusive) row indexes to render for a scroll position. */
export function visibleWindow(
  scrollTop: number,
  height: number,
  count: number,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / ROW_HEIGHT);
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(count, first + Math.ceil(Math.max(height, ROW_HEIGHT) / ROW_HEIGHT) + OVERSCAN);
  return { start, end };
}

export function ExchangesTable({ searchRef }: { searchRef?: { current: HTMLInputElement | null } }) {
  const rows = useStore(selectVisibleRows);
  const total = useStore((s) => selectAllRows(s).length);
  const filter = useStore((s) => s.filter);
  const selectedId = useStore((s) => s.selection.exchangeId);
  const dispatch = useDispatch();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(FALLBACK_HEIGHT);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const measure = () => setHeight(el.clientHeight > 0 ? el.clientHeight : FALLBACK_HEIGHT);
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Keep the keyboard selection in view.
  useEffect(() => {
    const el = scroller.current;
    if (!el || selectedId === null) return;
    const index = rows.findIndex((r) => r.id === selectedId);
    if (index === -1) return;
    const top = index * ROW_HEIGHT;
    const view = el.clientHeight > 0 ? el.clientHeight : height;
    const headerless = view - ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + headerless) el.scrollTop = top + ROW_HEIGHT - headerless;
  }, [selectedId, rows, height]);

  const { start, end } = visibleWindow(scrollTop, height, rows.length);
  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -rows.length,
      End: rows.length,
    };
    const delta = moves[event.key];
    if (delta !== undefined) {
      event.preventDefault();
      dispatch({ type: 'selectionMoved', delta });
    } else if (event.key === 'Enter' && selectedId !== null) {
      event.preventDefault();
      dispatch({ type: 'exchangeSelected', id: selectedId, open: true });
    }
  };

  return (
    <div class="exchanges">
      <div class="filter-bar">
        <input
          ref={searchRef}
          type="search"
          class="search"
          placeholder="Filter  ( / )"
          aria-label="Filter exchanges"
          value={filter.text}
          onInput={(e) =>
            dispatch({ type: 'filterChanged', text: (e.currentTarget as HTMLInputElement).value })
          }
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              dispatch({ type: 'filterChanged', text: '' });
              scroller.current?.focus();
            } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
              e.preventDefault();
              scroller.current?.focus();
              if (selectedId === null) dispatch({ type: 'selectionMoved', delta: 1 });
            }
          }}
          data-testid="search"
        />
        <label class="check" title="Step-up API calls, plus app calls a challenge or grant points at">
          <input
            type="checkbox"
            checked={filter.apiOnly}
            onChange={(e) =>
              dispatch({ type: 'filterChanged', apiOnly: (e.currentTarget as HTMLInputElement).checked })
            }
            data-testid="filter-api-only"
          />
          Session API only
        </label>
        <span class="muted count" data-testid="row-count">
          {rows.length === total ? `${total} exchanges` : `${rows.length} / ${total} exchanges`}
        </span>
      </div>
      <div class="table-head" role="row">
        <span class="c-num">#</span>
        <span class="c-time">Time (UTC)</span>
        <span class="c-method">Method</span>
        <span class="c-endpoint">Endpoint</span>
        <span class="c-status">Status</span>
        <span class="c-error">Error</span>
        <span class="c-flags">Marks</span>
      </div>
      <div
        ref={scroller}
        class="table-scroll"
        tabIndex={0}
        role="grid"
        aria-label="Captured exchanges"
        aria-rowcount={rows.length}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
        onKeyDown={onKeyDown}
        data-testid="exchanges-table"
      >
        {rows.length === 0 ? (
          <p class="empty-inline">
            {total === 0 ? 'Nothing captured yet.' : 'No exchange matches the filter.'}
          </p>
        ) : (
          <div class="table-spacer" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
            {rows.slice(start, end).map((row, i) => (
              <Row
                key={row.id}
                row={row}
                top={(start + i) * ROW_HEIGHT}
                selected={row.id === selectedId}
                onClick={() => dispatch({ type: 'exchangeSelected', id: row.id, open: true })}
              />
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function Row({
  row,
  top,
  selected,
  onClick,
}: {
  row: ExchangeRow;
  top: number;
  selected: boolean;
  onClick: () => void;
}) {
  const x = row.exchange;
  const status = x.status === 0 ? (x.error ? 'failed' : '(pending)') : String(x.status);
  return (
    <div
      class={`row ${selected ? 'selected' : ''} ${x.status >= 400 || x.status === 0 ? 'row-error' : ''} ${row.classification ? '' : 'row-other'}`}
      style={{ top: `${top}px` }}
      role="row"
      aria-selected={selected}
      onClick={onClick}
      data-testid="exchange-row"
      data-id={row.id}
    >
      <span class="c-num">{row.number}</span>
      <span class="c-time" title={`${formatIsoTime(x.startedAt)} (${x.startedAt})`}>
        {clockTime(x.startedAt)}
      </span>
      <span class="c-method">{x.method}</span>
      <span class="c-endpoint" title={x.url}>
        {row.label}
        {row.classification ? <span class="muted path"> {row.path}</span> : null}
      </span>
      <span
        class={`c-status ${x.status >= 400 || x.status === 0 ? 'err' : ''}`}
        title={x.error ?? x.statusText}
      >
        {status}
      </span>
      <ErrorCell row={row} />
      <span class="c-flags">
        {row.byInspector ? (
          <span class="flag flag-inspector" title="Sent by the inspector (replay / retry)">
            inspector
          </span>
        ) : null}
        {row.pageReported ? (
          <span class="flag flag-page" title="Reported by the page hook: the page could have shaped it">
            page
          </span>
        ) : null}
        {row.findings > 0 ? (
          <span class="flag flag-findings" title={`${row.findings} finding(s)`}>
            {row.findings}⚑
          </span>
        ) : null}
      </span>
    </div>
  );
}

/**
 * One reason per refused row: the model's reading of the response (errorReasonOf), with the other code the
 * response gave, if any, on hover. Nothing until the model has the exchange, so the column does not change rule
 * when it arrives.
 */
function ErrorCell({ row }: { row: ExchangeRow }) {
  const reason = row.analyzed?.exchange === row.exchange ? errorReasonOf(row.exchange, row.errorCode) : null;
  return (
    <span class="c-error" title={reason?.detail}>
      {reason ? (
        <code data-testid="error-reason" data-other={reason.other?.code}>
          {reason.code}
        </code>
      ) : null}
    </span>
  );
}
