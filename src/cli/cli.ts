/**
 * `stepup-inspect <file.har|file.json> [--json] [--fail-on error|warning|info]`: reads a HAR (Chrome, Firefox,
 * Safari, or a proxy such as Charles/Proxyman recording a mobile app) or a Step-Up Inspector export, analyses it
 * and prints a report.
 * `stepup-inspect redact <in.har|in.json> [-o <out>]`: writes a copy with secrets redacted, in the input's own
 * format, through the same export code as the panel's Export (`exportLog`); the summary goes to stderr.
 *
 * Exit codes (for CI):
 *   0  the file was analysed (findings or not), unless --fail-on says otherwise; or the redacted copy was written
 *   1  --fail-on was given and a finding of that severity or worse was found
 *   2  usage error, or a file that cannot be used (unreadable, not JSON, not a HAR, no usable entries), or a
 *      redacted copy that cannot be written (or would overwrite its input)
 *   3  internal error (a bug in the inspector; the message says what to report)
 * Messages go to stderr, reports to stdout; nothing ever prints a stack trace. Everything printed goes through
 * one writer that makes it terminal-safe (`core/report/terminal-safe.ts`): a crafted file cannot send escape
 * sequences or bidi controls to the terminal, whatever the mode.
 */
import { exportLog } from '../core/export/export.ts';
import { describeRedaction } from '../core/export/redact.ts';
import { SEVERITY_RANK, type Severity } from '../core/findings/types.ts';
import { DEFAULT_HAR_CREATOR } from '../core/http/har.ts';
import { parseLogFile, type LogFileParseResult } from '../core/http/log-file.ts';
import { analyse } from '../core/model/analyzer.ts';
import type { SessionModel } from '../core/model/types.ts';
import { nodeVerifier } from './node-verify.ts';
import { PROVIDERS } from '../core/providers/registry.ts';
import { buildJsonReport, entryIndexesAfterSkips, type JsonReportSource } from '../core/report/json.ts';
import {
  escapeJsonText,
  terminalSafe as safe,
  terminalSafeJson,
  terminalSafeText,
} from '../core/report/terminal-safe.ts';
import { formatTextReport } from '../core/report/text.ts';
import { describe } from '../core/util.ts';

/** What the CLI needs from its host; tests pass an in-memory one. */
export interface CliIo {
  readFile(path: string): Promise<string>;
  /** Writes a whole file (`redact -o`). */
  writeFile(path: string, text: string): Promise<void>;
  /** Whether two paths name one file (links followed); a path that does not exist is compared by name. */
  sameFile(a: string, b: string): Promise<boolean>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (colour default). */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
}

/** Exit codes (see the top of this file). */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/** The APIs the registered providers speak, as their modules name them. */
const API_NAMES = PROVIDERS.flatMap((p) => (p.presentation === undefined ? [] : [p.presentation.apiName]));

/** The --help text. */
export const USAGE = `Usage: stepup-inspect <file.har|file.json> [options]
       stepup-inspect redact <file.har|file.json> [-o <out>]

Analyses a HAR (Chrome, Firefox, Safari, Charles, Proxyman…) or a Step-Up Inspector export
and reports the challenges, grants and findings of the step-up authentication in it.
Understands: ${API_NAMES.join(', ')}.

Options:
  --json                 print a machine-readable report (for CI) instead of text
  --fail-on <severity>   exit 1 when a finding of this severity or worse exists
                         (error | warning | info); without it, exit 0 whenever the file was analysed
  --all                  print the full timeline of every challenge (text report)
  --color, --no-color    force or disable colours (default: on for a terminal, off with NO_COLOR)
  -h, --help             show this help
  --version              print the version

Commands:
  redact <file> [-o <out>]
                         write a copy of the file with its secrets redacted, as the panel's Export does:
                         a HAR stays a HAR, an inspector export stays one. To <out>, or to stdout
                         without -o (or with -o -); what was replaced is summed up on stderr.
                         A file called "redact" is analysed with: stepup-inspect ./redact

Exit codes: 0 analysed (or written) · 1 findings at or above --fail-on · 2 bad usage, unusable file
or unwritable output · 3 internal error
Findings catalogue: docs/findings.md
`;

interface Args {
  file: string;
  json: boolean;
  failOn: Severity | null;
  color: boolean | null;
  all: boolean;
}

interface RedactArgs {
  file: string;
  /** Where to write the copy; null for stdout. */
  output: string | null;
}

type Parsed =
  | { kind: 'run'; args: Args }
  | { kind: 'redact'; args: RedactArgs }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

/** Subcommands, recognised only as the first word; anything else is read as a file to analyse. */
const COMMANDS = ['redact'] as const;

/** Parses the command line. Exported for tests. */
export function parseArgs(argv: readonly string[]): Parsed {
  if (argv[0] === 'redact') return parseRedactArgs(argv.slice(1));
  const files: string[] = [];
  let json = false;
  let failOn: Severity | null = null;
  let color: boolean | null = null;
  let all = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (arg === '--json') json = true;
    else if (arg === '--all') all = true;
    else if (arg === '--color') color = true;
    else if (arg === '--no-color') color = false;
    else if (arg === '--fail-on' || arg.startsWith('--fail-on=')) {
      const value = arg === '--fail-on' ? argv[(i += 1)] : arg.slice('--fail-on='.length);
      if (value !== 'error' && value !== 'warning' && value !== 'info') {
        return {
          kind: 'error',
          message: `--fail-on needs error, warning or info${value === undefined ? '' : `, not "${value}"`}`,
        };
      }
      failOn = value;
    } else if (arg.startsWith('-') && arg !== '-') return { kind: 'error', message: `unknown option ${arg}` };
    else files.push(arg);
  }
  if (files.length === 0) return { kind: 'error', message: 'no file given' };
  if (files.length > 1) return { kind: 'error', message: `one file at a time (got ${files.length})` };
  return { kind: 'run', args: { file: files[0] as string, json, failOn, color, all } };
}

function parseRedactArgs(argv: readonly string[]): Parsed {
  const files: string[] = [];
  let output: string | null | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (arg === '-o' || arg === '--output' || arg.startsWith('--output=')) {
      const value = arg.startsWith('--output=') ? arg.slice('--output='.length) : argv[(i += 1)];
      if (value === undefined || value === '' || (value.startsWith('-') && value !== '-'))
        return {
          kind: 'error',
          message: `redact: ${arg.split('=')[0] ?? arg} needs a file name (or - for stdout)`,
        };
      if (output !== undefined) return { kind: 'error', message: 'redact: -o given twice' };
      output = value === '-' ? null : value;
    } else if (arg.startsWith('-') && arg !== '-')
      return { kind: 'error', message: `redact: unknown option ${arg} (redact takes -o <out>)` };
    else files.push(arg);
  }
  if (files.length === 0) return { kind: 'error', message: 'redact: no file given' };
  if (files.length > 1) return { kind: 'error', message: `redact: one file at a time (got ${files.length})` };
  return { kind: 'redact', args: { file: files[0] as string, output: output ?? null } };
}

/** The only way the CLI prints: every text goes through the terminal-safe filter on its way out. */
interface Writer {
  /** stdout; `colours` keeps the text report's own colour sequences (and only those). */
  out(text: string, colours?: boolean): void;
  err(text: string): void;
}

/** The host without its raw streams, so nothing below runCli can print around the {@link Writer}. */
type Host = Omit<CliIo, 'stdout' | 'stderr'> & Writer;

function hostOf(io: CliIo): Host {
  const { stdout, stderr, ...rest } = io;
  return {
    ...rest,
    out: (text, colours = false) => stdout(terminalSafeText(text, { keepReportColours: colours })),
    err: (text) => stderr(terminalSafeText(text)),
  };
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const host = hostOf(io);
  try {
    return await run(argv, host);
  } catch (error) {
    host.err(
      `stepup-inspect: internal error: ${safe(describe(error))}\n` +
        'This is a bug in Step-Up Inspector. Please report it with the command you ran (and, if you can, the file).\n',
    );
    return EXIT.internal;
  }
}

async function run(argv: readonly string[], host: Host): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    host.out(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    host.out(`stepup-inspect ${safe(host.version)}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'error') {
    host.err(`stepup-inspect: ${safe(parsed.message)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (parsed.kind === 'redact') return redact(parsed.args, host);
  const { args } = parsed;

  const text = await readText(args.file, host);
  if (text === null) return EXIT.usage;
  const analysis = await analyseLogText(text);
  if (!analysis.ok) {
    host.err(`stepup-inspect: ${safe(args.file)}: ${safe(analysis.message)}\n`);
    return EXIT.usage;
  }
  const { log, model } = analysis;
  if (!usable(args.file, log, host)) return EXIT.usage;

  const source: JsonReportSource = { file: args.file, kind: log.kind, skipped: log.skipped };
  if (log.meta.creator !== undefined) source.creator = log.meta.creator;
  const entryIndexes =
    log.skipped.length > 0 ? entryIndexesAfterSkips(model.exchanges.length, log.skipped) : undefined;

  if (args.json) {
    const report = buildJsonReport(model, {
      source,
      ...(entryIndexes !== undefined ? { entryIndexes } : {}),
    });
    host.out(`${terminalSafeJson(report, 2) ?? 'null'}\n`);
  } else {
    const color =
      args.color ?? (host.isTTY && host.env['NO_COLOR'] === undefined && host.env['TERM'] !== 'dumb');
    host.out(
      formatTextReport(model, {
        color,
        source,
        ...(entryIndexes !== undefined ? { entryIndexes } : {}),
        ...(args.all ? { maxTimelines: Infinity, maxLines: Infinity, maxOccurrences: Infinity } : {}),
      }),
      color,
    );
  }

  if (args.failOn !== null) {
    const threshold = SEVERITY_RANK[args.failOn];
    const failing = model.findings.filter((f) => SEVERITY_RANK[f.severity] <= threshold).length;
    if (failing > 0) {
      host.err(
        `stepup-inspect: ${failing} finding${failing === 1 ? '' : 's'} at or above "${args.failOn}" (--fail-on)\n`,
      );
      return EXIT.findings;
    }
  }
  return EXIT.ok;
}

type LoadedLog = Extract<LogFileParseResult, { ok: true }>;

/** The CLI runs on Node: proof signatures go to Node's crypto rather than its WebCrypto layer. */
export const CLI_ANALYSIS = { verifier: nodeVerifier } as const;

/** Outcome of {@link analyseLogText}. */
export type LogAnalysis = { ok: true; log: LoadedLog; model: SessionModel } | { ok: false; message: string };

/**
 * The analysis `stepup-inspect <file>` runs on a file's text: parse (HAR or inspector export), then analyse.
 * Exported so the bench times exactly what the command does.
 */
export async function analyseLogText(text: string): Promise<LogAnalysis> {
  const log = parseLogFile(text);
  if (!log.ok) return { ok: false, message: log.error.message };
  return { ok: true, log, model: await analyse(log.exchanges, CLI_ANALYSIS) };
}

/** A file's text, or null once the reason it cannot be read has been printed. */
async function readText(file: string, host: Host): Promise<string | null> {
  try {
    return await host.readFile(file);
  } catch (error) {
    const reason = describeFsError(error);
    // A mistyped command reads as a missing file: say what the commands are.
    const hint =
      reason === 'no such file' && /^[a-z][a-z-]*$/.test(file)
        ? ` (commands: ${COMMANDS.join(', ')}; any other first word is read as a file)`
        : '';
    host.err(`stepup-inspect: cannot read ${safe(file)}: ${safe(reason)}${hint}\n`);
    return null;
  }
}

/** Whether a parsed file has exchanges to work on; if not, prints why. */
function usable(file: string, log: LoadedLog, host: Host): boolean {
  if (log.exchanges.length > 0) return true;
  const skipped = log.skipped.filter((s) => s.kept !== true);
  const reasons = skipped.slice(0, 5).map((s) => `  entry ${s.index}: ${safe(s.reason)}`);
  host.err(
    `stepup-inspect: ${safe(file)}: no usable ${log.kind === 'har' ? 'entries' : 'exchanges'}` +
      (skipped.length > 0
        ? ` (${skipped.length} skipped):\n${reasons.join('\n')}${skipped.length > 5 ? `\n  … and ${skipped.length - 5} more` : ''}\n`
        : ': the file lists no requests.\n'),
  );
  return false;
}

async function redact(args: RedactArgs, host: Host): Promise<number> {
  const name = safe(args.file);
  if (args.output !== null && (await host.sameFile(args.file, args.output))) {
    host.err(
      `stepup-inspect: redact: -o ${safe(args.output)} is the input file itself; write the redacted copy to another file\n`,
    );
    return EXIT.usage;
  }
  const text = await readText(args.file, host);
  if (text === null) return EXIT.usage;
  const log = parseLogFile(text);
  if (!log.ok) {
    host.err(`stepup-inspect: ${name}: ${safe(log.error.message)}\n`);
    return EXIT.usage;
  }
  if (!usable(args.file, log, host)) return EXIT.usage;

  // The panel's export path: the same redaction, the same file format, the same marks in the file.
  const file = exportLog(log.exchanges, {
    format: log.kind === 'har' ? 'har' : 'json',
    redact: true,
    creator: { name: DEFAULT_HAR_CREATOR.name, version: host.version },
    ...(log.meta.source !== undefined ? { source: log.meta.source } : {}),
  });
  const copy = `${escapeJsonText(file.text)}\n`;
  const where = args.output === null ? 'stdout' : safe(args.output);
  if (args.output === null) host.out(copy);
  else {
    try {
      await host.writeFile(args.output, copy);
    } catch (error) {
      host.err(`stepup-inspect: redact: cannot write ${where}: ${safe(describeFsError(error))}\n`);
      return EXIT.usage;
    }
  }

  const count = log.exchanges.length;
  const format = log.kind === 'har' ? 'HAR' : 'Step-Up Inspector export';
  const lines = file.redaction !== undefined ? describeRedaction(file.redaction) : [];
  const report = [
    `stepup-inspect: wrote ${count} redacted exchange${count === 1 ? '' : 's'} of ${name} to ${where} (${format})`,
    ...(lines.length > 0 ? lines.map((line) => `  ${safe(line)}`) : ['  nothing needed replacing']),
  ];
  const skipped = log.skipped.filter((s) => s.kept !== true);
  if (skipped.length > 0) {
    report.push(
      `  ${skipped.length} ${skipped.length === 1 ? 'entry' : 'entries'} could not be read and ${skipped.length === 1 ? 'is' : 'are'} not in the copy:`,
      ...skipped.slice(0, 5).map((s) => `    entry ${s.index}: ${safe(s.reason)}`),
      ...(skipped.length > 5 ? [`    … and ${skipped.length - 5} more`] : []),
    );
  }
  const cut = log.skipped.filter((s) => s.kept === true);
  if (cut.length > 0) {
    report.push(
      `  ${cut.length} ${cut.length === 1 ? 'entry was' : 'entries were'} cut to size on import and ${cut.length === 1 ? 'is' : 'are'} in the copy cut:`,
      ...cut.slice(0, 5).map((s) => `    entry ${s.index}: ${safe(s.reason)}`),
      ...(cut.length > 5 ? [`    … and ${cut.length - 5} more`] : []),
    );
  }
  host.err(`${report.join('\n')}\n`);
  return EXIT.ok;
}

function describeFsError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ERR_STRING_TOO_LONG':
      return 'the file is too large to load';
    default:
      return describe(error);
  }
}
