/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof` or CDP Profiler.stop): self time and total time per
 * function, top N of each. `npx tsx bench/tools/cpuprofile-summary.ts file.cpuprofile [top]`
 */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
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

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const name = (n: ProfileNode): string => {
    const f = n.callFrame;
    const where = f.url ? f.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/') : '';
    return `${f.functionName || '(anonymous)'} ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
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
    const url = node.callFrame.url;
    const file = url
      ? url
          .replace(/^.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, 'npm:$1')
          .replace(/^.*\/(src|bench)\//, '$1/')
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
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuprofile-summary.ts file.cpuprofile [top]');
  console.log(summarise(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, Number(top)));
}
