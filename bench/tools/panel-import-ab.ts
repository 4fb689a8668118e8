/**
 * Two builds of the extension compared on the panel import of the bench's 10,000-exchange HAR, in one
 * Chromium, imports alternating between them (ABBA…) so that a load change on this shared machine hits both:
 * for each build, the medians of the panel's import marks (first rows, file read, parsed, analysed).
 *
 *   flock /tmp/e2e.lock npx tsx bench/tools/panel-import-ab.ts <build A> <build B> [rounds]
 *
 * A build is a directory like dist/ (`vite build --outDir <dir>`). Both are loaded side by side: the second is
 * copied without its manifest `key`, so it gets an id of its own. The panels are opened as tabs without an
 * inspected tab (imports do not need one).
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../test/e2e/harness/launch.ts';
import { extensionIdFromManifest, PANEL_PATH } from '../../test/e2e/harness/extension.ts';
import { benchHar, removeBenchHar } from '../browser/panel-render.ts';
import { median } from '../types.ts';

const [dirA, dirB, roundsText = '6'] = process.argv.slice(2);
if (dirA === undefined || dirB === undefined)
  throw new Error('usage: panel-import-ab.ts <build A> <build B> [rounds]');
const log = (message: string): void => console.error(message);

/** The id Chromium gives an unpacked extension without a `key`: from its absolute path. */
function idFromPath(path: string): string {
  const hex = createHash('sha256').update(path).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode('a'.charCodeAt(0) + parseInt(c, 16))).join('');
}

const MARKS = ['preview', 'read', 'parsed', 'analysed'] as const;

async function importOnce(context: BrowserContext, id: string, har: string): Promise<Record<string, number>> {
  const panel: Page = await context.newPage();
  try {
    await panel.setViewportSize({ width: 1280, height: 800 });
    await panel.goto(`chrome-extension://${id}/${PANEL_PATH}`);
    await panel.getByTestId('panel-app').waitFor();
    await panel.getByTestId('tab-exchanges').click();
    await panel.getByTestId('import-file').setInputFiles(har);
    await panel.waitForFunction(
      () => performance.getEntriesByName('stepup:import:analysed').length > 0,
      undefined,
      { timeout: 120_000, polling: 100 },
    );
    return await panel.evaluate(() => {
      const start = performance.getEntriesByName('stepup:import:start')[0]?.startTime ?? 0;
      const marks: Record<string, number> = {};
      for (const entry of performance.getEntriesByType('mark'))
        if (entry.name.startsWith('stepup:import:'))
          marks[entry.name.slice('stepup:import:'.length)] = entry.startTime - start;
      return marks;
    });
  } finally {
    await panel.close();
  }
}

const copy = await mkdtemp(join(tmpdir(), 'stepup-ab-'));
const pathB = join(copy, 'b');
await cp(resolve(dirB), pathB, { recursive: true });
const manifestB = join(pathB, 'manifest.json');
const manifest = JSON.parse(await readFile(manifestB, 'utf8')) as Record<string, unknown>;
delete manifest['key'];
await writeFile(manifestB, JSON.stringify(manifest));
const pathA = resolve(dirA);
const builds = [
  { name: 'A', id: extensionIdFromManifest(pathA) ?? idFromPath(pathA) },
  { name: 'B', id: idFromPath(pathB) },
];
const chromium = await launchChromium({
  headless: true,
  extensionPath: null,
  args: [`--disable-extensions-except=${pathA},${pathB}`, `--load-extension=${pathA},${pathB}`],
});
try {
  const har = await benchHar(10_000, 1_000, log);
  const results: Record<string, Record<string, number>[]> = { A: [], B: [] };
  const rounds = Number(roundsText);
  // A warm-up import each, then ABBA order.
  for (const build of builds) await importOnce(chromium.context, build.id, har.path);
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const marks = await importOnce(chromium.context, build.id, har.path);
      results[build.name]?.push(marks);
      log(
        `round ${round} ${build.name}: ${MARKS.map((m) => `${m} ${(marks[m] ?? NaN).toFixed(0)}`).join(', ')}`,
      );
    }
  }
  for (const build of builds) {
    const runs = results[build.name] ?? [];
    const line = MARKS.map((m) => `${m} ${median(runs.map((r) => r[m] ?? NaN)).toFixed(0)} ms`).join(', ');
    console.log(`${build.name} (${build.name === 'A' ? dirA : dirB}): medians of ${runs.length}: ${line}`);
  }
} finally {
  await chromium.close();
  await removeBenchHar();
  await rm(copy, { recursive: true, force: true });
}
