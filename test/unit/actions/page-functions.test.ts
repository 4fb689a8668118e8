/**
 * The functions that run inside the inspected page, run here the way runInPage runs them: serialised to
 * source and rebuilt, so a reference to anything outside their body fails. The page's globals (fetch,
 * localStorage, indexedDB) are small fakes; e2e tests run the same functions against the real demo app.
 */
import { generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PageRequest } from '../../../src/core/actions/page-io.ts';
import { sdkStateOf, type SdkStorageKeys } from '../../../src/core/actions/sdk-state.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { API_BASE } from '../../fixtures/tokens.ts';

const sent: unknown[] = [];

vi.mock('../../../src/platform/page.ts', () => ({
  // Like inspectedWindow.eval: only the function's source text reaches the page.
  runInPage: async (_tabId: number, fn: (arg: unknown) => unknown, arg: unknown) =>
    (new Function(`return (${fn.toString()})`)() as (a: unknown) => unknown)(JSON.parse(JSON.stringify(arg))),
}));
vi.mock('../../../src/platform/runtime.ts', () => ({
  sendToBackground: async (message: unknown) => {
    sent.push(message);
    return { ok: true };
  },
}));

const { pageReplayRequest, replayOtp, replayVerbatim, retryOtp } =
  await import('../../../src/panel/services/actions.ts');
const { pageReadSdkState, readSdkState } = await import('../../../src/panel/services/sdk-state.ts');

// The page function reads where the registry's reader says the SDK keeps its state.
const STORAGE: SdkStorageKeys = (() => {
  const storage = sdkStateOf('prelude')?.storage;
  if (storage === undefined) throw new Error('prelude has no SDK-state reader');
  return storage;
})();

function serialised<A, R>(fn: (arg: A) => R): (arg: A) => R {
  return new Function(`return (${fn.toString()})`)() as (arg: A) => R;
}

type FetchCall = { url: string; init: RequestInit };

function stubFetch(respond: (call: FetchCall) => Response | Promise<Response>): FetchCall[] {
  const calls: FetchCall[] = [];
  vi.stubGlobal('window', {
    fetch: async (url: string, init: RequestInit) => {
      const call = { url, init };
      calls.push(call);
      return respond(call);
    },
  });
  return calls;
}

beforeEach(() => {
  sent.length = 0;
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('pageReplayRequest', () => {
  const request: PageRequest = {
    method: 'POST',
    url: `${API_BASE}/otp`,
    headers: [
      ['Content-Type', 'application/json'],
      ['DPoP', 'a'],
      ['DPoP', 'b'],
    ],
    body: { kind: 'text', text: '{"challenge_token":"ct"}' },
    timeoutMs: 1000,
    maxBodyChars: 10,
  };

  it('sends with the page fetch, cookies included, and returns plain JSON', async () => {
    const calls = stubFetch(
      () =>
        new Response('{"code":"rate_limited"}', {
          status: 429,
          statusText: 'Too Many',
          headers: { 'x-a': '1' },
        }),
    );
    const response = await serialised(pageReplayRequest)(request);
    expect(calls[0]?.url).toBe(`${API_BASE}/otp`);
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      credentials: 'include',
      mode: 'cors',
      body: '{"challenge_token":"ct"}',
    });
    expect(new Headers(calls[0]?.init.headers).get('dpop')).toBe('a, b');
    expect(response).toMatchObject({
      ok: true,
      status: 429,
      statusText: 'Too Many',
      body: '{"code":"r',
      bodyTruncated: true,
    });
    expect(response.ok && response.headers).toContainEqual(['x-a', '1']);
    expect(JSON.parse(JSON.stringify(response))).toEqual(response);
  });

  it('decodes a base64 body to bytes', async () => {
    const calls = stubFetch(() => new Response(null, { status: 204 }));
    await serialised(pageReplayRequest)({ ...request, body: { kind: 'base64', base64: 'AAEC' } });
    expect([...(calls[0]?.init.body as Uint8Array)]).toEqual([0, 1, 2]);
  });

  it('turns a network error and a timeout into ok: false', async () => {
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await serialised(pageReplayRequest)(request)).toMatchObject({
      ok: false,
      error: 'TypeError: Failed to fetch',
    });
    stubFetch(
      ({ init }) =>
        new Promise((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    );
    expect(await serialised(pageReplayRequest)({ ...request, timeoutMs: 20 })).toMatchObject({
      ok: false,
      error: 'no answer within 20 ms',
    });
  });
});

describe('actions', () => {
  it('replayOtp sends POST /otp, records an inspector exchange and reads the verdict', async () => {
    const calls = stubFetch(() => new Response(null, { status: 204 }));
    const result = await replayOtp(7, { provider: 'prelude', apiBase: API_BASE, challengeToken: 'ct.p.s' });
    expect(calls[0]?.url).toBe(`${API_BASE}/otp`);
    expect(result).toMatchObject({ ok: true, tone: 'good', recorded: true });
    expect(sent).toEqual([
      {
        v: 1,
        type: 'recordInspectorExchange',
        tabId: 7,
        exchange: expect.objectContaining({
          initiator: 'inspector',
          sources: ['inspector'],
          status: 204,
          pageReported: true,
        }),
      },
    ]);
  });

  it('retryOtp sends POST /otp/retry without a body', async () => {
    const calls = stubFetch(() => new Response('{"code":"not_found"}', { status: 404 }));
    const result = await retryOtp(7, { provider: 'prelude', apiBase: API_BASE });
    expect(calls[0]?.url).toBe(`${API_BASE}/otp/retry`);
    expect(calls[0]?.init.body).toBeUndefined();
    expect(result).toMatchObject({ ok: true, tone: 'bad' });
  });

  it('replayVerbatim re-sends the captured request and reports skipped headers', async () => {
    const calls = stubFetch(() => new Response('{"code":"invalid_dpop_proof"}', { status: 401 }));
    const original: HttpExchange = anExchange({
      path: '/refresh',
      requestHeaders: { DPoP: 'proof', Cookie: 'x=1', 'X-Refresh-Token': 'rt' },
    });
    const result = await replayVerbatim(7, original);
    expect(new Headers(calls[0]?.init.headers).get('x-refresh-token')).toBe('rt');
    expect(new Headers(calls[0]?.init.headers).get('cookie')).toBeNull();
    expect(result).toMatchObject({
      ok: true,
      tone: 'good',
      verdict: 'Server refused the replay (invalid_dpop_proof): replay protection works.',
      skippedHeaders: [{ name: 'Cookie' }],
    });
  });

  it('refuses what cannot be sent, without touching the page', async () => {
    const calls = stubFetch(() => new Response(null));
    expect(await replayVerbatim(7, { ...anExchange(), url: 'ws://x/' })).toMatchObject({ ok: false });
    expect(
      await replayOtp(7, { provider: 'prelude', apiBase: 'javascript:alert(1)', challengeToken: 'x' }),
    ).toMatchObject({
      ok: false,
    });
    expect(await replayOtp(7, { provider: 'prelude', apiBase: API_BASE, challengeToken: ' ' })).toMatchObject(
      { ok: false },
    );
    expect(
      await replayOtp(7, { provider: 'dynamic', apiBase: API_BASE, challengeToken: 'ct.p.s' }),
    ).toMatchObject({ ok: false, reason: 'Challenges of "dynamic" have no OTP actions.' });
    expect(await retryOtp(7, { provider: 'unknown', apiBase: API_BASE })).toMatchObject({ ok: false });
    expect(calls).toHaveLength(0);
    expect(sent).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A minimal IndexedDB: enough for open (with and without the database), getAll and close.

interface FakeDb {
  records: Record<string, unknown[]>;
}

function fakeIndexedDb(databases: Record<string, FakeDb>, options: { listDatabases?: boolean } = {}) {
  const created: string[] = [];
  const factory = {
    ...(options.listDatabases === false
      ? {}
      : { databases: async () => Object.keys(databases).map((name) => ({ name, version: 2 })) }),
    open(name: string) {
      const request: Record<string, unknown> & {
        onsuccess?: () => void;
        onerror?: () => void;
        onupgradeneeded?: () => void;
      } = {};
      setTimeout(() => {
        const db = databases[name];
        if (db === undefined) {
          let aborted = false;
          request['transaction'] = { abort: () => (aborted = true) };
          request.onupgradeneeded?.();
          if (aborted) {
            request['error'] = new DOMException('aborted', 'AbortError');
            request.onerror?.();
          } else {
            created.push(name);
          }
          return;
        }
        request['result'] = {
          version: 2,
          objectStoreNames: Object.keys(db.records),
          transaction: (stores: string[]) => ({
            objectStore: (store: string) => ({
              getAll: () => {
                const get: Record<string, unknown> & { onsuccess?: () => void } = {};
                expect(stores).toContain(store);
                setTimeout(() => {
                  get['result'] = db.records[store] ?? [];
                  get.onsuccess?.();
                });
                return get;
              },
            }),
          }),
          close: () => undefined,
        };
        request.onsuccess?.();
      });
      return request;
    },
  };
  return { factory, created };
}

function fakeLocalStorage(items: Record<string, string>) {
  const keys = Object.keys(items);
  return {
    length: keys.length,
    key: (i: number) => keys[i] ?? null,
    getItem: (k: string) => items[k] ?? null,
  };
}

describe('pageReadSdkState', () => {
  it('reads the SDK caches and the public half of the DPoP key, never the refresh token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256'); // private key non-extractable, as the SDK makes it
    const { factory } = fakeIndexedDb({
      prld: {
        records: {
          dpop_keys: [{ domain: 'demo.session.prelude.dev', privateKey, publicKey, nonce: 'n-1' }],
          refresh_tokens: [
            {
              domain: 'demo.session.prelude.dev',
              refreshToken: 'rt-secret-123',
              refreshTokenExpiresAt: '2026-10-01',
            },
          ],
        },
      },
    });
    vi.stubGlobal('location', { origin: 'https://app.example.com' });
    vi.stubGlobal('indexedDB', factory);
    vi.stubGlobal(
      'localStorage',
      fakeLocalStorage({
        '__preludejs__::app01': '{"body":{}}',
        'prld.step-up.::chl_1': '{}',
        unrelated: 'secret',
      }),
    );
    const snapshot = await serialised(pageReadSdkState)(STORAGE);
    expect(snapshot.storage).toEqual({
      ok: true,
      entries: [
        { key: '__preludejs__::app01', value: '{"body":{}}' },
        { key: 'prld.step-up.::chl_1', value: '{}' },
      ],
    });
    expect(snapshot.indexedDb).toMatchObject({
      status: 'ok',
      dpopKeys: [
        {
          domain: 'demo.session.prelude.dev',
          nonce: 'n-1',
          privateKeyExtractable: false,
          publicJwk: { kty: 'EC', crv: 'P-256' },
        },
      ],
      refreshTokens: [{ domain: 'demo.session.prelude.dev', present: true, expiresAt: '2026-10-01' }],
    });
    expect(JSON.stringify(snapshot)).not.toContain('rt-secret-123');
    expect(JSON.stringify(snapshot)).not.toContain('"d"');
  });

  it('does not create the database when it does not exist', async () => {
    vi.stubGlobal('location', { origin: 'https://app.example.com' });
    vi.stubGlobal('localStorage', fakeLocalStorage({}));
    for (const listDatabases of [true, false]) {
      const { factory, created } = fakeIndexedDb({}, { listDatabases });
      vi.stubGlobal('indexedDB', factory);
      const snapshot = await serialised(pageReadSdkState)(STORAGE);
      expect(snapshot.indexedDb).toEqual({ status: 'absent' });
      expect(created).toEqual([]);
    }
  });

  it('reports storage that throws and a missing IndexedDB', async () => {
    vi.stubGlobal('location', { origin: 'https://app.example.com' });
    vi.stubGlobal('localStorage', {
      get length(): number {
        throw new Error('SecurityError');
      },
    });
    vi.stubGlobal('indexedDB', undefined);
    const snapshot = await serialised(pageReadSdkState)(STORAGE);
    expect(snapshot.storage).toEqual({ ok: false, error: 'SecurityError' });
    expect(snapshot.indexedDb).toEqual({ status: 'unsupported' });
  });

  it('reads nothing for a prefix or database the SDK does not have', async () => {
    const { factory } = fakeIndexedDb({ '': { records: { '': [{ domain: 'x' }] } } });
    vi.stubGlobal('location', { origin: 'https://app.example.com' });
    vi.stubGlobal('indexedDB', factory);
    vi.stubGlobal('localStorage', fakeLocalStorage({ unrelated: 'secret' }));
    const none = { ...STORAGE, accessTokenPrefix: '', stepUpPrefix: '', database: '' };
    const snapshot = await serialised(pageReadSdkState)(none);
    expect(snapshot.storage).toEqual({ ok: true, entries: [] });
    expect(snapshot.indexedDb).toEqual({ status: 'absent' });
  });

  it('readSdkState interprets what the page returned', async () => {
    vi.stubGlobal('location', { origin: 'https://app.example.com' });
    vi.stubGlobal('localStorage', fakeLocalStorage({}));
    vi.stubGlobal('indexedDB', fakeIndexedDb({}).factory);
    const result = await readSdkState(3);
    expect(result.ok && result.state.indexedDb).toBe('absent');
  });
});
