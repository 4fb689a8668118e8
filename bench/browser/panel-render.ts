/**
 * The panel with a 10,000-exchange log, in Chromium: the panel opened as a tab
 * (`chrome-extension://<id>/src/panel/panel.html?tabId=<n>`), the Exchanges view selected, a generated HAR
 * (bench/gen-session.ts: real tokens and proofs) given to the import input with `setInputFiles`.
 *
 * - first render: from the input's `change` event (a capture listener, page clock) to the first
 *   `exchange-row` on screen: found by a MutationObserver, then the end of the frame that paints it
 *   (requestAnimationFrame, then a message-channel task, which runs after that frame's paint). The panel's
 *   own User Timing marks (`stepup:import:*`) break it down: file read, parse, analysis.
 *   Each run uses a freshly loaded panel; the first is a warm-up, the figure is the median of the others.
 * - memory: after the last run has finished its analysis, the panel's JS heap (CDP `HeapProfiler.collectGarbage`
 *   then `Runtime.getHeapUsage`), with the 10,000 exchanges and their model held.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PREVIEW_ENTRIES } from '../../src/panel/session/import-preview.ts';
import { generateSession, toHarText } from '../gen-session.ts';
import { median, type BenchMeasure, type Figure } from '../types.ts';
import { browserBench, openTab } from './harness.ts';

interface RenderTimes {
  change: number;
  row: number;
  painted: number;
  marks: Record<string, number>;
  rows: number;
}

/** Installs the observers that time the first render (page clock). */
function instrument(panel: Page): Promise<void> {
  return panel.evaluate(() => {
    const w = window as { __render?: { change?: number; row?: number; painted?: number } };
    const render: { change?: number; row?: number; painted?: number } = {};
    w.__render = render;
    document.addEventListener(
      'change',
      (event) => {
        const target = event.target as HTMLElement | null;
        if (target?.dataset['testid'] === 'import-file' && render.change === undefined)
          render.change = performance.now();
      },
      true,
    );
    const observer = new MutationObserver(() => {
      if (render.row !== undefined || render.change === undefined) return;
      if (!document.querySelector('[data-testid="exchange-row"]')) return;
      render.row = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          render.painted = performance.now();
        };
        channel.port2.postMessage(0);
      });
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
}

async function importOnce(panel: Page, harPath: string, timeoutMs: number): Promise<RenderTimes> {
  await panel.getByTestId('tab-exchanges').click();
  await instrument(panel);
  await panel.getByTestId('import-file').setInputFiles(harPath);
  await panel.waitForFunction(
    () => (window as { __render?: { painted?: number } }).__render?.painted !== undefined,
    undefined,
    { timeout: timeoutMs, polling: 50 },
  );
  // The import has finished once its analysis mark is there and the progress dialog is gone.
  await panel.waitForFunction(
    () => performance.getEntriesByName('stepup:import:analysed').length > 0,
    undefined,
    { timeout: timeoutMs, polling: 100 },
  );
  await panel.getByTestId('import-progress').waitFor({ state: 'detached', timeout: timeoutMs });
  return panel.evaluate(() => {
    const render = (window as { __render?: { change: number; row: number; painted: number } }).__render as {
      change: number;
      row: number;
      painted: number;
    };
    const marks: Record<string, number> = {};
    for (const entry of performance.getEntriesByType('mark'))
      if (entry.name.startsWith('stepup:import:'))
        marks[entry.name.slice('stepup:import:'.length)] = entry.startTime;
    return { ...render, marks, rows: document.querySelectorAll('[data-testid="exchange-row"]').length };
  });
}

/** Shared with the memory measure: the HAR written once per bench run. */
let harFile: Promise<{ path: string; dir: string; exchanges: number }> | undefined;

export function benchHar(exchanges: number, challenges: number, log: (m: string) => void) {
  harFile ??= (async () => {
    log(`generating a ${exchanges.toLocaleString('en')}-exchange HAR…`);
    const session = await generateSession({ exchanges, challenges });
    const dir = await mkdtemp(join(tmpdir(), 'stepup-bench-'));
    const path = join(dir, `session-${exchanges}.har`);
    await writeFile(path, toHarText(session.exchanges));
    return { path, dir, exchanges };
  })();
  return harFile;
}

export async function removeBenchHar(): Promise<void> {
  if (harFile === undefined) return;
  const { dir } = await harFile;
  harFile = undefined;
  await rm(dir, { recursive: true, force: true });
}

export const panelRenderMeasure: BenchMeasure = {
  id: 'panel',
  title: 'Panel with an imported 10,000-exchange log (Chromium)',
  async run({ quick, build, log }): Promise<Figure[]> {
    const bench = await browserBench(log, build);
    const size = quick ? { exchanges: 2_000, challenges: 200 } : { exchanges: 10_000, challenges: 1_000 };
    const har = await benchHar(size.exchanges, size.challenges, log);
    const runs = quick ? 3 : 6;
    const target = await openTab(bench.context, `${bench.plainOrigin}/`);
    const tabId = await bench.tabIdOf(target);
    const panel = await bench.openPanel(tabId);
    const results: RenderTimes[] = [];
    let heapUsed: number | undefined;
    try {
      for (let i = 0; i < runs; i += 1) {
        if (i > 0) {
          await panel.reload();
          await panel.getByTestId('panel-app').waitFor();
        }
        const times = await importOnce(panel, har.path, 120_000);
        results.push(times);
        const m = times.marks;
        log(
          `run ${i}${i === 0 ? ' (warm-up)' : ''}: first row painted ${(times.painted - times.change).toFixed(0)} ms after change (preview ${((m['preview'] ?? NaN) - times.change).toFixed(0)} ms); read ${((m['read'] ?? NaN) - times.change).toFixed(0)} ms, parsed ${((m['parsed'] ?? NaN) - times.change).toFixed(0)} ms, analysed ${((m['analysed'] ?? NaN) - times.change).toFixed(0)} ms; ${times.rows} rows in the DOM`,
        );
      }
      const cdp = await bench.context.newCDPSession(panel);
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
      heapUsed = usage.usedSize;
      await cdp.detach();
    } finally {
      await panel.close().catch(() => undefined);
      await target.close().catch(() => undefined);
    }
    const measured = results.slice(1);
    const since = (key: string) => median(measured.map((r) => (r.marks[key] ?? NaN) - r.change));
    const n = `${har.exchanges.toLocaleString('en')} exchanges`;
    return [
      {
        id: 'panel.first_render',
        label: `panel first render, imported ${n} (change → row painted)`,
        unit: 'ms',
        measured: median(measured.map((r) => r.painted - r.change)),
        budget: 200,
        note: `median of ${measured.length} after a warm-up; first ${PREVIEW_ENTRIES} entries parsed by ${since('preview').toFixed(0)} ms; row inserted → painted ${median(measured.map((r) => r.painted - r.row)).toFixed(0)} ms`,
      },
      {
        id: 'panel.all_rows',
        label: `panel lists all ${n} (whole file read and parsed)`,
        unit: 'ms',
        measured: since('parsed'),
        note: `change → every exchange in the store (file read by ${since('read').toFixed(0)} ms); the table renders them in the next frame`,
      },
      {
        id: 'panel.import_analysed',
        label: `panel import fully analysed, ${n}`,
        unit: 'ms',
        measured: since('analysed'),
        budget: 1500,
        note: `change → the model of every exchange (DPoP signatures verified) is in the store; parsed by ${since('parsed').toFixed(0)} ms, so the analysis took ${(since('analysed') - since('parsed')).toFixed(0)} ms`,
      },
      {
        id: 'panel.heap',
        label: `panel JS heap with ${n} imported`,
        unit: 'bytes',
        measured: heapUsed ?? Number.NaN,
        budget: 50 * 1024 * 1024,
        note: 'after two forced GCs (CDP HeapProfiler.collectGarbage, Runtime.getHeapUsage usedSize)',
      },
    ];
  },
};
