// @vitest-environment happy-dom
/**
 * The gap notice: step-up API calls the inspected page made that the log does not hold, said in the timeline
 * and the exchanges view, with what brings them next time (capture from page load and a reload, or the reload).
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import type { PanelServices } from '../../../src/panel/panel-services.ts';
import type { PanelStore } from '../../../src/panel/store/panel-store.ts';
import { App } from '../../../src/panel/views/App.tsx';
import { anExchange } from '../../fixtures/exchanges.ts';
import { API_BASE } from '../../fixtures/tokens.ts';
import { fakeServices, importUpdate, liveUpdate, renderPanel, storeWith } from './render-panel.tsx';

const LOAD = 1_790_000_000_000;
const NOW = LOAD + 120_000;
const ORIGIN = 'https://app.example.test';

type PageEvent = 'left' | 'loaded' | 'revealed';

/** What the page collector would return: the top document with `paths` fetched at 1 s, 2 s, 3 s… */
function timing(paths: string[], timeOrigin = LOAD): unknown {
  return {
    documents: [
      {
        timeOrigin,
        total: paths.length,
        frame: false,
        entries: paths.map((path, i) => ({
          name: path.startsWith('http') ? path : `${API_BASE}${path}`,
          startTime: (i + 1) * 1000,
          duration: 30,
          initiatorType: 'fetch',
        })),
      },
    ],
  };
}

/** The log's capture of the `i`-th call of {@link timing}. */
const captured = (path: string, i: number): HttpExchange =>
  anExchange({ path: `${API_BASE}${path}`, startedAt: LOAD + (i + 1) * 1000 + 40 });

const RESET_FLOW = ['/stepup/request', '/stepup/otp', '/stepup/check', '/refresh'];

interface Panel {
  store: PanelStore;
  services: PanelServices;
  pageEvent(event: PageEvent): void;
}

/**
 * The panel on tab 7 with `log` as its live log, the page's record answering `page()`, the hook as given,
 * comparing from the start (as main.tsx does).
 */
function openPanel(
  log: HttpExchange[],
  page: () => unknown,
  hook: { origin: string | null; enabled?: boolean; known?: boolean } = { origin: ORIGIN },
  overrides: Partial<PanelServices> = {},
): Panel {
  const store = storeWith(log, null);
  store.dispatch({
    type: 'hookChanged',
    hook: { enabled: false, known: hook.origin !== null, ...hook },
  });
  let listener: ((event: PageEvent) => void) | undefined;
  const services = fakeServices({
    now: () => NOW,
    readPageTiming: vi.fn(async () => page()),
    onInspectedPage: vi.fn((_tab: number, l: (event: PageEvent) => void) => {
      listener = l;
    }),
    sendToBackground: vi.fn(async () => ({
      ok: true as const,
      hook: { origin: ORIGIN, on: true, byDefault: false },
    })),
    ...overrides,
  });
  const { commands } = renderPanel(<App onImportFile={() => undefined} />, store, services);
  commands.followGaps();
  return { store, services, pageEvent: (event) => listener?.(event) };
}

const notice = () => screen.queryByTestId('gap-notice');

afterEach(cleanup);

describe('the gap notice', () => {
  it('counts the calls the log misses and offers capture from page load on the origin the browser named', async () => {
    const { services } = openPanel([captured('/refresh', 0)], () => timing(['/refresh', ...RESET_FLOW]));
    await waitFor(() => expect(notice()).not.toBeNull());
    expect(screen.getByTestId('gap-notice-title').textContent).toBe(
      '4 Prelude Session API calls happened in this tab before capture started',
    );
    expect(notice()?.dataset['missed']).toBe('4');
    expect(screen.getByTestId('gap-capture').textContent).toBe(`Capture from page load on ${ORIGIN}`);
    expect(screen.queryByTestId('gap-reload')).toBeNull();
    expect(services.readPageTiming).toHaveBeenCalledWith(7);
  });

  it('is in the exchanges view too, above the table', async () => {
    const { store } = openPanel([captured('/refresh', 0)], () => timing(['/refresh', '/stepup/request']));
    store.dispatch({ type: 'viewChanged', view: 'exchanges' });
    await waitFor(() => expect(notice()).not.toBeNull());
    expect(screen.getByTestId('gap-notice-title').textContent).toBe(
      '1 Prelude Session API call happened in this tab before capture started',
    );
    expect(notice()?.compareDocumentPosition(screen.getByTestId('exchanges-table'))).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );
  });

  it('is not there when the log holds every call, nor while the page record cannot be read', async () => {
    const log = RESET_FLOW.map(captured);
    const read = openPanel(log, () => timing(RESET_FLOW));
    await waitFor(() => expect(read.services.readPageTiming).toHaveBeenCalled());
    await waitFor(() => expect(read.store.getState().gaps.report?.missed).toBe(0));
    expect(notice()).toBeNull();
    cleanup();
    const unreadable = openPanel([], () => null);
    await waitFor(() => expect(unreadable.services.readPageTiming).toHaveBeenCalled());
    expect(unreadable.store.getState().gaps.report).toBeNull();
    expect(notice()).toBeNull();
  });

  it('"Capture from page load" asks for the origin first, turns the hook on for the tab, then reloads', async () => {
    const { services, store } = openPanel([], () => timing(RESET_FLOW));
    const button = await screen.findByTestId('gap-capture');
    fireEvent.click(button);
    // The permission request is the click's first call to the browser (Firefox: within the user gesture).
    expect(services.requestOrigin).toHaveBeenCalledWith(ORIGIN);
    expect(services.sendToBackground).not.toHaveBeenCalledWith(expect.objectContaining({ type: 'setHook' }));
    expect(services.reloadInspectedPage).not.toHaveBeenCalled();
    await waitFor(() => expect(services.reloadInspectedPage).toHaveBeenCalledWith(7));
    expect(services.sendToBackground).toHaveBeenCalledWith({
      v: 1,
      type: 'setHook',
      origin: ORIGIN,
      enabled: true,
      tabId: 7,
    });
    expect(store.getState().hook).toMatchObject({ enabled: true, busy: false });
  });

  it('does not reload when the browser or the worker says no', async () => {
    const { services } = openPanel([], () => timing(RESET_FLOW), undefined, {
      requestOrigin: vi.fn(async () => false),
    });
    fireEvent.click(await screen.findByTestId('gap-capture'));
    await waitFor(() => expect(screen.getByTestId('notice').textContent).toMatch(/No access to/));
    expect(services.reloadInspectedPage).not.toHaveBeenCalled();
    expect(notice()).not.toBeNull();
  });

  it('with the hook already on, says so and offers the reload only', async () => {
    const { services } = openPanel([], () => timing(RESET_FLOW), { origin: ORIGIN, enabled: true });
    await waitFor(() => expect(notice()).not.toBeNull());
    expect(notice()?.dataset['action']).toBe('reload');
    expect(notice()?.textContent).toContain(`Capture from page load is on for ${ORIGIN}`);
    expect(screen.queryByTestId('gap-capture')).toBeNull();
    fireEvent.click(screen.getByTestId('gap-reload'));
    expect(services.reloadInspectedPage).toHaveBeenCalledWith(7);
    expect(services.requestOrigin).not.toHaveBeenCalled();
  });

  it('without an origin from the browser, offers the reload, then capture for the origin the reload brought', async () => {
    let page = timing(RESET_FLOW, LOAD);
    const { services, store, pageEvent } = openPanel([], () => page, { origin: null });
    await waitFor(() => expect(notice()?.dataset['action']).toBe('origin-unknown'));
    expect(screen.queryByTestId('gap-capture')).toBeNull();
    fireEvent.click(screen.getByTestId('gap-reload'));
    expect(services.reloadInspectedPage).toHaveBeenCalledWith(7);
    expect(notice()).toBeNull();
    // The reload: DevTools reports the navigation (and the origin), the new page loads with nothing missed.
    pageEvent('left');
    store.dispatch({ type: 'hookChanged', hook: { origin: ORIGIN, enabled: false, known: true } });
    page = timing([], LOAD + 60_000);
    pageEvent('loaded');
    await waitFor(() => expect(notice()?.dataset['action']).toBe('carried'));
    expect(screen.getByTestId('gap-notice-title').textContent).toBe(
      '4 Prelude Session API calls were missed before this reload',
    );
    expect(screen.getByTestId('gap-capture').textContent).toBe(`Capture from page load on ${ORIGIN}`);
    // The offer is for that page load only: the next one drops it.
    pageEvent('left');
    page = timing([], LOAD + 90_000);
    pageEvent('loaded');
    await waitFor(() => expect(store.getState().gaps.carried).toBeNull());
    expect(notice()).toBeNull();
  });

  it('stays away once the page is reloading, even when the log changes before it has gone', async () => {
    const { store } = openPanel([], () => timing(RESET_FLOW), { origin: ORIGIN, enabled: true });
    fireEvent.click(await screen.findByTestId('gap-reload'));
    store.dispatch(liveUpdate([anExchange({ path: 'https://app.example.test/api/me' })], null));
    await waitFor(() => expect(store.getState().live.exchanges).toHaveLength(1));
    expect(store.getState().gaps.report).toBeNull();
    expect(notice()).toBeNull();
  });

  it('goes when the missing calls reach the log, without reading the page again', async () => {
    const { services, store } = openPanel([], () => timing(['/refresh']));
    await waitFor(() => expect(notice()).not.toBeNull());
    store.dispatch(liveUpdate([captured('/refresh', 0)], null));
    await waitFor(() => expect(notice()).toBeNull());
    expect(services.readPageTiming).toHaveBeenCalledTimes(1);
  });

  it('reads the page again when the panel is shown again, and after a page load, not otherwise', async () => {
    let paths = ['/refresh'];
    const { services, pageEvent } = openPanel([], () => timing(paths));
    await waitFor(() => expect(notice()?.dataset['missed']).toBe('1'));
    paths = ['/refresh', ...RESET_FLOW];
    pageEvent('revealed');
    await waitFor(() => expect(notice()?.dataset['missed']).toBe('5'));
    expect(services.readPageTiming).toHaveBeenCalledTimes(2);
    pageEvent('left');
    await waitFor(() => expect(notice()).toBeNull());
  });

  it('is dismissed for this page load only', async () => {
    let timeOrigin = LOAD;
    const { services, pageEvent } = openPanel([], () => timing(RESET_FLOW, timeOrigin));
    fireEvent.click(await screen.findByTestId('gap-dismiss'));
    await waitFor(() => expect(notice()).toBeNull());
    pageEvent('revealed');
    await waitFor(() => expect(services.readPageTiming).toHaveBeenCalledTimes(2));
    expect(notice()).toBeNull();
    pageEvent('left');
    timeOrigin = LOAD + 30_000;
    pageEvent('loaded');
    await waitFor(() => expect(notice()).not.toBeNull());
  });

  it('names a mix of APIs generically, says "at least" for an incomplete record, and counts frames', async () => {
    openPanel([], () => ({
      documents: [
        {
          timeOrigin: LOAD,
          // More than the buffer holds by default: newer entries may have been dropped.
          total: 400,
          frame: false,
          entries: [{ name: `${API_BASE}/refresh`, startTime: 1000, duration: 30, initiatorType: 'fetch' }],
        },
        {
          timeOrigin: LOAD,
          total: 1,
          frame: true,
          entries: [
            {
              name: 'https://x.test/api/v0/sdk/e/connect',
              startTime: 50,
              duration: 9,
              initiatorType: 'fetch',
            },
          ],
        },
      ],
    }));
    await waitFor(() => expect(notice()).not.toBeNull());
    expect(screen.getByTestId('gap-notice-title').textContent).toBe(
      'At least 2 step-up API calls happened in this tab before capture started',
    );
    expect(notice()?.textContent).toContain('1 came from a frame.');
  });

  it('never shows what the page wrote, and a page answering nonsense gets no notice', async () => {
    const sneaky = `${API_BASE}/refresh?<img src=x onerror=alert(1)>`;
    openPanel([], () => timing([sneaky]));
    await waitFor(() => expect(notice()).not.toBeNull());
    expect(notice()?.innerHTML).not.toContain('img');
    expect(notice()?.textContent).not.toContain('refresh');
    cleanup();
    const hostile = openPanel([], () => ({ documents: [{ html: '<b>injected</b>' }] }));
    await waitFor(() => expect(hostile.services.readPageTiming).toHaveBeenCalled());
    expect(notice()).toBeNull();
    expect(document.body.innerHTML).not.toContain('injected');
  });

  it('belongs to the live log: not shown over an imported session', async () => {
    const { store } = openPanel([], () => timing(RESET_FLOW));
    await waitFor(() => expect(notice()).not.toBeNull());
    store.dispatch(importUpdate({ id: 'import-1', exchanges: [anExchange()] }));
    await waitFor(() => expect(notice()).toBeNull());
  });

  it("takes over the empty log's advice: it is not repeated under the notice", async () => {
    const { store } = openPanel([], () => timing(RESET_FLOW));
    await waitFor(() => expect(notice()).not.toBeNull());
    expect(screen.getByTestId('empty-state').textContent).not.toMatch(/From page load/);
    store.dispatch({ type: 'gapDismissed' });
    await waitFor(() =>
      expect(screen.getByTestId('empty-state').textContent).toMatch(/turn on From page load/),
    );
  });

  it('does not count what a Clear removed from the log', async () => {
    const { store } = openPanel([], () => timing(RESET_FLOW));
    await waitFor(() => expect(notice()?.dataset['missed']).toBe('4'));
    const state = store.getState().live.state;
    if (!state) throw new Error('storeWith gives a tab state');
    store.dispatch(liveUpdate([], null, { state: { ...state, clearedAt: LOAD + 2500 } }));
    await waitFor(() => expect(notice()?.dataset['missed']).toBe('2'));
  });
});
