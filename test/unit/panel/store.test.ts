import { describe, expect, it, vi } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import type { TabLogState } from '../../../src/shared/messages.ts';
import type { LogEvent, LogSnapshot } from '../../../src/panel/log-source.ts';
import {
  connectAnalysis,
  isAppendOf,
  whenAnalysed,
  type AnalyzerLike,
} from '../../../src/panel/store/analysis.ts';
import { connectLog } from '../../../src/panel/store/connect-log.ts';
import { createPanelStore } from '../../../src/panel/store/panel-store.ts';
import { applyLogEvent, initialPanelState, reducePanel } from '../../../src/panel/store/reduce.ts';
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
import { LIVE_SESSION, type ImportedSession, type PanelState } from '../../../src/panel/store/types.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';

function tabState(ids: string[], extra: Partial<TabLogState> = {}): TabLogState {
  return {
    tabId: 7,
    seq: ids.length,
    ids,
    dropped: 0,
    truncated: 0,
    rejected: 0,
    preserve: true,
    clearedAt: 0,
    ...extra,
  };
}

function ex(id: string, path = '/refresh', extra: Partial<HttpExchange> = {}): HttpExchange {
  return { ...anExchange({ id, path }), ...extra };
}

function loaded(exchanges: HttpExchange[], state: Partial<PanelState> = {}): PanelState {
  const base = initialPanelState({ tabId: 7, ...state });
  return applyLogEvent(base, {
    type: 'logLoaded',
    snapshot: { state: tabState(exchanges.map((x) => x.id)), exchanges },
  });
}

const anImport = (id: string, exchanges: HttpExchange[] = [ex(`${id}-1`)]): ImportedSession => ({
  id,
  name: `${id}.har`,
  kind: 'har',
  exchanges,
  skipped: 0,
  model: null,
});

describe('applyLogEvent', () => {
  it('logLoaded replaces the live log with the snapshot and marks it loaded', () => {
    const a = ex('7-0');
    const state = loaded([a]);
    expect(state.live.loaded).toBe(true);
    expect(state.live.exchanges).toEqual([a]);
    expect(state.live.state?.ids).toEqual(['7-0']);
    expect(state.liveModel).toBeNull();
  });

  it('exchangeCaptured appends a new id in capture order', () => {
    const state = loaded([ex('7-0')]);
    const next = applyLogEvent(state, { type: 'exchangeCaptured', exchange: ex('7-1') });
    expect(next.live.exchanges.map((x) => x.id)).toEqual(['7-0', '7-1']);
    expect(state.live.exchanges).toHaveLength(1); // pure: the old state is untouched
  });

  it('exchangeCaptured with a known id replaces that exchange in place (a merge added its body)', () => {
    const first = ex('7-0', '/stepup/request');
    const second = ex('7-1');
    const state = loaded([first, second]);
    const merged = {
      ...first,
      responseBody: jsonBody({ status: 'review' }),
      sources: ['webrequest', 'devtools'],
    } as HttpExchange;
    const next = applyLogEvent(state, { type: 'exchangeCaptured', exchange: merged });
    expect(next.live.exchanges).toHaveLength(2);
    expect(next.live.exchanges[0]).toBe(merged);
    expect(next.live.exchanges[1]).toBe(second);
  });

  it('exchangeCaptured with the very same object changes nothing', () => {
    const a = ex('7-0');
    const state = loaded([a]);
    expect(applyLogEvent(state, { type: 'exchangeCaptured', exchange: a })).toBe(state);
  });

  it('tabStateChanged updates counters and settings', () => {
    const state = loaded([ex('7-0')]);
    const next = applyLogEvent(state, {
      type: 'tabStateChanged',
      state: tabState(['7-0'], { dropped: 2, truncated: 1, rejected: 3, preserve: false }),
    });
    expect(selectCounters(next)).toEqual({ exchanges: 1, dropped: 2, truncated: 1, rejected: 3 });
    expect(next.live.state?.preserve).toBe(false);
    expect(next.live.exchanges).toBe(state.live.exchanges);
  });

  it('tabStateChanged drops exchanges evicted from state.ids, and a selection on them', () => {
    let state = loaded([ex('7-0'), ex('7-1'), ex('7-2')]);
    state = reducePanel(state, { type: 'exchangeSelected', id: '7-0' });
    const next = applyLogEvent(state, {
      type: 'tabStateChanged',
      state: tabState(['7-1', '7-2'], { dropped: 1 }),
    });
    expect(next.live.exchanges.map((x) => x.id)).toEqual(['7-1', '7-2']);
    expect(next.selection.exchangeId).toBeNull();
    expect(next.detailOpen).toBe(false);
  });

  it('logCleared empties the live log and its model and closes a live selection', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, { type: 'liveModelUpdated', model: { version: 1 } as SessionModel });
    state = reducePanel(state, { type: 'exchangeSelected', id: '7-0' });
    const next = applyLogEvent(state, { type: 'logCleared' });
    expect(next.live.exchanges).toEqual([]);
    expect(next.liveModel).toBeNull();
    expect(next.selection.exchangeId).toBeNull();
    expect(next.detailOpen).toBe(false);
  });

  it('logCleared keeps the selection of an imported session being viewed', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, { type: 'sessionImported', session: anImport('import-1') });
    state = reducePanel(state, { type: 'exchangeSelected', id: 'import-1-1' });
    const next = applyLogEvent(state, { type: 'logCleared' });
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
    state = reducePanel(state, {
      type: 'sessionImported',
      session: anImport('import-1', [ex('i1'), ex('i2')]),
    });
    expect(state.activeSession).toBe('import-1');
    expect(state.importProgress).toBeNull();
    expect(selectActiveSession(state).kind).toBe('import');
    expect(selectAllRows(state).map((r) => r.id)).toEqual(['i1', 'i2']);
    state = reducePanel(state, { type: 'exchangeCaptured', exchange: ex('7-1') });
    expect(selectAllRows(state).map((r) => r.id)).toEqual(['i1', 'i2']);
    expect(state.live.exchanges).toHaveLength(2);
  });

  it('switching sessions clears the selection; unknown ids are ignored', () => {
    let state = loaded([ex('7-0')]);
    state = reducePanel(state, { type: 'sessionImported', session: anImport('import-1') });
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
    state = reducePanel(state, { type: 'sessionImported', session: anImport('import-1') });
    state = reducePanel(state, { type: 'sessionImported', session: anImport('import-2') });
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
    state = reducePanel(state, { type: 'sessionImported', session: anImport('import-1') });
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
    state = reducePanel(state, { type: 'analysisStateChanged', analysing: true });
    expect(state.analysing).toBe(true);
  });
});

describe('selectors: filters and search', () => {
  it('"Session API only" keeps Session API calls and the app calls a grant points at', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const other = { ...anExchange({ id: 'asset', path: 'https://app.example.com/logo.png', method: 'GET' }) };
    const all = [...exchanges, other];
    const model = await analyse(all);
    let state = loaded(all);
    state = reducePanel(state, { type: 'liveModelUpdated', model });
    const visible = selectVisibleRows(state).map((r) => r.exchange.url);
    expect(visible).toContain('https://app.example.com/api/transfer');
    expect(visible).not.toContain('https://app.example.com/logo.png');
    state = reducePanel(state, { type: 'filterChanged', apiOnly: false });
    expect(selectVisibleRows(state)).toHaveLength(all.length);
  });

  it('search matches method, path, endpoint label, status and error code; every term must match', async () => {
    const flow = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
    const model = await analyse(flow.exchanges);
    let state = loaded(flow.exchanges);
    state = reducePanel(state, { type: 'liveModelUpdated', model });
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

  it('without a model yet, rows still have endpoint labels and error codes', () => {
    const state = loaded([
      ex('7-0', '/otp/check', {
        status: 400,
        responseBody: jsonBody({ code: 'bad_check_code', message: '' }),
      }),
    ]);
    const [row] = selectAllRows(state);
    expect(row?.label).toBe('OTP check');
    expect(row?.errorCode).toBe('bad_check_code');
    expect(selectActiveSession(state).current).toBe(false);
  });
});

describe('connectLog', () => {
  it('queues changes that arrive while the snapshot loads, then applies them after it', async () => {
    const store = createPanelStore({ tabId: 7 });
    let emit: (event: LogEvent) => void = () => undefined;
    let resolve: (snapshot: LogSnapshot) => void = () => undefined;
    const stop = connectLog(store, 7, {
      followLog: (_tab, listener) => {
        emit = listener;
        return () => undefined;
      },
      loadLog: () => new Promise((r) => (resolve = r)),
    });
    const a = ex('7-0');
    const aMerged = { ...a, sources: ['webrequest', 'devtools'] } as HttpExchange;
    emit({ type: 'exchangeCaptured', exchange: ex('7-1') });
    emit({ type: 'exchangeCaptured', exchange: aMerged });
    expect(store.getState().live.loaded).toBe(false);
    resolve({ state: tabState(['7-0']), exchanges: [a] });
    await Promise.resolve();
    await Promise.resolve();
    const ids = store.getState().live.exchanges.map((x) => x.id);
    expect(ids).toEqual(['7-0', '7-1']);
    expect(store.getState().live.exchanges[0]).toBe(aMerged);
    emit({ type: 'logCleared' });
    expect(store.getState().live.exchanges).toEqual([]);
    stop();
  });
});

describe('connectAnalysis', () => {
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
    const stop = connectAnalysis(store, { createAnalyzer: factory, debounceMs: 50 });
    const [first, second, ...rest] = exchanges as [HttpExchange, HttpExchange, ...HttpExchange[]];
    store.dispatch({ type: 'logLoaded', snapshot: { state: tabState([first.id]), exchanges: [first] } });
    store.dispatch({ type: 'exchangeCaptured', exchange: second });
    expect((await whenAnalysed(store)).exchanges).toHaveLength(2);
    expect(calls).toEqual(['new', `add#0:${first.id}`, `add#0:${second.id}`]);

    // Two merges in a burst, then new exchanges: one rebuild from the current list, after the quiet time.
    store.dispatch({ type: 'exchangeCaptured', exchange: { ...first, sources: ['webrequest', 'devtools'] } });
    store.dispatch({
      type: 'exchangeCaptured',
      exchange: { ...second, sources: ['webrequest', 'devtools'] },
    });
    for (const x of rest) store.dispatch({ type: 'exchangeCaptured', exchange: x });
    expect(calls).toHaveLength(3);
    await vi.waitFor(() => expect(calls).toHaveLength(5));
    const model = await whenAnalysed(store);
    expect(calls.slice(3)).toEqual(['new', `addMany#1:${exchanges.map((x) => x.id).join(',')}`]);
    expect(model.exchanges).toHaveLength(exchanges.length);
    expect(model.challenges[0]?.status).toBe('completed');

    // A clear rebuilds at once, with nothing in it.
    store.dispatch({ type: 'logCleared' });
    expect(calls.at(-1)).toBe('new');
    stop();
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
