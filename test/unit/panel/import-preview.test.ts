import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toHar } from '../../../src/core/http/har.ts';
import { importLog } from '../../../src/core/export/export.ts';
import { toInspectorLog } from '../../../src/core/http/log-file.ts';
import { previewLogText } from '../../../src/panel/session/import-preview.ts';

function exchanges(count: number): HttpExchange[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `x${i}`,
    method: 'POST',
    url: `https://demo.session.prelude.dev/v1/session/refresh?i=${i}`,
    requestHeaders: [{ name: 'Content-Type', value: 'application/json' }],
    // Braces, brackets, commas, colons and escaped quotes inside strings must not confuse the cut.
    requestBody: { kind: 'text', text: `{"note":"a \\"quoted\\" ] } [ { , : value ${i}"}` },
    status: 200,
    responseHeaders: [],
    responseBody: { kind: 'text', text: '{"ok":[1,2,{"x":"}"}]}' },
    startedAt: 1_790_000_000_000 + i * 1000,
    sources: ['webrequest'],
  }));
}

describe('previewLogText', () => {
  it('cuts the first entries of a HAR into a HAR the importer reads, with the same ids', async () => {
    const list = exchanges(300);
    const text = JSON.stringify(toHar(list));
    const preview = previewLogText(text, 50);
    expect(preview).not.toBeNull();
    const head = await importLog(preview as string);
    const full = await importLog(text);
    expect(head.ok && full.ok).toBe(true);
    if (!head.ok || !full.ok) return;
    expect(head.exchanges).toHaveLength(50);
    expect(head.exchanges).toEqual(full.exchanges.slice(0, 50));
  });

  it('keeps only complete entries when the head ends inside one (even inside a string)', async () => {
    const text = JSON.stringify(toHar(exchanges(20)));
    for (const cut of [0.3, 0.5, 0.77]) {
      const head = text.slice(0, Math.floor(text.length * cut));
      const preview = previewLogText(head, 200);
      expect(preview).not.toBeNull();
      const result = await importLog(preview as string);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.exchanges.length).toBeGreaterThan(0);
    }
  });

  it('cuts an inspector export at its exchanges', async () => {
    const list = exchanges(30);
    const text = JSON.stringify(
      toInspectorLog(list, { redacted: false, exportedAt: '2026-11-23T00:00:00Z' }),
    );
    const preview = previewLogText(text, 10);
    const result = await importLog(preview as string);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.exchanges.map((x) => x.id)).toEqual(list.slice(0, 10).map((x) => x.id));
  });

  it('gives nothing when the whole array is in the head, or there is no array to cut', () => {
    expect(previewLogText(JSON.stringify(toHar(exchanges(3))), 200)).toBeNull();
    expect(
      previewLogText('{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[', 200),
    ).toBeNull();
    expect(previewLogText('{"something":[{"a":1},{"b":2}', 200)).toBeNull();
    expect(previewLogText('not json at all', 200)).toBeNull();
    expect(previewLogText('', 200)).toBeNull();
  });
});
