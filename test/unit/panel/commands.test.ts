// @vitest-environment happy-dom
/**
 * The commands on their own (no views): what they send, the optimistic state and its rollback, the notices,
 * and the sessions they open on their sources.
 */
import { describe, expect, it, vi } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import type { ImportResult } from '../../../src/panel/panel-services.ts';
import type { LogEvent } from '../../../src/panel/session/live-log.ts';
import { aLoginFlow, aStepUpFlow } from '../../fixtures/flows.ts';
import { commandsFor, fakeServices, storeWith, tabState } from './render-panel.tsx';

describe('capture commands', () => {
  it('a hook the worker refuses goes back off, and the notice says why', async () => {
    const store = storeWith([], null);
    store.dispatch({ type: 'hookChanged', hook: { origin: 'http://localhost:5173', known: true } });
    const services = fakeServices({
      sendToBackground: vi.fn(async () => ({ ok: false as const, error: 'tab is on another origin' })),
    });
    commandsFor(store, services).setHook(true);
    // Optimistic: on at once, before any answer.
    expect(store.getState().hook).toMatchObject({ enabled: true, busy: true });
    expect(services.requestOrigin).toHaveBeenCalledWith('http://localhost:5173');
    await vi.waitFor(() => expect(store.getState().hook.busy).toBe(false));
    expect(store.getState().hook.enabled).toBe(false);
    expect(store.getState().notice).toEqual({
      tone: 'error',
      text: 'Could not change capture from page load on http://localhost:5173: Error: tab is on another origin',
    });
  });

  it('Clear names the tab, and a failed Clear says so', async () => {
    const store = storeWith([], null);
    const services = fakeServices({
      sendToBackground: vi.fn(async () => ({ ok: false as const, error: 'worker busy' })),
    });
    commandsFor(store, services).clearLog();
    expect(services.sendToBackground).toHaveBeenCalledWith({ v: 1, type: 'clearLog', tabId: 7 });
    await vi.waitFor(() =>
      expect(store.getState().notice).toEqual({ tone: 'error', text: 'Clear failed: worker busy' }),
    );
  });

  it('without an inspected tab nothing is sent', () => {
    const store = storeWith([], null, { tabId: null });
    const services = fakeServices();
    const commands = commandsFor(store, services);
    commands.clearLog();
    commands.setPreserve(false);
    commands.followInspectedOrigin();
    expect(services.sendToBackground).not.toHaveBeenCalled();
    expect(services.inspectedOrigin).not.toHaveBeenCalled();
  });

  it('follows the origin the browser reports and whether the hook is on there', async () => {
    const store = storeWith([], null);
    const services = fakeServices({
      sendToBackground: vi.fn(async () => ({
        ok: true as const,
        hook: { origin: 'http://localhost:5173', on: true, byDefault: true },
      })),
    });
    commandsFor(store, services).followInspectedOrigin();
    await vi.waitFor(() =>
      expect(store.getState().hook).toMatchObject({
        origin: 'http://localhost:5173',
        enabled: true,
        known: true,
      }),
    );
    expect(services.sendToBackground).toHaveBeenCalledWith({
      v: 1,
      type: 'getHook',
      origin: 'http://localhost:5173',
    });
  });
});

describe('session commands', () => {
  it('the live session follows the tab log through its source, model and rows together', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const [first, ...rest] = exchanges as [HttpExchange, ...HttpExchange[]];
    let listener: (event: LogEvent) => void = () => undefined;
    const services = fakeServices({
      loadLog: vi.fn(async () => ({ state: tabState([first]), exchanges: [first] })),
      followLog: vi.fn((_tab: number, l: (event: LogEvent) => void) => {
        listener = l;
        return () => undefined;
      }),
    });
    const store = storeWith([], null);
    commandsFor(store, services).openLive();
    await vi.waitFor(() => expect(store.getState().live.exchanges).toEqual([first]));
    for (const x of rest) listener({ type: 'exchangeCaptured', exchange: x });
    await vi.waitFor(() => {
      const live = store.getState().live;
      expect(live.current && !live.analysing).toBe(true);
    });
    const live = store.getState().live;
    expect(live.exchanges).toHaveLength(exchanges.length);
    expect(live.model?.exchanges.map((a) => a.exchange)).toEqual(live.exchanges);
    expect(live.model?.challenges[0]?.status).toBe('completed');
  });

  it('closing an import while it loads stops its source: nothing more arrives, nothing is said', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    let parsed!: () => void;
    const services = fakeServices({
      importLog: vi.fn(
        () =>
          new Promise<ImportResult>((resolve) => {
            parsed = () =>
              resolve({
                ok: true as const,
                kind: 'har' as const,
                exchanges: flow.exchanges,
                skipped: [],
                name: 'capture.har',
                redacted: false,
                meta: {},
              });
          }),
      ),
    });
    const store = storeWith([], null);
    const commands = commandsFor(store, services);
    const done = commands.importFile(new File(['{"log":{}}'], 'capture.har'));
    await vi.waitFor(() => expect(store.getState().importProgress?.phase).toBe('parsing'));
    commands.closeSession('import-1');
    parsed();
    expect(await done).toBe(false);
    const state = store.getState();
    expect(state.imports).toEqual([]);
    expect(state.importProgress).toBeNull();
    expect(state.notice).toBeNull();
  });

  it('an imported file is analysed as a file: at its own time, not the panel clock', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const services = fakeServices({
      // Years after the capture: a live clock would call the challenge expired.
      now: () => Date.UTC(2100, 0, 1),
      importLog: vi.fn(async () => ({
        ok: true as const,
        kind: 'har' as const,
        exchanges: flow.exchanges,
        skipped: [],
        name: 'capture.har',
        redacted: false,
        meta: {},
      })),
    });
    const store = storeWith([], null);
    expect(await commandsFor(store, services).importFile(new File(['{}'], 'capture.har'))).toBe(true);
    const expected = await analyse(flow.exchanges);
    expect(store.getState().imports[0]?.model?.challenges[0]?.status).toBe(expected.challenges[0]?.status);
    expect(expected.challenges[0]?.status).toBe('pending');
  });
});

describe('page commands', () => {
  it('never reject: a failing service comes back as a result to show', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const store = storeWith(exchanges, null);
    const services = fakeServices({
      replayVerbatim: vi.fn(async () => {
        throw new Error('page gone');
      }),
      readSdkState: vi.fn(async () => {
        throw new Error('no access');
      }),
      fetchJwksAndVerify: vi.fn(async () => {
        throw new Error('offline');
      }),
    });
    const commands = commandsFor(store, services);
    expect(await commands.replayVerbatim(exchanges[0] as HttpExchange)).toEqual({
      ok: false,
      reason: 'Error: page gone',
    });
    expect(await commands.readSdkState()).toEqual({ ok: false, message: 'no access' });
    expect(await commands.verifySignature('a.b.c', 'https://api.example')).toEqual({
      ok: false,
      message: 'Error: offline',
    });
  });
});
