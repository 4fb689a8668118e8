/**
 * Bundle sizes of the built extension, deterministic for a given build:
 *
 * - page hook: bytes of the file the worker registers in pages (`src/content/page-hook.iife.js`), as built
 *   (minified). It is injected into every page of the sites the user opted in, at document_start.
 * - panel initial load, gzip: what `src/panel/panel.html` loads before it can render: its module script, every
 *   chunk that script imports statically (followed through the chunks, so a chunk missing from the
 *   modulepreload list still counts) and its stylesheets; each file gzipped on its own (level 9), summed.
 *   Chunks the panel only imports dynamically (on first use) are reported apart.
 *
 * Used by `npm run bench` (the `bundle` measure) and by test/unit/bundle-size.test.ts, which enforces the
 * budgets in `npm test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchMeasure, Figure } from './types.ts';

/** Budgets, in bytes (KiB). */
export const BUNDLE_BUDGETS = { pageHook: 4 * 1024, panelGzip: 80 * 1024 } as const;

export const PAGE_HOOK_FILE = 'src/content/page-hook.iife.js';
export const PANEL_HTML = 'src/panel/panel.html';

export interface FileSize {
  file: string;
  bytes: number;
  gzip: number;
}

export interface BundleReport {
  pageHook: FileSize;
  /** Files of the panel's initial load, in discovery order. */
  panelInitial: FileSize[];
  /** Chunks reachable only through dynamic imports. */
  panelLazy: FileSize[];
  panelInitialGzip: number;
  panelLazyGzip: number;
}

function sizeOf(dist: string, file: string): FileSize {
  const content = readFileSync(join(dist, file));
  return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
}

/** `/assets/x.js` or `./x.js` relative to `from` (a dist-relative path) → dist-relative path. */
function resolve(from: string, specifier: string): string {
  if (specifier.startsWith('/')) return specifier.slice(1);
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

const STATIC_IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["'`]([^"'`]+\.js)["'`]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["'`]([^"'`]+\.js)["'`]\s*\)/g;

/** Reads dist/ (throws when it holds no build). */
export function measureBundle(dist: string): BundleReport {
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`${dist} holds no built extension`);
  const html = readFileSync(join(dist, PANEL_HTML), 'utf8');
  const entries: string[] = [];
  for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g))
    entries.push(resolve(PANEL_HTML, m[1] ?? ''));
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g))
    entries.push(resolve(PANEL_HTML, m[1] ?? ''));
  const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) =>
    resolve(PANEL_HTML, m[1] ?? ''),
  );

  const initial = new Set<string>();
  const lazy = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (initial.has(file)) continue;
    initial.add(file);
    const code = readFileSync(join(dist, file), 'utf8');
    for (const m of code.matchAll(STATIC_IMPORT)) queue.push(resolve(file, m[1] ?? ''));
    for (const m of code.matchAll(DYNAMIC_IMPORT)) lazy.add(resolve(file, m[1] ?? ''));
  }
  // A lazy chunk's own static imports are lazy too, unless the initial load has them already.
  const lazyQueue = [...lazy];
  while (lazyQueue.length > 0) {
    const file = lazyQueue.shift() as string;
    const code = readFileSync(join(dist, file), 'utf8');
    for (const m of [...code.matchAll(STATIC_IMPORT), ...code.matchAll(DYNAMIC_IMPORT)]) {
      const dep = resolve(file, m[1] ?? '');
      if (!initial.has(dep) && !lazy.has(dep)) {
        lazy.add(dep);
        lazyQueue.push(dep);
      }
    }
  }
  for (const file of initial) lazy.delete(file);

  const panelInitial = [...initial, ...styles].map((f) => sizeOf(dist, f));
  const panelLazy = [...lazy].map((f) => sizeOf(dist, f));
  const sum = (list: FileSize[]) => list.reduce((n, f) => n + f.gzip, 0);
  return {
    pageHook: sizeOf(dist, PAGE_HOOK_FILE),
    panelInitial,
    panelLazy,
    panelInitialGzip: sum(panelInitial),
    panelLazyGzip: sum(panelLazy),
  };
}

export const bundleMeasure: BenchMeasure = {
  id: 'bundle',
  title: 'Bundle sizes',
  async run({ build, log }): Promise<Figure[]> {
    const { extensionDir } = await import('./browser/harness.ts');
    const report = measureBundle(await extensionDir(log, build));
    const js = report.panelInitial.filter((f) => f.file.endsWith('.js'));
    const css = report.panelInitial.filter((f) => f.file.endsWith('.css'));
    const gz = (list: FileSize[]) => `${(list.reduce((n, f) => n + f.gzip, 0) / 1024).toFixed(1)} KiB`;
    return [
      {
        id: 'bundle.page_hook',
        label: 'page hook, minified',
        unit: 'bytes',
        measured: report.pageHook.bytes,
        budget: BUNDLE_BUDGETS.pageHook,
        note: `${report.pageHook.file}; ${report.pageHook.gzip} B gzip`,
      },
      {
        id: 'bundle.panel_gzip',
        label: 'panel initial load, gzip',
        unit: 'bytes',
        measured: report.panelInitialGzip,
        budget: BUNDLE_BUDGETS.panelGzip,
        note: `${js.length} JS files ${gz(js)} + CSS ${gz(css)}; loaded on first use: ${report.panelLazy.length} chunks, ${gz(report.panelLazy)}`,
      },
    ];
  },
};
