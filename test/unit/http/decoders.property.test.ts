/** Every decoder of outside input must return a typed result for any input, and the writers must round-trip. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyJson, bodyText } from '../../../src/core/http/body.ts';
import type { Body, ExchangeSource, Header, HttpExchange } from '../../../src/core/http/exchange.ts';
import { parseHar, toHar } from '../../../src/core/http/har.ts';
import { parseLogFile, toExchange, toInspectorLog } from '../../../src/core/http/log-file.ts';
import { looksLikePreludeSession } from '../../../src/core/providers/prelude/index.ts';
import { classifyExchange } from '../../../src/core/providers/registry.ts';

const SOURCES: ExchangeSource[] = ['webrequest', 'devtools', 'page-hook', 'har', 'import', 'inspector'];

/** Any JS number an exchange time may hold, except NaN/±Infinity (not valid) and -0 (JSON cannot keep it). */
const timeArb = fc
  .oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: -1e300, max: 1e300, noNaN: true }))
  .filter((n) => !Object.is(n, -0));

const headerArb: fc.Arbitrary<Header> = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 24 }),
    value: fc.string({ maxLength: 48, unit: 'binary' }),
  },
  { noNullPrototype: true },
);

const bodyMetaKeys = { mimeType: fc.string({ maxLength: 30 }), truncated: fc.boolean(), size: fc.nat() };

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'absent' }),
  fc.record(
    {
      kind: fc.constant('text' as const),
      text: fc.string({ maxLength: 200, unit: 'binary' }),
      ...bodyMetaKeys,
    },
    { requiredKeys: ['kind', 'text'], noNullPrototype: true },
  ),
  fc.record(
    {
      kind: fc.constant('base64' as const),
      base64: fc.uint8Array({ maxLength: 64 }).map((bytes) => btoa(String.fromCharCode(...bytes))),
      ...bodyMetaKeys,
    },
    { requiredKeys: ['kind', 'base64'], noNullPrototype: true },
  ),
);

const preludeUrlArb = fc
  .tuple(
    fc.constantFrom(
      'https://demo.session.prelude.dev',
      'https://auth.shop.example.com',
      'http://localhost:8443',
      'https://edge.prelude.dev',
    ),
    fc.constantFrom('', '/v1/session', '/api/v1/session', '/v1/signals', '/.well-known'),
    fc.constantFrom(
      '',
      '/',
      '/otp',
      '/otp/check/',
      '/stepup/request',
      '/login/oauth/okta/authorize',
      '//',
      '/jwks.json',
      '/me/list',
    ),
    fc.constantFrom('', '?limit=1', '?next=/v1/session/refresh', '#/v1/session/x'),
  )
  .map((parts) => parts.join(''));

const urlArb = fc.oneof(preludeUrlArb, fc.webUrl({ withQueryParameters: true, withFragments: true }));

const exchangeArb: fc.Arbitrary<HttpExchange> = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 24 }),
    method: fc.oneof(
      fc.constantFrom('GET', 'POST', 'OPTIONS', 'DELETE', 'post'),
      fc.stringMatching(/^[A-Z]{1,8}$/),
    ),
    url: urlArb,
    requestHeaders: fc.oneof(
      fc.array(headerArb, { maxLength: 4 }),
      fc.constant<Header[]>([{ name: 'X-SDK-User-Agent', value: 'Prelude/0.6.0 Core/0.6.0 (Web)' }]),
    ),
    requestBody: bodyArb,
    status: fc.integer({ min: 0, max: 999 }),
    statusText: fc.string({ maxLength: 20 }),
    responseHeaders: fc.array(headerArb, { maxLength: 4 }),
    responseBody: bodyArb,
    startedAt: timeArb,
    endedAt: timeArb,
    error: fc.string({ maxLength: 40 }),
    sources: fc.array(fc.constantFrom(...SOURCES), { maxLength: 3 }),
    initiator: fc.constantFrom('page' as const, 'inspector' as const),
    pageReported: fc.boolean(),
  },
  {
    requiredKeys: [
      'id',
      'method',
      'url',
      'requestHeaders',
      'requestBody',
      'status',
      'responseHeaders',
      'responseBody',
      'startedAt',
      'sources',
    ],
    // Parsed JSON and our decoders make plain objects; strict equality tells the two apart.
    noNullPrototype: true,
  },
);

const exchangesArb = fc.uniqueArray(exchangeArb, { selector: (exchange) => exchange.id, maxLength: 6 });

/** A valid exchange with one field replaced by anything, to reach the deeper validation paths. */
const mutatedExchangeArb = fc
  .tuple(exchangeArb, fc.constantFrom(...Object.keys(exchangeArbKeys())), fc.anything())
  .map(([exchange, key, value]) => ({ ...exchange, [key]: value }) as unknown);

function exchangeArbKeys(): Record<keyof HttpExchange, true> {
  return {
    id: true,
    method: true,
    url: true,
    requestHeaders: true,
    requestBody: true,
    status: true,
    statusText: true,
    responseHeaders: true,
    responseBody: true,
    startedAt: true,
    endedAt: true,
    error: true,
    sources: true,
    initiator: true,
    pageReported: true,
  };
}

const hostileJsonArb = fc.oneof(fc.json(), fc.string(), fc.string({ unit: 'binary' }));

describe('decoders never throw', () => {
  it('parseHar, for any value or text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), hostileJsonArb), (input) => {
        const result = parseHar(input);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('parseHar, for HAR-shaped values with junk entries', () => {
    const harLike = fc.record({
      log: fc.record(
        {
          version: fc.oneof(fc.constantFrom('1.2', '1.1', '2.0'), fc.anything()),
          creator: fc.anything(),
          entries: fc.array(
            fc.oneof(
              fc.anything(),
              exchangesArb.map((list) => toHar(list).log.entries[0] as unknown),
              fc.record({ request: fc.anything(), response: fc.anything(), _stepupInspector: fc.anything() }),
              fc.record({
                request: fc.record({
                  method: fc.constant('GET'),
                  url: urlArb,
                  postData: fc.anything(),
                  headers: fc.anything(),
                }),
                response: fc.record({
                  status: fc.anything(),
                  content: fc.anything(),
                  headers: fc.anything(),
                }),
                startedDateTime: fc.anything(),
                time: fc.anything(),
              }),
            ),
            { maxLength: 5 },
          ),
        },
        { requiredKeys: ['entries'] },
      ),
    });
    fc.assert(
      fc.property(harLike, (har) => {
        const result = parseHar(har);
        const text = parseHar(JSON.stringify(har) ?? '');
        expect(result.ok || !result.ok).toBe(true);
        expect(typeof text.ok).toBe('boolean');
      }),
    );
  });

  it('parseLogFile, for any text', () => {
    fc.assert(
      fc.property(hostileJsonArb, (text) => {
        expect(typeof parseLogFile(text).ok).toBe('boolean');
      }),
    );
  });

  it('parseLogFile, for inspector logs with mutated exchanges', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedExchangeArb, fc.anything()), { maxLength: 5 }), (items) => {
        const text = JSON.stringify({
          format: 'stepup-inspector-log',
          version: 1,
          exportedAt: 'x',
          redacted: false,
          exchanges: items,
        });
        const result = parseLogFile(text);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.exchanges.length + result.skipped.length).toBe(items.length);
      }),
    );
  });

  it('bodyJson and bodyText, for anything', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          bodyArb,
          fc.record({
            kind: fc.constantFrom('text', 'base64', 'absent'),
            text: fc.anything(),
            base64: fc.anything(),
            truncated: fc.anything(),
          }),
        ),
        (body) => {
          const result = bodyJson(body as Body);
          expect(typeof result.ok).toBe('boolean');
          const text = bodyText(body as Body);
          expect(text === undefined || typeof text === 'string').toBe(true);
        },
      ),
    );
  });

  it('toExchange, for anything', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), mutatedExchangeArb), (value) => {
        const result = toExchange(value);
        expect(typeof result === 'string' || (typeof result === 'object' && result !== null)).toBe(true);
      }),
    );
  });

  it('classifyExchange, for anything and for exchanges with odd fields', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), mutatedExchangeArb, exchangeArb), (value) => {
        const result = classifyExchange(value as HttpExchange);
        expect(result === null || typeof result.endpoint === 'string').toBe(true);
      }),
    );
  });
});

describe('round trips', () => {
  it('toExchange keeps a valid exchange as it is', () => {
    fc.assert(
      fc.property(exchangeArb, (exchange) => {
        expect(toExchange(exchange)).toStrictEqual(exchange);
        expect(toExchange(JSON.parse(JSON.stringify(exchange)))).toStrictEqual(exchange);
      }),
    );
  });

  it('parseHar(toHar(x)) deep-equals x, as an object and as JSON text', () => {
    fc.assert(
      fc.property(exchangesArb, (exchanges) => {
        const har = toHar(exchanges);
        const fromObject = parseHar(har);
        const fromText = parseHar(JSON.stringify(har));
        expect(fromObject).toStrictEqual({ ok: true, exchanges, skipped: [], creator: har.log.creator });
        expect(fromText).toStrictEqual(fromObject);
      }),
    );
  });

  it('parseLogFile reads back an inspector export and a HAR of the same exchanges', () => {
    fc.assert(
      fc.property(exchangesArb, fc.boolean(), (exchanges, redacted) => {
        const log = toInspectorLog(exchanges, { redacted, exportedAt: '2026-01-01T00:00:00.000Z' });
        const inspector = parseLogFile(JSON.stringify(log));
        expect(inspector).toMatchObject({ ok: true, kind: 'inspector', skipped: [] });
        expect(inspector.ok && inspector.exchanges).toStrictEqual(exchanges);
        const har = parseLogFile(JSON.stringify(toHar(exchanges)));
        expect(har.ok && har.exchanges).toStrictEqual(exchanges);
      }),
    );
  });
});

describe('classification', () => {
  it('is only ever given to exchanges the hot-path filter lets through', () => {
    fc.assert(
      fc.property(exchangeArb, (exchange) => {
        if (classifyExchange(exchange) !== null) {
          expect(looksLikePreludeSession(exchange.url, exchange.requestHeaders)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
