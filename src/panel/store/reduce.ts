/**
 * The panel's state transitions, as pure functions with exhaustive switches: `applyLogEvent` for what the
 * capture log reports, `reducePanel` for everything (it delegates log events). The store (`panel-store.ts`)
 * only calls these, so every transition is reachable from a unit test without a DOM or a browser.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { LogEvent } from '../log-source.ts';
import { selectActiveSession, selectVisibleRows } from './selectors.ts';
import { LIVE_SESSION, type LiveLog, type PanelEvent, type PanelState, type Selection } from './types.ts';

export const NO_SELECTION: Selection = { exchangeId: null, token: null, mark: null };

/** The state a panel starts in. */
export function initialPanelState(overrides: Partial<PanelState> = {}): PanelState {
  return {
    tabId: null,
    live: { loaded: false, state: undefined, exchanges: [] },
    liveModel: null,
    analysing: false,
    imports: [],
    activeSession: LIVE_SESSION,
    view: 'timeline',
    selection: NO_SELECTION,
    detailOpen: false,
    filter: { apiOnly: true, text: '' },
    theme: 'light',
    hook: { origin: null, enabled: false, known: false, busy: false },
    backgroundCapture: { state: 'unknown', busy: false },
    importProgress: null,
    notice: null,
    otpActions: {},
    ...overrides,
  };
}

type LiveEvent = LogEvent | Extract<PanelEvent, { type: 'logLoaded' }>;

/** Adds an exchange, or replaces the one with the same id in place (a merge from another capture source). */
function upsert(list: readonly HttpExchange[], exchange: HttpExchange): readonly HttpExchange[] {
  // Merges nearly always touch one of the latest exchanges: search from the end.
  for (let i = list.length - 1; i >= 0; i -= 1) {
    if (list[i]?.id === exchange.id) {
      if (list[i] === exchange) return list;
      const next = list.slice();
      next[i] = exchange;
      return next;
    }
  }
  return [...list, exchange];
}

/**
 * Applies one capture-log event to the panel state.
 *
 * - `logLoaded`: the snapshot replaces the live log (events that arrived while loading are applied after it).
 * - `exchangeCaptured`: a new exchange is appended; an exchange with a known id replaces it in place.
 * - `tabStateChanged`: counters and settings; exchanges whose ids left `state.ids` were evicted by the
 *   per-tab cap or the storage quota and are dropped here too.
 * - `logCleared`: the live log and its model empty; a live selection goes.
 */
export function applyLogEvent(state: PanelState, event: LiveEvent): PanelState {
  switch (event.type) {
    case 'logLoaded': {
      const live: LiveLog = {
        loaded: true,
        state: event.snapshot.state,
        exchanges: event.snapshot.exchanges,
      };
      return { ...state, live, liveModel: null };
    }
    case 'exchangeCaptured': {
      const exchanges = upsert(state.live.exchanges, event.exchange);
      if (exchanges === state.live.exchanges) return state;
      return { ...state, live: { ...state.live, exchanges } };
    }
    case 'tabStateChanged': {
      const ids = new Set(event.state.ids);
      const kept = state.live.exchanges.filter((x) => ids.has(x.id));
      const exchanges = kept.length === state.live.exchanges.length ? state.live.exchanges : kept;
      const live = { ...state.live, state: event.state, exchanges };
      const lostSelection =
        state.activeSession === LIVE_SESSION &&
        state.selection.exchangeId !== null &&
        !ids.has(state.selection.exchangeId);
      return lostSelection
        ? { ...state, live, selection: NO_SELECTION, detailOpen: false }
        : { ...state, live };
    }
    case 'logCleared': {
      const live: LiveLog = { ...state.live, exchanges: [] };
      const onLive = state.activeSession === LIVE_SESSION;
      return {
        ...state,
        live,
        liveModel: null,
        ...(onLive ? { selection: NO_SELECTION, detailOpen: false } : {}),
      };
    }
    default:
      return assertNever(event);
  }
}

/** Applies any panel event. Pure: returns the same object when nothing changed. */
export function reducePanel(state: PanelState, event: PanelEvent): PanelState {
  switch (event.type) {
    case 'logLoaded':
    case 'exchangeCaptured':
    case 'tabStateChanged':
    case 'logCleared':
      return applyLogEvent(state, event);
    case 'liveModelUpdated':
      return state.liveModel === event.model ? state : { ...state, liveModel: event.model };
    case 'analysisStateChanged':
      return state.analysing === event.analysing ? state : { ...state, analysing: event.analysing };
    case 'sessionImported':
      return {
        ...state,
        imports: [...state.imports.filter((s) => s.id !== event.session.id), event.session],
        activeSession: event.session.id,
        selection: NO_SELECTION,
        detailOpen: false,
        importProgress: null,
      };
    case 'importUpdated': {
      const at = state.imports.findIndex((s) => s.id === event.id);
      const current = state.imports[at];
      if (current === undefined) return state;
      const updated = {
        ...current,
        ...(event.exchanges !== undefined ? { exchanges: event.exchanges } : {}),
        ...(event.skipped !== undefined ? { skipped: event.skipped } : {}),
        ...(event.model !== undefined ? { model: event.model } : {}),
      };
      const imports = state.imports.slice();
      imports[at] = updated;
      return { ...state, imports };
    }
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

/** True when the exchange id exists in the active session. */
export function hasExchange(state: PanelState, id: string): boolean {
  return selectActiveSession(state).exchanges.some((x) => x.id === id);
}

function assertNever(value: never): never {
  throw new Error(`unhandled panel event ${JSON.stringify(value)}`);
}
