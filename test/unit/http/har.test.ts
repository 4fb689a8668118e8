import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { parseHar, toHar, type Har } from '../../../src/core/http/har.ts';
import { classifyExchange } from '../../../src/core/providers/registry.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { API_BASE } from '../../fixtures/tokens.ts';

function parsedExchanges(input: unknown): HttpExchange[] {
  const result = parseHar(input);
  if (!result.ok) throw new Error(`expected a HAR, got ${result.error.code}: ${result.error.message}`);
  return result.exchanges;
}

/** Exchanges that use every field, including the ones HAR has no place for. */
function richExchanges(): HttpExchange[] {
  const list: HttpExchange[] = [
    {
      ...anExchange({
        id: 'ex-login',
        path: '/login/finalize?x=1&y=%20two',
        requestJson: { challenge_token: 'ct' },
        responseJson: { access_token: 'at', expires_at: 1 },
        responseHeaders: { 'DPoP-Nonce': 'A', 'Set-Cookie': '__refresh_app=r1; Path=/; HttpOnly' },
        requestHeaders: { Cookie: 'a=1; b=2' },
      }),
      statusText: 'OK',
      startedAt: 1_790_000_000_123.456,
      endedAt: 1_790_000_000_170.5,
      sources: ['webrequest', 'devtools'],
      initiator: 'page',
    },
    {
      ...anExchange({ id: 'ex-otp', path: '/otp', requestJson: { challenge_token: 'ct' }, status: 204 }),
      responseBody: { kind: 'text', text: '' },
      statusText: '',
    },
    {
      ...anExchange({ id: 'ex-bin', method: 'GET', path: 'https://cdn.example.com/logo.png' }),
      responseBody: { kind: 'base64', base64: 'iVBORw0KGgo=', mimeType: 'image/png', size: 8 },
      requestBody: { kind: 'base64', base64: 'AAEC', truncated: true },
      pageReported: true,
      initiator: 'inspector',
      sources: ['page-hook', 'inspector'],
    },
    {
      ...anExchange({ id: 'ex-fail', path: '/refresh' }),
      status: 0,
      responseHeaders: [],
      error: 'net::ERR_CONNECTION_REFUSED',
      endedAt: undefined,
      requestBody: {
        kind: 'text',
        text: '{"step_up_to',
        mimeType: 'application/json',
        truncated: true,
        size: 4000,
      },
    },
  ];
  return list.map((exchange) => {
    const copy: HttpExchange = { ...exchange };
    if (copy.endedAt === undefined) delete copy.endedAt;
    return copy;
  });
}

describe('toHar', () => {
  it('writes a HAR 1.2 log with the required fields', () => {
    const har = toHar(richExchanges());
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toEqual({ name: 'Step-Up Inspector', version: '0.1.0' });
    expect(har.log.entries).toHaveLength(4);
    for (const entry of har.log.entries) {
      expect(typeof entry.startedDateTime).toBe('string');
      expect(Number.isNaN(Date.parse(entry.startedDateTime))).toBe(false);
      expect(entry.time).toBeGreaterThanOrEqual(0);
      expect(entry.cache).toEqual({});
      expect(entry.timings.send + entry.timings.wait + entry.timings.receive).toBe(entry.time);
      expect(entry.request.headersSize).toBe(-1);
      expect(entry.response.headersSize).toBe(-1);
      expect(entry.response.bodySize).toBe(-1);
      expect(Array.isArray(entry.request.cookies)).toBe(true);
      expect(typeof entry.response.content.mimeType).toBe('string');
      expect(typeof entry.response.redirectURL).toBe('string');
    }
  });

  it('uses the given creator', () => {
    expect(toHar([], { creator: { name: 'CLI', version: '9' } }).log.creator).toEqual({
      name: 'CLI',
      version: '9',
    });
  });

  it('parses the query string from the URL', () => {
    const [entry] = toHar(richExchanges()).log.entries;
    expect(entry?.request.queryString).toEqual([
      { name: 'x', value: '1' },
      { name: 'y', value: ' two' },
    ]);
  });

  it('derives cookies from Cookie and Set-Cookie headers', () => {
    const [entry] = toHar(richExchanges()).log.entries;
    expect(entry?.request.cookies).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
    ]);
    expect(entry?.response.cookies).toEqual([{ name: '__refresh_app', value: 'r1' }]);
  });

  it('writes bodies where HAR viewers look for them', () => {
    const [login, otp, bin, fail] = toHar(richExchanges()).log.entries;
    expect(login?.request.postData).toEqual({
      mimeType: 'application/json',
      text: '{"challenge_token":"ct"}',
    });
    expect(login?.request.bodySize).toBe(24);
    expect(otp?.response.content).toEqual({ size: 0, mimeType: 'application/json', text: '' });
    expect(bin?.response.content).toEqual({
      size: 8,
      mimeType: 'image/png',
      text: 'iVBORw0KGgo=',
      encoding: 'base64',
    });
    expect(bin?.request.bodySize).toBe(-1); // truncated, size unknown
    expect(fail?.response.content.text).toBeUndefined();
    expect(fail?.request.bodySize).toBe(4000);
  });

  it('writes the fields HAR lacks into _stepupInspector', () => {
    const entries = toHar(richExchanges()).log.entries;
    expect(entries[0]?._stepupInspector).toMatchObject({
      version: 1,
      id: 'ex-login',
      sources: ['webrequest', 'devtools'],
      startedAt: 1_790_000_000_123.456,
      endedAt: 1_790_000_000_170.5,
      initiator: 'page',
    });
    expect(entries[2]?._stepupInspector).toMatchObject({
      pageReported: true,
      requestBody: { kind: 'base64', truncated: true },
    });
    expect(entries[3]?._stepupInspector).toMatchObject({
      error: 'net::ERR_CONNECTION_REFUSED',
      responseBody: { kind: 'absent' },
    });
  });

  it('writes a valid date even for a start time outside the Date range', () => {
    const exchange = { ...anExchange(), startedAt: 1e300 };
    const [entry] = toHar([exchange]).log.entries;
    expect(entry?.startedDateTime).toBe('1970-01-01T00:00:00.000Z');
    expect(parsedExchanges(toHar([exchange]))[0]?.startedAt).toBe(1e300);
  });
});

describe('parseHar(toHar(x))', () => {
  it('round-trips every field, as an object and through JSON text', () => {
    const exchanges = richExchanges();
    expect(parsedExchanges(toHar(exchanges))).toStrictEqual(exchanges);
    expect(parsedExchanges(JSON.stringify(toHar(exchanges)))).toStrictEqual(exchanges);
  });

  it('keeps absent and empty bodies apart', () => {
    const absent = anExchange({ id: 'a' });
    const empty = {
      ...anExchange({ id: 'e' }),
      requestBody: { kind: 'text', text: '' },
      responseBody: { kind: 'text', text: '' },
    } as HttpExchange;
    const [back1, back2] = parsedExchanges(JSON.stringify(toHar([absent, empty])));
    expect(back1?.requestBody).toEqual({ kind: 'absent' });
    expect(back1?.responseBody).toEqual({ kind: 'absent' });
    expect(back2?.requestBody).toStrictEqual({ kind: 'text', text: '' });
    expect(back2?.responseBody).toStrictEqual({ kind: 'text', text: '' });
  });

  it('keeps an undefined statusText apart from an empty one', () => {
    const none = anExchange({ id: 'n' });
    const empty = { ...anExchange({ id: 'e' }), statusText: '' };
    const [a, b] = parsedExchanges(toHar([none, empty]));
    expect(a && 'statusText' in a).toBe(false);
    expect(b?.statusText).toBe('');
  });

  it('gives repeated ids a suffix so ids stay unique', () => {
    const har = toHar([anExchange({ id: 'dup' }), anExchange({ id: 'dup' })]);
    expect(parsedExchanges(har).map((e) => e.id)).toEqual(['dup', 'dup#2']);
  });

  it('falls back to the HAR fields when _stepupInspector is from an unknown version or garbled', () => {
    const har = toHar([anExchange({ id: 'x', responseJson: { ok: true } })]);
    const entry = har.log.entries[0]!;
    (entry as unknown as Record<string, unknown>)._stepupInspector = { version: 99, id: 'ignored' };
    const [exchange] = parsedExchanges(har);
    expect(exchange?.id).toBe('har_0');
    expect(exchange?.sources).toEqual(['har']);
    expect(exchange?.responseBody).toMatchObject({ kind: 'text', text: '{"ok":true}' });

    (entry as unknown as Record<string, unknown>)._stepupInspector = {
      version: 1,
      id: 42,
      sources: 'webrequest',
      startedAt: 'soon',
      pageReported: 'yes',
      requestBody: { kind: 'mystery' },
    };
    const [fallback] = parsedExchanges(har);
    expect(fallback?.id).toBe('har_0');
    expect(fallback?.sources).toEqual(['har']);
    expect(fallback?.startedAt).toBe(Date.parse(entry.startedDateTime));
    expect(fallback && 'pageReported' in fallback).toBe(false);
  });
});

/** Trimmed from a real Chrome 139 "Export HAR (with sensitive data)" of the demo app; values replaced. */
const chromeHar = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    pages: [
      {
        startedDateTime: '2026-09-21T12:00:00.000Z',
        id: 'page_1',
        title: 'https://shop.example.com/checkout',
        pageTimings: { onContentLoad: 312.4, onLoad: 540.1 },
      },
    ],
    entries: [
      {
        _initiator: { type: 'script', stack: { callFrames: [] } },
        _priority: 'High',
        _resourceType: 'preflight',
        cache: {},
        connection: '443',
        pageref: 'page_1',
        request: {
          method: 'OPTIONS',
          url: 'https://auth.shop.example.com/v1/session/stepup/request',
          httpVersion: 'http/2.0',
          headers: [
            { name: ':authority', value: 'auth.shop.example.com' },
            { name: ':method', value: 'OPTIONS' },
            { name: 'access-control-request-headers', value: 'authorization,content-type,x-sdk-user-agent' },
            { name: 'access-control-request-method', value: 'POST' },
            { name: 'origin', value: 'https://shop.example.com' },
          ],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 0,
        },
        response: {
          status: 204,
          statusText: '',
          httpVersion: 'http/2.0',
          headers: [
            { name: 'access-control-allow-credentials', value: 'true' },
            { name: 'access-control-allow-origin', value: 'https://shop.example.com' },
          ],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
          _transferSize: 120,
          _error: null,
          _fetchedViaServiceWorker: false,
        },
        serverIPAddress: '203.0.113.7',
        startedDateTime: '2026-09-21T12:00:01.000Z',
        time: 23.417000000000002,
        timings: {
          blocked: 1.2,
          dns: -1,
          ssl: -1,
          connect: -1,
          send: 0.1,
          wait: 21.9,
          receive: 0.217,
          _blocked_queueing: 0.8,
        },
      },
      {
        _initiator: { type: 'script' },
        _priority: 'High',
        _resourceType: 'fetch',
        cache: {},
        request: {
          method: 'POST',
          url: 'https://auth.shop.example.com/v1/session/stepup/request',
          httpVersion: 'http/2.0',
          headers: [
            { name: ':authority', value: 'auth.shop.example.com' },
            { name: 'accept', value: 'application/json' },
            { name: 'authorization', value: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.sig' },
            { name: 'content-type', value: 'application/json' },
            { name: 'x-sdk-user-agent', value: 'Prelude/0.6.0 Core/0.6.0 (Web)' },
          ],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 27,
          postData: { mimeType: 'application/json', text: '{"scope":"transfer:write"}' },
        },
        response: {
          status: 200,
          statusText: '',
          httpVersion: 'http/2.0',
          headers: [
            { name: 'content-type', value: 'application/json' },
            { name: 'date', value: 'Mon, 21 Sep 2026 12:00:01 GMT' },
          ],
          cookies: [],
          content: {
            size: 47,
            mimeType: 'application/json',
            text: '{"status":"review","challenge_token":"eyJ.e30.x"}',
          },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
          _transferSize: 210,
          _error: null,
        },
        serverIPAddress: '203.0.113.7',
        startedDateTime: '2026-09-21T12:00:01.030Z',
        time: 87.5,
        timings: { blocked: 0.5, dns: -1, ssl: -1, connect: -1, send: 0.1, wait: 86.2, receive: 0.7 },
      },
      {
        _resourceType: 'fetch',
        cache: {},
        request: {
          method: 'POST',
          url: 'https://auth.shop.example.com/v1/session/otp',
          httpVersion: 'http/2.0',
          headers: [{ name: 'content-type', value: 'application/json' }],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 31,
          postData: { mimeType: 'application/json', text: '{"challenge_token":"eyJ.e30.x"}' },
        },
        response: {
          status: 204,
          statusText: '',
          httpVersion: 'http/2.0',
          headers: [],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
          _transferSize: 60,
          _error: null,
        },
        startedDateTime: '2026-09-21T12:00:01.200Z',
        time: 40,
        timings: { send: 0, wait: 40, receive: 0 },
      },
      {
        _resourceType: 'fetch',
        cache: {},
        request: {
          method: 'POST',
          url: 'https://auth.shop.example.com/v1/session/refresh',
          httpVersion: '',
          headers: [{ name: 'dpop', value: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.sig' }],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 0,
        },
        response: {
          status: 0,
          statusText: '',
          httpVersion: '',
          headers: [],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
          _transferSize: 0,
          _error: 'net::ERR_CONNECTION_REFUSED',
        },
        startedDateTime: '2026-09-21T12:00:02.000Z',
        time: 3.1,
        timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 0, receive: 3.1 },
      },
      {
        _resourceType: 'image',
        cache: {},
        request: {
          method: 'GET',
          url: 'https://shop.example.com/logo.png',
          httpVersion: 'http/2.0',
          headers: [],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 0,
        },
        response: {
          status: 200,
          statusText: '',
          httpVersion: 'http/2.0',
          headers: [{ name: 'content-type', value: 'image/png' }],
          cookies: [],
          content: { size: 8, mimeType: 'image/png', text: 'iVBORw0KGgo=', encoding: 'base64' },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
        },
        startedDateTime: '2026-09-21T12:00:00.100Z',
        time: 12,
        timings: { send: 0, wait: 12, receive: 0 },
      },
    ],
  },
};

describe('parseHar on a Chrome export', () => {
  it('loads every entry with its headers, bodies, times and creator', () => {
    const result = parseHar(JSON.stringify(chromeHar));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.skipped).toEqual([]);
    expect(result.creator).toEqual({ name: 'WebInspector', version: '537.36' });
    const [preflight, stepUp, otp, refresh, logo] = result.exchanges;

    expect(stepUp).toStrictEqual({
      id: 'har_1',
      method: 'POST',
      url: 'https://auth.shop.example.com/v1/session/stepup/request',
      requestHeaders: chromeHar.log.entries[1]!.request.headers,
      requestBody: {
        kind: 'text',
        text: '{"scope":"transfer:write"}',
        mimeType: 'application/json',
        size: 27,
      },
      status: 200,
      responseHeaders: chromeHar.log.entries[1]!.response.headers,
      responseBody: {
        kind: 'text',
        text: '{"status":"review","challenge_token":"eyJ.e30.x"}',
        mimeType: 'application/json',
        size: 47,
      },
      startedAt: Date.parse('2026-09-21T12:00:01.030Z'),
      endedAt: Date.parse('2026-09-21T12:00:01.030Z') + 87.5,
      sources: ['har'],
    });
    expect(preflight?.method).toBe('OPTIONS');
    expect(preflight?.requestBody).toEqual({ kind: 'absent' });
    expect(otp?.responseBody).toEqual({ kind: 'absent' });
    expect(refresh).toMatchObject({ status: 0, error: 'net::ERR_CONNECTION_REFUSED' });
    expect(logo?.responseBody).toStrictEqual({
      kind: 'base64',
      base64: 'iVBORw0KGgo=',
      mimeType: 'image/png',
      size: 8,
    });
  });

  it('feeds the provider classifier', () => {
    const keys = parsedExchanges(chromeHar).map((exchange) => classifyExchange(exchange)?.endpoint ?? null);
    expect(keys).toEqual(['preflight', 'stepup.request', 'otp.send', 'refresh', null]);
  });
});

describe('parseHar on other tools’ quirks', () => {
  it('reads a Firefox export: offsets in dates, form params without text, missing content text, time -1', () => {
    const firefox = {
      log: {
        version: '1.2',
        creator: { name: 'Firefox', version: '131.0' },
        browser: { name: 'Firefox', version: '131.0' },
        pages: [],
        entries: [
          {
            startedDateTime: '2026-09-21T14:00:00.250+02:00',
            time: 35,
            request: {
              bodySize: 19,
              method: 'POST',
              url: 'https://example.com/form',
              httpVersion: 'HTTP/1.1',
              headers: [{ name: 'Content-Type', value: 'application/x-www-form-urlencoded' }],
              cookies: [],
              queryString: [],
              headersSize: 420,
              postData: {
                mimeType: 'application/x-www-form-urlencoded',
                params: [
                  { name: 'user', value: 'ada lovelace' },
                  { name: 'remember', value: 'on' },
                ],
              },
            },
            response: {
              status: 200,
              statusText: 'OK',
              httpVersion: 'HTTP/1.1',
              headers: [],
              cookies: [],
              content: { mimeType: 'text/html; charset=utf-8', size: 1024 },
              redirectURL: '',
              headersSize: 210,
              bodySize: 512,
            },
            cache: {},
            timings: { blocked: -1, dns: 0, connect: 0, ssl: 0, send: 0, wait: 35, receive: 0 },
            serverIPAddress: '93.184.216.34',
            connection: '443',
            _securityState: 'secure',
          },
          {
            startedDateTime: '2026-09-21T14:00:01+02:00',
            time: -1,
            request: { method: 'GET', url: 'https://example.com/pending', headers: [], cookies: [] },
            response: { status: 0, statusText: '', headers: [], content: { size: 0, mimeType: '' } },
          },
        ],
      },
    };
    const [form, pending] = parsedExchanges(firefox);
    expect(form?.startedAt).toBe(Date.UTC(2026, 8, 21, 12, 0, 0, 250));
    expect(form?.endedAt).toBe((form?.startedAt ?? 0) + 35);
    expect(form?.statusText).toBe('OK');
    expect(form?.requestBody).toStrictEqual({
      kind: 'text',
      text: 'user=ada+lovelace&remember=on',
      mimeType: 'application/x-www-form-urlencoded',
      size: 19,
    });
    expect(form?.responseBody).toEqual({ kind: 'absent' });
    expect(pending && 'endedAt' in pending).toBe(false);
    expect(pending?.status).toBe(0);
  });

  it('reads Charles/Proxyman exports: base64 content, microsecond dates, numeric header values, no timings', () => {
    const json = '{"code":"bad_check_code","message":"wrong code","type":"bad_request"}';
    const charles = {
      log: {
        version: '1.2',
        creator: { name: 'Charles Proxy', version: '5.0', comment: '' },
        entries: [
          {
            startedDateTime: '2026-09-21T19:00:00.123456+07:00',
            time: 61.75,
            request: {
              method: 'POST',
              url: 'https://demo.session.prelude.dev/v1/session/otp/check',
              httpVersion: 'HTTP/1.1',
              cookies: [],
              headers: [
                { name: 'Content-Length', value: 40 },
                { name: 'DPoP', value: 'eyJ.e30.s', comment: '' },
                { value: 'no name' },
                'garbage',
              ],
              queryString: [],
              postData: { mimeType: 'application/json', text: '{"code":"000000","challenge_token":"ct"}' },
              headersSize: -1,
              bodySize: 40,
            },
            response: {
              _charlesStatus: 'COMPLETE',
              status: '400',
              statusText: 'Bad Request',
              httpVersion: 'HTTP/1.1',
              cookies: [],
              headers: [{ name: 'Content-Type', value: 'application/json' }],
              content: {
                size: json.length,
                mimeType: 'application/json',
                text: btoa(json),
                encoding: 'base64',
              },
              redirectURL: null,
              headersSize: -1,
              bodySize: -1,
            },
            serverIPAddress: '203.0.113.1',
            cache: {},
            _proxymanMetadata: { id: 7 },
          },
        ],
      },
    };
    const [check] = parsedExchanges(charles);
    expect(check?.startedAt).toBe(Date.UTC(2026, 8, 21, 12, 0, 0, 123));
    expect(check?.status).toBe(400);
    expect(check?.requestHeaders).toEqual([
      { name: 'Content-Length', value: '40' },
      { name: 'DPoP', value: 'eyJ.e30.s' },
    ]);
    expect(check?.responseBody).toMatchObject({
      kind: 'base64',
      base64: btoa(json),
      mimeType: 'application/json',
    });
    expect(classifyExchange(check!)?.endpoint).toBe('otp.check');
  });

  it('accepts a log without a version and entries with an unreadable start time', () => {
    const har = {
      log: {
        entries: [
          { startedDateTime: '2026-01-01T00:00:00Z', request: { method: 'GET', url: 'https://a.example/' } },
          { startedDateTime: 'yesterday-ish', request: { method: 'GET', url: 'https://a.example/2' } },
        ],
      },
    };
    const [first, second] = parsedExchanges(har);
    expect(second?.startedAt).toBe(first?.startedAt);
    expect(second?.responseBody).toEqual({ kind: 'absent' });
    expect(second?.status).toBe(0);
  });

  it('skips unusable entries with a reason and loads the rest', () => {
    const result = parseHar({
      log: {
        version: '1.2',
        entries: [
          null,
          {},
          { request: {} },
          { request: { method: 'GET' } },
          { request: { method: 'GET', url: '/relative/path' } },
          { request: { method: 'NOT A METHOD', url: 'https://a.example/' } },
          {
            request: { method: 'GET', url: 'https://a.example/ok' },
            startedDateTime: '2026-01-01T00:00:00Z',
          },
          [],
        ],
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.exchanges.map((e) => e.url)).toEqual(['https://a.example/ok']);
    expect(result.exchanges[0]?.id).toBe('har_6');
    expect(result.skipped.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 7]);
    for (const skip of result.skipped) expect(skip.reason.length).toBeGreaterThan(0);
  });
});

describe('parseHar errors', () => {
  it.each<[string, unknown, string]>([
    ['text that is not JSON', '{"log": ', 'not_json'],
    ['a JSON array', '[]', 'not_har'],
    ['an object without log', { entries: [] }, 'not_har'],
    ['a log without entries', { log: { version: '1.2' } }, 'not_har'],
    ['entries that are not a list', { log: { entries: {} } }, 'not_har'],
    ['a HAR 2 file', { log: { version: '2.0', entries: [] } }, 'unsupported_version'],
    ['null', null, 'not_har'],
  ])('rejects %s', (_name, input, code) => {
    const result = parseHar(input);
    expect(result).toMatchObject({ ok: false, error: { code } });
    if (!result.ok) expect(result.error.message.length).toBeGreaterThan(0);
  });

  it('accepts a BOM before the JSON', () => {
    expect(parseHar('\ufeff{"log":{"version":"1.2","entries":[]}}').ok).toBe(true);
  });

  it('refuses text and entry counts over the caps', () => {
    const text = JSON.stringify(toHar([anExchange(), anExchange()]));
    expect(parseHar(text, { maxTextLength: 100 })).toMatchObject({ ok: false, error: { code: 'too_large' } });
    expect(parseHar(text, { maxEntries: 1 })).toMatchObject({ ok: false, error: { code: 'too_large' } });
  });

  it('ignores an inherited log (prototype pollution)', () => {
    const crafted = Object.create({ log: { entries: [] } }) as object;
    expect(parseHar(crafted)).toMatchObject({ ok: false, error: { code: 'not_har' } });
  });
});

describe('parseHar with real SDK traffic shapes', () => {
  it('round-trips exchanges built by the fixtures', () => {
    const exchanges = [
      anExchange({
        path: '/stepup/request',
        requestJson: { scope: 'a' },
        responseJson: { status: 'review' },
      }),
      anExchange({ path: `${API_BASE}/otp/check`, requestJson: { code: '1', challenge_token: 'c' } }),
    ];
    const har: Har = JSON.parse(JSON.stringify(toHar(exchanges))) as Har;
    expect(parsedExchanges(har)).toStrictEqual(exchanges);
  });
});
