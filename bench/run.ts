/**
 * `npm run bench` (= `tsx bench/run.ts [--quick] [--only <id>[,<id>…]] [--no-build]`): runs every registered
 * measure, prints one table (figure, budget, measured, ratio to the lower bound, pass/fail) and writes
 * bench/results/latest.json. When dist/ is missing or older than src/, the extension is built into a temporary
 * directory first (dist/ itself is left alone).
 * Exits 1 when a figure misses its budget or a measure cannot run (budgets are not enforced with --quick).
 *
 * To add a measure: write bench/<name>.ts exporting a BenchMeasure (bench/types.ts) and add it to MEASURES.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { analysisMeasure } from './analysis.ts';
import { bundleMeasure } from './bundle.ts';
import { duplicateIdsMeasure } from './duplicate-ids.ts';
import { closeBrowserBench, removeTemporaryBuild } from './browser/harness.ts';
import { hookOverheadMeasure } from './browser/hook-overhead.ts';
import { liveLatencyMeasure } from './browser/live-latency.ts';
import { panelRenderMeasure, removeBenchHar } from './browser/panel-render.ts';
import { storageMeasure } from './browser/storage.ts';
import type { BenchMeasure, Figure } from './types.ts';

/** Registered measures, run in this order. */
export const MEASURES: readonly BenchMeasure[] = [
  bundleMeasure,
  analysisMeasure,
  duplicateIdsMeasure,
  hookOverheadMeasure,
  panelRenderMeasure,
  liveLatencyMeasure,
  storageMeasure,
];

interface Row extends Figure {
  measure: string;
  ratio: number | null;
  pass: boolean | null;
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(0)} ms`;
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes.toFixed(0)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function format(value: number, unit: Figure['unit']): string {
  if (unit === 'ratio') return Number.isFinite(value) ? `${value.toFixed(3)}×` : '—';
  if (unit === 'bytes') return formatBytes(value);
  return formatMs(value);
}

function table(rows: Row[]): string {
  const header = ['figure', 'budget', 'measured', 'ratio', 'result'];
  const cells = rows.map((r) => [
    r.label,
    r.budget === undefined ? '—' : `≤ ${format(r.budget, r.unit)}`,
    format(r.measured, r.unit),
    r.ratio === null ? '—' : `${r.ratio.toFixed(1)}×`,
    r.pass === null ? 'info' : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string =>
    c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.label}: ${r.note}`);
  return [
    line(header),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...cells.map(line),
    '',
    'Notes:',
    ...notes,
  ].join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const build = !args.includes('--no-build');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt === -1 ? undefined : args[onlyAt + 1];
  const wanted = only?.split(',');
  const measures = MEASURES.filter((m) => wanted === undefined || wanted.includes(m.id));
  if (measures.length === 0) {
    console.error(`no measure called ${only ?? ''}; known: ${MEASURES.map((m) => m.id).join(', ')}`);
    return 2;
  }
  const rows: Row[] = [];
  const failures: string[] = [];
  const runs: { id: string; seconds: number; loadBefore: number; loadAfter: number }[] = [];
  try {
    for (const measure of measures) {
      const loadBefore = os.loadavg()[0] ?? 0;
      console.error(`▶ ${measure.title} (load average ${loadBefore.toFixed(1)})`);
      const started = performance.now();
      let figures: Figure[];
      try {
        figures = await measure.run({ quick, build, log: (m) => console.error(`  ${m}`) });
      } catch (error) {
        // One broken measure must not hide the others' figures: it is reported and fails the run.
        console.error(`  ✗ ${measure.id} failed: ${(error as Error).stack ?? String(error)}`);
        failures.push(`${measure.id}: ${(error as Error).message.split('\n')[0] ?? ''}`);
        continue;
      }
      const seconds = (performance.now() - started) / 1000;
      console.error(`  (${seconds.toFixed(1)} s)`);
      runs.push({ id: measure.id, seconds, loadBefore, loadAfter: os.loadavg()[0] ?? 0 });
      for (const f of figures) {
        rows.push({
          ...f,
          measure: measure.id,
          ratio: f.baseline !== undefined && f.baseline > 0 ? f.measured / f.baseline : null,
          pass: f.budget === undefined || quick ? null : f.measured <= f.budget,
        });
      }
    }
  } finally {
    await closeBrowserBench();
    await removeBenchHar();
    await removeTemporaryBuild();
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const machine = `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${os.platform()} ${os.arch()}, load average ${load}`;
  console.log(
    `\nStep-Up Inspector benchmarks${quick ? ' (quick: budgets not enforced)' : ''} — ${machine}\n`,
  );
  console.log(table(rows));
  if (failures.length > 0)
    console.log(`\nMeasures that could not run:\n${failures.map((f) => `  ${f}`).join('\n')}`);

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const result = { date: new Date().toISOString(), machine, quick, measures: runs, figures: rows, failures };
  await writeFile(`${dir}latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote bench/results/latest.json`);
  return rows.some((r) => r.pass === false) || failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
