/**
 * Every captured exchange, DevTools-Network style, on the shared virtualiser (`useVirtualList`): only the rows in
 * view (plus an overscan) exist in the DOM, so 10,000 exchanges scroll as smoothly as 10. The columns follow the
 * table's own width (`tableLayout`): low-priority ones drop whole at narrow widths instead of clipping.
 */
import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { errorReasonOf } from '../../core/http/www-authenticate.ts';
import { formatIsoTime } from '../../core/tokens/time.ts';
import { useDispatch, useStore } from '../hooks.ts';
import { selectAllRows, selectVisibleRows, type ExchangeRow } from '../store/selectors.ts';
import { clockTime } from './common.tsx';
import { fitMarks, tableLayout, type ColumnId, type RowMark, type TableLayout } from './table-columns.ts';
import { useVirtualList } from './virtual.ts';

/** Every row is exactly this tall (the virtualiser's estimate is then exact and rows need no measuring). */
export const ROW_HEIGHT = 20;
/** The sticky header's height inside the scroll box, border included. */
const HEAD_HEIGHT = 21;

/** The table's width before its box is first observed: the panel's, which it fills unless the detail is open. */
function initialWidth(): number {
  return typeof window !== 'undefined' && window.innerWidth > 0 ? window.innerWidth : 1024;
}

/** Content width of `element`, followed as it resizes (the window, or the detail pane opening beside it). */
function useContentWidth(element: HTMLElement | null): number {
  const [width, setWidth] = useState(initialWidth);
  useLayoutEffect(() => {
    if (!element || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver((entries) => {
      const next = Math.floor(entries[entries.length - 1]?.contentRect.width ?? 0);
      // A hidden table reports 0: keep the last layout for when it shows again.
      if (next > 0) setWidth(next);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

export function ExchangesTable({ searchRef }: { searchRef?: { current: HTMLInputElement | null } }) {
  const rows = useStore(selectVisibleRows);
  const total = useStore((s) => selectAllRows(s).length);
  const filter = useStore((s) => s.filter);
  const selectedId = useStore((s) => s.selection.exchangeId);
  const dispatch = useDispatch();
  const [scroller, setScroller] = useState<HTMLDivElement | null>(null);
  const list = useVirtualList({
    count: rows.length,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    paddingStart: HEAD_HEIGHT,
  });
  const width = useContentWidth(scroller);
  const layout = useMemo(() => tableLayout(width, total), [width, total]);

  // Keep the keyboard selection in view; only when it moves, so a live row arriving does not pull the view back.
  const selectedIndex = selectedId === null ? -1 : rows.findIndex((r) => r.id === selectedId);
  const { scrollToIndex } = list;
  useEffect(() => {
    if (selectedIndex !== -1) scrollToIndex(selectedIndex);
  }, [selectedId, selectedIndex, scrollToIndex]);

  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((list.viewportHeight() - HEAD_HEIGHT) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      // With nothing selected a move picks the first row going down and the last going up: End means the last.
      Home: selectedIndex === -1 ? 1 : -rows.length,
      End: selectedIndex === -1 ? -1 : rows.length,
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
  const attachScroller = (element: HTMLDivElement | null) => {
    list.scrollRef(element);
    if (element !== scroller) setScroller(element);
  };

  return (
    <div class="exchanges" style={{ '--table-columns': layout.template }}>
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
              scroller?.focus();
            } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
              e.preventDefault();
              scroller?.focus();
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
          {rows.length === total ? total : `${rows.length} / ${total}`}
          <span class="count-word"> exchanges</span>
        </span>
      </div>
      <div
        ref={attachScroller}
        class="table-scroll"
        tabIndex={0}
        role="grid"
        aria-label="Captured exchanges"
        aria-rowcount={rows.length + 1}
        onKeyDown={onKeyDown}
        data-testid="exchanges-table"
        data-columns={layout.columns.map((c) => c.id).join(' ')}
      >
        <div class="table-spacer" style={{ height: `${list.totalSize}px` }}>
          <div class="table-head" role="row" aria-rowindex={1} data-testid="table-head">
            {layout.columns.map((c) => (
              <span key={c.id} class={`c-${c.id}`} role="columnheader">
                {c.label}
              </span>
            ))}
          </div>
          {rows.length === 0 ? (
            <p class="empty-inline">
              {total === 0 ? 'Nothing captured yet.' : 'No exchange matches the filter.'}
            </p>
          ) : (
            list.items.map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              return (
                <Row
                  key={row.id}
                  row={row}
                  index={item.index}
                  top={item.start}
                  layout={layout}
                  selected={row.id === selectedId}
                  onClick={() => dispatch({ type: 'exchangeSelected', id: row.id, open: true })}
                />
              );
            })
          )}
        </div>
      </div>
    </div>
  );
}

function Row({
  row,
  index,
  top,
  layout,
  selected,
  onClick,
}: {
  row: ExchangeRow;
  index: number;
  top: number;
  layout: TableLayout;
  selected: boolean;
  onClick: () => void;
}) {
  const x = row.exchange;
  const failed = x.status >= 400 || x.status === 0;
  const shows = (id: ColumnId) => layout.columns.some((c) => c.id === id);
  return (
    <div
      class={`row${index % 2 ? ' row-alt' : ''}${selected ? ' selected' : ''}${failed ? ' row-error' : ''}${row.classification ? '' : ' row-other'}`}
      style={{ top: `${top}px` }}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      onClick={onClick}
      data-testid="exchange-row"
      data-id={row.id}
    >
      {layout.columns.map((column) => {
        switch (column.id) {
          case 'num':
            return (
              <span key="num" class="c-num">
                {row.number}
              </span>
            );
          case 'time':
            return (
              <span key="time" class="c-time" title={`${formatIsoTime(x.startedAt)} (${x.startedAt})`}>
                {clockTime(x.startedAt)}
              </span>
            );
          case 'method':
            return (
              <span key="method" class="c-method">
                {x.method}
              </span>
            );
          case 'endpoint':
            return <EndpointCell key="endpoint" row={row} withMethod={!shows('method')} />;
          case 'status':
            return <StatusCell key="status" row={row} failed={failed} />;
          case 'error':
            return <ErrorCell key="error" row={row} />;
          case 'marks':
            return <MarksCell key="marks" row={row} room={layout.marksRoom} />;
        }
      })}
    </div>
  );
}

/**
 * The endpoint's label and path, with the full URL and start time on hover (the time column is the first to go).
 * Without the method column, a call no provider knows (labelled by its path alone) is prefixed with its method;
 * a known endpoint's label already says what it is, a CORS preflight included.
 */
function EndpointCell({ row, withMethod }: { row: ExchangeRow; withMethod: boolean }) {
  const x = row.exchange;
  return (
    <span class="c-endpoint" title={`${x.method} ${x.url}\n${formatIsoTime(x.startedAt)}`}>
      {withMethod && !row.classification ? <span class="method-inline">{x.method} </span> : null}
      {row.label}
      {row.classification ? <span class="muted path"> {row.path}</span> : null}
    </span>
  );
}

function StatusCell({ row, failed }: { row: ExchangeRow; failed: boolean }) {
  const x = row.exchange;
  const status = x.status === 0 ? (x.error ? 'failed' : 'pending') : String(x.status);
  return (
    <span class={`c-status${failed ? ' err' : ''}`} title={x.error ?? x.statusText}>
      {status}
    </span>
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
    <span class="c-error" title={reason ? (reason.detail ?? reason.code) : undefined}>
      {reason ? (
        <code data-testid="error-reason" data-other={reason.other?.code}>
          {reason.code}
        </code>
      ) : null}
    </span>
  );
}

interface Mark extends RowMark {
  class: string;
}

/** A row's marks, most telling first: its findings, then who sent or reported it. */
function marksOf(row: ExchangeRow): Mark[] {
  const marks: Mark[] = [];
  if (row.findings > 0)
    marks.push({
      id: 'findings',
      text: `${row.findings}⚑`,
      title: `${row.findings} finding(s)`,
      class: 'flag-findings',
    });
  if (row.byInspector)
    marks.push({
      id: 'inspector',
      text: 'inspector',
      title: 'Sent by the inspector (replay / retry)',
      class: 'flag-inspector',
    });
  if (row.pageReported)
    marks.push({
      id: 'page',
      text: 'page',
      title: 'Reported by the page hook: the page could have shaped it',
      class: 'flag-page',
    });
  return marks;
}

/** The marks that fit shown whole, the others counted ("+2", named on hover): never cut. */
function MarksCell({ row, room }: { row: ExchangeRow; room: number }) {
  const { shown, hidden } = fitMarks(marksOf(row), room);
  const more = hidden.map((m) => m.title).join('\n');
  return (
    <span class="c-marks">
      {shown.map((m) => (
        <span key={m.id} class={`flag ${m.class}`} title={m.title} data-mark={m.id}>
          {m.text}
        </span>
      ))}
      {hidden.length ? (
        <span class="flag flag-more" title={more} aria-label={`${hidden.length} more: ${more}`}>
          +{hidden.length}
        </span>
      ) : null}
    </span>
  );
}
