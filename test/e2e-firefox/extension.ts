/**
 * Talking to the add-on from one of its own pages (a "probe": the panel page opened as a tab without
 * `?tabId=`), since only extension pages may read its session storage or send it commands; and checking the
 * capture log against what the emulator served.
 */
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import type { RecordedRequest } from '../../demo/emulator/recorder.ts';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import type { TabLogState } from '../../src/shared/messages.ts';
import { waitFor, type ExtensionApi } from './firefox.ts';

export interface TabLog {
  state: TabLogState | undefined;
  exchanges: HttpExchange[];
}

/** The tab id of the tab showing `url` (tab URLs are visible to the add-on for the hosts it was granted). */
export function tabIdOf(probe: Page, url: string): Promise<number> {
  return waitFor(`a tab showing ${url}`, async () => {
    const ids = await probe.evaluate(async (target) => {
      const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
      const tabs = await api.tabs.query({});
      return tabs.filter((t) => t.url === target).map((t) => t.id ?? -1);
    }, url);
    return ids.length === 1 && (ids[0] ?? -1) >= 0 ? ids[0] : undefined;
  });
}

export function readLog(probe: Page, tabId: number): Promise<TabLog> {
  return probe.evaluate(async (id) => {
    const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
    const all = await api.storage.session.get(null);
    const state = all[`tab:${id}`] as TabLogState | undefined;
    const exchanges = (state?.ids ?? []).map((x) => all[`ex:${x}`]).filter(Boolean) as HttpExchange[];
    return { state, exchanges };
  }, tabId);
}

/**
 * Asks for what the page hook on `origin` needs (host access; `scripting` is part of the install) from a click
 * in the probe, as the panel's toggle does: Firefox takes permissions.request only from a user input handler.
 * No prompt for localhost, part of the install.
 */
export async function grantPageHook(probe: Page, origin: string): Promise<void> {
  await probe.evaluate((o) => {
    const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
    const button = document.createElement('button');
    button.id = 'grant-page-hook';
    button.textContent = 'grant';
    button.style.cssText = 'position:fixed;top:0;left:0;z-index:99999';
    const host = new URL(o);
    button.addEventListener('click', () => {
      const granted = api.permissions.request({ origins: [`${host.protocol}//${host.hostname}/*`] });
      (window as unknown as { __granted: Promise<boolean> }).__granted = granted;
    });
    document.body.append(button);
  }, origin);
  // In front: a background tab's animation frames, which the click waits on, are throttled.
  await probe.bringToFront();
  await probe.click('#grant-page-hook');
  const granted = await probe.evaluate(async () => {
    const result = await (window as unknown as { __granted: Promise<boolean> }).__granted;
    document.getElementById('grant-page-hook')?.remove();
    return result;
  });
  assert.equal(granted, true, `the page hook's permissions for ${origin}`);
}

/**
 * Turns the page hook on or off for `origin`, as the panel's toggle does (after its permission request):
 * turning it on names a tab that is on `origin`, which the worker checks.
 */
export async function setHook(probe: Page, origin: string, enabled: boolean, tabId?: number): Promise<void> {
  if (enabled) await grantPageHook(probe, origin);
  const reply = await probe.evaluate(
    (o, e, t) => {
      const api = (globalThis as unknown as { browser: ExtensionApi }).browser;
      return api.runtime.sendMessage({ v: 1, type: 'setHook', origin: o, enabled: e, tabId: t ?? undefined });
    },
    origin,
    enabled,
    tabId ?? null,
  );
  assert.equal((reply as { ok?: boolean }).ok, true, `setHook: ${JSON.stringify(reply)}`);
}

export const isSessionApi = (x: { url: string }) => x.url.includes('/v1/session/');
const header = (x: HttpExchange, name: string) =>
  x.requestHeaders.find((h) => h.name.toLowerCase() === name)?.value;
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;
/** A JSON value without its `null` fields (the emulator's record redacts passwords, sent as null here). */
const withoutNulls = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v === null ? undefined : v)));

export type BodySource = 'page-hook' | 'devtools';

const servedSessionApi = (requests: readonly RecordedRequest[]) =>
  requests.filter((r) => r.path.startsWith('/v1/session/'));

/**
 * Whether the log has caught up with the session-API requests served so far: as many exchanges, each from
 * webRequest and, but for preflights, with a body from `bodySource`. (Sources report asynchronously: webRequest
 * through the background, bodies through the relay or the DevTools page.)
 */
export function caughtUp(log: TabLog, requests: readonly RecordedRequest[], bodySource: BodySource): boolean {
  const got = log.exchanges.filter(isSessionApi);
  const complete = got.every(
    (x) =>
      x.sources.includes('webrequest') &&
      (x.method === 'OPTIONS' ||
        (x.sources.includes(bodySource) && (x.status === 204 || x.responseBody.kind !== 'absent'))),
  );
  return complete && got.length >= servedSessionApi(requests).length;
}

/** Waits until {@link caughtUp}; on timeout the error lists what was served and what was logged. */
export async function waitUntilCaughtUp(
  probe: Page,
  tabId: number,
  requests: readonly RecordedRequest[],
  bodySource: BodySource,
): Promise<TabLog> {
  let log: TabLog = { state: undefined, exchanges: [] };
  const served = servedSessionApi(requests);
  try {
    await waitFor(`${served.length} session-API exchanges from webrequest and ${bodySource}`, async () => {
      log = await readLog(probe, tabId);
      return caughtUp(log, requests, bodySource);
    });
  } catch (error) {
    const wanted = served.map((r) => `\n    ${r.method} ${r.path} ${r.status}`).join('');
    const logged = log.exchanges
      .filter(isSessionApi)
      .map(
        (x) => `\n    ${x.method} ${pathOf(x.url)} ${x.status} [${x.sources.join()}] ${x.responseBody.kind}`,
      )
      .join('');
    throw new Error(`${(error as Error).message}\n  served:${wanted}\n  logged:${logged}`, { cause: error });
  }
  return log;
}

/**
 * Waits until the tab's log holds every session-API request the emulator served, once, then checks them one
 * by one: same requests in the order the server finished them, the DPoP proof actually sent, and both bodies
 * as served.
 */
export async function expectCapturedAsServed(
  probe: Page,
  tabId: number,
  requests: readonly RecordedRequest[],
  bodySource: BodySource,
): Promise<TabLog> {
  const served = servedSessionApi(requests);
  assert.ok(served.length > 0, 'the emulator served session-API requests');
  const log = await waitUntilCaughtUp(probe, tabId, requests, bodySource);
  // webRequest dates a request before its own CORS preflight: compare in the order the server finished them.
  const got = log.exchanges
    .filter(isSessionApi)
    .sort((a, b) => (a.endedAt ?? a.startedAt) - (b.endedAt ?? b.startedAt));
  assert.deepEqual(
    got.map((x) => `${x.method} ${pathOf(x.url)} ${x.status}`),
    served.map((r) => `${r.method} ${r.path} ${r.status}`),
  );
  for (const [i, x] of got.entries()) {
    const r = served[i] as RecordedRequest;
    const what = `${x.method} ${x.url}`;
    // The headers come from webRequest, DPoP included, without Chrome's `extraHeaders`.
    assert.equal(header(x, 'dpop'), r.dpop, `${what}: DPoP header`);
    if (x.method === 'OPTIONS') continue;
    assert.deepEqual([...x.sources].sort(), [bodySource, 'webrequest'].sort(), `${what}: sources`);
    if (r.body !== undefined) {
      assert.equal(x.requestBody.kind, 'text', `${what}: request body`);
      if (x.requestBody.kind === 'text')
        assert.deepEqual(
          withoutNulls(JSON.parse(x.requestBody.text)),
          withoutNulls(JSON.parse(JSON.stringify(r.body).replace(/"\[redacted\]"/g, 'null'))),
          `${what}: request body`,
        );
    }
    if (r.responseBody !== undefined) {
      assert.equal(x.responseBody.kind, 'text', `${what}: response body`);
      if (x.responseBody.kind === 'text')
        assert.deepEqual(JSON.parse(x.responseBody.text), r.responseBody, `${what}: response body`);
    }
  }
  assert.equal(log.state?.rejected ?? 0, 0, 'no page message rejected');
  return log;
}
