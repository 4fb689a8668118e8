/**
 * The CLI's file system on Node: what `CliIo` needs beyond the streams. Shared by main.ts and the tests, so
 * the tests run the same same-file check the command does.
 */
import { readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIo } from './cli.ts';

/** Reads and writes UTF-8 files; `sameFile` follows symbolic links and hard links. */
export const nodeFiles: Pick<CliIo, 'readFile' | 'writeFile' | 'sameFile'> = {
  readFile: (path) => readFile(path, 'utf8'),
  writeFile: (path, text) => writeFile(path, text, 'utf8'),
  sameFile: async (a, b) => {
    const [statA, statB] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
    // Both exist: one inode is one file, whatever the names (links, `./`, case-insensitive file systems).
    if (statA !== null && statB !== null) return statA.dev === statB.dev && statA.ino === statB.ino;
    const real = async (path: string): Promise<string> => realpath(path).catch(() => resolve(path));
    return (await real(a)) === (await real(b));
  },
};
