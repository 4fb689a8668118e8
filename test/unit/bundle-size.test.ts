/**
 * Bundle budgets, enforced in `npm test` (docs/performance.md): the page hook injected into pages ≤ 4 KiB
 * minified; the panel's initial load ≤ 80 KiB gzip.
 *
 * The extension is built here, with the project's own vite config, into a temporary directory. Reading dist/
 * instead would measure whatever was last built: nothing at all on a fresh checkout (`npm test` runs the unit
 * tests before `test:e2e` builds), and stale files during development. Vite 8 builds the extension in a few
 * seconds, so a fresh build is the cheaper way to be right. Set STEPUP_BUNDLE_DIST to measure an existing
 * build instead (it must exist).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGETS, measureBundle, type BundleReport } from '../../bench/bundle.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let outDir: string | undefined;
let report: BundleReport;

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stepup-bundle-'));
  const vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`vite build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return dir;
}

const describeKiB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe('bundle budgets', () => {
  beforeAll(() => {
    const given = process.env['STEPUP_BUNDLE_DIST'];
    if (given !== undefined) {
      if (!existsSync(join(given, 'manifest.json')))
        throw new Error(`STEPUP_BUNDLE_DIST=${given} holds no build`);
      report = measureBundle(given);
      return;
    }
    outDir = build();
    report = measureBundle(outDir);
  }, 180_000);

  afterAll(() => {
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
  });

  it(`the page hook is at most ${describeKiB(BUNDLE_BUDGETS.pageHook)} minified`, () => {
    expect(
      report.pageHook.bytes,
      `${report.pageHook.file} is ${report.pageHook.bytes} bytes (budget ${BUNDLE_BUDGETS.pageHook})`,
    ).toBeLessThanOrEqual(BUNDLE_BUDGETS.pageHook);
  });

  it(`the panel's initial load is at most ${describeKiB(BUNDLE_BUDGETS.panelGzip)} gzip`, () => {
    const files = report.panelInitial.map((f) => `${f.file} ${f.gzip}`).join(', ');
    expect(
      report.panelInitialGzip,
      `panel initial load ${report.panelInitialGzip} bytes gzip (budget ${BUNDLE_BUDGETS.panelGzip}): ${files}`,
    ).toBeLessThanOrEqual(BUNDLE_BUDGETS.panelGzip);
  });

  it('the panel loads its module script, its stylesheet and the chunks they import', () => {
    // Guards the measure itself: a panel.html whose entry was not found would pass any budget.
    expect(report.panelInitial.some((f) => /assets\/panel-[\w-]+\.js$/.test(f.file))).toBe(true);
    expect(report.panelInitial.some((f) => f.file.endsWith('.css'))).toBe(true);
    expect(report.panelInitialGzip).toBeGreaterThan(10 * 1024);
  });
});
