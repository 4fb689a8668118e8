/**
 * A CPU profile of the panel importing the bench's 10,000-exchange HAR, in Chromium: the panel opened as a tab
 * (as `bench/browser/panel-render.ts` does), one import as a warm-up, then one recorded with the CDP Profiler on
 * the panel's page, from `setInputFiles` until the import is analysed and its progress dialog gone. Prints the
 * import's User Timing marks and writes the profile.
 *
 * The extension is built unminified with source maps into a temporary directory first, so the profile names
 * functions and `cpuprofile-summary.ts --maps` can attribute them to source files (STEPUP_BENCH_DIST measures
 * another build instead). Runs a browser: hold the lock.
 *
 *   flock /tmp/e2e.lock npx tsx bench/tools/profile-panel-import.ts /tmp/panel.cpuprofile
 *   npx tsx bench/tools/cpuprofile-summary.ts /tmp/panel.cpuprofile 40 --maps <build directory it printed>
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserBench, closeBrowserBench, openTab, ROOT } from '../browser/harness.ts';
import { benchHar, removeBenchHar } from '../browser/panel-render.ts';

const [out = '/tmp/panel-import.cpuprofile'] = process.argv.slice(2);
const log = (message: string): void => console.error(message);

function buildUnminified(outDir: string): Promise<void> {
  const vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const args = [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--minify', 'false', '--sourcemap'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}`))));
  });
}

/** Imports the HAR and waits until the import is analysed; returns its marks relative to `start`. */
async function importOnce(panel: Page, harPath: string): Promise<Record<string, number>> {
  await panel.getByTestId('tab-exchanges').click();
  await panel.evaluate(() => performance.clearMarks());
  await panel.getByTestId('import-file').setInputFiles(harPath);
  await panel.waitForFunction(
    () => performance.getEntriesByName('stepup:import:analysed').length > 0,
    undefined,
    {
      timeout: 120_000,
      polling: 100,
    },
  );
  await panel.getByTestId('import-progress').waitFor({ state: 'detached', timeout: 120_000 });
  return panel.evaluate(() => {
    const marks: Record<string, number> = {};
    const start = performance.getEntriesByName('stepup:import:start')[0]?.startTime ?? 0;
    for (const entry of performance.getEntriesByType('mark'))
      if (entry.name.startsWith('stepup:import:'))
        marks[entry.name.slice('stepup:import:'.length)] = entry.startTime - start;
    return marks;
  });
}

if (process.env['STEPUP_BENCH_DIST'] === undefined) {
  const dir = await mkdtemp(join(tmpdir(), 'stepup-profile-dist-'));
  log(`building the extension unminified, with source maps, into ${dir}…`);
  await buildUnminified(dir);
  process.env['STEPUP_BENCH_DIST'] = dir;
}
try {
  const bench = await browserBench(log, false);
  const har = await benchHar(10_000, 1_000, log);
  const target = await openTab(bench.context, `${bench.plainOrigin}/`);
  const panel = await bench.openPanel(await bench.tabIdOf(target));
  log(`warm-up import: ${JSON.stringify(await importOnce(panel, har.path))}`);
  await panel.reload();
  await panel.getByTestId('panel-app').waitFor();
  const cdp = await bench.context.newCDPSession(panel);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const marks = await importOnce(panel, har.path);
  const { profile } = await cdp.send('Profiler.stop');
  await writeFile(out, JSON.stringify(profile));
  const shown = Object.entries(marks)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`)
    .join(', ');
  console.log(`profiled import (ms after stepup:import:start): ${shown}`);
  console.log(`profile: ${out}; build: ${process.env['STEPUP_BENCH_DIST']}`);
} finally {
  await closeBrowserBench();
  await removeBenchHar();
}
