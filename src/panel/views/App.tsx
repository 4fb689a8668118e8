/**
 * The panel: toolbar, view tabs, the active view and (when something is selected) the detail pane beside it.
 * Global keys: `/` focuses the exchange search, Esc closes the detail pane or clears the search.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useCommands, useDispatch, usePanelStore, useStore } from '../hooks.ts';
import { selectActiveSession, selectAllRows, selectFindingCounts } from '../store/selectors.ts';
import type { ViewId } from '../store/types.ts';
import { EmptyState } from './EmptyState.tsx';
import { RegionBoundary } from './ErrorBoundary.tsx';
import { ExchangesTable } from './ExchangesTable.tsx';
import { GapNotice } from './GapNotice.tsx';
import { DropOverlay, ImportDialog } from './ImportDialog.tsx';
import { lazyView } from './lazy.tsx';
import { Timeline } from './Timeline.tsx';
import { ShortcutsOverlay } from './ShortcutsOverlay.tsx';
import { SessionSwitcher, StatusBar, Toolbar } from './Toolbar.tsx';

// Loaded on first use (they are not on screen when the panel opens): the detail pane, with the token
// inspector and the DPoP checklist, the SDK state view and the findings list.
export const ExchangeDetail = lazyView(() => import('./ExchangeDetail.tsx').then((m) => m.ExchangeDetail));
export const SdkStateView = lazyView(() => import('./SdkStateView.tsx').then((m) => m.SdkStateView));
// The findings list brings the catalogue's texts (cause, fix, reference of every rule).
export const FindingsView = lazyView(() => import('./FindingsView.tsx').then((m) => m.FindingsView));

/** How the fallback of each view's boundary names it. */
const VIEW_REGIONS: Record<ViewId, string> = {
  timeline: 'timeline',
  exchanges: 'exchanges table',
  findings: 'findings list',
  sdk: 'SDK state view',
};

export interface AppProps {
  /** Opens a file as an imported session (file picker or drop). */
  onImportFile: (file: File) => void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function App({ onImportFile }: AppProps) {
  const store = usePanelStore();
  const dispatch = useDispatch();
  const view = useStore((s) => s.view);
  const detailOpen = useStore((s) => s.detailOpen && s.selection.exchangeId !== null);
  const selectedId = useStore((s) => s.selection.exchangeId);
  const sessionId = useStore((s) => s.activeSession);
  const theme = useStore((s) => s.theme);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // A menu or dialog that handles its own keys (Esc, arrows, `?`) has them to itself.
      if (event.target instanceof Element && event.target.closest('[data-own-keys]')) return;
      if (event.key === '?' && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        dispatch({ type: 'shortcutsToggled' });
        return;
      }
      if (event.key === '/' && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        if (store.getState().view !== 'exchanges') dispatch({ type: 'viewChanged', view: 'exchanges' });
        // The search box exists once the exchanges view has rendered.
        setTimeout(() => searchRef.current?.focus(), 0);
      } else if (event.key === 'Escape') {
        const state = store.getState();
        // The import dialog holds the keyboard; the progress bar beside an import's rows does not.
        if (state.importProgress && state.importProgress.sessionId === undefined) return;
        const consumed = state.detailOpen
          ? (dispatch({ type: 'detailClosed' }), true)
          : state.filter.text && !isTyping(event.target)
            ? (dispatch({ type: 'filterChanged', text: '' }), true)
            : false;
        // An Esc the panel used must not also reach DevTools, whose script in extension panels forwards it
        // (DevTools would toggle its console drawer). Unused, it goes through as usual.
        if (consumed) {
          event.stopPropagation();
          event.preventDefault();
        }
      }
    };
    // Capture phase on window: runs before DevTools' forwarding listener on the document.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [store, dispatch]);

  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  return (
    <div
      class={`app ${detailOpen ? 'with-detail' : ''}`}
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        dragDepth.current += 1;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        dragDepth.current = 0;
        setDragging(false);
        const file = e.dataTransfer?.files?.[0];
        if (file) onImportFile(file);
      }}
      data-testid="panel-app"
    >
      <Toolbar onImport={() => fileInput.current?.click()} />
      <input
        ref={fileInput}
        type="file"
        accept=".har,.json,application/json"
        class="hidden"
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          const file = input.files?.[0];
          if (file) onImportFile(file);
          input.value = '';
        }}
        data-testid="import-file"
      />
      <ViewTabs />
      <Notice />
      <div class="main">
        <div class="view" data-view={view}>
          {/* One boundary per region, keyed by what it shows: another session or exchange starts afresh. */}
          <RegionBoundary key={`${view} ${sessionId}`} region={VIEW_REGIONS[view]}>
            {view === 'timeline' ? <Timeline /> : null}
            {view === 'exchanges' ? <ExchangesOrEmpty searchRef={searchRef} /> : null}
            {view === 'findings' ? <FindingsView /> : null}
            {view === 'sdk' ? <SdkStateView /> : null}
          </RegionBoundary>
        </div>
        {detailOpen ? (
          <RegionBoundary
            key={selectedId ?? ''}
            region="exchange detail"
            subject={`exchange ${selectedId ?? ''}`}
            as="aside"
            class="detail"
            dismiss={{ label: 'Close', onClick: () => dispatch({ type: 'detailClosed' }) }}
          >
            <ExchangeDetail />
          </RegionBoundary>
        ) : null}
      </div>
      <StatusBar />
      <ImportDialog />
      <ShortcutsOverlay />
      <DropOverlay visible={dragging} />
    </div>
  );
}

function ExchangesOrEmpty({ searchRef }: { searchRef: { current: HTMLInputElement | null } }) {
  const count = useStore((s) => selectAllRows(s).length);
  return (
    <>
      <GapNotice />
      {count === 0 ? <EmptyState /> : <ExchangesTable searchRef={searchRef} />}
    </>
  );
}

function ViewTabs() {
  const view = useStore((s) => s.view);
  const dispatch = useDispatch();
  const session = useStore(selectActiveSession);
  const findings = useStore(selectFindingCounts);
  const challenges = session.model?.challenges.length ?? 0;
  // `name`: the accessible name and tooltip where part of the label may be hidden in a narrow panel.
  const tabs: { id: ViewId; label: string; extra?: ComponentChildren; name?: string }[] = [
    {
      id: 'timeline',
      label: 'Timeline',
      extra: challenges ? <span class="tab-count">{challenges}</span> : null,
    },
    { id: 'exchanges', label: 'Exchanges', extra: <span class="tab-count">{session.exchanges.length}</span> },
    {
      id: 'findings',
      label: 'Findings',
      extra: (
        <>
          {findings.error ? (
            <span class="tab-count sev-error" title="errors">
              {findings.error}
            </span>
          ) : null}
          {findings.warning ? (
            <span class="tab-count sev-warning" title="warnings">
              {findings.warning}
            </span>
          ) : null}
          {findings.info ? (
            <span class="tab-count sev-info" title="info">
              {findings.info}
            </span>
          ) : null}
        </>
      ),
    },
    {
      id: 'sdk',
      label: 'SDK',
      extra: <span class="tab-more"> state</span>,
      name: 'SDK state',
    },
  ];
  return (
    <nav class="tabs" role="tablist" aria-label="Views">
      {tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          aria-selected={view === tab.id}
          class={`tab ${view === tab.id ? 'active' : ''}`}
          aria-label={tab.name}
          title={tab.name}
          onClick={() => dispatch({ type: 'viewChanged', view: tab.id })}
          data-testid={`tab-${tab.id}`}
        >
          {tab.label}
          {tab.extra}
        </button>
      ))}
      <SessionSwitcher />
    </nav>
  );
}

function Notice() {
  const notice = useStore((s) => s.notice);
  const commands = useCommands();
  useEffect(() => {
    if (!notice || notice.tone === 'error') return undefined;
    const id = setTimeout(() => commands.dismissNotice(), 8000);
    return () => clearTimeout(id);
  }, [notice, commands]);
  if (!notice) return null;
  return (
    <div
      class={`notice notice-${notice.tone}`}
      role={notice.tone === 'error' ? 'alert' : 'status'}
      data-testid="notice"
    >
      <span>{notice.text}</span>
      <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => commands.dismissNotice()}>
        ✕
      </button>
    </div>
  );
}
