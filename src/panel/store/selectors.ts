/**
 * Reads of the panel state. Views call these (through `useStore`) rather than walking the state themselves,
 * so what the table filters, what a search matches and which exchange a mark opens are decided here, in
 * unit-tested code. Derived lists are memoised on the identity of their inputs (the store replaces objects
 * instead of mutating them), so a selector called on every render costs a pointer comparison.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { AnalyzedExchange, SessionModel } from '../../core/model/types.ts';
import { classifyExchange } from '../../core/providers/registry.ts';
import type { ExchangeClassification } from '../../core/providers/types.ts';
import { LIVE_SESSION, type ExchangeFilter, type ImportedSession, type PanelState } from './types.ts';

/** The session the views show: the live log or one imported file. */
export interface ActiveSession {
  id: string;
  kind: 'live' | 'import';
  name: string;
  exchanges: readonly HttpExchange[];
  model: SessionModel | null;
  /** True when the model describes exactly these exchanges (false while the analyser catches up). */
  current: boolean;
}

/**
 * Keyed by the session's exchanges: a source's update that changes only its busy state gives the same
 * ActiveSession object, so nothing derived from it is rebuilt.
 */
const activeCache = new WeakMap<readonly HttpExchange[], ActiveSession>();

export function selectImportedSession(state: PanelState, id: string): ImportedSession | undefined {
  return state.imports.find((s) => s.id === id);
}

/** The active session; falls back to the live log when the selected import was closed. */
export function selectActiveSession(state: PanelState): ActiveSession {
  const imported =
    state.activeSession === LIVE_SESSION ? undefined : selectImportedSession(state, state.activeSession);
  const source = imported ?? state.live;
  const id = imported ? imported.id : LIVE_SESSION;
  const name = imported ? imported.name : state.tabId === null ? 'Live' : `Live · tab ${state.tabId}`;
  const cached = activeCache.get(source.exchanges);
  if (
    cached &&
    cached.id === id &&
    cached.name === name &&
    cached.model === source.model &&
    cached.current === source.current
  )
    return cached;
  const session: ActiveSession = {
    id,
    kind: imported ? 'import' : 'live',
    name,
    exchanges: source.exchanges,
    model: source.model,
    current: source.current,
  };
  activeCache.set(source.exchanges, session);
  return session;
}

const byIdCache = new WeakMap<SessionModel, Map<string, AnalyzedExchange>>();

/** The analyser's view of each exchange, by exchange id. */
export function analyzedById(model: SessionModel | null): ReadonlyMap<string, AnalyzedExchange> {
  if (!model) return EMPTY_MAP;
  let map = byIdCache.get(model);
  if (!map) {
    map = new Map(model.exchanges.map((a) => [a.exchange.id, a]));
    byIdCache.set(model, map);
  }
  return map;
}
const EMPTY_MAP: ReadonlyMap<string, AnalyzedExchange> = new Map();

/** The exchange id of a model exchange index (what findings and timeline events point at). */
export function exchangeIdAt(model: SessionModel | null, index: number | null): string | null {
  if (!model || index === null) return null;
  return model.exchanges[index]?.exchange.id ?? null;
}

/** One row of the exchanges table. */
export interface ExchangeRow {
  id: string;
  /** 1-based position in the session, as the # column shows it. */
  number: number;
  exchange: HttpExchange;
  analyzed: AnalyzedExchange | undefined;
  classification: ExchangeClassification | null;
  /** Endpoint label ("OTP check"), or the URL's path for traffic no provider knows. */
  label: string;
  path: string;
  /** The model's error code for the exchange (`AnalyzedExchange.errorCode`); null until the model has it. */
  errorCode: string | null;
  /**
   * Passes the "Session API only" filter: a provider endpoint, or an app call a challenge or grant points at
   * (the protected call that consumed a grant, the one refused for lack of it).
   */
  sessionApi: boolean;
  pageReported: boolean;
  byInspector: boolean;
  findings: number;
}

const classificationCache = new WeakMap<HttpExchange, ExchangeClassification | null>();

/**
 * The model's classification of the exchange; until the analyser has reached it, the registry's, which is
 * the analyser's own first step on the same exchange: the label a row shows does not change when the model
 * arrives.
 */
function classificationOf(exchange: HttpExchange, analyzed: AnalyzedExchange | undefined) {
  if (analyzed && analyzed.exchange === exchange) return analyzed.classification;
  if (classificationCache.has(exchange)) return classificationCache.get(exchange) ?? null;
  const found = classifyExchange(exchange);
  classificationCache.set(exchange, found);
  return found;
}

/**
 * The URL's path and query, kept per exchange object: the rows are rebuilt whenever the model or the list
 * changes (every live capture), and parsing 10,000 URLs again each time is most of that cost.
 */
const pathCache = new WeakMap<HttpExchange, string>();

function pathOf(exchange: HttpExchange): string {
  let path = pathCache.get(exchange);
  if (path === undefined) {
    try {
      const parsed = new URL(exchange.url);
      path = `${parsed.pathname}${parsed.search}`;
    } catch {
      path = exchange.url;
    }
    pathCache.set(exchange, path);
  }
  return path;
}

const referencedCache = new WeakMap<SessionModel, Set<number>>();

/** Exchange indexes the model's challenges and grants point at. */
export function referencedExchanges(model: SessionModel | null): ReadonlySet<number> {
  if (!model) return new Set();
  let set = referencedCache.get(model);
  if (!set) {
    set = new Set();
    for (const c of model.challenges) for (const e of c.events) if (e.exchange !== null) set.add(e.exchange);
    for (const g of model.grants) {
      for (const i of [g.grantedBy, g.consumedBy, g.droppedBy, ...g.reuseAttempts])
        if (i !== null) set.add(i);
    }
    referencedCache.set(model, set);
  }
  return set;
}

/** Rows per list of exchanges, with the model they were read from. */
const rowsCache = new WeakMap<readonly HttpExchange[], { model: SessionModel | null; rows: ExchangeRow[] }>();

/** Every exchange of the active session as a table row, in capture order. */
export function selectAllRows(state: PanelState): readonly ExchangeRow[] {
  const session = selectActiveSession(state);
  const cached = rowsCache.get(session.exchanges);
  if (cached && cached.model === session.model) return cached.rows;
  const analyzed = analyzedById(session.model);
  const referenced = referencedExchanges(session.model);
  const rows = session.exchanges.map((exchange, i): ExchangeRow => {
    const a = analyzed.get(exchange.id);
    const usable = a && a.exchange === exchange ? a : undefined;
    const classification = classificationOf(exchange, usable);
    const path = pathOf(exchange);
    return {
      id: exchange.id,
      number: i + 1,
      exchange,
      analyzed: a,
      classification,
      label: classification?.label ?? path,
      path,
      errorCode: a?.errorCode ?? null,
      sessionApi: classification !== null || (a !== undefined && referenced.has(a.index)),
      pageReported: exchange.pageReported === true,
      byInspector: exchange.initiator === 'inspector' || exchange.sources.includes('inspector'),
      findings: a?.findingIds.length ?? 0,
    };
  });
  rowsCache.set(session.exchanges, { model: session.model, rows });
  return rows;
}

/** Does a row match the search text? Every whitespace-separated term must match one field (case-insensitive). */
export function rowMatches(row: ExchangeRow, text: string): boolean {
  return rowMatchesTerms(row, searchTerms(text));
}

function searchTerms(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

function rowMatchesTerms(row: ExchangeRow, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const fields = [
    row.exchange.method,
    row.exchange.url,
    row.label,
    String(row.exchange.status),
    row.errorCode ?? '',
    row.classification?.endpoint ?? '',
    row.pageReported ? 'page-reported' : '',
    row.byInspector ? 'inspector' : '',
  ].map((f) => f.toLowerCase());
  return terms.every((term) => fields.some((f) => f.includes(term)));
}

/** Applies the "Session API only" filter and the search text. */
export function filterRows(rows: readonly ExchangeRow[], filter: ExchangeFilter): readonly ExchangeRow[] {
  const terms = searchTerms(filter.text);
  if (!filter.apiOnly && terms.length === 0) return rows;
  return rows.filter((row) => (!filter.apiOnly || row.sessionApi) && rowMatchesTerms(row, terms));
}

let visibleMemo: {
  rows: readonly ExchangeRow[];
  filter: ExchangeFilter;
  result: readonly ExchangeRow[];
} | null = null;

/** The rows the table shows. */
export function selectVisibleRows(state: PanelState): readonly ExchangeRow[] {
  const rows = selectAllRows(state);
  if (visibleMemo && visibleMemo.rows === rows && visibleMemo.filter === state.filter)
    return visibleMemo.result;
  const result = filterRows(rows, state.filter);
  visibleMemo = { rows, filter: state.filter, result };
  return result;
}

/** The selected exchange of the active session, with the analyser's view of it. */
export function selectSelectedExchange(
  state: PanelState,
): { exchange: HttpExchange; analyzed: AnalyzedExchange | undefined; number: number } | null {
  const id = state.selection.exchangeId;
  if (id === null) return null;
  const session = selectActiveSession(state);
  const at = session.exchanges.findIndex((x) => x.id === id);
  const exchange = session.exchanges[at];
  if (!exchange) return null;
  const analyzed = analyzedById(session.model).get(id);
  return { exchange, analyzed, number: at + 1 };
}

/** Counters for the toolbar. */
export interface CaptureCounters {
  exchanges: number;
  dropped: number;
  truncated: number;
  rejected: number;
}

export function selectCounters(state: PanelState): CaptureCounters {
  const log = state.live.state;
  return {
    exchanges: state.live.exchanges.length,
    dropped: log?.dropped ?? 0,
    truncated: log?.truncated ?? 0,
    rejected: log?.rejected ?? 0,
  };
}

/** Findings counts per severity of the active session. */
export function selectFindingCounts(state: PanelState): { error: number; warning: number; info: number } {
  return selectActiveSession(state).model?.stats.findings ?? { error: 0, warning: 0, info: 0 };
}

/** Whether actions that send requests from the inspected page can run in the active session. */
export function selectCanAct(state: PanelState): { enabled: true } | { enabled: false; reason: string } {
  if (state.activeSession !== LIVE_SESSION)
    return {
      enabled: false,
      reason: 'This is an imported session: switch to the live log to send requests.',
    };
  if (state.tabId === null) return { enabled: false, reason: 'No inspected tab.' };
  return { enabled: true };
}
