import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toHar } from '../../../src/core/http/har.ts';
import { parseLogFile, toExchange, toInspectorLog } from '../../../src/core/http/log-file.ts';
import { anExchange } from '../../fixtures/exchanges.ts';

function exchanges(): HttpExchange[] {
  return [
    {
      ...anExchange({
        id: 'one',
        path: '/stepup/request',
        requestJson: { scope: 's' },
        startedAt: 1_790_000_000_000,
      }),
      pageReported: true,
    },
    {
      ...anExchange({ id: 'two', path: '/otp', status: 204, startedAt: 1_790_000_001_000 }),
      responseBody: { kind: 'text', text: '' },
      error: 'x',
      initiator: 'inspector',
      statusText: 'No Content',
    },
  ];
}

function logText(items: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    format: 'stepup-inspector-log',
    version: 1,
    exportedAt: '2026-09-21T12:00:00.000Z',
    redacted: true,
    exchanges: items,
    ...extra,
  });
}

function expectError(text: string, code: string): string {
  const result = parseLogFile(text);
  expect(result).toMatchObject({ ok: false, error: { code } });
  return result.ok ? '' : result.error.message;
}

describe('toInspectorLog', () => {
  it('writes the export envelope', () => {
    const log = toInspectorLog(exchanges(), {
      redacted: true,
      exportedAt: '2026-09-21T12:00:00.000Z',
      source: { url: 'https://shop.example.com/', title: 'Shop' },
    });
    expect(log).toStrictEqual({
      format: 'stepup-inspector-log',
      version: 1,
      exportedAt: '2026-09-21T12:00:00.000Z',
      redacted: true,
      source: { url: 'https://shop.example.com/', title: 'Shop' },
      exchanges: exchanges(),
    });
  });

  it('stamps the export time when none is given', () => {
    const log = toInspectorLog([], { redacted: false });
    expect(Number.isNaN(Date.parse(log.exportedAt))).toBe(false);
    expect('source' in log).toBe(false);
  });

  it('does not leak keys an exchange picked up at run time', () => {
    const exchange = { ...anExchange({ id: 'k' }), secretCache: 'do not export' } as HttpExchange;
    expect(toInspectorLog([exchange], { redacted: false }).exchanges[0]).not.toHaveProperty('secretCache');
  });
});

describe('parseLogFile: inspector exports', () => {
  it('round-trips an export', () => {
    const text = JSON.stringify(
      toInspectorLog(exchanges(), {
        redacted: true,
        exportedAt: '2026-09-21T12:00:00.000Z',
        source: { title: 'Shop' },
      }),
    );
    expect(parseLogFile(text)).toStrictEqual({
      ok: true,
      kind: 'inspector',
      exchanges: exchanges(),
      skipped: [],
      meta: { exportedAt: '2026-09-21T12:00:00.000Z', redacted: true, source: { title: 'Shop' } },
    });
  });

  it('skips hostile or broken exchanges with a reason and keeps the good ones', () => {
    const good = anExchange({ id: 'good' });
    const wrongTypes: unknown[] = [
      null,
      'an exchange',
      [good],
      { ...good, id: 7 },
      { ...good, id: '' },
      { ...good, method: 'GET /' },
      { ...good, url: '/relative' },
      { ...good, status: '200' },
      { ...good, status: 1000 },
      { ...good, startedAt: 'now' },
      { ...good, startedAt: null },
      { ...good, requestHeaders: 'Accept: */*' },
      { ...good, requestHeaders: [{ name: 'A', value: 1 }] },
      { ...good, responseHeaders: [{ name: '', value: 'x' }] },
      { ...good, requestBody: { kind: 'weird' } },
      { ...good, requestBody: { kind: 'text' } },
      { ...good, responseBody: { kind: 'base64', base64: 'AA==', size: -1 } },
      { ...good, responseBody: { kind: 'text', text: '', truncated: 'yes' } },
      { ...good, sources: 'har' },
      { ...good, pageReported: 'true' },
      { ...good, initiator: 'attacker' },
      { ...good, endedAt: Infinity },
    ];
    const result = parseLogFile(logText([...wrongTypes, good]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.exchanges).toStrictEqual([good]);
    expect(result.skipped.map((s) => s.index)).toEqual(wrongTypes.map((_, i) => i));
    for (const skip of result.skipped) expect(typeof skip.reason).toBe('string');
  });

  it('drops __proto__, constructor and unknown keys without touching prototypes', () => {
    const good = anExchange({ id: 'p' });
    const body = JSON.stringify(good).slice(1, -1);
    // Written as text: an object literal's __proto__ would set the prototype instead of making a key.
    const hostile = `{"__proto__":{"polluted":true,"id":"evil"},"constructor":{"prototype":{"polluted":true}},"isAdmin":true,${body}}`;
    const text = `{"format":"stepup-inspector-log","version":1,"__proto__":{"polluted":true},"exportedAt":"x","redacted":false,"exchanges":[${hostile}]}`;
    const result = parseLogFile(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.exchanges).toStrictEqual([good]);
    const [exchange] = result.exchanges;
    expect(Object.getPrototypeOf(exchange)).toBe(Object.prototype);
    expect(Object.keys(exchange!)).not.toContain('isAdmin');
    expect(Object.keys(exchange!)).not.toContain('__proto__');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('treats __proto__ with the exchange fields inside as no fields at all', () => {
    const inner = JSON.stringify(anExchange({ id: 'inner' }));
    const result = parseLogFile(
      logText([]).replace('"exchanges":[]', `"exchanges":[{"__proto__":${inner}}]`),
    );
    expect(result).toMatchObject({ ok: true, exchanges: [], skipped: [{ index: 0 }] });
  });

  it('rejects huge ids and URLs, and cuts huge header values and bodies', () => {
    const good = anExchange({ id: 'g' });
    const items = [
      { ...good, id: 'i'.repeat(1_000_000) },
      { ...good, url: `https://a.example/${'u'.repeat(3 * 1024 * 1024)}` },
      { ...good, id: 'big-header', requestHeaders: [{ name: 'Cookie', value: 'c'.repeat(2 * 1024 * 1024) }] },
      { ...good, requestHeaders: Array.from({ length: 1001 }, (_, i) => ({ name: `h${i}`, value: '' })) },
      { ...good, id: 'big-body', responseBody: { kind: 'text', text: 'b'.repeat(33 * 1024 * 1024) } },
    ];
    const result = parseLogFile(logText(items));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.skipped.map((s) => [s.index, s.kept ?? false])).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [3, false],
      [4, true],
    ]);
    const [header, big] = result.exchanges;
    expect(header?.requestHeaders[0]).toMatchObject({ name: 'Cookie', truncated: true });
    expect(header?.requestHeaders[0]?.value.length).toBe(1024 * 1024);
    expect(big?.id).toBe('big-body');
    expect(big?.responseBody).toMatchObject({ kind: 'text', truncated: true });
    expect(big?.responseBody.kind === 'text' && big.responseBody.text.length).toBe(32 * 1024 * 1024);
  });

  it('drops unknown source names but keeps the exchange', () => {
    const result = toExchange({ ...anExchange({ id: 's' }), sources: ['har', 'future-source', 3] });
    expect(typeof result).toBe('object');
    expect(typeof result === 'object' && result.sources).toEqual(['har']);
  });

  it('gives repeated ids a suffix', () => {
    const result = parseLogFile(logText([anExchange({ id: 'd' }), anExchange({ id: 'd' })]));
    expect(result.ok && result.exchanges.map((e) => e.id)).toEqual(['d', 'd#2']);
  });

  it('ignores meta fields of the wrong type', () => {
    const result = parseLogFile(logText([], { exportedAt: 5, redacted: 'yes', source: 'page' }));
    expect(result).toMatchObject({ ok: true, meta: {} });
    expect(result.ok && result.meta).toStrictEqual({});
  });
});

describe('parseLogFile: HAR files', () => {
  it('detects a HAR and reports its creator', () => {
    const text = JSON.stringify(
      toHar(exchanges(), { creator: { name: 'Step-Up Inspector', version: '1.0.0' } }),
    );
    expect(parseLogFile(text)).toStrictEqual({
      ok: true,
      kind: 'har',
      exchanges: exchanges(),
      skipped: [],
      meta: { creator: { name: 'Step-Up Inspector', version: '1.0.0' } },
    });
  });

  it('passes on a HAR version error', () => {
    expectError('{"log":{"version":"3.0","entries":[]}}', 'unsupported_version');
  });
});

describe('parseLogFile: files it cannot use', () => {
  it('says an empty file is empty', () => {
    expectError('', 'empty');
    expectError('  \n', 'empty');
  });

  it('says text is not JSON', () => {
    expect(expectError('GET /v1/session/refresh HTTP/1.1', 'not_json')).toMatch(/not JSON/);
  });

  it('says truncated JSON was probably cut off', () => {
    const text = JSON.stringify(toHar(exchanges()));
    expect(expectError(text.slice(0, Math.floor(text.length / 2)), 'not_json')).toMatch(/cut off/);
    expect(expectError('{"log":{"entries":[]}', 'not_json')).toMatch(/cut off/);
  });

  it('explains JSON of the wrong shape', () => {
    expect(expectError('[{"log":{}}]', 'unknown_format')).toMatch(/list/);
    expect(expectError('42', 'unknown_format')).toMatch(/single value/);
    expect(expectError('null', 'unknown_format')).toMatch(/single value/);
    expect(expectError('{"log":{"version":"1.2"}}', 'unknown_format')).toMatch(/log\.entries/);
    expect(expectError('{"hello":"world"}', 'unknown_format')).toBe(
      'This file is JSON but neither a HAR (no log.entries) nor a Step-Up Inspector export (no "format": "stepup-inspector-log").',
    );
  });

  it('refuses an export from a newer version', () => {
    expect(expectError(logText([], { version: 2 }), 'unsupported_version')).toMatch(/version 2/);
  });

  it('refuses an export without an exchanges list', () => {
    expectError('{"format":"stepup-inspector-log","version":1,"exchanges":{}}', 'malformed');
  });

  it('handles a byte-order mark', () => {
    expect(parseLogFile(`\ufeff${logText([])}`)).toMatchObject({ ok: true, kind: 'inspector' });
  });
});
