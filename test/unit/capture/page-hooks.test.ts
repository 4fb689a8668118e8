/**
 * The page hook's registrations (src/background/page-hooks.ts) against a fake `scripting` and a fake
 * `storage.local`: on by default on every loopback origin, all frames, from document_start; one switch per
 * origin; checked and repaired at every start of the worker, idempotently, also after an update renamed the
 * built files; the opt-ins an older version recorded only in its registrations kept.
 */
import { describe, expect, it } from 'vitest';
import {
  LOOPBACK_HOOK_ID,
  LOOPBACK_RELAY_ID,
  PageHooks,
  type HookScripts,
} from '../../../src/background/page-hooks.ts';
import { LOOPBACK_HOST_PERMISSIONS, type PageHookSettings } from '../../../src/shared/permissions.ts';
import { FakeScripting } from './fake-scripting.ts';
import { QuotaStorage } from './memory-storage.ts';

const FILES: HookScripts = { hook: 'src/content/page-hook.iife.js', relay: 'src/content/relay.iife.js' };
const KEY = 'page-hook';

/** platform/permissions.ts `pagePattern`, Chrome's and Firefox's (tested in permissions.test.ts). */
const CHROME = (origin: string) => {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}/*`;
};
const FIREFOX = (origin: string) => {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
};

/** A worker start: a new registry over the same browser state (registrations and storage.local persist). */
function start(
  browser: { scripting: FakeScripting; local: QuotaStorage },
  options: { files?: HookScripts; firefox?: boolean } = {},
) {
  return new PageHooks({
    scripting: browser.scripting,
    settings: {
      read: async () => (await browser.local.get(KEY))[KEY],
      write: (settings: PageHookSettings) => browser.local.set({ [KEY]: settings }),
    },
    files: options.files ?? FILES,
    pattern: options.firefox ? FIREFOX : CHROME,
    patternsHavePorts: !options.firefox,
  });
}

const freshBrowser = () => ({ scripting: new FakeScripting(), local: new QuotaStorage() });

describe('on by default on the loopback origins', () => {
  it('registers the hook and its relay for every loopback origin, all frames, from document_start', async () => {
    const browser = freshBrowser();
    const report = await start(browser).ensure();
    expect(report).toEqual({ registered: [LOOPBACK_RELAY_ID, LOOPBACK_HOOK_ID], updated: [], removed: [] });
    const common = {
      matches: [...LOOPBACK_HOST_PERMISSIONS],
      excludeMatches: [],
      runAt: 'document_start',
      allFrames: true,
      matchOriginAsFallback: true,
      persistAcrossSessions: true,
    };
    expect(browser.scripting.get(LOOPBACK_RELAY_ID)).toEqual({
      id: LOOPBACK_RELAY_ID,
      js: [FILES.relay],
      ...common,
    });
    expect(browser.scripting.get(LOOPBACK_HOOK_ID)).toEqual({
      id: LOOPBACK_HOOK_ID,
      js: [FILES.hook],
      world: 'MAIN',
      ...common,
    });
    expect(LOOPBACK_HOST_PERMISSIONS).toEqual([
      'http://localhost/*',
      'https://localhost/*',
      'http://127.0.0.1/*',
      'https://127.0.0.1/*',
      'http://[::1]/*',
      'https://[::1]/*',
    ]);
    expect(browser.local.data.get(KEY)).toEqual({ off: [], on: [] });
  });

  it('says on for any port of localhost, 127.0.0.1 and [::1], http and https; off elsewhere until opted in', async () => {
    const hooks = start(freshBrowser());
    for (const origin of [
      'http://localhost:5173',
      'https://localhost',
      'http://127.0.0.1:8080',
      'https://127.0.0.1:3443',
      'http://[::1]:3000',
      'https://[::1]',
    ])
      expect(await hooks.isOn(origin), origin).toBe(true);
    for (const origin of ['https://app.example', 'http://localhost.example', 'http://127.0.0.2:80', null])
      expect(await hooks.isOn(origin), String(origin)).toBe(false);
  });
});

describe('every start checks the registrations and repairs what differs', () => {
  it('changes nothing when everything is in place (a worker restart, a browser start)', async () => {
    const browser = freshBrowser();
    await start(browser).ensure();
    await start(browser).set('http://localhost:3000', false);
    await start(browser).set('https://app.example', true);
    const before = browser.scripting.changes.length;
    for (let restart = 0; restart < 3; restart += 1)
      expect(await start(browser).ensure()).toEqual({ registered: [], updated: [], removed: [] });
    expect(browser.scripting.changes.length).toBe(before);
  });

  it('points every registration at the new files after an update renamed them, and only that', async () => {
    const browser = freshBrowser();
    await start(browser).set('https://app.example', true);
    const renamed = { hook: 'assets/page-hook-9f2c.js', relay: 'assets/relay-1b7e.js' };
    const report = await start(browser, { files: renamed }).ensure();
    expect(report.registered).toEqual([]);
    expect(report.removed).toEqual([]);
    expect(report.updated.sort()).toEqual(
      [
        LOOPBACK_RELAY_ID,
        LOOPBACK_HOOK_ID,
        'stepup-relay:https://app.example:443/*',
        'stepup-hook:https://app.example:443/*',
      ].sort(),
    );
    for (const script of await browser.scripting.registered())
      expect(script.js).toEqual([script.world === 'MAIN' ? renamed.hook : renamed.relay]);
    expect(await start(browser, { files: renamed }).ensure()).toEqual({
      registered: [],
      updated: [],
      removed: [],
    });
  });

  it('puts back a registration that went missing, and one that was changed', async () => {
    const browser = freshBrowser();
    await start(browser).ensure();
    browser.scripting.scripts.delete(LOOPBACK_HOOK_ID);
    browser.scripting.scripts.set(LOOPBACK_RELAY_ID, {
      ...browser.scripting.get(LOOPBACK_RELAY_ID),
      allFrames: false,
    });
    expect(await start(browser).ensure()).toEqual({
      registered: [LOOPBACK_HOOK_ID],
      updated: [LOOPBACK_RELAY_ID],
      removed: [],
    });
    expect(browser.scripting.get(LOOPBACK_RELAY_ID)?.allFrames).toBe(true);
  });

  it('reads absent fields as the browser defaults them, so a registration read back equals what was asked', async () => {
    const browser = freshBrowser();
    await start(browser).ensure();
    // Chrome leaves out an empty excludeMatches and persistAcrossSessions at its default.
    for (const id of [LOOPBACK_HOOK_ID, LOOPBACK_RELAY_ID]) {
      const {
        excludeMatches: _excluded,
        persistAcrossSessions: _persist,
        ...rest
      } = browser.scripting.get(id)!;
      browser.scripting.scripts.set(id, rest);
    }
    expect(await start(browser).ensure()).toEqual({ registered: [], updated: [], removed: [] });
  });
});

describe('one switch per origin', () => {
  it('in Chrome, leaves a switched-off loopback origin out by its exact pattern (default ports named), and back in', async () => {
    const browser = freshBrowser();
    const hooks = start(browser);
    await hooks.ensure();
    await hooks.set('http://localhost:3000', false);
    await hooks.set('http://localhost', false);
    await hooks.set('https://[::1]:8443', false);
    expect(browser.scripting.get(LOOPBACK_HOOK_ID)?.excludeMatches).toEqual([
      'http://localhost:3000/*',
      'http://localhost:80/*',
      'https://[::1]:8443/*',
    ]);
    expect(browser.scripting.get(LOOPBACK_RELAY_ID)?.excludeMatches).toEqual(
      browser.scripting.get(LOOPBACK_HOOK_ID)?.excludeMatches,
    );
    expect(await hooks.isOn('http://localhost:3000')).toBe(false);
    expect(await hooks.isOn('http://localhost:3001')).toBe(true);
    // Switched in one step: no moment without the registration.
    expect(browser.scripting.changes.slice(-1)).toEqual([`update ${LOOPBACK_RELAY_ID},${LOOPBACK_HOOK_ID}`]);

    // A restarted worker keeps the switch (storage.local), and the user turns it back on.
    const restarted = start(browser);
    expect(await restarted.isOn('http://localhost:3000')).toBe(false);
    await restarted.set('http://localhost:3000', true);
    await restarted.set('http://localhost', true);
    await restarted.set('https://[::1]:8443', true);
    expect(browser.scripting.get(LOOPBACK_HOOK_ID)?.excludeMatches).toEqual([]);
    expect(await restarted.isOn('http://localhost:3000')).toBe(true);
    expect(browser.local.data.get(KEY)).toEqual({ off: [], on: [] });
  });

  it('in Firefox (no ports in patterns), keeps the registration and records the switch, which the relay and the worker apply', async () => {
    const browser = freshBrowser();
    const hooks = start(browser, { firefox: true });
    await hooks.set('http://localhost:3000', false);
    expect(browser.scripting.get(LOOPBACK_HOOK_ID)?.excludeMatches).toEqual([]);
    expect(browser.local.data.get(KEY)).toEqual({ off: ['http://localhost:3000'], on: [] });
    expect(await hooks.isOn('http://localhost:3000')).toBe(false);
    expect(await hooks.isOn('http://localhost:3001')).toBe(true);
  });

  it('registers an opted-in origin by its own pattern, and removes it when turned off', async () => {
    const browser = freshBrowser();
    const hooks = start(browser);
    await hooks.set('https://app.example', true);
    await hooks.set('https://app.example:8443', true);
    expect(await hooks.origins()).toEqual(['https://app.example', 'https://app.example:8443']);
    const ids = async () => (await browser.scripting.registered()).map((s) => s.id).sort();
    expect(await ids()).toEqual(
      [
        LOOPBACK_HOOK_ID,
        LOOPBACK_RELAY_ID,
        'stepup-hook:https://app.example:443/*',
        'stepup-relay:https://app.example:443/*',
        'stepup-hook:https://app.example:8443/*',
        'stepup-relay:https://app.example:8443/*',
      ].sort(),
    );
    expect(browser.scripting.get('stepup-hook:https://app.example:443/*')).toMatchObject({
      matches: ['https://app.example:443/*'],
      world: 'MAIN',
      allFrames: true,
      matchOriginAsFallback: true,
      runAt: 'document_start',
    });
    await hooks.set('https://app.example', false);
    expect(await hooks.isOn('https://app.example')).toBe(false);
    expect(await hooks.isOn('https://app.example:8443')).toBe(true);
    expect(await ids()).not.toContain('stepup-hook:https://app.example:443/*');
  });

  it('in Firefox, two opted-in ports of one host share one hook and one relay, kept until the last is off', async () => {
    const browser = freshBrowser();
    const hooks = start(browser, { firefox: true });
    await hooks.set('http://app.test:3000', true);
    await hooks.set('http://app.test:4000', true);
    const optedIn = async () =>
      (await browser.scripting.registered())
        .map((s) => s.id)
        .filter((id) => !id?.startsWith('stepup-loopback:'))
        .sort();
    expect(await optedIn()).toEqual(['stepup-hook:http://app.test/*', 'stepup-relay:http://app.test/*']);
    await hooks.set('http://app.test:3000', false);
    expect(await optedIn()).toEqual(['stepup-hook:http://app.test/*', 'stepup-relay:http://app.test/*']);
    await hooks.set('http://app.test:4000', false);
    expect(await optedIn()).toEqual([]);
  });

  it('applies switches made at the same moment one after the other: none is lost', async () => {
    const browser = freshBrowser();
    const hooks = start(browser);
    await Promise.all([
      hooks.set('http://localhost:3000', false),
      hooks.set('http://localhost:3001', false),
      hooks.set('https://app.example', true),
      hooks.ensure(),
    ]);
    expect(browser.local.data.get(KEY)).toEqual({
      off: ['http://localhost:3000', 'http://localhost:3001'],
      on: ['https://app.example'],
    });
    expect(await start(browser).ensure()).toEqual({ registered: [], updated: [], removed: [] });
  });
});

describe('what an older version left', () => {
  it('keeps its opt-ins, drops its loopback and wildcard registrations, and replaces its per-origin ids', async () => {
    const browser = freshBrowser();
    const old = (id: string, matches: string[], world?: 'MAIN') =>
      browser.scripting.scripts.set(id, {
        id,
        matches,
        js: [world ? FILES.hook : FILES.relay],
        runAt: 'document_start',
        allFrames: false,
        ...(world ? { world } : {}),
      });
    old('stepup-hook:https://app.example', ['https://app.example/*'], 'MAIN');
    old('stepup-relay:https://app.example', ['https://app.example/*']);
    old('stepup-hook:http://localhost:5173', ['http://localhost:5173/*'], 'MAIN');
    old('stepup-relay:http://localhost:5173', ['http://localhost:5173/*']);
    old('stepup-hook:https://*', ['https://*/*'], 'MAIN');
    const report = await start(browser).ensure();
    expect(browser.local.data.get(KEY)).toEqual({ off: [], on: ['https://app.example'] });
    expect(report.removed.sort()).toEqual(
      [
        'stepup-hook:https://app.example',
        'stepup-relay:https://app.example',
        'stepup-hook:http://localhost:5173',
        'stepup-relay:http://localhost:5173',
        'stepup-hook:https://*',
      ].sort(),
    );
    expect((await browser.scripting.registered()).map((s) => s.id).sort()).toEqual(
      [
        LOOPBACK_HOOK_ID,
        LOOPBACK_RELAY_ID,
        'stepup-hook:https://app.example:443/*',
        'stepup-relay:https://app.example:443/*',
      ].sort(),
    );
    // The leftovers went before the new pairs came: never two relays in one page.
    expect(browser.scripting.changes[0]).toMatch(/^unregister /);
  });

  it('leaves out of stored settings anything that is not a concrete origin of its list', async () => {
    const browser = freshBrowser();
    browser.local.data.set(KEY, {
      off: ['http://localhost:3000', 'https://app.example', 'http://localhost:*', 42],
      on: ['https://app.example', 'http://localhost:4000', 'https://*', 'https://app.example/'],
    });
    const hooks = start(browser);
    await hooks.ensure();
    expect(await hooks.origins()).toEqual(['https://app.example']);
    expect(await hooks.isOn('http://localhost:3000')).toBe(false);
    expect(browser.scripting.get(LOOPBACK_HOOK_ID)?.excludeMatches).toEqual(['http://localhost:3000/*']);
  });
});
