/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof` or CDP Profiler.stop): self time by file (npm packages
 * grouped), self time and total time per function, top N of each.
 *
 *   npx tsx bench/tools/cpuprofile-summary.ts file.cpuprofile [top] [--maps <dir>]
 *
 * `--maps <dir>`: a build with source maps (`vite build --sourcemap`, as `profile-panel-import.ts` makes):
 * frames in its chunks (`chrome-extension://<id>/assets/x.js` → `<dir>/assets/x.js.map`) are attributed to their
 * source files and lines instead of the chunk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame is in the sources: its file (as the map or URL names it) and 1-based line. */
type Locate = (frame: CallFrame) => { file: string; line: number } | undefined;

/** A locator through the source maps of the build in `dir`, one map per chunk, loaded on first use. */
export function sourceMapLocator(dir: string): Locate {
  const maps = new Map<string, SourceMap | null>();
  return (frame) => {
    if (!frame.url || frame.lineNumber < 0) return undefined;
    let path: string;
    try {
      path = new URL(frame.url).pathname;
    } catch {
      return undefined;
    }
    let map = maps.get(path);
    if (map === undefined) {
      const file = join(dir, `${path}.map`);
      map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as never) : null;
      maps.set(path, map);
    }
    if (map === null) return undefined;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber ?? 0) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (entry.originalSource === undefined) return undefined;
    return { file: entry.originalSource, line: (entry.originalLine ?? 0) + 1 };
  };
}

/** `…/node_modules/x/…`, `…/src/…` and `…/bench/…` paths, shortened to where they start. */
function shorten(path: string): string {
  return path.replace(/^.*?\/(node_modules|src|bench)\//, '$1/');
}

export function summarise(profile: CpuProfile, top = 25, locate: Locate = () => undefined): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const where = (n: ProfileNode): { file: string; line: number } | undefined => {
    const f = n.callFrame;
    const mapped = locate(f);
    if (mapped !== undefined) return { file: shorten(mapped.file), line: mapped.line };
    return f.url ? { file: shorten(f.url), line: f.lineNumber + 1 } : undefined;
  };
  const name = (n: ProfileNode): string => {
    const at = where(n);
    return `${n.callFrame.functionName || '(anonymous)'}${at ? ` ${at.file}:${at.line}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(name(node), (self.get(name(node)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      const key = name(n);
      if (seen.has(key)) continue; // recursion counts once
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + us);
    }
  }
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const at = where(node);
    const file = at
      ? at.file.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, 'npm:$1')
      : node.callFrame.functionName.startsWith('(')
        ? node.callFrame.functionName
        : '(native)';
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const all = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fmt = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  return `sampled ${(all / 1000).toFixed(0)} ms\n\nself time by file:\n${fmt(byFile)}\n\nself time:\n${fmt(self)}\n\ntotal time:\n${fmt(total)}`;
}

if (process.argv[1]?.endsWith('cpuprofile-summary.ts')) {
  const args = process.argv.slice(2);
  const mapsAt = args.indexOf('--maps');
  const maps = mapsAt >= 0 ? args.splice(mapsAt, 2)[1] : undefined;
  const [file, top = '25'] = args;
  if (!file) throw new Error('usage: cpuprofile-summary.ts file.cpuprofile [top] [--maps <build dir>]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(summarise(profile, Number(top), maps === undefined ? undefined : sourceMapLocator(maps)));
}
