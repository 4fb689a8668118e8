/**
 * The worker's message handler (src/background/handler.ts) with fakes for the browser: the page hook is
 * registered only for one concrete origin that the browser reports the named tab on, whatever the panel
 * (or anything posing as it) sends; page-reported exchanges go through their budget.
 */
import { describe, expect, it, vi } from 'vitest';
import { CaptureStore } from '../../../src/background/capture-store.ts';
import {
  createHandler,
  removeNonConcreteHooks,
  type HookRegistry,
  type WorkerDeps,
} from '../../../src/background/handler.ts';
import { PAGE_RATE } from '../../../src/background/page-budget.ts';
import type { SenderInfo } from '../../../src/platform/runtime.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { QuotaStorage } from './memory-storage.ts';

const PANEL: SenderInfo = { isExtensionPage: true, url: 'chrome-extension://id/src/panel/panel.html' };
const PAGE = (tabId: number): SenderInfo => ({
  isExtensionPage: false,
  tabId,
  url: 'http://localhost:5173/',
});

class FakeHooks implements HookRegistry {
  readonly registered = new Set<string>();
  register = vi.fn(async (origin: string) => void this.registered.add(origin));
  unregister = vi.fn(async (origin: string) => void this.registered.delete(origin));
  origins = vi.fn(async () => [...this.registered]);
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
  it("registers the hook for the named tab's origin, as the browser reports the tab's URL", async () => {
    const { handle, hooks } = setup({ tabs: { 5: 'http://localhost:5173/app/login?next=%2F#top' } });
    const reply = await handle(setHook('http://localhost:5173', true, 5), PANEL);
    expect(reply).toEqual({ ok: true, hookOrigins: ['http://localhost:5173'] });
    expect(hooks.register).toHaveBeenCalledExactlyOnceWith('http://localhost:5173');
    expect(await handle(setHook('http://localhost:5173', false), PANEL)).toEqual({
      ok: true,
      hookOrigins: [],
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
      expect(hooks.register, origin).not.toHaveBeenCalled();
      expect(hooks.unregister, origin).not.toHaveBeenCalled();
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
    expect(hooks.register).not.toHaveBeenCalled();
  });

  it('refuses without host access to the origin and the scripting permission', async () => {
    const { handle, hooks, deps } = setup({ tabs: { 5: 'https://app.example/' }, access: () => false });
    expect(await handle(setHook('https://app.example', true, 5), PANEL)).toMatchObject({
      ok: false,
      error: expect.stringContaining('no access to https://app.example'),
    });
    expect(deps.hasHookAccess).toHaveBeenCalledWith('https://app.example');
    expect(hooks.register).not.toHaveBeenCalled();
  });

  it('takes no hook command, and reveals no tab origin, to a web page', async () => {
    const { handle, hooks, deps } = setup({ tabs: { 5: 'http://localhost:5173/' } });
    expect(await handle(setHook('http://localhost:5173', true, 5), PAGE(5))).toEqual({
      ok: false,
      error: 'not allowed from a web page',
    });
    expect(await handle({ v: 1, type: 'getTabOrigin', tabId: 5 }, PAGE(5))).toMatchObject({ ok: false });
    expect(hooks.register).not.toHaveBeenCalled();
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

  it('lists no leftover wildcard registration, and the worker removes it when it starts', async () => {
    const { handle, hooks } = setup();
    // What an older version registered when a page answered "https://*" to the origin question.
    hooks.registered.add('https://*');
    hooks.registered.add('http://localhost:5173');
    expect(await handle({ v: 1, type: 'getHookOrigins' }, PANEL)).toEqual({
      ok: true,
      hookOrigins: ['http://localhost:5173'],
    });
    expect(await removeNonConcreteHooks(hooks)).toEqual(['https://*']);
    expect([...hooks.registered]).toEqual(['http://localhost:5173']);
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
