/**
 * `stepup-inspect <file.har|file.json> [--json] [--fail-on error|warning|info]`: reads a HAR (Chrome, Firefox,
 * Safari, or a proxy such as Charles/Proxyman recording a mobile app) or a Step-Up Inspector export, analyses it
 * and prints a report.
 *
 * Exit codes (for CI):
 *   0  the file was analysed (findings or not), unless --fail-on says otherwise
 *   1  --fail-on was given and a finding of that severity or worse was found
 *   2  usage error, or a file that cannot be used (unreadable, not JSON, not a HAR, no usable entries)
 *   3  internal error (a bug in the inspector; the message says what to report)
 * Messages go to stderr, reports to stdout; nothing ever prints a stack trace.
 */
import { analyse } from '../core/model/analyzer.ts';
import { parseLogFile } from '../core/http/log-file.ts';
import { SEVERITY_RANK, type Severity } from '../core/findings/types.ts';
import { buildJsonReport, entryIndexesAfterSkips, type JsonReportSource } from '../core/report/json.ts';
import { formatTextReport } from '../core/report/text.ts';

/** What the CLI needs from its host; tests pass an in-memory one. */
export interface CliIo {
  readFile(path: string): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (colour default). */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
}

/** Exit codes (see the top of this file). */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/** The --help text. */
export const USAGE = `Usage: stepup-inspect <file.har|file.json> [options]

Analyses a HAR (Chrome, Firefox, Safari, Charles, Proxyman…) or a Step-Up Inspector export
and reports challenges, grants and findings of Prelude step-up authentication.

Options:
  --json                 print a machine-readable report (for CI) instead of text
  --fail-on <severity>   exit 1 when a finding of this severity or worse exists
                         (error | warning | info); without it, exit 0 whenever the file was analysed
  --all                  print the full timeline of every challenge (text report)
  --color, --no-color    force or disable colours (default: on for a terminal, off with NO_COLOR)
  -h, --help             show this help
  --version              print the version

Exit codes: 0 analysed · 1 findings at or above --fail-on · 2 bad usage or unusable file · 3 internal error
Findings catalogue: docs/findings.md
`;

interface Args {
  file: string;
  json: boolean;
  failOn: Severity | null;
  color: boolean | null;
  all: boolean;
}

type Parsed =
  { kind: 'run'; args: Args } | { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string };

/** Parses the command line. Exported for tests. */
export function parseArgs(argv: readonly string[]): Parsed {
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

/** Runs the CLI; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    io.stderr(
      `stepup-inspect: internal error: ${error instanceof Error ? error.message : String(error)}\n` +
        'This is a bug in Step-Up Inspector. Please report it with the command you ran (and, if you can, the file).\n',
    );
    return EXIT.internal;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    io.stdout(`stepup-inspect ${io.version}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'error') {
    io.stderr(`stepup-inspect: ${parsed.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { args } = parsed;

  let text: string;
  try {
    text = await io.readFile(args.file);
  } catch (error) {
    io.stderr(`stepup-inspect: cannot read ${args.file}: ${describeFsError(error)}\n`);
    return EXIT.usage;
  }

  const log = parseLogFile(text);
  if (!log.ok) {
    io.stderr(`stepup-inspect: ${args.file}: ${log.error.message}\n`);
    return EXIT.usage;
  }
  if (log.exchanges.length === 0) {
    const reasons = log.skipped.slice(0, 5).map((s) => `  entry ${s.index}: ${s.reason}`);
    io.stderr(
      `stepup-inspect: ${args.file}: no usable ${log.kind === 'har' ? 'entries' : 'exchanges'}` +
        (log.skipped.length > 0
          ? ` (${log.skipped.length} skipped):\n${reasons.join('\n')}${log.skipped.length > 5 ? `\n  … and ${log.skipped.length - 5} more` : ''}\n`
          : ': the file lists no requests.\n'),
    );
    return EXIT.usage;
  }

  const model = await analyse(log.exchanges);
  const source: JsonReportSource = { file: args.file, kind: log.kind, skipped: log.skipped };
  if (log.meta.creator !== undefined) source.creator = log.meta.creator;
  const entryIndexes =
    log.skipped.length > 0 ? entryIndexesAfterSkips(model.exchanges.length, log.skipped) : undefined;

  if (args.json) {
    const report = buildJsonReport(model, {
      source,
      ...(entryIndexes !== undefined ? { entryIndexes } : {}),
    });
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const color = args.color ?? (io.isTTY && io.env['NO_COLOR'] === undefined && io.env['TERM'] !== 'dumb');
    io.stdout(
      formatTextReport(model, {
        color,
        source,
        ...(entryIndexes !== undefined ? { entryIndexes } : {}),
        ...(args.all ? { maxTimelines: Infinity, maxLines: Infinity, maxOccurrences: Infinity } : {}),
      }),
    );
  }

  if (args.failOn !== null) {
    const threshold = SEVERITY_RANK[args.failOn];
    const failing = model.findings.filter((f) => SEVERITY_RANK[f.severity] <= threshold).length;
    if (failing > 0) {
      io.stderr(
        `stepup-inspect: ${failing} finding${failing === 1 ? '' : 's'} at or above "${args.failOn}" (--fail-on)\n`,
      );
      return EXIT.findings;
    }
  }
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
      return error instanceof Error ? error.message : String(error);
  }
}
