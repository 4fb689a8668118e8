// @vitest-environment happy-dom
/**
 * The panel's one switch per origin for the page hook ("From page load" in the toolbar) and the command other
 * parts of the panel use to turn the hook on for an origin: what they show, send and say. On the loopback
 * origins the hook is on by default; elsewhere it is asked for.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackgroundReply, ToBackground } from '../../../src/shared/messages.ts';
import { Toolbar } from '../../../src/panel/views/Toolbar.tsx';
import { commandsFor, fakeServices, renderPanel, storeWith } from '../panel/render-panel.tsx';

afterEach(cleanup);

/** A worker that answers setHook and getHook as the real one does for an origin it agrees to. */
function worker(on: Record<string, boolean>) {
  return vi.fn(async (message: ToBackground): Promise<BackgroundReply> => {
    if (message.type === 'setHook') on[message.origin] = message.enabled;
    if (message.type === 'setHook' || message.type === 'getHook') {
      const origin = message.origin;
      const byDefault = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin);
      return { ok: true, hook: { origin, on: on[origin] ?? byDefault, byDefault } };
    }
    return { ok: true };
  });
}

function toolbarOn(origin: string | null, state: { enabled?: boolean; known?: boolean } = {}) {
  const store = storeWith([], null);
  store.dispatch({ type: 'hookChanged', hook: { origin, enabled: false, known: true, ...state } });
  const services = fakeServices({ sendToBackground: worker({}) });
  renderPanel(<Toolbar onImport={() => undefined} />, store, services);
  const toggle = screen.getByTestId('hook-toggle') as HTMLInputElement;
  return { store, services, toggle, label: toggle.closest('label') as HTMLLabelElement };
}

describe('"From page load" in the toolbar', () => {
  it('is a short label; the origin and what it does are in its description', () => {
    const { toggle, label } = toolbarOn('http://localhost:5173', { enabled: true });
    expect(label.textContent).toBe('From page load');
    expect(toggle.checked).toBe(true);
    expect(label.title).toMatch(/^On by default on this dev origin, http:\/\/localhost:5173: /);
    expect(label.title).toContain('even while DevTools is closed');
    expect(label.title).toContain('Untick to turn it off for http://localhost:5173 only');
  });

  it('says when the user switched a dev origin off, and what another origin asks for', () => {
    expect(toolbarOn('http://127.0.0.1:8080').label.title).toMatch(
      /^Off on http:\/\/127\.0\.0\.1:8080, where it is on by default .*you turned it off/,
    );
    cleanup();
    const other = toolbarOn('https://app.example');
    expect(other.toggle.checked).toBe(false);
    expect(other.label.title).toContain('Asks for access to https://app.example');
  });

  it('waits, disabled, until the worker said where the hook stands', () => {
    const { toggle, label } = toolbarOn('http://localhost:5173', { known: false });
    expect(toggle.disabled).toBe(true);
    expect(label.title).toMatch(/^Reading whether capture from page load is on/);
  });

  it('unticked on a dev origin: switched off there, without asking for anything', async () => {
    const { store, services, toggle } = toolbarOn('http://localhost:5173', { enabled: true });
    fireEvent.click(toggle);
    await waitFor(() => expect(store.getState().hook).toMatchObject({ enabled: false, busy: false }));
    expect(services.requestOrigin).not.toHaveBeenCalled();
    expect(services.sendToBackground).toHaveBeenCalledWith({
      v: 1,
      type: 'setHook',
      origin: 'http://localhost:5173',
      enabled: false,
      tabId: 7,
    });
    expect(store.getState().notice?.text).toMatch(
      /^Capture from page load off on http:\/\/localhost:5173 \(pages loaded from now on; on by default on other dev origins\)/,
    );
    // And on again.
    fireEvent.click(toggle);
    await waitFor(() => expect(store.getState().hook).toMatchObject({ enabled: true, busy: false }));
    expect(store.getState().notice?.text).toMatch(/^Capturing on http:\/\/localhost:5173 from page load on/);
  });
});

describe('enableHookFor: the command that turns the hook on for an origin of a tab', () => {
  it('asks for the origin first (the click is the user gesture), then the worker, and says so', async () => {
    const store = storeWith([], null);
    store.dispatch({ type: 'hookChanged', hook: { origin: 'https://app.example', known: true } });
    const order: string[] = [];
    const answer = worker({});
    const services = fakeServices({
      requestOrigin: vi.fn(async (origin: string) => (order.push(`request ${origin}`), true)),
      sendToBackground: vi.fn(async (message: ToBackground) => (order.push(message.type), answer(message))),
    });
    commandsFor(store, services).enableHookFor('https://app.example', 7);
    expect(order).toEqual(['request https://app.example']);
    await waitFor(() => expect(store.getState().hook).toMatchObject({ enabled: true, busy: false }));
    expect(order).toEqual(['request https://app.example', 'setHook']);
    expect(answer).toHaveBeenCalledWith({
      v: 1,
      type: 'setHook',
      origin: 'https://app.example',
      enabled: true,
      tabId: 7,
    });
    expect(store.getState().notice).toMatchObject({ tone: 'success' });
  });

  it('leaves the toolbar alone when it shows another origin, and says when access is refused', async () => {
    const store = storeWith([], null);
    store.dispatch({
      type: 'hookChanged',
      hook: { origin: 'http://localhost:5173', known: true, enabled: true },
    });
    const services = fakeServices({ requestOrigin: vi.fn(async () => false) });
    commandsFor(store, services).enableHookFor('https://other.example', 7);
    await waitFor(() => expect(store.getState().notice).toMatchObject({ tone: 'error' }));
    expect(store.getState().notice?.text).toBe(
      'No access to https://other.example: capture from page load stays off there.',
    );
    expect(store.getState().hook).toMatchObject({ origin: 'http://localhost:5173', enabled: true });
    expect(services.sendToBackground).not.toHaveBeenCalled();
  });
});

describe('following the inspected origin', () => {
  it('shows the worker’s answer for a dev origin: on by default', async () => {
    const store = storeWith([], null);
    const services = fakeServices({ sendToBackground: worker({}) });
    commandsFor(store, services).followInspectedOrigin();
    await waitFor(() =>
      expect(store.getState().hook).toMatchObject({
        origin: 'http://localhost:5173',
        enabled: true,
        known: true,
      }),
    );
  });

  it('says so when the worker cannot answer, and keeps the switch waiting', async () => {
    const store = storeWith([], null);
    const services = fakeServices({
      sendToBackground: vi.fn(async (): Promise<BackgroundReply> => ({ ok: false, error: 'busy' })),
    });
    commandsFor(store, services).followInspectedOrigin();
    await waitFor(() => expect(store.getState().notice).toMatchObject({ tone: 'error' }));
    expect(store.getState().hook).toMatchObject({ origin: 'http://localhost:5173', known: false });
  });
});
