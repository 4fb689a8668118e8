// @vitest-environment happy-dom
/**
 * Where the panel gets the inspected page's origin for "From page load" (the browser, never
 * the page), what the toggle sends, and the page-reported drop counter in the status bar.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../../src/panel/views/App.tsx';
import { fakeServices, liveUpdate, renderPanel, storeWith } from './render-panel.tsx';

const platform = vi.hoisted(() => ({
  sendToBackground: vi.fn(),
  navigation: undefined as ((url: string) => void) | undefined,
  runInPage: vi.fn(),
}));

vi.mock('../../../src/platform/runtime.ts', () => ({ sendToBackground: platform.sendToBackground }));
vi.mock('../../../src/platform/devtools.ts', () => ({
  onInspectedNavigation: (listener: (url: string) => void) => {
    platform.navigation = listener;
  },
}));
vi.mock('../../../src/platform/page.ts', () => ({ runInPage: platform.runInPage }));
vi.mock('../../../src/platform/storage.ts', () => ({ sessionStorage: {} }));
vi.mock('../../../src/platform/permissions.ts', () => ({ requestPageHookAccess: vi.fn() }));
vi.mock('../../../src/platform/background-capture.ts', () => ({
  backgroundCaptureState: vi.fn(),
  disableBackgroundCapture: vi.fn(),
  enableBackgroundCapture: vi.fn(),
}));

afterEach(() => {
  cleanup();
  platform.sendToBackground.mockReset();
  platform.runInPage.mockReset();
  platform.navigation = undefined;
});

describe('live services: the inspected origin comes from the browser', () => {
  it("asks the worker for the tab's URL (tabs.get), never the page", async () => {
    const { createLiveServices } = await import('../../../src/panel/live-services.ts');
    platform.sendToBackground.mockResolvedValue({ ok: true, origin: 'http://localhost:5173' });
    // A page that would answer anything, were it asked.
    platform.runInPage.mockResolvedValue('https://*');
    expect(await createLiveServices().inspectedOrigin(7)).toBe('http://localhost:5173');
    expect(platform.sendToBackground).toHaveBeenCalledWith({ v: 1, type: 'getTabOrigin', tabId: 7 });
    expect(platform.runInPage).not.toHaveBeenCalled();
  });

  it("checks even the worker's answer: anything but one concrete origin is no origin", async () => {
    const { createLiveServices } = await import('../../../src/panel/live-services.ts');
    for (const origin of ['https://*', 'https://app.example/', 42, undefined]) {
      platform.sendToBackground.mockResolvedValue({ ok: true, origin });
      expect(await createLiveServices().inspectedOrigin(7), String(origin)).toBeNull();
    }
  });

  it('is null while the browser has not reported it, then follows the navigations DevTools reports', async () => {
    const { createLiveServices } = await import('../../../src/panel/live-services.ts');
    platform.sendToBackground.mockResolvedValue({ ok: true, origin: null });
    const changes: (string | null)[] = [];
    expect(await createLiveServices().inspectedOrigin(7, (o) => changes.push(o))).toBeNull();
    platform.navigation?.('https://app.example/login?next=/');
    platform.navigation?.('chrome://newtab/');
    platform.navigation?.('https://*/');
    expect(changes).toEqual(['https://app.example', null, null]);
    expect(platform.runInPage).not.toHaveBeenCalled();
  });

  it('a navigation reported before the worker answered wins over the older answer', async () => {
    const { createLiveServices } = await import('../../../src/panel/live-services.ts');
    let answer!: (reply: unknown) => void;
    platform.sendToBackground.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const pending = createLiveServices().inspectedOrigin(7, () => undefined);
    platform.navigation?.('https://new.example/');
    answer({ ok: true, origin: 'https://old.example' });
    expect(await pending).toBe('https://new.example');
  });
});

describe('the "From page load" toggle', () => {
  it('names the inspected tab, so the worker can check the origin against it', async () => {
    const store = storeWith([], null);
    store.dispatch({ type: 'hookChanged', hook: { origin: 'http://localhost:5173', known: true } });
    const services = fakeServices();
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(screen.getByTestId('hook-toggle'));
    await waitFor(() => expect(store.getState().hook).toMatchObject({ enabled: true, busy: false }));
    expect(services.requestOrigin).toHaveBeenCalledWith('http://localhost:5173');
    expect(services.sendToBackground).toHaveBeenCalledWith({
      v: 1,
      type: 'setHook',
      origin: 'http://localhost:5173',
      enabled: true,
      tabId: 7,
    });
  });

  it('is off while the origin is unknown and says to reload with DevTools open, not asking the page', () => {
    const store = storeWith([], null);
    const services = fakeServices();
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    const toggle = screen.getByTestId('hook-toggle') as HTMLInputElement;
    expect(toggle.disabled).toBe(true);
    expect(toggle.closest('label')?.title).toMatch(/Reload the page with DevTools open/);
    fireEvent.click(toggle);
    expect(services.requestOrigin).not.toHaveBeenCalled();
  });
});

describe('status bar: page-reported drops', () => {
  it('shows how many page-reported exchanges were dropped, and why, apart from the other counters', () => {
    const store = storeWith([], null);
    const state = store.getState().live.state;
    if (!state) throw new Error('storeWith gives a tab state');
    store.dispatch(
      liveUpdate([], null, { state: { ...state, dropped: 2, pageDropped: { rate: 880, share: 12 } } }),
    );
    renderPanel(<App onImportFile={() => undefined} />, store);
    const counter = screen.getByTestId('count-page-dropped');
    expect(counter.textContent).toBe('892 page-reported dropped');
    expect(counter.title).toMatch(
      /^892 page-reported exchanges dropped: 880 over the rate limit, 12 over their share/,
    );
    expect(screen.getByTestId('capture-counters').textContent).toContain('2 dropped');
  });

  it('is not shown while none were dropped', () => {
    renderPanel(<App onImportFile={() => undefined} />, storeWith([], null));
    expect(screen.queryByTestId('count-page-dropped')).toBeNull();
  });
});
