/**
 * The panel's state transitions, as pure functions with exhaustive switches. The store (`panel-store.ts`)
 * only calls these, so every transition is reachable from a unit test without a DOM or a browser.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import { EMPTY_LIVE_SESSION } from '../session/types.ts';
import { NO_GAPS, reduceGaps } from './gaps.ts';
import { selectVisibleRows } from './selectors.ts';
import {
  LIVE_SESSION,
  type PanelEvent,
  type PanelState,
  type Selection,
  type SessionUpdate,
} from './types.ts';

export const NO_SELECTION: Selection = { exchangeId: null, token: null, mark: null };

/** The state a panel starts in. */
export function initialPanelState(overrides: Partial<PanelState> = {}): PanelState {
  return {
    tabId: null,
    live: EMPTY_LIVE_SESSION,
    imports: [],
    activeSession: LIVE_SESSION,
    view: 'timeline',
    selection: NO_SELECTION,
    detailOpen: false,
    filter: { apiOnly: true, text: '' },
    theme: 'light',
    shortcutsOpen: false,
    hook: { origin: null, enabled: false, known: false, busy: false },
    backgroundCapture: { state: 'unknown', busy: false },
    importProgress: null,
    notice: null,
    otpActions: {},
    gaps: NO_GAPS,
    ...overrides,
  };
}

function hasId(list: readonly HttpExchange[], id: string): boolean {
  // A selection is nearly always among the latest exchanges: search from the end.
  for (let i = list.length - 1; i >= 0; i -= 1) if (list[i]?.id === id) return true;
  return false;
}

/**
 * Applies a source's update. The session replaces what the store held for it; a first update of an import
 * opens it and switches to it. When the exchanges of the session on screen change, a selection whose exchange
 * left them (evicted by the per-tab cap or the storage quota, or a Clear) goes, and the detail pane with it.
 */
export function applySessionUpdate(state: PanelState, update: SessionUpdate): PanelState {
  let next: PanelState;
  let previous: readonly HttpExchange[];
  if (update.kind === 'live') {
    if (state.live === update.session) return state;
    previous = state.live.exchanges;
    next = { ...state, live: update.session };
  } else {
    const session = update.session;
    const at = state.imports.findIndex((s) => s.id === session.id);
    const current = state.imports[at];
    if (current === undefined) {
      return {
        ...state,
        imports: [...state.imports, session],
        activeSession: session.id,
        selection: NO_SELECTION,
        detailOpen: false,
        importProgress: null,
      };
    }
    if (current === session) return state;
    previous = current.exchanges;
    const imports = state.imports.slice();
    imports[at] = session;
    next = { ...state, imports };
  }
  const exchanges = update.session.exchanges;
  const selected = state.selection.exchangeId;
  const onScreen = state.activeSession === (update.kind === 'live' ? LIVE_SESSION : update.session.id);
  if (onScreen && selected !== null && exchanges !== previous && !hasId(exchanges, selected))
    return { ...next, selection: NO_SELECTION, detailOpen: false };
  return next;
}

/** Applies any panel event. Pure: returns the same object when nothing changed. */
export function reducePanel(state: PanelState, event: PanelEvent): PanelState {
  switch (event.type) {
    case 'sessionUpdated':
      return applySessionUpdate(state, event.update);
    case 'sessionSwitched': {
      const known = event.id === LIVE_SESSION || state.imports.some((s) => s.id === event.id);
      if (!known || event.id === state.activeSession) return state;
      return { ...state, activeSession: event.id, selection: NO_SELECTION, detailOpen: false };
    }
    case 'sessionClosed': {
      if (event.id === LIVE_SESSION) return state;
      const imports = state.imports.filter((s) => s.id !== event.id);
      if (imports.length === state.imports.length) return state;
      return state.activeSession === event.id
        ? { ...state, imports, activeSession: LIVE_SESSION, selection: NO_SELECTION, detailOpen: false }
        : { ...state, imports };
    }
    case 'viewChanged':
      return state.view === event.view ? state : { ...state, view: event.view };
    case 'exchangeSelected': {
      const selection: Selection = {
        exchangeId: event.id,
        token: event.token ?? null,
        mark: event.mark === undefined ? state.selection.mark : event.mark,
      };
      return { ...state, selection, detailOpen: event.id !== null && (event.open ?? true) };
    }
    case 'markFocused':
      return state.selection.mark === event.mark
        ? state
        : { ...state, selection: { ...state.selection, mark: event.mark } };
    case 'selectionMoved':
      return moveSelection(state, event.delta);
    case 'detailClosed':
      return state.detailOpen ? { ...state, detailOpen: false } : state;
    case 'filterChanged': {
      const filter = {
        apiOnly: event.apiOnly ?? state.filter.apiOnly,
        text: event.text ?? state.filter.text,
      };
      if (filter.apiOnly === state.filter.apiOnly && filter.text === state.filter.text) return state;
      return { ...state, filter };
    }
    case 'themeChanged':
      return state.theme === event.theme ? state : { ...state, theme: event.theme };
    case 'shortcutsToggled': {
      const open = event.open ?? !state.shortcutsOpen;
      return state.shortcutsOpen === open ? state : { ...state, shortcutsOpen: open };
    }
    case 'hookChanged':
      return { ...state, hook: { ...state.hook, ...event.hook } };
    case 'backgroundCaptureChanged': {
      const next = { ...state.backgroundCapture, ...event.backgroundCapture };
      const same = next.state === state.backgroundCapture.state && next.busy === state.backgroundCapture.busy;
      return same ? state : { ...state, backgroundCapture: next };
    }
    case 'importProgressed':
      return { ...state, importProgress: event.progress };
    case 'noticeShown':
      return { ...state, notice: event.notice };
    case 'otpActionStarted':
      return {
        ...state,
        otpActions: { ...state.otpActions, [event.challengeId]: { busy: event.action, last: null } },
      };
    case 'otpActionFinished':
      return {
        ...state,
        otpActions: {
          ...state.otpActions,
          [event.challengeId]: { busy: null, last: { what: event.what, result: event.result } },
        },
      };
    case 'gapsCompared':
    case 'gapsPageLeft':
    case 'gapDismissed':
    case 'gapReloaded': {
      const gaps = reduceGaps(state.gaps, event);
      return gaps === state.gaps ? state : { ...state, gaps };
    }
    default:
      return assertNever(event);
  }
}

/**
 * Moves the table selection by `delta` visible rows (arrow keys), clamped to the list; with nothing selected,
 * Down selects the first row and Up the last. The detail pane keeps its open/closed state.
 */
function moveSelection(state: PanelState, delta: number): PanelState {
  const rows = selectVisibleRows(state);
  if (rows.length === 0) return state;
  const current = rows.findIndex((r) => r.id === state.selection.exchangeId);
  const target =
    current === -1
      ? delta > 0
        ? 0
        : rows.length - 1
      : Math.max(0, Math.min(rows.length - 1, current + delta));
  const id = rows[target]?.id ?? null;
  if (id === state.selection.exchangeId) return state;
  return { ...state, selection: { exchangeId: id, token: null, mark: state.selection.mark } };
}

function assertNever(value: never): never {
  throw new Error(`unhandled panel event ${JSON.stringify(value)}`);
}
