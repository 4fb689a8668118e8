import { describe, expect, it } from 'vitest';
import type { Capture, KeyValueStore } from '../../../src/background/capture-store.ts';
import { WebRequestCapture } from '../../../src/background/web-request-capture.ts';
// Types only: the module's runtime pulls in webextension-polyfill.
import type { WebRequestEvent, WrHeader } from '../../../src/platform/web-request.ts';

/** chrome.storage.session stand-in that counts every call. */
class CountingStorage implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  gets = 0;
  sets = 0;
  removes = 0;
  async get(keys: string | string[] | null): Promise<Record<string, unknown>> {
    this.gets += 1;
    const list = keys === null ? [...this.data.keys()] : typeof keys === 'string' ? [keys] : keys;
    const out: Record<string, unknown> = {};
    for (const k of list) if (this.data.has(k)) out[k] = structuredClone(this.data.get(k));
    return out;
  }
  async set(items: Record<string, unknown>): Promise<void> {
    this.sets += 1;
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v));
  }
  async remove(keys: string | string[]): Promise<void> {
    this.removes += 1;
    for (const k of typeof keys === 'string' ? [keys] : keys) this.data.delete(k);
  }
  calls() {
    return { gets: this.gets, sets: this.sets, removes: this.removes };
  }
}

const API = 'https://demo.session.prelude.dev/v1/session/otp/check';
const APP = 'https://shop.example/static/app.js';
/** Shaped like a JWT, as the relevance check wants of a bearer token. */
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';

const before = (requestId: string, url: string, extra: Partial<WebRequestEvent> = {}): WebRequestEvent =>
  ({
    kind: 'before',
    requestId,
    tabId: 4,
    method: 'POST',
    url,
    timeStamp: 1_000,
    type: 'xmlhttprequest',
    ...extra,
  }) as WebRequestEvent;
const sendHeaders = (requestId: string, headers: WrHeader[], tabId = 4): WebRequestEvent => ({
  kind: 'sendHeaders',
  requestId,
  tabId,
  headers,
});
const completed = (
  requestId: string,
  headers: WrHeader[] = [],
  status = 200,
  tabId = 4,
): WebRequestEvent => ({
  kind: 'completed',
  requestId,
  tabId,
  status,
  statusLine: `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Unauthorized'}`,
  headers,
  timeStamp: 1_250,
  fromCache: false,
});

function setup(storage = new CountingStorage()) {
  const emitted: { tabId: number; capture: Capture; pendingKeys: string[] }[] = [];
  const capture = new WebRequestCapture(storage, async (tabId, c) => {
    // What was still pending when the exchange was handed over.
    emitted.push({
      tabId,
      capture: c,
      pendingKeys: [...storage.data.keys()].filter((k) => k.startsWith('wr:')),
    });
  });
  return { storage, capture, emitted };
}

async function run(capture: WebRequestCapture, events: WebRequestEvent[]): Promise<void> {
  for (const event of events) await capture.handle(event);
}

describe('WebRequestCapture: requests that are never relevant', () => {
  const plainRequest = [
    { name: 'Accept', value: '*/*' },
    { name: 'Cookie', value: 'sid=1' },
  ];

  it('touch no storage from before to completed, and emit nothing', async () => {
    const { storage, capture, emitted } = setup();
    await run(capture, [
      before('r1', APP),
      sendHeaders('r1', plainRequest),
      completed('r1', [{ name: 'Content-Type', value: 'text/javascript' }]),
    ]);
    expect(storage.calls()).toEqual({ gets: 0, sets: 0, removes: 0 });
    expect(emitted).toEqual([]);
  });

  it('stay irrelevant with an opaque bearer token, a Basic challenge or a failure', async () => {
    const { storage, capture, emitted } = setup();
    await run(capture, [
      before('r2', 'https://shop.example/api/cart'),
      sendHeaders('r2', [{ name: 'Authorization', value: 'Bearer opaque-token' }]),
      completed('r2', [{ name: 'WWW-Authenticate', value: 'Basic realm="shop"' }], 401),
      before('r3', 'https://shop.example/api/cart'),
      sendHeaders('r3', plainRequest),
      { kind: 'error', requestId: 'r3', tabId: 4, error: 'net::ERR_FAILED', timeStamp: 1_300 },
      // A step-up path in the query string is not a step-up API call.
      before('r4', 'https://shop.example/login?next=/v1/session/otp'),
      sendHeaders('r4', plainRequest),
      completed('r4'),
    ]);
    expect(storage.calls()).toEqual({ gets: 0, sets: 0, removes: 0 });
    expect(emitted).toEqual([]);
    expect(storage.data.size).toBe(0);
  });

  it('are forgotten once done: a repeated completed event for one of them emits nothing', async () => {
    const { storage, capture, emitted } = setup();
    await run(capture, [before('r5', APP), sendHeaders('r5', plainRequest), completed('r5')]);
    await capture.handle(
      completed('r5', [
        { name: 'WWW-Authenticate', value: 'Bearer error="insufficient_user_authentication"' },
      ]),
    );
    expect(emitted).toEqual([]);
    expect(storage.sets + storage.removes).toBe(0);
  });
});

describe('WebRequestCapture: relevant requests', () => {
  it('persist a step-up API call as wr:<requestId> from before, and remove it after emitting', async () => {
    const { storage, capture, emitted } = setup();
    await capture.handle(before('a1', API, { body: { text: '{"code":"123456"}' } }));
    expect(storage.data.get('wr:a1')).toMatchObject({ tabId: 4, method: 'POST', url: API, startedAt: 1_000 });
    await capture.handle(sendHeaders('a1', [{ name: 'Content-Type', value: 'application/json' }]));
    expect(storage.data.get('wr:a1')).toMatchObject({
      requestHeaders: [{ name: 'Content-Type', value: 'application/json' }],
    });
    await capture.handle(completed('a1', [{ name: 'Content-Type', value: 'application/json' }]));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.pendingKeys).toEqual(['wr:a1']); // the log first, then the pending entry goes
    expect(emitted[0]?.tabId).toBe(4);
    expect(emitted[0]?.capture).toEqual({
      method: 'POST',
      url: API,
      requestHeaders: [{ name: 'Content-Type', value: 'application/json' }],
      requestBody: { kind: 'text', text: '{"code":"123456"}' },
      status: 200,
      statusText: 'OK',
      responseHeaders: [{ name: 'Content-Type', value: 'application/json' }],
      responseBody: { kind: 'absent' },
      startedAt: 1_000,
      endedAt: 1_250,
      sources: ['webrequest'],
      initiator: 'page',
    });
    expect(storage.data.has('wr:a1')).toBe(false);
    expect(storage.removes).toBe(1);
  });

  it('persist a request that shows a DPoP proof or a bearer JWT from sendHeaders on', async () => {
    for (const header of [
      { name: 'DPoP', value: 'x.y.z' },
      { name: 'Authorization', value: `Bearer ${JWT}` },
      { name: 'authorization', value: `DPoP ${JWT}` },
      { name: 'X-Dyn-Elevated-Access-Token', value: JWT },
    ]) {
      const { storage, capture, emitted } = setup();
      await capture.handle(before('b1', 'https://shop.example/api/transfer'));
      expect(storage.calls(), header.name).toEqual({ gets: 0, sets: 0, removes: 0 });
      await capture.handle(sendHeaders('b1', [header]));
      expect(storage.data.has('wr:b1'), header.name).toBe(true);
      await capture.handle(completed('b1'));
      expect(
        emitted.map((e) => e.capture.requestHeaders),
        header.name,
      ).toEqual([[header]]);
      expect(storage.data.size, header.name).toBe(0);
    }
  });

  it('emit a request answered with a Bearer challenge, with no wr: key to write or remove', async () => {
    const { storage, capture, emitted } = setup();
    const challenge = { name: 'WWW-Authenticate', value: 'Bearer error="insufficient_user_authentication"' };
    await run(capture, [
      before('c1', 'https://shop.example/api/transfer'),
      sendHeaders('c1', []),
      completed('c1', [challenge], 401),
    ]);
    expect(emitted.map((e) => [e.capture.status, e.capture.statusText, e.capture.responseHeaders])).toEqual([
      [401, 'Unauthorized', [challenge]],
    ]);
    expect(storage.calls()).toEqual({ gets: 0, sets: 0, removes: 0 });
  });

  it('emit a failed step-up call with status 0 and its error, and remove its pending entry', async () => {
    const { storage, capture, emitted } = setup();
    await run(capture, [
      before('d1', API),
      sendHeaders('d1', []),
      { kind: 'error', requestId: 'd1', tabId: 4, error: 'net::ERR_CONNECTION_RESET', timeStamp: 1_400 },
    ]);
    expect(emitted[0]?.capture).toMatchObject({
      status: 0,
      error: 'net::ERR_CONNECTION_RESET',
      responseHeaders: [],
      endedAt: 1_400,
    });
    expect(storage.data.size).toBe(0);
  });

  it('ignore requests of no tab and the extension’s own requests', async () => {
    const { storage, capture, emitted } = setup();
    await run(capture, [
      before('e1', API, { tabId: -1 }),
      sendHeaders('e1', [], -1),
      completed('e1', [], 200, -1),
      before('e2', 'chrome-extension://abc/v1/session/otp'),
      completed('e2'),
    ]);
    expect(emitted).toEqual([]);
    expect(storage.sets).toBe(0);
  });

  it('turn form bodies into urlencoded text and binary header values into text', async () => {
    const { capture, emitted } = setup();
    await run(capture, [
      before('f1', API, { body: { form: { a: ['1', '2'], b: ['x y'] } } }),
      sendHeaders('f1', [{ name: 'X-Bin', binaryValue: [104, 105] }]),
      completed('f1'),
    ]);
    expect(emitted[0]?.capture.requestBody).toEqual({
      kind: 'text',
      text: 'a=1&a=2&b=x+y',
      mimeType: 'application/x-www-form-urlencoded',
    });
    expect(emitted[0]?.capture.requestHeaders).toEqual([{ name: 'X-Bin', value: 'hi' }]);
  });
});

describe('WebRequestCapture across a worker restart', () => {
  it('completes a step-up call begun by the previous instance (restart after before)', async () => {
    const storage = new CountingStorage();
    await setup(storage).capture.handle(before('g1', API, { body: { text: 'otp=1' } }));
    const { capture, emitted } = setup(storage);
    await run(capture, [sendHeaders('g1', [{ name: 'DPoP', value: 'p.r.f' }]), completed('g1')]);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.capture).toMatchObject({
      url: API,
      startedAt: 1_000,
      endedAt: 1_250,
      requestBody: { kind: 'text', text: 'otp=1' },
      requestHeaders: [{ name: 'DPoP', value: 'p.r.f' }],
    });
    expect(storage.data.size).toBe(0);
  });

  it('completes a request made relevant by its headers (restart after sendHeaders)', async () => {
    const storage = new CountingStorage();
    await run(setup(storage).capture, [
      before('g2', 'https://shop.example/api/transfer'),
      sendHeaders('g2', [{ name: 'Authorization', value: `Bearer ${JWT}` }]),
    ]);
    const { capture, emitted } = setup(storage);
    await capture.handle(completed('g2'));
    expect(emitted.map((e) => e.capture.url)).toEqual(['https://shop.example/api/transfer']);
    expect(storage.data.has('wr:g2')).toBe(false);
  });

  it('drops an irrelevant request it never wrote, still without writing anything', async () => {
    const storage = new CountingStorage();
    await setup(storage).capture.handle(before('g3', APP));
    const { capture, emitted } = setup(storage);
    await run(capture, [sendHeaders('g3', []), completed('g3')]);
    expect(emitted).toEqual([]);
    expect(storage.sets + storage.removes).toBe(0);
  });
});
