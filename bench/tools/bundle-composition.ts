/**
 * Which sources make up a built chunk: `npx vite build --sourcemap --outDir /tmp/x` then
 * `npx tsx bench/tools/bundle-composition.ts /tmp/x/assets/panel-*.js [top]`. Bytes of generated code per
 * source (from the source map's segments), grouped by package for node_modules.
 */
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

export async function composition(file: string): Promise<Map<string, { bytes: number; text: string }>> {
  const code = await readFile(file, 'utf8');
  const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[]; mappings: string };
  const lines = code.split('\n');
  const bySource = new Map<string, { bytes: number; text: string }>();
  let source = 0;
  map.mappings.split(';').forEach((line, lineNo) => {
    const text = lines[lineNo] ?? '';
    let column = 0;
    const segments = line
      .split(',')
      .filter(Boolean)
      .map((s) => {
        const v = decodeVlq(s);
        column += v[0] ?? 0;
        if (v.length >= 4) source += v[1] ?? 0;
        return { column, source: v.length >= 4 ? source : -1 };
      });
    segments.forEach((seg, i) => {
      const end = segments[i + 1]?.column ?? text.length;
      const name = seg.source >= 0 ? (map.sources[seg.source] ?? '?') : '(generated)';
      const key = name.includes('node_modules/')
        ? `npm:${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1] ?? name}`
        : name.replace(/^(\.\.\/)+/, '');
      const entry = bySource.get(key) ?? { bytes: 0, text: '' };
      entry.bytes += end - seg.column;
      entry.text += text.slice(seg.column, end);
      bySource.set(key, entry);
    });
  });
  return bySource;
}

if (process.argv[1]?.endsWith('bundle-composition.ts')) {
  const [file, top = '40'] = process.argv.slice(2);
  if (!file) throw new Error('usage: bundle-composition.ts chunk.js [top]');
  const parts = await composition(file);
  const rows = [...parts].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(top));
  const total = [...parts.values()].reduce((n, p) => n + p.bytes, 0);
  console.log(`${total} bytes mapped`);
  for (const [name, { bytes, text }] of rows)
    console.log(`${String(bytes).padStart(8)}  ${String(gzipSync(text).length).padStart(7)} gz  ${name}`);
}
