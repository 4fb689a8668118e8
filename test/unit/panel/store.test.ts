import { describe, expect, it, vi } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { isAppendOf } from '../../../src/panel/session/analysis.ts';
import {
  applyLogEvent,
  type LogEvent,
  type LogMirror,
  type LogSnapshot,
} from '../../../src/panel/session/live-log.ts';
import { openLiveSource } from '../../../src/panel/session/live-source.ts';
import type { AnalyzerLike, LiveSession } from '../../../src/panel/session/types.ts';
import { createPanelStore, type PanelStore } from '../../../src/panel/store/panel-store.ts';
import { initialPanelState, reducePanel } from '../../../src/panel/store/reduce.ts';
import {
  filterRows,
  rowMatches,
  selectActiveSession,
  selectAllRows,
  selectCanAct,
  selectCounters,
  selectSelectedExchange,
  selectVisibleRows,
} from '../../../src/panel/store/selectors.ts';
import { LIVE_SESSION, type PanelState } from '../../../src/panel/store/types.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { importUpdate, liveUpdate, tabState } from './updates.ts';

function ex(id: string, path = '/refresh', extra: Partial<HttpExchange> = {}): HttpExchange {
  return { ...anExchange({ id, path }), ...extra };
}

const EMPTY: LogMirror = { loaded: false, state: undefined, exchanges: [] };

/** The mirror of tab 7's log once `exchanges` were read. */
function read(exchanges: HttpExchange[]): LogMirror {
  return applyLogEvent(EMPTY, { type: 'logLoaded', snapshot: { state: tabState(exchanges), exchanges } });
}

/** A panel whose live source has read `exchanges` (and analysed them as `model`). */
function loaded(
  exchanges: HttpExchange[],
  state: Partial<PanelState> = {},
  model: SessionModel | null = null,
) {
  return reducePanel(initialPanelState({ tabId: 7, ...state }), liveUpdate(exchanges, model));
}

/** What the live source reports once its log changed by `event` (the model kept, as the source keeps it). */
function logChanged(state: PanelState, event: LogEvent): PanelState {
  const mirror = applyLogEvent(state.live, event);
  return reducePanel(state, liveUpdate(mirror.exchanges, state.live.model, { ...mirror }));
}

function captured(state: PanelState, exchange: HttpExchange): PanelState {
  return logChanged(state, { type: 'exchangeCaptured', exchange });
}

const anImport = (id: string, exchanges: HttpExchange[] = [ex(`${id}-1`)]) =>
  importUpdate({ id, name: `${id}.har`, kind: 'har', exchanges, skipped: 0, model: null });

describe('the live log mirror', () => {
  it('logLoaded replaces the mirror with the snapshot and marks it loaded', () => {
    const a = ex('7-0');
    const log = read([a]);
    expect(log.loaded).toBe(true);
    expect(log.exchanges).toEqual([a]);
    expect(log.state?.ids).toEqual(['7-0']);
  });

  it('exchangeCaptured appends a new id in capture order', () => {
    const log = read([ex('7-0')]);
    const next = applyLogEvent(log, { type: 'exchangeCaptured', exchange: ex('7-1') });
    expect(next.exchanges.map((x) => x.id)).toEqual(['7-0', '7-1']);
    expect(log.exchanges).toHaveLength(1); // pure: the old mirror is untouched
  });

  it('exchangeCaptured with a known id replaces that exchange in place (a merge added its body)', () => {
    const first = ex('7-0', '/stepup/request');
    const second = ex('7-1');
    const log = read([first, second]);
    const merged = {
      ...first,
      responseBody: jsonBody({ status: 'review' }),
      sources: ['webrequest', 'devtools'],
    } as HttpExchange;
    const next = applyLogEvent(log, { type: 'exchangeCaptured', exchange: merged });
    expect(next.exchanges).toHaveLength(2);
    expect(next.exchanges[0]).toBe(merged);
    expect(next.exchanges[1]).toBe(second);
  });

  it('exchangeCaptured with the very same object changes nothing', () => {
    const a = ex('7-0');
    const log = read([a]);
    expect(applyLogEvent(log, { type: 'exchangeCaptured', exchange: a })).toBe(log);
  });

  it('tabStateChanged updates counters and settings', () => {
    const state = loaded([ex('7-0')]);
    const next = logChanged(state, {
      type: 'tabStateChanged',
      state: tabState([ex('7-0')], { dropped: 2, truncated: 1, rejected: 3, preserve: false }),
    });
    expect(selectCounters(next)).toEqual({ exchanges: 1, dropped: 2, truncated: 1, rejected: 3 });
    expect(next.live.state?.preserve).toBe(false);
    expect(next.live.exchanges).toBe(state.live.exchanges);
  });

  it('tabStateChanged drops exchanges evicted from state.ids, and a selection on them', () => {
    let state = loaded([ex('7-0'), ex('7-1'), ex('7-2')]);
    state = reducePanel(state, { type: 'exchangeSelected', id: '7-0' });
    const next = logChanged(state, {
      type: 'tabStateChanged',
      state: tabState([ex('7-1'), ex('7-2')], { dropped: 1 }),
    });
    expect(next.live.exchanges.map((x) => x.id)).toEqual(['7-1', '7-2']);
    expect(next.selection.exchangeId).toBeNull();
    expect(next.detailOpen).toBe(false);
  });

  it('logCleared empties the mirror and closes a live selection', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, { type: 'exchangeSelected', id: '7-0' });
    const next = logChanged(state, { type: 'logCleared' });
    expect(next.live.exchanges).toEqual([]);
    expect(next.selection.exchangeId).toBeNull();
    expect(next.detailOpen).toBe(false);
  });

  it('logCleared keeps the selection of an imported session being viewed', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, anImport('import-1'));
    state = reducePanel(state, { type: 'exchangeSelected', id: 'import-1-1' });
    const next = logChanged(state, { type: 'logCleared' });
    expect(next.selection.exchangeId).toBe('import-1-1');
    expect(next.activeSession).toBe('import-1');
  });
});

describe('reducePanel: imported sessions', () => {
  it('an import opens as its own session, and the live log goes on underneath', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, {
      type: 'importProgressed',
      progress: { name: 'a.har', phase: 'parsing', fraction: 0.5 },
    });
    state = reducePanel(state, anImport('import-1', [ex('i1'), ex('i2')]));
    expect(state.activeSession).toBe('import-1');
    expect(state.importProgress).toBeNull();
    expect(selectActiveSession(state).kind).toBe('import');
    expect(selectAllRows(state).map((r) => r.id)).toEqual(['i1', 'i2']);
    state = captured(state, ex('7-1'));
    expect(selectAllRows(state).map((r) => r.id)).toEqual(['i1', 'i2']);
    expect(state.live.exchanges).toHaveLength(2);
  });

  it('switching sessions clears the selection; unknown ids are ignored', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, anImport('import-1'));
    state = reducePanel(state, { type: 'exchangeSelected', id: 'import-1-1' });
    const back = reducePanel(state, { type: 'sessionSwitched', id: LIVE_SESSION });
    expect(back.activeSession).toBe(LIVE_SESSION);
    expect(back.selection.exchangeId).toBeNull();
    expect(selectActiveSession(back).exchanges.map((x) => x.id)).toEqual(['7-0']);
    expect(reducePanel(back, { type: 'sessionSwitched', id: 'nope' })).toBe(back);
    expect(reducePanel(back, { type: 'sessionSwitched', id: 'import-1' }).activeSession).toBe('import-1');
  });

  it('closing the active import returns to the live log; the live session cannot be closed', () => {
    let state = loaded([]);
    state = reducePanel(state, anImport('import-1'));
    state = reducePanel(state, anImport('import-2'));
    const closedOther = reducePanel(state, { type: 'sessionClosed', id: 'import-1' });
    expect(closedOther.activeSession).toBe('import-2');
    expect(closedOther.imports.map((s) => s.id)).toEqual(['import-2']);
    const closedActive = reducePanel(closedOther, { type: 'sessionClosed', id: 'import-2' });
    expect(closedActive.activeSession).toBe(LIVE_SESSION);
    expect(closedActive.imports).toEqual([]);
    expect(reducePanel(closedActive, { type: 'sessionClosed', id: LIVE_SESSION })).toBe(closedActive);
  });

  it('actions that send requests are disabled on an imported session, with the reason', () => {
    let state = loaded([]);
    expect(selectCanAct(state)).toEqual({ enabled: true });
    state = reducePanel(state, anImport('import-1'));
    const can = selectCanAct(state);
    expect(can.enabled).toBe(false);
    expect(can.enabled === false && can.reason).toMatch(/imported/);
  });
});

describe('reducePanel: selection, filter, view', () => {
  const three = () => loaded([ex('7-0', '/stepup/request'), ex('7-1', '/otp'), ex('7-2', '/otp/check')]);

  it('arrow keys move the selection over the visible rows and stop at the ends', () => {
    let state = three();
    state = reducePanel(state, { type: 'selectionMoved', delta: 1 });
    expect(state.selection.exchangeId).toBe('7-0');
    state = reducePanel(state, { type: 'selectionMoved', delta: 1 });
    expect(state.selection.exchangeId).toBe('7-1');
    state = reducePanel(state, { type: 'selectionMoved', delta: 10 });
    expect(state.selection.exchangeId).toBe('7-2');
    state = reducePanel(state, { type: 'selectionMoved', delta: -100 });
    expect(state.selection.exchangeId).toBe('7-0');
  });

  it('Up with nothing selected picks the last visible row; filtered-out rows are skipped', () => {
    let state = three();
    state = reducePanel(state, { type: 'filterChanged', text: 'otp' });
    state = reducePanel(state, { type: 'selectionMoved', delta: -1 });
    expect(state.selection.exchangeId).toBe('7-2');
    state = reducePanel(state, { type: 'selectionMoved', delta: -1 });
    expect(state.selection.exchangeId).toBe('7-1');
  });

  it('selecting opens the detail pane, with the token and mark; closing keeps the selection', () => {
    let state = three();
    state = reducePanel(state, {
      type: 'exchangeSelected',
      id: '7-2',
      token: { location: 'request.dpop', nth: 0 },
      mark: 'challenge:x#2',
    });
    expect(state.detailOpen).toBe(true);
    expect(state.selection).toEqual({
      exchangeId: '7-2',
      token: { location: 'request.dpop', nth: 0 },
      mark: 'challenge:x#2',
    });
    expect(selectSelectedExchange(state)?.number).toBe(3);
    state = reducePanel(state, { type: 'detailClosed' });
    expect(state.detailOpen).toBe(false);
    expect(state.selection.exchangeId).toBe('7-2');
    expect(reducePanel(state, { type: 'detailClosed' })).toBe(state);
  });

  it('markFocused, viewChanged, themeChanged, hookChanged, backgroundCaptureChanged, noticeShown', () => {
    let state = three();
    state = reducePanel(state, { type: 'markFocused', mark: 'm1' });
    expect(state.selection.mark).toBe('m1');
    state = reducePanel(state, { type: 'viewChanged', view: 'findings' });
    expect(state.view).toBe('findings');
    state = reducePanel(state, { type: 'themeChanged', theme: 'dark' });
    expect(state.theme).toBe('dark');
    state = reducePanel(state, { type: 'hookChanged', hook: { origin: 'http://localhost:5173' } });
    state = reducePanel(state, { type: 'hookChanged', hook: { enabled: true } });
    expect(state.hook).toEqual({ origin: 'http://localhost:5173', enabled: true, known: false, busy: false });
    expect(state.backgroundCapture).toEqual({ state: 'unknown', busy: false });
    state = reducePanel(state, { type: 'backgroundCaptureChanged', backgroundCapture: { state: 'off' } });
    state = reducePanel(state, { type: 'backgroundCaptureChanged', backgroundCapture: { busy: true } });
    expect(state.backgroundCapture).toEqual({ state: 'off', busy: true });
    state = reducePanel(state, {
      type: 'backgroundCaptureChanged',
      backgroundCapture: { state: 'pending', busy: false },
    });
    expect(state.backgroundCapture).toEqual({ state: 'pending', busy: false });
    expect(
      reducePanel(state, { type: 'backgroundCaptureChanged', backgroundCapture: { state: 'pending' } }),
    ).toBe(state);
    state = reducePanel(state, { type: 'noticeShown', notice: { tone: 'error', text: 'x' } });
    expect(state.notice?.text).toBe('x');
    state = reducePanel(state, liveUpdate(state.live.exchanges, null, { analysing: true }));
    expect(state.live.analysing).toBe(true);
  });
});

describe('selectors: filters and search', () => {
  it('"Session API only" keeps Session API calls and the app calls a grant points at', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const other = { ...anExchange({ id: 'asset', path: 'https://app.example.com/logo.png', method: 'GET' }) };
    const all = [...exchanges, other];
    const model = await analyse(all);
    let state = loaded(all, {}, model);
    const visible = selectVisibleRows(state).map((r) => r.exchange.url);
    expect(visible).toContain('https://app.example.com/api/transfer');
    expect(visible).not.toContain('https://app.example.com/logo.png');
    state = reducePanel(state, { type: 'filterChanged', apiOnly: false });
    expect(selectVisibleRows(state)).toHaveLength(all.length);
  });

  it('search matches method, path, endpoint label, status and error code; every term must match', async () => {
    const flow = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
    const model = await analyse(flow.exchanges);
    const state = loaded(flow.exchanges, {}, model);
    const rows = selectAllRows(state);
    const find = (text: string) => filterRows(rows, { apiOnly: false, text }).map((r) => r.label);
    expect(find('bad_check_code')).toEqual(['OTP check']);
    expect(find('otp check 400')).toEqual(['OTP check']);
    expect(find('OTP CHECK')).toEqual(['Login: check OTP', 'OTP check', 'OTP check']);
    expect(find('/stepup/request')).toEqual(['Step-up request']);
    expect(find('nothing-like-this')).toEqual([]);
    const check = rows.find((r) => r.errorCode === 'bad_check_code');
    expect(check && rowMatches(check, '  ')).toBe(true);
  });

  it('rows are marked when page-reported or sent by the inspector', () => {
    const state = loaded([
      ex('7-0', '/otp', { pageReported: true, sources: ['page-hook'] }),
      ex('7-1', '/otp', { initiator: 'inspector', sources: ['inspector'] }),
    ]);
    const rows = selectAllRows(state);
    expect(rows.map((r) => [r.pageReported, r.byInspector])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it("without a model yet, rows have endpoint labels; the error code is the model's, so it never changes rule", async () => {
    const flow = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
    const before = loaded(flow.exchanges);
    const check = (state: PanelState) =>
      selectAllRows(state).find((r) => r.exchange.url.endsWith('/otp/check') && r.exchange.status === 400);
    expect(check(before)?.label).toBe('OTP check');
    expect(check(before)?.errorCode).toBeNull();
    expect(selectActiveSession(before).current).toBe(false);
    const model = await analyse(flow.exchanges);
    const after = reducePanel(before, liveUpdate(flow.exchanges, model));
    const row = check(after);
    expect(row?.errorCode).toBe('bad_check_code');
    expect(row?.errorCode).toBe(row?.analyzed?.errorCode);
    expect(row?.label).toBe(check(before)?.label);
    expect(selectActiveSession(after).current).toBe(true);
  });
});

/** A live source on tab 7 over a log the test drives, feeding `store`. */
function liveSource(store: PanelStore, createAnalyzer: () => AnalyzerLike, debounceMs?: number) {
  let emit: (event: LogEvent) => void = () => undefined;
  let resolve: (snapshot: LogSnapshot) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const errors: unknown[] = [];
  const source = openLiveSource({
    tabId: 7,
    log: {
      followLog: (_tab, listener) => {
        emit = listener;
        return () => undefined;
      },
      loadLog: () =>
        new Promise((res, rej) => {
          resolve = res;
          reject = rej;
        }),
    },
    createAnalyzer: async () => createAnalyzer(),
    emit: (session) => store.dispatch({ type: 'sessionUpdated', update: { kind: 'live', session } }),
    onLoadError: (error) => errors.push(error),
    onAnalysisError: (error) => errors.push(error),
    ...(debounceMs !== undefined ? { debounceMs } : {}),
  });
  return {
    source,
    errors,
    emit: (event: LogEvent) => emit(event),
    resolve: (snapshot: LogSnapshot) => resolve(snapshot),
    reject: (error: unknown) => reject(error),
  };
}

/** Resolves once the live session's model describes exactly its exchanges and the analyser is idle. */
function whenCurrent(store: PanelStore): Promise<SessionModel> {
  return new Promise((resolve) => {
    const check = () => {
      const live: LiveSession = store.getState().live;
      if (live.model && live.current && !live.analysing) {
        unsubscribe();
        resolve(live.model);
      }
    };
    const unsubscribe = store.subscribe(check);
    check();
  });
}

describe('the live source', () => {
  it('queues changes that arrive while the snapshot loads, then applies them after it', async () => {
    const store = createPanelStore({ tabId: 7 });
    const log = liveSource(store, () => createAnalyzer());
    const a = ex('7-0');
    const aMerged = { ...a, sources: ['webrequest', 'devtools'] } as HttpExchange;
    log.emit({ type: 'exchangeCaptured', exchange: ex('7-1') });
    log.emit({ type: 'exchangeCaptured', exchange: aMerged });
    expect(store.getState().live.loaded).toBe(false);
    log.resolve({ state: tabState([a]), exchanges: [a] });
    await Promise.resolve();
    await Promise.resolve();
    const ids = store.getState().live.exchanges.map((x) => x.id);
    expect(ids).toEqual(['7-0', '7-1']);
    expect(store.getState().live.exchanges[0]).toBe(aMerged);
    log.emit({ type: 'logCleared' });
    expect(store.getState().live.exchanges).toEqual([]);
    log.source.stop();
  });

  it('shows a log it could not read as empty, loaded, and says why', async () => {
    const store = createPanelStore({ tabId: 7 });
    const log = liveSource(store, () => createAnalyzer());
    log.reject(new Error('storage gone'));
    await vi.waitFor(() => expect(store.getState().live.loaded).toBe(true));
    expect(store.getState().live.exchanges).toEqual([]);
    expect(String(log.errors[0])).toMatch(/storage gone/);
    log.source.stop();
  });

  it('without an inspected tab the live session is loaded and empty', () => {
    const store = createPanelStore({ tabId: null });
    openLiveSource({
      tabId: null,
      log: { loadLog: vi.fn(), followLog: vi.fn() },
      createAnalyzer: async () => createAnalyzer(),
      emit: (session) => store.dispatch({ type: 'sessionUpdated', update: { kind: 'live', session } }),
      onLoadError: () => undefined,
      onAnalysisError: () => undefined,
    });
    expect(store.getState().live).toMatchObject({ loaded: true, exchanges: [], model: null });
  });
});

describe("the live source's analysis", () => {
  function countingAnalyzer() {
    const calls: string[] = [];
    const factory = () => {
      const inner = createAnalyzer();
      const id = calls.filter((c) => c === 'new').length;
      calls.push('new');
      const analyzer: AnalyzerLike = {
        add: (x) => (calls.push(`add#${id}:${x.id}`), inner.add(x)),
        addMany: (xs) => (
          calls.push(`addMany#${id}:${[...xs].map((x) => x.id).join(',')}`),
          inner.addMany(xs)
        ),
        snapshot: () => inner.snapshot(),
      };
      return analyzer;
    };
    return { calls, factory };
  }

  it('adds appended exchanges incrementally and rebuilds once, debounced, after merges', async () => {
    // Real timers: the analyser itself yields to the event loop between batches.
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const store = createPanelStore({ tabId: 7 });
    const { calls, factory } = countingAnalyzer();
    const log = liveSource(store, factory, 50);
    const [first, second, ...rest] = exchanges as [HttpExchange, HttpExchange, ...HttpExchange[]];
    log.resolve({ state: tabState([first]), exchanges: [first] });
    await vi.waitFor(() => expect(store.getState().live.loaded).toBe(true));
    log.emit({ type: 'exchangeCaptured', exchange: second });
    expect((await whenCurrent(store)).exchanges).toHaveLength(2);
    expect(calls).toEqual(['new', `add#0:${first.id}`, `add#0:${second.id}`]);

    // Two merges in a burst, then new exchanges: one rebuild from the current list, after the quiet time.
    log.emit({ type: 'exchangeCaptured', exchange: { ...first, sources: ['webrequest', 'devtools'] } });
    log.emit({
      type: 'exchangeCaptured',
      exchange: { ...second, sources: ['webrequest', 'devtools'] },
    });
    for (const x of rest) log.emit({ type: 'exchangeCaptured', exchange: x });
    expect(calls).toHaveLength(3);
    expect(store.getState().live.current).toBe(false);
    await vi.waitFor(() => expect(calls).toHaveLength(5));
    const model = await whenCurrent(store);
    expect(calls.slice(3)).toEqual(['new', `addMany#1:${exchanges.map((x) => x.id).join(',')}`]);
    expect(model.exchanges).toHaveLength(exchanges.length);
    expect(model.challenges[0]?.status).toBe('completed');

    // A clear shows no model at once and rebuilds at once, with nothing in it.
    log.emit({ type: 'logCleared' });
    expect(store.getState().live.model).toBeNull();
    expect(calls.at(-1)).toBe('new');
    expect((await whenCurrent(store)).exchanges).toEqual([]);
    log.source.stop();
  });

  it('isAppendOf compares by reference', () => {
    const a = ex('a');
    const b = ex('b');
    expect(isAppendOf([a], [a, b])).toBe(true);
    expect(isAppendOf([a, b], [a])).toBe(false);
    expect(isAppendOf([a], [{ ...a }, b])).toBe(false);
    expect(isAppendOf([], [])).toBe(true);
  });
});
