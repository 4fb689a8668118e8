/**
 * The worker's message handler (src/background/handler.ts) with fakes for the browser: the page hook is
 * turned on only for one concrete origin that the browser reports the named tab on, whatever the panel
 * (or anything posing as it) sends; page-reported exchanges go through their budget, and are dropped when
 * the frame they come from is on an origin where the hook is off.
 */
import { describe, expect, it, vi } from 'vitest';
import { CaptureStore } from '../../../src/background/capture-store.ts';
import { createHandler, type HookRegistry, type WorkerDeps } from '../../../src/background/handler.ts';
import { PAGE_RATE } from '../../../src/background/page-budget.ts';
import { isLoopbackOrigin } from '../../../src/shared/permissions.ts';
import type { SenderInfo } from '../../../src/platform/runtime.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { QuotaStorage } from './memory-storage.ts';

const PANEL: SenderInfo = { isExtensionPage: true, url: 'chrome-extension://id/src/panel/panel.html' };
const PAGE = (tabId: number, url = 'http://localhost:5173/', origin?: string): SenderInfo => ({
  isExtensionPage: false,
  tabId,
  url,
  ...(origin !== undefined ? { origin } : {}),
});

/** The registry's rule (page-hooks.ts has its own tests): loopback on unless switched off, others opted in. */
class FakeHooks implements HookRegistry {
  readonly off = new Set<string>();
  readonly on = new Set<string>();
  set = vi.fn(async (origin: string, on: boolean) => {
    const list = isLoopbackOrigin(origin) ? this.off : this.on;
    if (on === isLoopbackOrigin(origin)) list.delete(origin);
    else list.add(origin);
  });
  isOn = vi.fn(async (origin: string | null) =>
    origin === null ? false : isLoopbackOrigin(origin) ? !this.off.has(origin) : this.on.has(origin),
  );
  origins = vi.fn(async () => [...this.on]);
}

function setup(options: { tabs?: Record<number, string>; access?: (origin: string) => boolean } = {}) {
  const hooks = new FakeHooks();
  const store = new CaptureStore(new QuotaStorage());
  const tabs = options.tabs ?? {};
  const deps: WorkerDeps = {
    store,
    hooks,
    tabUrl: vi.fn(async (tabId: number) => tabs[tabId]),
    hasHookAccess: vi.fn(async (origin: string) => options.access?.(origin) ?? true),
    now: () => 1_700_000_000_000,
  };
  return { handle: createHandler(deps), hooks, store, deps };
}

const setHook = (origin: unknown, enabled: boolean, tabId?: number) => ({
  v: 1,
  type: 'setHook',
  origin,
  enabled,
  ...(tabId !== undefined ? { tabId } : {}),
});

describe('setHook: the origin comes from the browser, one concrete origin only', () => {
  it("turns the hook on for the named tab's origin, as the browser reports the tab's URL, and off again", async () => {
    const { handle, hooks } = setup({ tabs: { 5: 'https://app.example:8443/login?next=%2F#top' } });
    expect(await handle(setHook('https://app.example:8443', true, 5), PANEL)).toEqual({
      ok: true,
      hookOrigins: ['https://app.example:8443'],
      hook: { origin: 'https://app.example:8443', on: true, byDefault: false },
    });
    expect(hooks.set).toHaveBeenCalledExactlyOnceWith('https://app.example:8443', true);
    expect(await handle(setHook('https://app.example:8443', false), PANEL)).toEqual({
      ok: true,
      hookOrigins: [],
      hook: { origin: 'https://app.example:8443', on: false, byDefault: false },
    });
  });

  it('on a loopback origin, on by default: switched off and on again, that origin only', async () => {
    const { handle, hooks } = setup({ tabs: { 5: 'http://localhost:5173/app' } });
    const status = async (origin: string) => handle({ v: 1, type: 'getHook', origin }, PANEL);
    expect(await status('http://localhost:5173')).toEqual({
      ok: true,
      hook: { origin: 'http://localhost:5173', on: true, byDefault: true },
    });
    expect(await handle(setHook('http://localhost:5173', false), PANEL)).toMatchObject({
      ok: true,
      hookOrigins: [],
      hook: { origin: 'http://localhost:5173', on: false, byDefault: true },
    });
    expect(await status('http://localhost:5174')).toMatchObject({ hook: { on: true } });
    expect(await status('http://127.0.0.1:5173')).toMatchObject({ hook: { on: true } });
    expect(await handle(setHook('http://localhost:5173', true, 5), PANEL)).toMatchObject({
      ok: true,
      hook: { on: true, byDefault: true },
    });
    expect(hooks.set.mock.calls).toEqual([
      ['http://localhost:5173', false],
      ['http://localhost:5173', true],
    ]);
  });

  it('says the hook is off where the extension has no access, even where it is wanted', async () => {
    const { handle } = setup({ access: (origin) => origin !== 'http://localhost:3000' });
    expect(await handle({ v: 1, type: 'getHook', origin: 'http://localhost:3000' }, PANEL)).toEqual({
      ok: true,
      hook: { origin: 'http://localhost:3000', on: false, byDefault: true },
    });
    expect(await handle({ v: 1, type: 'getHook', origin: 'https://*' }, PANEL)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Refused: .*wildcard/),
    });
  });

  it('refuses a wildcard or anything else that is not exactly one http(s) origin, on or off', async () => {
    const hostile = [
      'https://*',
      'http://*',
      'https://*.example.com',
      '*://*',
      '<all_urls>',
      'https://example.com:*',
      'https://%2A',
      'https://example.com/',
      'https://example.com/*',
      'https://example.com/path',
      'HTTPS://EXAMPLE.COM',
      'https://user:pw@example.com',
      'https://user@example.com',
      'http://example.com:80',
      'https://example.com.:443',
      'ftp://example.com',
      'chrome://extensions',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'null',
      '',
      ' https://example.com',
    ];
    for (const origin of hostile) {
      // Everything else would allow it: access granted and the tab reported on that very string.
      const { handle, hooks } = setup({ tabs: { 5: origin } });
      for (const enabled of [true, false]) {
        const reply = await handle(setHook(origin, enabled, 5), PANEL);
        expect(reply, `${origin} ${enabled}`).toMatchObject({
          ok: false,
          error: expect.stringMatching(/^Refused: /),
        });
      }
      expect(hooks.set, origin).not.toHaveBeenCalled();
    }
  });

  it('says why a wildcard is refused', async () => {
    const { handle } = setup();
    expect(await handle(setHook('https://*', true, 5), PANEL)).toEqual({
      ok: false,
      error: 'Refused: "https://*" has a wildcard: the page hook is for one site at a time.',
    });
  });

  it('refuses an origin the named tab is not on, a tab the browser does not report, and no tab at all', async () => {
    const { handle, hooks } = setup({
      tabs: { 5: 'https://evil.example/login', 6: 'chrome://newtab/', 7: 'https://bank.example:8443/' },
    });
    expect(await handle(setHook('https://bank.example', true, 5), PANEL)).toEqual({
      ok: false,
      error: 'Refused: tab 5 is on https://evil.example, not on https://bank.example.',
    });
    // A port is part of the origin.
    expect(await handle(setHook('https://bank.example', true, 7), PANEL)).toMatchObject({ ok: false });
    expect(await handle(setHook('https://bank.example', true, 6), PANEL)).toMatchObject({
      ok: false,
      error: expect.stringContaining('does not report tab 6'),
    });
    // No host access: the browser hides the tab's URL (tabUrl undefined).
    expect(await handle(setHook('https://bank.example', true, 99), PANEL)).toMatchObject({ ok: false });
    expect(await handle(setHook('https://bank.example', true), PANEL)).toMatchObject({
      ok: false,
      error: expect.stringContaining('no tab was named'),
    });
    expect(hooks.set).not.toHaveBeenCalled();
  });

  it('refuses without host access to the origin', async () => {
    const { handle, hooks, deps } = setup({ tabs: { 5: 'https://app.example/' }, access: () => false });
    expect(await handle(setHook('https://app.example', true, 5), PANEL)).toMatchObject({
      ok: false,
      error: expect.stringContaining('no access to https://app.example'),
    });
    expect(deps.hasHookAccess).toHaveBeenCalledWith('https://app.example');
    expect(hooks.set).not.toHaveBeenCalled();
  });

  it('takes no hook command, and reveals no tab origin, to a web page', async () => {
    const { handle, hooks, deps } = setup({ tabs: { 5: 'http://localhost:5173/' } });
    expect(await handle(setHook('http://localhost:5173', true, 5), PAGE(5))).toEqual({
      ok: false,
      error: 'not allowed from a web page',
    });
    expect(await handle({ v: 1, type: 'getTabOrigin', tabId: 5 }, PAGE(5))).toMatchObject({ ok: false });
    expect(await handle(setHook('http://localhost:5173', false), PAGE(5))).toMatchObject({ ok: false });
    expect(hooks.set).not.toHaveBeenCalled();
    expect(deps.tabUrl).not.toHaveBeenCalled();
  });
});

describe('getTabOrigin and getHookOrigins', () => {
  it("answers a tab's origin as the browser reports it, or null for no web origin or no access", async () => {
    const { handle } = setup({
      tabs: {
        1: 'https://app.example:8443/a?b#c',
        2: 'chrome://extensions/',
        3: 'blob:https://app.example/x',
      },
    });
    const origin = async (tabId: number) => handle({ v: 1, type: 'getTabOrigin', tabId }, PANEL);
    expect(await origin(1)).toEqual({ ok: true, origin: 'https://app.example:8443' });
    expect(await origin(2)).toEqual({ ok: true, origin: null });
    expect(await origin(3)).toEqual({ ok: true, origin: null });
    expect(await origin(4)).toEqual({ ok: true, origin: null });
  });

  it('lists the opted-in origins, not the loopback ones that are on by default', async () => {
    const { handle, hooks } = setup();
    hooks.on.add('https://app.example');
    expect(await handle({ v: 1, type: 'getHookOrigins' }, PANEL)).toEqual({
      ok: true,
      hookOrigins: ['https://app.example'],
    });
  });
});

describe('pageExchanges through the handler', () => {
  const item = (i: number) => {
    const { id: _id, ...rest } = anExchange({
      path: `/flood/${i}`,
      startedAt: 1_700_000_000_000 + i * 10_000,
    });
    return rest;
  };

  it("stores them under the sender's tab, never one named in the message, and refuses them from extension pages", async () => {
    const { handle, store } = setup();
    expect(await handle({ v: 1, type: 'pageExchanges', exchanges: [item(1)], tabId: 9 }, PAGE(4))).toEqual({
      ok: true,
    });
    expect((await store.read(4)).exchanges).toHaveLength(1);
    expect((await store.read(9)).exchanges).toHaveLength(0);
    expect(await handle({ v: 1, type: 'pageExchanges', exchanges: [item(2)] }, PANEL)).toMatchObject({
      ok: false,
    });
  });

  it('drops what frames on a switched-off origin report, keeps what other loopback ports report, both after the switch', async () => {
    const { handle, store } = setup();
    const batch = (i: number) => ({ v: 1, type: 'pageExchanges', exchanges: [item(i)] });
    expect(await handle(batch(1), PAGE(4, 'http://localhost:5173/a'))).toEqual({ ok: true });
    await handle(setHook('http://localhost:5173', false), PANEL);
    expect(await handle(batch(2), PAGE(4, 'http://localhost:5173/a'))).toEqual({
      ok: false,
      error: 'the page hook is off on http://localhost:5173: exchanges dropped',
    });
    expect(await handle(batch(3), PAGE(4, 'http://localhost:5174/'))).toEqual({ ok: true });
    const paths = (await store.read(4)).exchanges.map((x) =>
      new URL(x.url).pathname.replace('/v1/session', ''),
    );
    expect(paths).toEqual(['/flood/1', '/flood/3']);
  });

  it("judges a frame by its own origin as the browser reports it, and files it under the frame's tab", async () => {
    const { handle, store } = setup({ tabs: { 4: 'http://localhost:5173/', 6: 'http://localhost:3000/' } });
    await handle(setHook('http://localhost:3000', false), PANEL);
    const batch = (i: number) => ({ v: 1, type: 'pageExchanges', exchanges: [item(i)] });
    // A cross-origin subframe of a tab on an origin where the hook is on: its own origin decides.
    expect(await handle(batch(1), PAGE(4, 'https://ads.example/frame'))).toMatchObject({ ok: false });
    expect(await handle(batch(2), PAGE(4, 'http://127.0.0.1:8080/frame'))).toEqual({ ok: true });
    // A frame on an origin where the hook is on, in a tab whose page is switched off.
    expect(await handle(batch(3), PAGE(6, 'http://127.0.0.1:8080/frame'))).toEqual({ ok: true });
    // Frames without a URL of their own: the origin the browser gives for them, else the tab's.
    expect(await handle(batch(4), PAGE(6, 'about:srcdoc', 'http://localhost:3000'))).toMatchObject({
      ok: false,
    });
    expect(await handle(batch(5), PAGE(4, 'about:srcdoc', 'http://localhost:3000'))).toMatchObject({
      ok: false,
    });
    expect(await handle(batch(6), PAGE(6, 'about:blank'))).toMatchObject({ ok: false });
    expect(await handle(batch(7), PAGE(4, 'about:blank'))).toEqual({ ok: true });
    expect(await handle(batch(8), PAGE(4, 'blob:http://localhost:3000/0d9c'))).toMatchObject({ ok: false });
    expect(await handle(batch(9), PAGE(4, 'blob:http://localhost:5173/0d9c'))).toEqual({ ok: true });
    // An opaque origin and a URL the browser could not place: not an origin where the hook is on.
    expect(await handle(batch(10), PAGE(4, 'chrome-error://chromewebdata/', 'null'))).toMatchObject({
      ok: false,
    });
    const paths = async (tabId: number) =>
      (await store.read(tabId)).exchanges.map((x) => new URL(x.url).pathname.replace('/v1/session', ''));
    expect(await paths(4)).toEqual(['/flood/2', '/flood/7', '/flood/9']);
    expect(await paths(6)).toEqual(['/flood/3']);
  });

  it('caps a flood and says so', async () => {
    const { handle, store } = setup();
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, m) =>
        handle(
          { v: 1, type: 'pageExchanges', exchanges: Array.from({ length: 50 }, (_, i) => item(m * 50 + i)) },
          PAGE(4),
        ),
      ),
    );
    expect((await store.read(4)).exchanges).toHaveLength(PAGE_RATE.burst);
    expect(replies.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error))).toContain(
      '50 page exchanges over the rate limit',
    );
  });
});
