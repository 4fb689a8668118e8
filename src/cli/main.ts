/**
 * Node entry of `stepup-inspect` (`npm run inspect -- <file>`, or `npx stepup-inspect <file>` through
 * bin/stepup-inspect.mjs). All behaviour is in cli.ts; this file only wires Node's file system and streams.
 */
import { readFile } from 'node:fs/promises';
import { runCli, type CliIo } from './cli.ts';
import { nodeFiles } from './node-io.ts';

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

// `stepup-inspect file.har | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const io: CliIo = {
  ...nodeFiles,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  version: await packageVersion(),
};

process.exitCode = await runCli(process.argv.slice(2), io);
