// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { App } from '../../../src/panel/views/App.tsx';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { T0 } from '../../fixtures/tokens.ts';
import { commandsFor, fakeServices, liveUpdate, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

async function flowStore() {
  const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
  const model = await analyse(exchanges);
  const store = storeWith(exchanges, model);
  store.dispatch({ type: 'hookChanged', hook: { origin: 'http://localhost:5173', known: true } });
  return { exchanges, model, store };
}

describe('App', () => {
  it('`/` opens the exchanges view with the search focused; Esc closes the detail, then clears the search', async () => {
    const { store, exchanges } = await flowStore();
    renderPanel(<App onImportFile={() => undefined} />, store, fakeServices({ now: () => T0 * 1000 }));
    expect(screen.getByTestId('tab-timeline').getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(document.body, { key: '/' });
    expect(store.getState().view).toBe('exchanges');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search')));

    store.dispatch({ type: 'filterChanged', text: 'otp' });
    store.dispatch({ type: 'exchangeSelected', id: exchanges[3]!.id });
    await screen.findByTestId('exchange-detail');
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(store.getState().detailOpen).toBe(false);
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(store.getState().filter.text).toBe('');
  });

  it('shows capture counters and finding counts, and switches views', async () => {
    const { store, exchanges, model } = await flowStore();
    store.dispatch(
      liveUpdate(exchanges, model, {
        state: { ...store.getState().live.state!, dropped: 3, truncated: 1, rejected: 2 },
      }),
    );
    renderPanel(<App onImportFile={() => undefined} />, store);
    const counters = screen.getByTestId('capture-counters').textContent ?? '';
    expect(counters).toMatch(/captured/);
    expect(counters).toMatch(/3 dropped/);
    expect(counters).toMatch(/1 truncated/);
    expect(counters).toMatch(/2 rejected/);
    fireEvent.click(screen.getByTestId('tab-findings'));
    // The findings list is loaded on first use.
    expect((await screen.findAllByTestId('finding-group')).length).toBeGreaterThan(0);
  });
});

describe('Toolbar', () => {
  it('Clear and Preserve log talk to the background for the inspected tab', async () => {
    const { store } = await flowStore();
    const services = fakeServices();
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(screen.getByTestId('clear'));
    fireEvent.click(screen.getByTestId('preserve-log'));
    expect(services.sendToBackground).toHaveBeenCalledWith({ v: 1, type: 'clearLog', tabId: 7 });
    expect(services.sendToBackground).toHaveBeenCalledWith({
      v: 1,
      type: 'setPreserve',
      tabId: 7,
      preserve: false,
    });
  });

  it('the "From page load" toggle asks for the origin inside the click, then sets the hook', async () => {
    const { store } = await flowStore();
    const order: string[] = [];
    const services = fakeServices({
      requestOrigin: vi.fn(async (origin: string) => (order.push(`request ${origin}`), true)),
      sendToBackground: vi.fn(async (message) => (order.push(`send ${message.type}`), { ok: true as const })),
    });
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    const toggle = screen.getByTestId('hook-toggle') as HTMLInputElement;
    expect(toggle.parentElement?.textContent).toBe('From page load');
    expect(toggle.parentElement?.title).toContain('http://localhost:5173');
    fireEvent.click(toggle);
    // Called synchronously in the handler: the permission prompt needs the user gesture.
    expect(order).toEqual(['request http://localhost:5173']);
    await waitFor(() => expect(store.getState().hook).toMatchObject({ enabled: true, busy: false }));
    expect(services.sendToBackground).toHaveBeenCalledWith({
      v: 1,
      type: 'setHook',
      origin: 'http://localhost:5173',
      enabled: true,
      tabId: 7,
    });
    fireEvent.click(toggle);
    await waitFor(() => expect(store.getState().hook.enabled).toBe(false));
    expect(services.requestOrigin).toHaveBeenCalledTimes(1);
  });

  it('a refused permission leaves the hook off and says so', async () => {
    const { store } = await flowStore();
    const services = fakeServices({ requestOrigin: vi.fn(async () => false) });
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(screen.getByTestId('hook-toggle'));
    await waitFor(() =>
      expect(screen.getByTestId('notice').textContent).toMatch(/No access to http:\/\/localhost:5173/),
    );
    expect(store.getState().hook.enabled).toBe(false);
    expect(services.sendToBackground).not.toHaveBeenCalledWith(expect.objectContaining({ type: 'setHook' }));
  });

  it('Export is redacted unless "Include secrets" is ticked, which warns', async () => {
    const { store, exchanges } = await flowStore();
    const services = fakeServices();
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(screen.getByTestId('export-button'));
    fireEvent.click(screen.getByTestId('export-run'));
    // A redacted export is reviewed first (export-review.test.tsx); Save downloads it.
    fireEvent.click(await screen.findByTestId('export-save'));
    expect(services.download).toHaveBeenCalledTimes(1);
    expect(services.exportLog).toHaveBeenLastCalledWith(
      exchanges,
      expect.objectContaining({ format: 'har', redact: true }),
    );

    fireEvent.click(screen.getByTestId('export-button'));
    fireEvent.click(screen.getByTestId('export-json'));
    fireEvent.click(screen.getByTestId('export-secrets'));
    expect(screen.getByTestId('export-secrets-warning').textContent).toMatch(/live tokens, OTP codes/);
    fireEvent.click(screen.getByTestId('export-run'));
    await waitFor(() => expect(services.download).toHaveBeenCalledTimes(2));
    expect(services.exportLog).toHaveBeenLastCalledWith(
      exchanges,
      expect.objectContaining({ format: 'json', redact: false }),
    );
  });

  it('a dropped file is handed to the importer', async () => {
    const { store } = await flowStore();
    const onImportFile = vi.fn();
    renderPanel(<App onImportFile={onImportFile} />, store);
    const file = new File(['{}'], 'capture.har', { type: 'application/json' });
    const app = screen.getByTestId('panel-app');
    // happy-dom's DragEvent ignores `dataTransfer` in its init: attach one by hand.
    const drag = (type: string) => {
      const event = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', {
        value: { types: ['Files'], files: [file], dropEffect: 'none' },
      });
      fireEvent(app, event);
    };
    drag('dragenter');
    expect(screen.getByTestId('drop-overlay').textContent).toMatch(/Drop a HAR/);
    drag('drop');
    expect(onImportFile).toHaveBeenCalledWith(file);
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
  });
});

describe('commands.importFile', () => {
  it('reads, parses and analyses a file into a named session, reporting progress', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const store = storeWith([], null);
    const phases: string[] = [];
    store.subscribe((s) => {
      const p = s.importProgress;
      if (p && phases.at(-1) !== p.phase) phases.push(p.phase);
    });
    const services = fakeServices({
      importLog: vi.fn(async (_text: string, options: { onProgress?: (f: number) => void }) => {
        options.onProgress?.(0.5);
        return {
          ok: true as const,
          kind: 'har' as const,
          exchanges,
          skipped: [{ index: 9, reason: 'x' }],
          name: 'capture.har',
          redacted: false,
          meta: {},
        };
      }),
    });
    const ok = await commandsFor(store, services).importFile(new File(['{"log":{}}'], 'capture.har'));
    expect(ok).toBe(true);
    expect(phases).toEqual(['reading', 'parsing', 'analysing']);
    const state = store.getState();
    expect(state.importProgress).toBeNull();
    expect(state.imports).toHaveLength(1);
    expect(state.imports[0]).toMatchObject({ name: 'capture.har', kind: 'har', skipped: 1 });
    expect(state.imports[0]?.model?.challenges[0]?.status).toBe('completed');
    expect(state.activeSession).toBe(state.imports[0]?.id);
    expect(state.notice?.text).toMatch(/1 entries skipped/);
  });

  it('a file the importer refuses leaves the sessions as they were and says why', async () => {
    const store = storeWith([], null);
    const ok = await commandsFor(store, fakeServices()).importFile(new File(['nope'], 'bad.txt'));
    expect(ok).toBe(false);
    expect(store.getState().imports).toEqual([]);
    expect(store.getState().importProgress).toBeNull();
    expect(store.getState().notice).toMatchObject({
      tone: 'error',
      text: expect.stringMatching(/Could not import bad\.txt: fake \(malformed\)/),
    });
  });
});
