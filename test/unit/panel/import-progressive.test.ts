// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { importLog } from '../../../src/core/export/export.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toHar } from '../../../src/core/http/har.ts';
import { PREVIEW_ENTRIES, PREVIEW_HEAD_BYTES } from '../../../src/panel/session/import-preview.ts';
import { commandsFor, fakeServices, storeWith } from './render-panel.tsx';

/** Enough app traffic for a HAR larger than the preview head. */
function bigHar(): { text: string; count: number } {
  const list: HttpExchange[] = [];
  const body = 'x'.repeat(3000);
  for (let i = 0; list.length * 3200 < PREVIEW_HEAD_BYTES * 2; i += 1) {
    list.push({
      id: `x${i}`,
      method: 'GET',
      url: `https://app.example.com/api/balance?i=${i}`,
      requestHeaders: [],
      requestBody: { kind: 'absent' },
      status: 200,
      responseHeaders: [{ name: 'Content-Type', value: 'text/plain' }],
      responseBody: { kind: 'text', text: body },
      startedAt: 1_790_000_000_000 + i * 1000,
      sources: ['webrequest'],
    });
  }
  return { text: JSON.stringify(toHar(list)), count: list.length };
}

describe('commands.importFile, large files', () => {
  it('shows the first entries at once, then every exchange, then the model, in one session', async () => {
    const { text, count } = bigHar();
    const store = storeWith([], null);
    const seen: { exchanges: number; model: boolean; bar: boolean }[] = [];
    store.subscribe((s) => {
      const session = s.imports[0];
      if (!session) return;
      const last = seen.at(-1);
      const now = {
        exchanges: session.exchanges.length,
        model: session.model !== null,
        bar: s.importProgress?.sessionId === session.id,
      };
      if (!last || last.exchanges !== now.exchanges || last.model !== now.model) seen.push(now);
    });
    const ok = await commandsFor(store, fakeServices({ importLog })).importFile(new File([text], 'big.har'));
    expect(ok).toBe(true);
    expect(seen.map((s) => [s.exchanges, s.model])).toEqual([
      [PREVIEW_ENTRIES, false],
      [count, false],
      [count, true],
    ]);
    expect(seen[1]?.bar).toBe(true); // the progress sits beside the rows while the rest loads
    const state = store.getState();
    expect(state.imports).toHaveLength(1);
    expect(state.activeSession).toBe(state.imports[0]?.id);
    expect(state.importProgress).toBeNull();
    expect(state.notice?.text).toMatch(new RegExp(`Opened big\\.har: ${count} exchanges`));
  });
});
