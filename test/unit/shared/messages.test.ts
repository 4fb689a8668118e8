import { describe, expect, it } from 'vitest';
import {
  MAX_PAGE_BATCH,
  MAX_PAGE_MESSAGE_CHARS,
  PROTOCOL_VERSION,
  concreteOriginOf,
  isConcreteOrigin,
  originProblem,
  parseHookDetail,
  parseToBackground,
  storageKeys,
} from '../../../src/shared/messages.ts';

const batch = (exchanges: unknown) => ({ v: PROTOCOL_VERSION, type: 'pageExchanges', exchanges });

describe('parseToBackground: pageExchanges', () => {
  it('is at most 50 exchanges per message', () => {
    expect(MAX_PAGE_BATCH).toBe(50);
  });

  it('accepts an empty batch, a batch with null entries and a full batch, in order', () => {
    expect(parseToBackground(batch([]))).toEqual({ v: 1, type: 'pageExchanges', exchanges: [] });
    const mixed = [{ method: 'POST' }, null, 'junk', 42];
    expect(parseToBackground(batch(mixed))).toEqual({ v: 1, type: 'pageExchanges', exchanges: mixed });
    const full = Array.from({ length: MAX_PAGE_BATCH }, (_, i) => ({ i }));
    const parsed = parseToBackground(batch(full));
    expect(parsed?.type).toBe('pageExchanges');
    if (parsed?.type !== 'pageExchanges') return;
    expect(parsed.exchanges).toHaveLength(50);
    expect(parsed.exchanges.map((e) => (e as { i: number }).i)).toEqual(full.map((e) => e.i));
  });

  it('keeps only the envelope it knows: a tab id in the message is not passed on', () => {
    const parsed = parseToBackground({ ...batch([null]), tabId: 99, sender: 'forged' });
    expect(parsed).toEqual({ v: 1, type: 'pageExchanges', exchanges: [null] });
    expect(Object.keys(parsed ?? {}).sort()).toEqual(['exchanges', 'type', 'v']);
  });

  it('refuses 51 exchanges', () => {
    expect(parseToBackground(batch(Array.from({ length: MAX_PAGE_BATCH + 1 }, () => null)))).toBeNull();
    expect(parseToBackground(batch(new Array(1000)))).toBeNull();
  });

  it('refuses exchanges that are not an array', () => {
    for (const exchanges of [undefined, null, {}, { length: 1, 0: {} }, 'x', 3, { exchange: {} }])
      expect(parseToBackground(batch(exchanges)), JSON.stringify(exchanges)).toBeNull();
    expect(parseToBackground({ v: 1, type: 'pageExchanges' })).toBeNull();
  });

  it('refuses another protocol version', () => {
    for (const v of [0, 2, '1', undefined, null])
      expect(parseToBackground({ v, type: 'pageExchanges', exchanges: [] }), String(v)).toBeNull();
  });

  it("refuses the old one-at-a-time 'pageExchange' message", () => {
    expect(parseToBackground({ v: 1, type: 'pageExchange', exchange: { method: 'GET' } })).toBeNull();
    expect(parseToBackground({ v: 1, type: 'pageExchange', exchanges: [] })).toBeNull();
  });

  it('refuses messages that are not records', () => {
    for (const message of [null, undefined, 'pageExchanges', 1, [batch([])], [1, 'pageExchanges']])
      expect(parseToBackground(message)).toBeNull();
  });
});

describe('parseToBackground: the other messages still parse', () => {
  it('accepts well-formed ones and drops malformed tab ids', () => {
    expect(parseToBackground({ v: 1, type: 'clearLog', tabId: 3 })).toEqual({
      v: 1,
      type: 'clearLog',
      tabId: 3,
    });
    expect(parseToBackground({ v: 1, type: 'clearLog', tabId: -1 })).toBeNull();
    expect(parseToBackground({ v: 1, type: 'clearLog', tabId: 1.5 })).toBeNull();
    expect(parseToBackground({ v: 1, type: 'setPreserve', tabId: 2, preserve: 'yes' })).toBeNull();
    expect(parseToBackground({ v: 1, type: 'getHookOrigins' })).toEqual({ v: 1, type: 'getHookOrigins' });
    expect(parseToBackground({ v: 1, type: 'unknown' })).toBeNull();
  });
});

describe('parseToBackground: setHook and getTabOrigin', () => {
  it('passes the origin on as typed (the worker checks it and says why not) with an optional tab id', () => {
    expect(
      parseToBackground({ v: 1, type: 'setHook', origin: 'https://*', enabled: true, tabId: 4 }),
    ).toEqual({
      v: 1,
      type: 'setHook',
      origin: 'https://*',
      enabled: true,
      tabId: 4,
    });
    expect(parseToBackground({ v: 1, type: 'setHook', origin: 'https://a.example', enabled: false })).toEqual(
      {
        v: 1,
        type: 'setHook',
        origin: 'https://a.example',
        enabled: false,
      },
    );
    for (const tabId of [-1, 1.5, '4', null])
      expect(
        parseToBackground({ v: 1, type: 'setHook', origin: 'https://a.example', enabled: true, tabId }),
      ).toBeNull();
    expect(parseToBackground({ v: 1, type: 'setHook', origin: 42, enabled: true, tabId: 4 })).toBeNull();
  });

  it('getTabOrigin needs a tab id', () => {
    expect(parseToBackground({ v: 1, type: 'getTabOrigin', tabId: 3 })).toEqual({
      v: 1,
      type: 'getTabOrigin',
      tabId: 3,
    });
    expect(parseToBackground({ v: 1, type: 'getTabOrigin' })).toBeNull();
  });
});

describe('originProblem / isConcreteOrigin (what the page hook may be registered for)', () => {
  it('accepts exactly one http(s) origin as the browser writes it', () => {
    for (const origin of [
      'http://localhost:5173',
      'https://app.example',
      'https://app.example:8443',
      'http://127.0.0.1:3000',
      'http://[::1]:8080',
      'https://xn--bcher-kva.example',
    ])
      expect(originProblem(origin), origin).toBeNull();
  });

  it('refuses wildcards, paths, user info, other schemes and non-canonical spellings, saying why', () => {
    expect(originProblem('https://*')).toMatch(/wildcard/);
    expect(originProblem('https://*.example.com')).toMatch(/wildcard/);
    expect(originProblem('http://localhost:5173/*')).toMatch(/wildcard/);
    expect(originProblem('https://user:pw@app.example')).toMatch(/user info/);
    expect(originProblem('file:///etc/passwd')).toMatch(/not an http or https origin/);
    expect(originProblem('chrome://extensions')).toMatch(/not an http or https origin/);
    expect(originProblem('not a url')).toMatch(/not an origin/);
    for (const origin of [
      'https://app.example/',
      'https://app.example/path',
      'https://APP.example',
      'https://bücher.example',
      'http://app.example:80',
      'https://app.example?x',
      'https://%2A.example',
    ])
      expect(originProblem(origin), origin).toMatch(/not exactly one origin/);
    expect(isConcreteOrigin('https://app.example')).toBe(true);
    expect(isConcreteOrigin(42)).toBe(false);
  });

  it('names an overlong value shortened', () => {
    expect(originProblem(`https://${'a'.repeat(200)}*`)?.length).toBeLessThan(150);
  });
});

describe('concreteOriginOf (a URL the browser reported)', () => {
  it('gives the origin of an http(s) page and null for anything else', () => {
    expect(concreteOriginOf('https://app.example:8443/a/b?c=d#e')).toBe('https://app.example:8443');
    expect(concreteOriginOf('http://user:pw@localhost:5173/')).toBe('http://localhost:5173');
    for (const url of [
      undefined,
      '',
      'about:blank',
      'chrome://newtab/',
      'data:text/html,x',
      'blob:https://app.example/uuid',
      'file:///tmp/x.html',
      'view-source:https://app.example/',
      'https://*/',
    ])
      expect(concreteOriginOf(url), String(url)).toBeNull();
  });
});

describe('storageKeys', () => {
  it('names the background-capture pending flag apart from the log, pending requests and the page hook settings', () => {
    const key = storageKeys.backgroundCapturePending;
    expect(key).toBe('bg-capture-pending');
    expect(storageKeys.isTab(key)).toBe(false);
    expect(storageKeys.isExchange(key)).toBe(false);
    expect(key.startsWith(storageKeys.pending(''))).toBe(false);
    expect(key).not.toBe(storageKeys.pageHookSettings);
  });

  it('keeps the per-tab key scheme', () => {
    expect(storageKeys.tab(7)).toBe('tab:7');
    expect(storageKeys.exchange('7-12')).toBe('ex:7-12');
    expect(storageKeys.pending('abc')).toBe('wr:abc');
    expect(storageKeys.isTab('tab:7')).toBe(true);
    expect(storageKeys.isExchange('ex:7-12')).toBe(true);
    expect(storageKeys.tabOfExchangeKey('ex:7-12')).toBe(7);
    expect(storageKeys.tabOfExchangeKey('ex:123-0')).toBe(123);
  });
});

describe('parseHookDetail (page hook → relay, forgeable by the page)', () => {
  const exchange = { method: 'GET', url: 'https://x.session.prelude.dev/v1/session/me' };

  it('returns the exchange of the JSON text of a version-1 hook message', () => {
    expect(parseHookDetail(JSON.stringify({ v: 1, exchange }))).toEqual(exchange);
  });

  it.each([
    ['an object, not its JSON', { v: 1, exchange }],
    ['a number', 42],
    ['truncated JSON', '{"v":1,"exchange":'],
    ['another version', JSON.stringify({ v: 2, exchange })],
    ['no exchange', JSON.stringify({ v: 1 })],
    ['an array', JSON.stringify([1, exchange])],
    ['JSON null', 'null'],
  ])('refuses %s', (_, detail) => {
    expect(parseHookDetail(detail)).toBeNull();
  });

  it('refuses text over MAX_PAGE_MESSAGE_CHARS without parsing it, accepts it at the limit', () => {
    const at = (n: number) => {
      const shell = JSON.stringify({ v: 1, exchange: { text: '' } });
      return JSON.stringify({ v: 1, exchange: { text: 'x'.repeat(n - shell.length) } });
    };
    expect(at(MAX_PAGE_MESSAGE_CHARS).length).toBe(MAX_PAGE_MESSAGE_CHARS);
    expect(parseHookDetail(at(MAX_PAGE_MESSAGE_CHARS))).not.toBeNull();
    expect(parseHookDetail(at(MAX_PAGE_MESSAGE_CHARS + 1))).toBeNull();
  });

  it('keeps a "__proto__" key as data and pollutes nothing', () => {
    const parsed = parseHookDetail(
      '{"v":1,"exchange":{"__proto__":{"polluted":true},"method":"GET"}}',
    ) as object;
    expect(Object.keys(parsed)).toEqual(['__proto__', 'method']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
