/**
 * `npm run bench` (= `tsx bench/run.ts [--quick] [--only <id>]`): runs every registered measure, prints one table
 * (figure, budget, measured, ratio to the lower bound, pass/fail) and writes bench/results/latest.json.
 * Exits 1 when a figure misses its budget (budgets are not enforced with --quick).
 *
 * To add a measure: write bench/<name>.ts exporting a BenchMeasure (bench/types.ts) and add it to MEASURES.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { analysisMeasure } from './analysis.ts';
import type { BenchMeasure, Figure } from './types.ts';

/** Registered measures, run in this order. */
export const MEASURES: readonly BenchMeasure[] = [analysisMeasure];

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

function table(rows: Row[]): string {
  const header = ['figure', 'budget', 'measured', 'ratio', 'result'];
  const cells = rows.map((r) => [
    r.label,
    r.budget === undefined ? '—' : `≤ ${formatMs(r.budget)}`,
    formatMs(r.measured),
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
  const onlyAt = args.indexOf('--only');
  const only = onlyAt === -1 ? undefined : args[onlyAt + 1];
  const measures = MEASURES.filter((m) => only === undefined || m.id === only);
  if (measures.length === 0) {
    console.error(`no measure called ${only ?? ''}; known: ${MEASURES.map((m) => m.id).join(', ')}`);
    return 2;
  }
  const rows: Row[] = [];
  for (const measure of measures) {
    console.error(`▶ ${measure.title}`);
    const figures = await measure.run({ quick, log: (m) => console.error(`  ${m}`) });
    for (const f of figures) {
      rows.push({
        ...f,
        measure: measure.id,
        ratio: f.baseline !== undefined && f.baseline > 0 ? f.measured / f.baseline : null,
        pass: f.budget === undefined || quick ? null : f.measured <= f.budget,
      });
    }
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

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const result = { date: new Date().toISOString(), machine, quick, figures: rows };
  await writeFile(`${dir}latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote bench/results/latest.json`);
  return rows.some((r) => r.pass === false) ? 1 : 0;
}

process.exitCode = await main();
