/** Running `stepup-inspect` in tests: in-process with the real file system, or as the real command. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '../../../src/cli/cli.ts';
import { nodeFiles } from '../../../src/cli/node-io.ts';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A stack-trace line, which the CLI must never print. */
export const STACK_TRACE = /^\s+at .+\(.+:\d+:\d+\)$/m;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process: the real file system, output collected, stdout not a terminal unless `isTTY`. */
export async function cli(argv: string[], options: { isTTY?: boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    ...nodeFiles,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: options.isTTY ?? false,
    env: {},
    version: '0.1.0-test',
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/**
 * Runs the real command in a child process, stdout and stderr piped: `bin/stepup-inspect.mjs` unless another
 * entry is given (`['--import', 'tsx', 'src/cli/main.ts']` is what `npm run inspect` runs).
 */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  entry: readonly string[] = ['bin/stepup-inspect.mjs'],
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    // Decoded as a stream, so a character split between two chunks is not mangled.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
