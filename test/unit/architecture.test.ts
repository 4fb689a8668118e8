import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/core/providers/registry.ts';

const ROOT = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('architecture', () => {
  it('no file in src/core is over 700 lines: a concern that large wants its own file', () => {
    const long = sourceFiles('src/core')
      .map((path) => ({ path, lines: readFileSync(join(ROOT, path), 'utf8').split('\n').length }))
      .filter((file) => file.lines > 700);
    expect(long).toEqual([]);
  });

  it('every registered provider is one folder under src/core/providers, and every folder is registered', () => {
    const folders = readdirSync(join(ROOT, 'src/core/providers'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(PROVIDERS.map((provider) => provider.id).sort()).toEqual(folders);
  });

  it('manifest.json names no provider host: the build adds them from the providers', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const hosts = [
      ...((manifest['host_permissions'] as string[] | undefined) ?? []),
      ...((manifest['optional_host_permissions'] as string[] | undefined) ?? []),
    ];
    for (const provider of PROVIDERS)
      for (const host of provider.capture.hostPermissions) expect(hosts).not.toContain(host);
  });
});
