import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, parseArgs, runCli, type CliIo } from '../../../src/cli/cli.ts';
import { nodeFiles } from '../../../src/cli/node-io.ts';
import { toHar } from '../../../src/core/http/har.ts';
import { toInspectorLog } from '../../../src/core/http/log-file.ts';
import type { JsonReport } from '../../../src/core/report/json.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { cli as runInProcess, spawnCli, STACK_TRACE, type CliRun } from './run-cli.ts';

let dir: string;
const files: Record<string, string> = {};

/** Runs the CLI in-process (real file system, output collected). */
const cli = (...argv: string[]): Promise<CliRun> => runInProcess(argv);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepup-cli-'));
  const write = async (name: string, content: string): Promise<void> => {
    files[name] = join(dir, name);
    await writeFile(files[name] as string, content);
  };
  const clean = await aStepUpFlow({
    scope: 'transfer:write',
    steps: ['verify_sms', 'kyc_review'],
    wrongCodes: 1,
    consume: 'app',
  });
  await write(
    'good.har',
    JSON.stringify(toHar(clean.exchanges, { creator: { name: 'WebInspector', version: '537.36' } })),
  );
  const broken = await aStepUpFlow({ scope: 'transfer:write', withholdScope: true });
  await write('broken.har', JSON.stringify(toHar(broken.exchanges)));
  const mobile = await aStepUpFlow({ platform: 'ios', scope: 'transfer:write', withProof: true });
  const mobileHar = toHar(mobile.exchanges, { creator: { name: 'Charles Proxy', version: '4.6.6' } });
  // A proxy export: no inspector extension field, plus one entry the proxy could not record.
  for (const entry of mobileHar.log.entries) delete entry._stepupInspector;
  (mobileHar.log.entries as unknown[]).splice(1, 0, { startedDateTime: '2026-09-21T14:13:21Z', time: 0 });
  await write('mobile.har', JSON.stringify(mobileHar));
  await write(
    'export.json',
    JSON.stringify(toInspectorLog(clean.exchanges, { redacted: false, exportedAt: '2026-09-21T14:20:00Z' })),
  );
  await write('truncated.har', JSON.stringify(toHar(clean.exchanges)).slice(0, 500));
  await write('not-json.har', 'GET / HTTP/1.1\r\nHost: example.com\r\n');
  await write('not-har.json', JSON.stringify({ hello: 'world' }));
  await write(
    'no-bodies.har',
    JSON.stringify({
      log: {
        version: '1.2',
        creator: { name: 'x', version: '1' },
        entries: [{ request: {} }, { response: {} }, 42],
      },
    }),
  );
  await write(
    'empty.har',
    JSON.stringify({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: [] } }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stepup-inspect arguments', () => {
  it('parses options in any order', () => {
    expect(parseArgs(['--json', 'a.har', '--fail-on', 'warning'])).toEqual({
      kind: 'run',
      args: { file: 'a.har', json: true, failOn: 'warning', color: null, all: false },
    });
    expect(parseArgs(['--fail-on=error', '--no-color', 'a.har'])).toMatchObject({
      args: { failOn: 'error', color: false },
    });
    expect(parseArgs(['--fail-on', 'bad', 'a.har'])).toMatchObject({ kind: 'error' });
    expect(parseArgs(['a.har', 'b.har'])).toMatchObject({
      kind: 'error',
      message: 'one file at a time (got 2)',
    });
    expect(parseArgs(['--frobnicate', 'a.har'])).toMatchObject({
      kind: 'error',
      message: 'unknown option --frobnicate',
    });
  });

  it('prints help and version, and rejects bad usage with exit 2', async () => {
    expect(await cli('--help')).toMatchObject({
      code: EXIT.ok,
      stdout: expect.stringContaining('Usage: stepup-inspect'),
    });
    expect(await cli('--version')).toMatchObject({ code: EXIT.ok, stdout: 'stepup-inspect 0.1.0-test\n' });
    const none = await cli();
    expect(none.code).toBe(EXIT.usage);
    expect(none.stderr).toMatch(/^stepup-inspect: no file given/);
  });
});

describe('stepup-inspect on good files', () => {
  it('prints a readable report of a HAR and exits 0', async () => {
    const { code, stdout, stderr } = await cli(files['good.har'] as string);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe('');
    expect(stdout).toContain('HAR from WebInspector 537.36');
    expect(stdout).toMatch(/Challenges \(1\)/);
    expect(stdout).toMatch(/transfer:write\s+single-use\s+consumed/);
    expect(stdout).toContain('challenge.bad_code');
  });

  it('--json prints the machine-readable report', async () => {
    const { code, stdout } = await cli(files['good.har'] as string, '--json');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout) as JsonReport;
    expect(report.exchanges).toBeGreaterThan(5);
    expect(report.challenges[0]).toMatchObject({
      provider: 'prelude',
      scope: 'transfer:write',
      status: 'completed',
      scopeGranted: true,
      codeSends: 1,
      codeChecks: { failed: 1, succeeded: 1 },
    });
    expect(report.grants[0]).toMatchObject({
      provider: 'prelude',
      scope: 'transfer:write',
      mode: 'single-use',
      state: 'consumed',
      consumedBy: expect.any(Number),
    });
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([['challenge.bad_code', 'info']]);
  });

  it('--fail-on decides the exit code', async () => {
    expect((await cli(files['good.har'] as string, '--fail-on', 'error')).code).toBe(EXIT.ok);
    const info = await cli(files['good.har'] as string, '--fail-on', 'info');
    expect(info.code).toBe(EXIT.findings);
    expect(info.stderr).toContain('1 finding at or above "info"');
    expect((await cli(files['broken.har'] as string)).code).toBe(EXIT.ok);
    expect((await cli(files['broken.har'] as string, '--fail-on=error')).code).toBe(EXIT.findings);
  });

  it('reads a proxy capture of the iOS SDK, counting the entry it cannot use', async () => {
    const { code, stdout } = await cli(files['mobile.har'] as string, '--json');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout) as JsonReport;
    expect(report.source).toMatchObject({
      kind: 'har',
      creator: { name: 'Charles Proxy' },
      skippedEntries: [{ index: 1, reason: 'the entry has no request' }],
    });
    expect(report.challenges[0]).toMatchObject({ status: 'completed', scopeGranted: true });
    // Indexes are positions in the file: the skipped entry keeps its number.
    expect(report.challenges[0]?.requestedAt).toBe(3);
    const text = await cli(files['mobile.har'] as string);
    expect(text.stdout).toContain('1 entry skipped');
    expect(text.stdout).toContain('#1 (the entry has no request)');
  });

  it("reads the extension's own export", async () => {
    const { code, stdout } = await cli(files['export.json'] as string);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('Step-Up Inspector export');
  });
});

describe('stepup-inspect on bad files', () => {
  const cases: [string, RegExp][] = [
    ['truncated.har', /cut off while saving or downloading/],
    ['not-json.har', /is not JSON/],
    ['not-har.json', /neither a HAR/],
    ['no-bodies.har', /no usable entries \(3 skipped\):\n {2}entry 0: /],
    ['empty.har', /no usable entries: the file lists no requests/],
  ];
  for (const [name, message] of cases) {
    it(`${name}: a clear message and exit 2`, async () => {
      const { code, stdout, stderr } = await cli(files[name] as string);
      expect(code).toBe(EXIT.usage);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(STACK_TRACE);
    });
  }

  it('a missing file or a directory: exit 2', async () => {
    expect(await cli(join(dir, 'nope.har'))).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringContaining('no such file'),
    });
    expect(await cli(dir)).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringContaining('it is a directory'),
    });
  });

  it('an internal error is reported without a stack trace, exit 3', async () => {
    const io: CliIo = {
      ...nodeFiles,
      readFile: () => Promise.resolve('{"log":{"entries":[]}}'),
      stdout: () => {
        throw new Error('stdout exploded');
      },
      stderr: (t) => void (err += t),
      isTTY: false,
      env: {},
      version: 'x',
    };
    let err = '';
    expect(await runCli(['--help'], io)).toBe(EXIT.internal);
    expect(err).toContain('internal error: stdout exploded');
    expect(err).not.toMatch(STACK_TRACE);
  });
});

describe('the real command', () => {
  it('npm run inspect (tsx src/cli/main.ts): good HAR → report, exit 0', async () => {
    const result = await spawnCli([files['good.har'] as string], { NO_COLOR: '1' }, [
      '--import',
      'tsx',
      'src/cli/main.ts',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Step-Up Inspector report');
    expect(result.stdout.includes('\u001b[')).toBe(false);
  });

  it('bin/stepup-inspect.mjs: --json, and a bad file → message, exit 2, no stack trace', async () => {
    const good = await spawnCli([files['good.har'] as string, '--json'], { NO_COLOR: '1' });
    expect(good.code).toBe(0);
    expect((JSON.parse(good.stdout) as JsonReport).challenges).toHaveLength(1);
    const bad = await spawnCli([files['truncated.har'] as string], { NO_COLOR: '1' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^stepup-inspect: .*truncated\.har: This file ends in the middle of its JSON/);
    expect(bad.stderr).not.toMatch(STACK_TRACE);
  });
});
