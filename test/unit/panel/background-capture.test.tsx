// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackgroundCaptureState } from '../../../src/panel/panel-services.ts';
import type { PanelStore } from '../../../src/panel/store/panel-store.ts';
import { App } from '../../../src/panel/views/App.tsx';
import { fakeServices, renderPanel, storeWith } from './render-panel.tsx';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function storeIn(state: BackgroundCaptureState | 'unknown'): PanelStore {
  const store = storeWith([], null);
  store.dispatch({ type: 'backgroundCaptureChanged', backgroundCapture: { state } });
  return store;
}

const toggle = () => screen.getByTestId('background-capture-toggle') as HTMLInputElement;
const label = () => toggle().closest('label') as HTMLLabelElement;

/** A promise the test settles by hand, to look at the panel while a change is under way. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('background capture toggle', () => {
  it('shows each state', () => {
    const cases = [
      { state: 'unknown', checked: false, disabled: true, pending: false },
      { state: 'off', checked: false, disabled: false, pending: false },
      { state: 'on', checked: true, disabled: false, pending: false },
      { state: 'pending', checked: true, disabled: false, pending: true },
      { state: 'always', checked: true, disabled: true, pending: false },
    ] as const;
    for (const c of cases) {
      renderPanel(<App onImportFile={() => undefined} />, storeIn(c.state));
      expect(label().textContent).toBe('Background capture');
      expect({ state: c.state, checked: toggle().checked, disabled: toggle().disabled }).toEqual({
        state: c.state,
        checked: c.checked,
        disabled: c.disabled,
      });
      expect(screen.queryByTestId('background-capture-pending') !== null).toBe(c.pending);
      cleanup();
    }
  });

  it('explains what it captures and what it costs; in Firefox that it is part of the install', () => {
    renderPanel(<App onImportFile={() => undefined} />, storeIn('off'));
    const title = label().title;
    expect(title).toMatch(/headers .*Session API requests in every tab/);
    expect(title).toMatch(/DevTools closed and no page hook/);
    expect(title).toMatch(/No response bodies/);
    expect(title).toMatch(/every request of every page through the inspector: about 1\.3x/);
    // Least privilege: the hosts come with the box, in the same prompt, and go with it.
    expect(title).toMatch(
      /in one prompt, for the webRequest permission and access to .*\*\.session\.prelude\.dev, app\.dynamicauth\.com/,
    );
    expect(title).toMatch(/turning it off gives both back/);
    cleanup();

    renderPanel(<App onImportFile={() => undefined} />, storeIn('always'));
    expect(label().title).toMatch(/^Part of the install in Firefox/);
    expect(label().title).not.toMatch(/1\.3x/);
    expect(label().title).not.toMatch(/asks/);
  });

  it("enabling asks inside the click, shows the pending marker and says it starts at Chrome's next start", async () => {
    const change = deferred<BackgroundCaptureState>();
    const services = fakeServices({ setBackgroundCapture: vi.fn(() => change.promise) });
    const store = storeIn('off');
    renderPanel(<App onImportFile={() => undefined} />, store, services);

    fireEvent.click(toggle());
    // Called synchronously in the handler: Chrome's permission request needs the user gesture.
    expect(services.setBackgroundCapture).toHaveBeenCalledWith(true);
    await waitFor(() => expect(store.getState().backgroundCapture).toEqual({ state: 'off', busy: true }));
    expect(toggle().checked).toBe(true);
    expect(toggle().disabled).toBe(true);

    change.resolve('pending');
    await waitFor(() =>
      expect(store.getState().backgroundCapture).toEqual({ state: 'pending', busy: false }),
    );
    expect(toggle().checked).toBe(true);
    expect(toggle().disabled).toBe(false);
    expect(screen.getByTestId('background-capture-pending').textContent).toBe('restart needed');
    const notice = screen.getByTestId('notice');
    expect(notice.className).toContain('notice-info');
    expect(notice.textContent).toMatch(/granted and starts at Chrome's next start/);
    expect(notice.textContent).toMatch(/when it loads the inspector/);
  });

  it('the pending marker brings the notice back', async () => {
    const services = fakeServices();
    const store = storeIn('pending');
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    expect(screen.queryByTestId('notice')).toBeNull();
    fireEvent.click(screen.getByTestId('background-capture-pending'));
    expect((await screen.findByTestId('notice')).textContent).toMatch(/starts at Chrome's next start/);
    expect(services.setBackgroundCapture).not.toHaveBeenCalled();
  });

  it('disabling says Chrome keeps routing until its next start', async () => {
    const services = fakeServices();
    const store = storeIn('on');
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(toggle());
    expect(services.setBackgroundCapture).toHaveBeenCalledWith(false);
    await waitFor(() => expect(store.getState().backgroundCapture).toEqual({ state: 'off', busy: false }));
    expect(toggle().checked).toBe(false);
    expect(screen.getByTestId('notice').textContent).toMatch(
      /^Background capture off\. Chrome keeps routing requests through the inspector until its next start\./,
    );
  });

  it('disabling a grant still waiting for a restart drops the marker, with no routing warning', async () => {
    const services = fakeServices();
    const store = storeIn('pending');
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(toggle());
    await waitFor(() => expect(store.getState().backgroundCapture.state).toBe('off'));
    expect(screen.queryByTestId('background-capture-pending')).toBeNull();
    expect(screen.getByTestId('notice').textContent).toMatch(/^Background capture off\.(?!.*routing)/);
  });

  it('an error puts the box back and says so', async () => {
    const services = fakeServices({
      setBackgroundCapture: vi.fn(async () => {
        throw new Error('permissions.request failed');
      }),
    });
    const store = storeIn('off');
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(toggle());
    await waitFor(() =>
      expect(screen.getByTestId('notice').textContent).toMatch(
        /Could not change background capture: Error: permissions.request failed/,
      ),
    );
    expect(screen.getByTestId('notice').className).toContain('notice-error');
    expect(store.getState().backgroundCapture).toEqual({ state: 'off', busy: false });
    expect(toggle().checked).toBe(false);
    expect(toggle().disabled).toBe(false);
    cleanup();

    const on = storeIn('on');
    renderPanel(<App onImportFile={() => undefined} />, on, services);
    fireEvent.click(toggle());
    await waitFor(() => expect(on.getState().backgroundCapture.busy).toBe(false));
    expect(on.getState().backgroundCapture.state).toBe('on');
    expect(toggle().checked).toBe(true);
  });

  it('a refused permission leaves it off with an error', async () => {
    const services = fakeServices({ setBackgroundCapture: vi.fn(async () => 'off' as const) });
    const store = storeIn('off');
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    fireEvent.click(toggle());
    await waitFor(() => expect(screen.getByTestId('notice').className).toContain('notice-error'));
    expect(screen.getByTestId('notice').textContent).toMatch(/did not grant .*stays off/);
    expect(toggle().checked).toBe(false);
    expect(screen.queryByTestId('background-capture-pending')).toBeNull();
  });

  it('always (Firefox) cannot be switched off', () => {
    const services = fakeServices();
    const store = storeIn('always');
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    expect(toggle().disabled).toBe(true);
    fireEvent.click(toggle());
    expect(services.setBackgroundCapture).not.toHaveBeenCalled();
    expect(store.getState().backgroundCapture).toEqual({ state: 'always', busy: false });
  });
});
