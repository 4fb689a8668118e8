import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, parseArgs } from '../../../src/cli/cli.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toHar } from '../../../src/core/http/har.ts';
import { toInspectorLog } from '../../../src/core/http/log-file.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { cli, spawnCli, STACK_TRACE } from './run-cli.ts';

/**
 * `stepup-inspect redact`, tested on what it does (files, formats, messages, exit codes), not on how the
 * redactor decides: the redactor has its own tests.
 */

let dir: string;
let exchanges: HttpExchange[];
let harIn: string;
let jsonIn: string;
/** Signature segments of every signed token in the input (access, challenge, refresh, DPoP proofs). */
let signatures: string[];

const JWS = /eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.([A-Za-z0-9_-]{20,})/g;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepup-redact-'));
  exchanges = (await aStepUpFlow({ scope: 'transfer:write', steps: ['verify_sms'], consume: 'app' }))
    .exchanges;
  harIn = join(dir, 'in.har');
  await writeFile(
    harIn,
    JSON.stringify(toHar(exchanges, { creator: { name: 'WebInspector', version: '537' } })),
  );
  jsonIn = join(dir, 'in.json');
  await writeFile(
    jsonIn,
    JSON.stringify(toInspectorLog(exchanges, { redacted: false, exportedAt: '2026-12-03T10:00:00Z' })),
  );
  signatures = [...(await readFile(harIn, 'utf8')).matchAll(JWS)].map((m) => m[1] as string);
  // The fixture is what makes the "no signature left" checks mean something.
  expect(new Set(signatures).size).toBeGreaterThan(5);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectNoSignature(text: string): void {
  expect(signatures.filter((s) => text.includes(s))).toEqual([]);
}

/** One line, starting with the command's name, no stack trace. */
function expectOneLineError(stderr: string, message: RegExp): void {
  expect(stderr).toMatch(/^stepup-inspect: [^\n]*\n$/);
  expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(STACK_TRACE);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('stepup-inspect redact: arguments', () => {
  it('parses the subcommand, -o in its three spellings, and - for stdout', () => {
    expect(parseArgs(['redact', 'a.har', '-o', 'b.har'])).toEqual({
      kind: 'redact',
      args: { file: 'a.har', output: 'b.har' },
    });
    expect(parseArgs(['redact', '--output=b.json', 'a.json'])).toMatchObject({ args: { output: 'b.json' } });
    expect(parseArgs(['redact', '--output', 'b.json', 'a.json'])).toMatchObject({
      args: { output: 'b.json' },
    });
    expect(parseArgs(['redact', 'a.har'])).toMatchObject({ args: { output: null } });
    expect(parseArgs(['redact', 'a.har', '-o', '-'])).toMatchObject({ args: { output: null } });
    expect(parseArgs(['redact', '--', '-weird.har'])).toMatchObject({ args: { file: '-weird.har' } });
  });

  it('refuses bad usage with a message', () => {
    expect(parseArgs(['redact'])).toEqual({ kind: 'error', message: 'redact: no file given' });
    expect(parseArgs(['redact', 'a', 'b'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/one file/),
    });
    expect(parseArgs(['redact', 'a', '-o'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/-o needs a file name/),
    });
    expect(parseArgs(['redact', 'a', '-o', '--json'])).toMatchObject({ kind: 'error' });
    expect(parseArgs(['redact', 'a', '-o', 'x', '-o', 'y'])).toMatchObject({
      message: 'redact: -o given twice',
    });
    expect(parseArgs(['redact', 'a', '--json'])).toMatchObject({
      message: expect.stringMatching(/unknown option --json/),
    });
  });

  it('leaves the analyse mode as it was: a file path, or "redact" as a file after -- or with a path', () => {
    expect(parseArgs(['a.har', '--json'])).toMatchObject({
      kind: 'run',
      args: { file: 'a.har', json: true },
    });
    expect(parseArgs(['--', 'redact'])).toMatchObject({ kind: 'run', args: { file: 'redact' } });
    expect(parseArgs(['./redact'])).toMatchObject({ kind: 'run', args: { file: './redact' } });
    expect(parseArgs(['--json', 'redact'])).toMatchObject({ kind: 'run', args: { file: 'redact' } });
  });

  it('a first word that is neither a command nor a file: exit 2, naming the commands', async () => {
    const run = await cli(['redcat', harIn]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^stepup-inspect: one file at a time \(got 2\)/);
    const alone = await cli(['redcat']);
    expect(alone.code).toBe(EXIT.usage);
    expectOneLineError(alone.stderr, /cannot read redcat: no such file \(commands: redact; /);
  });

  it('usage errors exit 2 with the message and the usage text', async () => {
    const run = await cli(['redact', harIn, '--fail-on', 'error']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^stepup-inspect: redact: unknown option --fail-on/);
    expect(run.stderr).toContain('stepup-inspect redact <file.har|file.json> [-o <out>]');
  });
});

describe('stepup-inspect redact: writing', () => {
  it('HAR in → HAR out with -o: written, still a HAR, marked redacted, no signature left, summary on stderr', async () => {
    const out = join(dir, 'out.har');
    const run = await cli(['redact', harIn, '-o', out]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toBe('');
    const text = await readFile(out, 'utf8');
    const har = JSON.parse(text) as {
      log: { version: string; entries: unknown[]; _stepupInspector?: { redacted: boolean } };
    };
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries).toHaveLength(exchanges.length);
    expect(har.log._stepupInspector).toEqual({ redacted: true });
    expectNoSignature(text);
    expect(run.stderr.split('\n')[0]).toBe(
      `stepup-inspect: wrote ${exchanges.length} redacted exchanges of ${harIn} to ${out} (HAR)`,
    );
    // describeRedaction's lines, indented; the signed tokens make "token signatures replaced" one of them.
    expect(run.stderr).toMatch(/^ {2}\d+ token signatures? replaced$/m);
    // The copy is a file the analyser reads like the original.
    const analysed = await cli([out, '--json']);
    expect(analysed.code).toBe(EXIT.ok);
  });

  it('inspector JSON in → inspector JSON out', async () => {
    const out = join(dir, 'out.json');
    const run = await cli(['redact', jsonIn, '--output', out]);
    expect(run.code).toBe(EXIT.ok);
    const text = await readFile(out, 'utf8');
    const log = JSON.parse(text) as {
      format: string;
      version: number;
      redacted: boolean;
      exchanges: unknown[];
    };
    expect(log).toMatchObject({ format: 'stepup-inspector-log', version: 1, redacted: true });
    expect(log.exchanges).toHaveLength(exchanges.length);
    expectNoSignature(text);
    expect(run.stderr).toContain(`to ${out} (Step-Up Inspector export)`);
  });

  it('without -o (or with -o -): the file on stdout, the summary on stderr', async () => {
    for (const argv of [
      ['redact', harIn],
      ['redact', harIn, '-o', '-'],
    ]) {
      const run = await cli(argv);
      expect(run.code).toBe(EXIT.ok);
      expect((JSON.parse(run.stdout) as { log: { entries: unknown[] } }).log.entries).toHaveLength(
        exchanges.length,
      );
      expectNoSignature(run.stdout);
      expect(run.stderr).toMatch(/^stepup-inspect: wrote \d+ redacted exchanges of .* to stdout \(HAR\)\n/);
    }
  });

  it('says which entries could not be read and are not in the copy', async () => {
    const partial = join(dir, 'partial.har');
    const har = toHar(exchanges);
    (har.log.entries as unknown[]).push({ request: { method: 'GET' } });
    await writeFile(partial, JSON.stringify(har));
    const run = await cli(['redact', partial, '-o', join(dir, 'partial-out.har')]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toContain(
      `  1 entry could not be read and is not in the copy:\n    entry ${exchanges.length}: the request has no URL\n`,
    );
  });

  it('the real command writes the file (bin/stepup-inspect.mjs, stdout piped)', async () => {
    const out = join(dir, 'spawned.har');
    const run = await spawnCli(['redact', harIn, '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^stepup-inspect: wrote \d+ redacted exchanges/);
    expectNoSignature(await readFile(out, 'utf8'));
  });
});

describe('stepup-inspect redact: refusals', () => {
  it('refuses -o naming the input itself, however spelled, and leaves the input untouched', async () => {
    const before = await readFile(harIn, 'utf8');
    const link = join(dir, 'link.har');
    await symlink(harIn, link);
    for (const output of [harIn, `${dir}/./sub/../in.har`, link]) {
      const run = await cli(['redact', harIn, '-o', output]);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stdout).toBe('');
      expectOneLineError(run.stderr, /-o .* is the input file itself/);
    }
    expect(await readFile(harIn, 'utf8')).toBe(before);
  });

  it('unreadable or unusable input: exit 2, one line, nothing written', async () => {
    const out = join(dir, 'never.har');
    await writeFile(join(dir, 'not-json.har'), 'GET / HTTP/1.1\r\n');
    await writeFile(join(dir, 'cut.har'), (await readFile(harIn, 'utf8')).slice(0, 300));
    await mkdir(join(dir, 'a-directory.har'));
    const cases: [string, RegExp][] = [
      ['missing.har', /cannot read .*missing\.har: no such file$/m],
      ['a-directory.har', /cannot read .*a-directory\.har: it is a directory$/m],
      ['not-json.har', /not-json\.har: This file is not JSON/],
      ['cut.har', /cut\.har: This file ends in the middle of its JSON/],
    ];
    for (const [name, message] of cases) {
      const run = await cli(['redact', join(dir, name), '-o', out]);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stdout).toBe('');
      expectOneLineError(run.stderr, message);
    }
    const empty = join(dir, 'empty.har');
    await writeFile(empty, JSON.stringify({ log: { version: '1.2', entries: [] } }));
    const run = await cli(['redact', empty, '-o', out]);
    expect(run.code).toBe(EXIT.usage);
    expectOneLineError(run.stderr, /no usable entries: the file lists no requests/);
    expect(await exists(out)).toBe(false);
  });

  it('an output that cannot be written: exit 2, one line', async () => {
    const run = await cli(['redact', harIn, '-o', join(dir, 'no-such-dir', 'out.har')]);
    expect(run.code).toBe(EXIT.usage);
    expectOneLineError(run.stderr, /redact: cannot write .*out\.har: no such file$/m);
  });
});
