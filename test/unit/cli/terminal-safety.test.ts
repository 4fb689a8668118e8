import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toHar } from '../../../src/core/http/har.ts';
import type { JsonReport } from '../../../src/core/report/json.ts';
import { aStepUpFlow, Flow } from '../../fixtures/flows.ts';
import { cli, spawnCli, STACK_TRACE, type CliRun } from './run-cli.ts';

/**
 * A HAR crafted to attack the terminal of whoever runs `stepup-inspect` on it: every value the report prints
 * carries a clear-screen, a window-title OSC, an OSC 8 hyperlink, a colour, a C1 CSI, a bidi override and a
 * line break. Nothing of it may reach stdout or stderr as a control character, in any mode.
 */

/** The attack, tagged so each field's copy can be found in the output. */
function evil(tag: string): string {
  return (
    `${tag}\u001b[2J\u001b]0;pwned\u0007\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\` +
    `\u001b[31mred\u009b2J\u202eesrever\u2028\n\u007f`
  );
}
/** How {@link evil} reads once neutralised: each control as visible escape text, on one line. */
function shown(tag: string): string {
  return (
    `${tag}\\x1B[2J\\x1B]0;pwned\\x07\\x1B]8;;https://evil.example/\\x1B\\click\\x1B]8;;\\x1B\\` +
    `\\x1B[31mred\\x9B2J\\u202Eesrever\\u2028\\n\\x7F`
  );
}

const FIELDS = {
  creator: evil('creator'),
  challengeId: evil('chl'),
  step: evil('step'),
  code: evil('code'),
  message: evil('msg'),
  url: evil('url'),
} as const;

// eslint-disable-next-line no-control-regex -- the set under test is control characters
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
// eslint-disable-next-line no-control-regex -- as above
const REPORT_SGR = /\u001b\[(?:0|1|2|22|31|32|33|36|39)m/g;

/** Asserts that `text` holds no forbidden character except line breaks (and the report's colours if allowed). */
function expectTerminalSafe(text: string, colours = false): void {
  const rest = (colours ? text.replace(REPORT_SGR, '') : text).replaceAll('\n', '');
  const found = FORBIDDEN.exec(rest);
  expect(found === null ? null : `U+${found[0].charCodeAt(0).toString(16)} at ${found.index}`).toBeNull();
}

let dir: string;
let har: string;
let evilName: string;
let unusable: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepup-cli-tty-'));
  const a = await aStepUpFlow({ challengeId: FIELDS.challengeId, steps: ['verify_sms', FIELDS.step] });
  const b = new Flow({ idPrefix: 'b', start: a.flow.clock + 10_000 });
  await b.login();
  await b.stepUp({ scope: 'transfer:write', error: FIELDS.code });
  const refused = b.exchanges.at(-1) as HttpExchange;
  refused.responseBody = {
    kind: 'text',
    text: JSON.stringify({ code: FIELDS.code, message: FIELDS.message, type: 'invalid_request_error' }),
    mimeType: 'application/json',
  };
  const document = toHar([...a.exchanges, ...b.exchanges], {
    creator: { name: FIELDS.creator, version: '1' },
  });
  // An entry the reader skips, whose reason quotes its URL.
  (document.log.entries as unknown[]).push({ request: { method: 'GET', url: FIELDS.url } });
  har = join(dir, 'crafted.har');
  await writeFile(har, JSON.stringify(document));
  // A file name is input too: Linux allows escapes and line breaks in one.
  evilName = join(dir, `name${'\u001b]0;pwned\u0007\u202e\n'}.har`);
  await writeFile(evilName, JSON.stringify(document));
  unusable = join(dir, 'unusable.har');
  await writeFile(
    unusable,
    JSON.stringify({ log: { version: '1.2', entries: [{ request: { method: 'GET', url: FIELDS.url } }] } }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The checks every text-mode run shares: safe, and every crafted field printed (neutralised) on its line. */
function expectSafeTextReport(run: CliRun, colours: boolean): void {
  expect(run.code).toBe(0);
  expectTerminalSafe(run.stdout, colours);
  expectTerminalSafe(run.stderr);
  const plain = run.stdout.replace(REPORT_SGR, '');
  // Each field reached the report (so the checks above had something to catch), shown as escape text and
  // kept on the line it belongs to.
  expect(plain).toContain(`HAR from ${shown('creator')} 1 ·`);
  expect(plain).toContain(`${shown('chl')} · transfer:write`);
  expect(plain).toContain(`✔ ${shown('step')}`);
  expect(plain).toContain(`failed (${shown('code')})`);
  expect(plain).toContain(shown('msg'));
  expect(plain).toMatch(
    /Skipped 1 entry that could not be read: #\d+ \(the request URL is not an absolute URL:/,
  );
  expect(plain).toContain(`${shown('url')}).`);
}

describe('stepup-inspect on a HAR crafted with escape sequences and bidi controls', () => {
  it('text report, no colour: nothing reaches the terminal raw, every value shows as escape text', async () => {
    expectSafeTextReport(await cli([har, '--all']), false);
  });

  it('text report with --color: the report’s own colours work, the file’s never do', async () => {
    const run = await cli([har, '--all', '--color']);
    expectSafeTextReport(run, true);
    expect(run.stdout).toMatch(REPORT_SGR);
    // The crafted `ESC[31m` is printed as text, not obeyed.
    expect(run.stdout).toContain('\\x1B[31mred');
  });

  it('text report on a terminal (colour by default) is just as safe', async () => {
    expectSafeTextReport(await cli([har], { isTTY: true }), true);
  });

  it('--json: parses back to exactly the crafted strings, and its bytes are terminal-safe', async () => {
    const run = await cli([har, '--json']);
    expect(run.code).toBe(0);
    expectTerminalSafe(run.stdout);
    expectTerminalSafe(run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.source?.creator?.name).toBe(FIELDS.creator);
    expect(report.challenges.map((c) => c.challengeId)).toContain(FIELDS.challengeId);
    expect(report.challenges.flatMap((c) => c.steps.map((s) => s.key))).toContain(FIELDS.step);
    expect(report.challenges.map((c) => c.statusReason)).toContain(FIELDS.code);
    expect(report.findings.map((f) => f.message).join('\n')).toContain(`${FIELDS.code}: ${FIELDS.message}`);
    expect(report.source?.skippedEntries).toEqual([
      { index: expect.any(Number), reason: `the request URL is not an absolute URL: ${FIELDS.url}` },
    ]);
  });

  it('--fail-on, and a crafted file name echoed in the report header: stdout and stderr stay safe', async () => {
    const run = await cli([evilName, '--fail-on', 'warning']);
    expect(run.code).toBe(1);
    expectTerminalSafe(run.stdout);
    expectTerminalSafe(run.stderr);
    expect(run.stdout).toContain('name\\x1B]0;pwned\\x07\\u202E\\n.har');
  });

  it('stderr: a missing file with a crafted name, and a file whose only entry is skipped', async () => {
    const missing = await cli([join(dir, 'gone\u001b[2J\u202e\n.har')]);
    expect(missing.code).toBe(2);
    expectTerminalSafe(missing.stderr);
    expect(missing.stderr).toMatch(
      /^stepup-inspect: cannot read .*gone\\x1B\[2J\\u202E\\n\.har: no such file\n$/,
    );
    const skipped = await cli([unusable]);
    expect(skipped.code).toBe(2);
    expect(skipped.stdout).toBe('');
    expectTerminalSafe(skipped.stderr);
    expect(skipped.stderr).toContain(`entry 0: the request URL is not an absolute URL: ${shown('url')}`);
    expect(skipped.stderr).not.toMatch(STACK_TRACE);
  });

  it('redact: the summary on stderr and the file on stdout are terminal-safe, the values exact', async () => {
    const run = await cli(['redact', evilName]);
    expect(run.code).toBe(0);
    expectTerminalSafe(run.stdout);
    expectTerminalSafe(run.stderr);
    expect(run.stderr).toContain('name\\x1B]0;pwned\\x07\\u202E\\n.har');
    const copy = JSON.parse(run.stdout) as { log: { entries: { request: { url: string } }[] } };
    expect(copy.log.entries.length).toBeGreaterThan(5);
  });
});

describe('the real command, stdout piped', () => {
  it('bin/stepup-inspect.mjs --color: only the report’s colours, the crafted values as text', async () => {
    const run = await spawnCli([har, '--all', '--color']);
    expectSafeTextReport(run, true);
    expect(run.stdout).toMatch(REPORT_SGR);
  });

  it('bin/stepup-inspect.mjs --json (NO_COLOR set): safe bytes, exact values', async () => {
    const run = await spawnCli([har, '--json'], { NO_COLOR: '1' });
    expect(run.code).toBe(0);
    expectTerminalSafe(run.stdout);
    expectTerminalSafe(run.stderr);
    expect((JSON.parse(run.stdout) as JsonReport).source?.creator?.name).toBe(FIELDS.creator);
  });
});
