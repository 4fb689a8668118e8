import { describe, expect, it, vi } from 'vitest';
import { exportFilename, exportLog, importLog, SLICE_MS } from '../../../src/core/export/export.ts';
import { REDACTED_SIGNATURE, redactExchanges } from '../../../src/core/export/redact.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { parseLogFile } from '../../../src/core/http/log-file.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';

const NOW = Date.UTC(2026, 8, 21, 14, 3, 7); // 2026-09-21 14:03:07 UTC

describe('exportFilename', () => {
  it('names the file after the page host and the UTC time', () => {
    expect(
      exportFilename([], {
        format: 'har',
        redact: false,
        source: { url: 'https://App.Example.com/x' },
        now: NOW,
      }),
    ).toBe('stepup-app.example.com-20260921-140307.har');
    expect(
      exportFilename([], {
        format: 'json',
        redact: true,
        source: { url: 'http://localhost:5173/' },
        now: NOW,
      }),
    ).toBe('stepup-localhost-5173-20260921-140307-redacted.json');
  });

  it('falls back to the first exchange host, then to "log"', () => {
    expect(exportFilename([anExchange()], { format: 'json', redact: false, now: NOW })).toBe(
      'stepup-demo.session.prelude.dev-20260921-140307.json',
    );
    expect(exportFilename([], { format: 'json', redact: false, now: NOW })).toBe(
      'stepup-log-20260921-140307.json',
    );
  });
});

describe('exportLog', () => {
  it('writes an inspector log with its metadata', async () => {
    const { exchanges } = await aStepUpFlow();
    const file = exportLog(exchanges, {
      format: 'json',
      redact: false,
      source: { url: 'https://app.example.com/pay', title: 'Pay' },
      now: NOW,
    });
    expect(file.mimeType).toBe('application/json');
    expect(file.filename).toBe('stepup-app.example.com-20260921-140307.json');
    expect(file.redaction).toBeUndefined();
    const parsed = JSON.parse(file.text) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      format: 'stepup-inspector-log',
      version: 1,
      redacted: false,
      exportedAt: '2026-09-21T14:03:07.000Z',
      source: { url: 'https://app.example.com/pay', title: 'Pay' },
    });
    expect(parsed['exchanges']).toEqual(exchanges);
  });

  it('writes a HAR 1.2 with a page, and marks a redacted one', async () => {
    const { exchanges } = await aStepUpFlow();
    const file = exportLog(exchanges, {
      format: 'har',
      redact: true,
      source: { url: 'https://app.example.com/pay' },
      creator: { name: 'Step-Up Inspector', version: '9.9.9' },
      now: NOW,
    });
    expect(file.filename).toBe('stepup-app.example.com-20260921-140307-redacted.har');
    const har = JSON.parse(file.text) as {
      log: Record<string, unknown> & { entries: { pageref?: string }[] };
    };
    expect(har.log['version']).toBe('1.2');
    expect(har.log['creator']).toEqual({ name: 'Step-Up Inspector', version: '9.9.9' });
    expect(har.log['pages']).toEqual([
      expect.objectContaining({ id: 'page_1', title: 'https://app.example.com/pay' }),
    ]);
    expect(har.log.entries.every((e) => e.pageref === 'page_1')).toBe(true);
    expect(har.log['_stepupInspector']).toEqual({ redacted: true });
    expect(file.redaction?.signatures).toBeGreaterThan(0);
    expect(file.text).toContain(`.${REDACTED_SIGNATURE}`);
  });

  it('redacts only when asked', async () => {
    const { exchanges } = await aStepUpFlow();
    const plain = exportLog(exchanges, { format: 'json', redact: false, now: NOW });
    const redacted = exportLog(exchanges, { format: 'json', redact: true, now: NOW });
    expect(plain.text).not.toContain(`.${REDACTED_SIGNATURE}"`);
    expect(JSON.parse(redacted.text)).toMatchObject({ redacted: true });
    expect(redacted.text).toContain('"code\\":\\"REDACTED\\"');
  });
});

describe('importLog', () => {
  it('reads back an unredacted export of either format, exchanges identical', async () => {
    const { exchanges } = await aStepUpFlow({ wrongCodes: 1, consume: 'app' });
    for (const format of ['json', 'har'] as const) {
      const file = exportLog(exchanges, {
        format,
        redact: false,
        source: { url: 'https://app.example.com' },
        now: NOW,
      });
      const result = await importLog(file.text, { fileName: file.filename });
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(result.kind).toBe(format === 'har' ? 'har' : 'inspector');
      expect(result.exchanges).toEqual(exchanges);
      expect(result.skipped).toEqual([]);
      expect(result.redacted).toBe(false);
      expect(result.name).toBe(file.filename);
    }
  });

  it('round trip: export → import → analyse gives the same report', async () => {
    const { exchanges } = await aStepUpFlow({
      steps: ['verify_sms', 'kyc_review'],
      wrongCodes: 1,
      nonceRotation: true,
      consume: 'password_reset',
    });
    const expected = buildJsonReport(await analyse(exchanges));
    const expectedRedacted = buildJsonReport(await analyse(redactExchanges(exchanges)));
    for (const format of ['json', 'har'] as const) {
      for (const redact of [false, true]) {
        const file = exportLog(exchanges, { format, redact, now: NOW });
        const result = await importLog(file.text);
        if (!result.ok) throw new Error(result.error.message);
        expect(result.redacted).toBe(redact);
        const report = buildJsonReport(await analyse(result.exchanges));
        expect(report).toEqual(redact ? expectedRedacted : expected);
      }
    }
  });

  it('names the log after the page, or the tool that wrote it, without a file name', async () => {
    const { exchanges } = await aStepUpFlow();
    const withTitle = await importLog(
      exportLog(exchanges, {
        format: 'json',
        redact: false,
        source: { url: 'https://a.test/', title: 'Checkout' },
      }).text,
    );
    expect(withTitle.ok && withTitle.name).toBe('Checkout');
    const withUrl = await importLog(
      exportLog(exchanges, { format: 'json', redact: false, source: { url: 'https://a.test/' } }).text,
    );
    expect(withUrl.ok && withUrl.name).toBe('a.test');
    const har = await importLog(exportLog(exchanges, { format: 'har', redact: false }).text);
    expect(har.ok && har.name).toBe('HAR from Step-Up Inspector');
  });

  it('reports progress from 0 to exactly 1, yielding between chunks', async () => {
    const many: HttpExchange[] = Array.from({ length: 1200 }, (_, i) =>
      anExchange({ id: `e${i}`, startedAt: 1_790_000_000_000 + i }),
    );
    for (const format of ['json', 'har'] as const) {
      const text = exportLog(many, { format, redact: false, now: NOW }).text;
      const seen: number[] = [];
      let ticks = 0;
      const timer = setInterval(() => (ticks += 1), 0);
      const result = await importLog(text, { chunkSize: 500, onProgress: (f) => seen.push(f) });
      clearInterval(timer);
      expect(result.ok && result.exchanges.length).toBe(1200);
      expect(seen[0]).toBe(0);
      expect(seen.at(-1)).toBe(1);
      expect(seen.length).toBeGreaterThanOrEqual(4); // 0, after parsing, three chunks of 500, 1
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      expect(ticks).toBeGreaterThan(0);
    }
  });

  it('without a chunk size, converts for a time slice between yields', async () => {
    const many: HttpExchange[] = Array.from({ length: 1200 }, (_, i) =>
      anExchange({ id: `e${i}`, startedAt: 1_790_000_000_000 + i }),
    );
    for (const format of ['json', 'har'] as const) {
      const text = exportLog(many, { format, redact: false, now: NOW }).text;
      // A clock that moves a whole slice between two looks: every step of entries ends its slice.
      let clock = 0;
      const slow = vi.spyOn(performance, 'now').mockImplementation(() => (clock += SLICE_MS));
      const seen: number[] = [];
      const result = await importLog(text, { onProgress: (f) => seen.push(f) });
      slow.mockRestore();
      expect(result.ok && result.exchanges.length).toBe(1200);
      // 0, after parsing, then one update per slice (each a single step of entries here), ending at 1.
      expect(seen.length).toBeGreaterThanOrEqual(6);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      expect(seen.at(-1)).toBe(1);
    }
  });

  it('reaches 1 on failure too, and survives a throwing progress callback', async () => {
    const seen: number[] = [];
    const result = await importLog('not json', {
      onProgress: (f) => {
        seen.push(f);
        throw new Error('boom');
      },
    });
    expect(result.ok).toBe(false);
    expect(seen).toEqual([0, 1]);
  });

  it('gives typed errors for bad files, with parseLogFile codes and messages', async () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      ['   ', 'empty'],
      ['{"log": {"entries": [', 'not_json'],
      ['<html></html>', 'not_json'],
      ['[1, 2]', 'unknown_format'],
      ['42', 'unknown_format'],
      ['{"hello": "world"}', 'unknown_format'],
      ['{"log": {}}', 'unknown_format'],
      ['{"log": {"version": "2.0", "entries": []}}', 'unsupported_version'],
      ['{"format": "stepup-inspector-log", "version": 99, "exchanges": []}', 'unsupported_version'],
      ['{"format": "stepup-inspector-log", "version": 1}', 'malformed'],
    ];
    for (const [text, code] of cases) {
      const result = await importLog(text);
      expect(result, text).toEqual(parseLogFile(text));
      expect(result.ok ? 'ok' : result.error.code, text).toBe(code);
    }
  });

  it('converts HAR entries chunk by chunk exactly as parseLogFile does', async () => {
    const entry = (extra: Record<string, unknown>, i: number): Record<string, unknown> => ({
      startedDateTime: new Date(1_790_000_000_000 + i * 1000).toISOString(),
      time: 12,
      request: { method: 'POST', url: `https://demo.session.prelude.dev/v1/session/otp?i=${i}`, headers: [] },
      response: { status: 204, statusText: '', headers: [], content: { size: 0, mimeType: '' } },
      ...extra,
    });
    const entries = Array.from({ length: 23 }, (_, i) => {
      if (i % 7 === 3) return { request: { url: 'not a url' } }; // skipped
      if (i % 5 === 1)
        return entry({ _stepupInspector: { version: 1, id: 'dup', startedAt: 1, sources: ['har'] } }, i);
      return entry({}, i);
    });
    const text = JSON.stringify({
      log: { version: '1.2', creator: { name: 'Chrome', version: '130' }, entries },
    });
    const expected = parseLogFile(text);
    for (const chunkSize of [1, 2, 5, 500]) {
      const result = await importLog(text, { chunkSize });
      if (!expected.ok || !result.ok) throw new Error('expected a HAR');
      expect(result.exchanges).toEqual(expected.exchanges);
      expect(result.skipped).toEqual(expected.skipped);
      expect(result.meta).toEqual(expected.meta);
    }
  });

  it('matches parseLogFile for HAR entries without a start time (parsed in one go)', async () => {
    const entries = [
      { startedDateTime: '2026-09-21T14:00:00.000Z', request: { method: 'GET', url: 'https://a.test/1' } },
      { startedDateTime: 'garbage', request: { method: 'GET', url: 'https://a.test/2' } },
      { request: { method: 'GET', url: 'https://a.test/3' } },
    ];
    const text = JSON.stringify({ log: { entries } });
    const expected = parseLogFile(text);
    const result = await importLog(text, { chunkSize: 1 });
    expect(result.ok && expected.ok).toBe(true);
    if (result.ok && expected.ok) expect(result.exchanges).toEqual(expected.exchanges);
  });

  it('converts inspector exports chunk by chunk exactly as parseLogFile does', async () => {
    const good = anExchange({ id: 'same' });
    const items: unknown[] = [good, { id: 'broken' }, good, { ...good, id: 'other' }, good];
    const text = JSON.stringify({
      format: 'stepup-inspector-log',
      version: 1,
      redacted: true,
      exchanges: items,
    });
    const expected = parseLogFile(text);
    const result = await importLog(text, { chunkSize: 2 });
    if (!expected.ok || !result.ok) throw new Error('expected a log');
    expect(result.exchanges).toEqual(expected.exchanges);
    expect(result.exchanges.map((e) => e.id)).toEqual(['same', 'same#2', 'other', 'same#3']);
    expect(result.skipped).toEqual(expected.skipped);
    expect(result.redacted).toBe(true);
  });

  it('strips a BOM like parseLogFile', async () => {
    const text = `\ufeff${exportLog([anExchange()], { format: 'json', redact: false }).text}`;
    const result = await importLog(text);
    expect(result.ok && result.exchanges.length).toBe(1);
  });
});
