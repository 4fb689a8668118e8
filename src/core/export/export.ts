/**
 * Saving the log to a file and loading one back. Exports are the only way captured data reaches the disk, and
 * only when the user asks; by default secrets are redacted first (`redact.ts`). Imports read HAR files from
 * any tool and the inspector's own exports, in chunks, so a large file shows a progress bar instead of
 * freezing the panel.
 */
import type { HttpExchange } from '../http/exchange.ts';
import { keptWithCuts, own, type Rec, type SkippedEntry } from '../http/guards.ts';
import {
  createHarEntryReader,
  MAX_HAR_ENTRIES,
  MAX_HAR_TEXT_LENGTH,
  toHar,
  type Har,
  type HarLog,
} from '../http/har.ts';
import {
  INSPECTOR_LOG_FORMAT,
  parseLogFile,
  readExchange,
  toInspectorLog,
  type LogFileErrorCode,
  type LogFileMeta,
  type LogFileParseResult,
} from '../http/log-file.ts';
import { createIdAllocator } from '../http/unique-ids.ts';
import { redactWithSummary, type RedactOptions, type RedactionSummary } from './redact.ts';
import { isRecord } from '../util.ts';

/** File formats {@link exportLog} writes. */
export type ExportFormat = 'har' | 'json';

/** Options of {@link exportLog}. */
export interface ExportOptions {
  /** `har`: HAR 1.2 that DevTools and HAR viewers open; `json`: the inspector's own format. */
  format: ExportFormat;
  /** Remove secrets first (the default the panel offers). */
  redact: boolean;
  /** Finer control over what redaction keeps; ignored when `redact` is false. */
  redactOptions?: RedactOptions;
  /** The inspected page, recorded in the file and used for the file name. */
  source?: { url?: string; title?: string };
  /** Written as the HAR creator; the panel passes the manifest name and version. */
  creator?: { name: string; version: string };
  /** Export time in epoch ms (defaults to now): names the file and stamps inspector exports. */
  now?: number;
}

/** A file ready to download. */
export interface ExportedFile {
  /** `stepup-<host>-<yyyyMMdd-HHmmss>[-redacted].har|.json`, time in UTC. */
  filename: string;
  mimeType: string;
  text: string;
  /** What redaction replaced; absent for an unredacted export. */
  redaction?: RedactionSummary;
}

/** Custom `log` field of HAR exports (HAR allows `_`-prefixed extensions): marks a redacted file. */
interface HarLogExtension {
  _stepupInspector?: { redacted: boolean };
}

const REDACTED_HAR_COMMENT =
  'Secrets redacted by Step-Up Inspector: token signatures, OTP codes, passwords, refresh tokens, cookie values, credentials and identifiers; bodies it could not read completely were dropped.';

/**
 * Serialises exchanges to a file. Never throws for any exchange list (values JSON cannot hold are dropped by
 * `JSON.stringify` as usual).
 */
export function exportLog(exchanges: readonly HttpExchange[], options: ExportOptions): ExportedFile {
  const now = options.now ?? Date.now();
  let list: readonly HttpExchange[] = exchanges;
  let redaction: RedactionSummary | undefined;
  let source = options.source;
  if (options.redact) {
    // The page's URL can carry a token as much as any request's (`#access_token=`, `?code=`).
    const result = redactWithSummary(exchanges, options.redactOptions, source);
    list = result.exchanges;
    redaction = result.summary;
    source = result.source;
  }

  let text: string;
  if (options.format === 'har') {
    const har: Har = toHar(list, options.creator ? { creator: options.creator } : {});
    const log = har.log as HarLog & HarLogExtension;
    if (source?.url !== undefined || source?.title !== undefined) {
      // DevTools titles pages with their URL; a page entry lets HAR viewers group the requests under it.
      log.pages = [
        {
          id: 'page_1',
          startedDateTime: isoTime(list[0]?.startedAt ?? now),
          title: source.url ?? source.title ?? '',
          pageTimings: {},
        },
      ];
      for (const entry of log.entries) entry.pageref = 'page_1';
    }
    if (options.redact) {
      log.comment = REDACTED_HAR_COMMENT;
      log._stepupInspector = { redacted: true };
    }
    text = JSON.stringify(har, null, 2);
  } else {
    const meta = { redacted: options.redact, exportedAt: isoTime(now) };
    text = JSON.stringify(toInspectorLog(list, source ? { ...meta, source } : meta), null, 2);
  }

  const file: ExportedFile = {
    filename: exportFilename(list, { ...options, ...(source ? { source } : {}), now }),
    mimeType: 'application/json',
    text,
  };
  if (redaction !== undefined) file.redaction = redaction;
  return file;
}

/**
 * `stepup-<host>-<yyyyMMdd-HHmmss>[-redacted].har|.json`. The host is the inspected page's, else the first
 * exchange's, with a port joined by `-` and anything but letters, digits, dots and dashes dropped; `log` when
 * neither is known. UTC, so two people comparing files agree on the name.
 */
export function exportFilename(
  exchanges: readonly HttpExchange[],
  options: Pick<ExportOptions, 'format' | 'redact' | 'source'> & { now: number },
): string {
  const host = hostLabel(options.source?.url) ?? hostLabel(exchanges[0]?.url) ?? 'log';
  const d = new Date(Number.isFinite(options.now) ? options.now : 0);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp =
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `stepup-${host}-${stamp}${options.redact ? '-redacted' : ''}.${options.format === 'har' ? 'har' : 'json'}`;
}

function hostLabel(url: string | undefined): string | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  const label = `${parsed.hostname}${parsed.port === '' ? '' : `-${parsed.port}`}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 100);
  return label === '' ? undefined : label;
}

function isoTime(epochMs: number): string {
  return new Date(Number.isFinite(epochMs) && Math.abs(epochMs) <= 8.64e15 ? epochMs : 0).toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Import

/** Options of {@link importLog}. */
export interface ImportOptions {
  /** Called with 0…1 as the file is read; reaches exactly 1 when done, success or not. */
  onProgress?: (fraction: number) => void;
  /** The picked file's name, used as the log's display name. */
  fileName?: string;
  /**
   * Entries converted between two yields to the event loop. Without it, entries are converted for about
   * {@link SLICE_MS} ms between yields: the panel stays responsive without paying a yield (and a progress
   * update) every few hundred entries.
   */
  chunkSize?: number;
}

/** Outcome of {@link importLog}. */
export type ImportResult =
  | {
      ok: true;
      kind: 'har' | 'inspector';
      exchanges: HttpExchange[];
      /**
       * Entries that could not become exchanges, by index in the file, with the reason; and, marked
       * `kept: true`, entries kept with a header or body cut to size.
       */
      skipped: SkippedEntry[];
      /** What to call the loaded log: the file name, else the page it came from, else the kind of file. */
      name: string;
      /** True when the file says its secrets were redacted (tokens then decode but do not verify). */
      redacted: boolean;
      meta: LogFileMeta;
    }
  | { ok: false; error: { code: LogFileErrorCode; message: string } };

/** How long the importer converts entries before it yields, when no chunk size is given (ms). */
export const SLICE_MS = 40;
/** Entries converted between two looks at the clock within a slice. */
const SLICE_STEP = 250;

/** Lets the panel paint (a progress bar) between slices. `setTimeout` exists in browsers and Node alike. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/**
 * Runs `convert` over `[0, total)` in order, in slices: `chunkSize` entries each when given, else as many as
 * fit in {@link SLICE_MS}; reports progress and yields to the event loop between slices.
 */
async function inSlices(
  total: number,
  chunkSize: number | undefined,
  progress: Progress,
  convert: (start: number, end: number) => void,
): Promise<void> {
  let start = 0;
  while (start < total) {
    const sliceStart = now();
    do {
      const end = Math.min(total, start + (chunkSize ?? SLICE_STEP));
      convert(start, end);
      start = end;
    } while (chunkSize === undefined && start < total && now() - sliceStart < SLICE_MS);
    progress(0.2 + (0.8 * start) / total);
    if (start < total) await yieldToEventLoop();
  }
}

/**
 * Reads a log file the user opened, like `parseLogFile` (same kinds, same validation, same exchanges, same
 * typed errors), but converts entries in chunks and yields between them, reporting progress. JSON parsing of
 * the whole text is one step and cannot be split; it counts as the first fifth of the progress. Never
 * throws, and never rejects.
 */
export async function importLog(text: string, options: ImportOptions = {}): Promise<ImportResult> {
  const progress = progressReporter(options.onProgress);
  progress(0);
  try {
    const result = await importChunked(text, options, progress);
    return result;
  } catch {
    return failure('malformed', 'This file could not be read.');
  } finally {
    progress(1);
  }
}

type Progress = (fraction: number) => void;

function progressReporter(onProgress: ((fraction: number) => void) | undefined): Progress {
  let last = -1;
  return (fraction) => {
    const clamped = Math.min(1, Math.max(0, fraction));
    // Only forward steps, and each value once: a progress bar never moves back.
    if (onProgress === undefined || clamped <= last) return;
    last = clamped;
    try {
      onProgress(clamped);
    } catch {
      // A failing progress callback must not fail the import.
    }
  };
}

function failure(code: LogFileErrorCode, message: string): ImportResult {
  return { ok: false, error: { code, message } };
}

async function importChunked(
  text: string,
  options: ImportOptions,
  progress: Progress,
): Promise<ImportResult> {
  const chunkSize =
    options.chunkSize !== undefined && Number.isFinite(options.chunkSize)
      ? Math.max(1, Math.floor(options.chunkSize))
      : undefined;
  // Anything but a well-formed HAR or inspector export is parseLogFile's to explain, with its messages.
  if (typeof text !== 'string' || text.length > MAX_HAR_TEXT_LENGTH)
    return finish(parseLogFile(text), options);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return finish(parseLogFile(text), options);
  let root: unknown;
  try {
    root = JSON.parse(body) as unknown;
  } catch {
    return finish(parseLogFile(text), options);
  }
  progress(0.2);
  // Lets a progress bar show that parsing is over; with nobody watching (the panel's preview of a file's
  // first entries), the entries are converted at once.
  if (options.onProgress !== undefined) await yieldToEventLoop();
  if (!isRecord(root)) return finish(parseLogFile(text), options);

  if (own(root, 'format') === INSPECTOR_LOG_FORMAT) {
    const list = own(root, 'exchanges');
    if (!Array.isArray(list) || list.length > MAX_HAR_ENTRIES) return finish(parseLogFile(text), options);
    // The file-level checks and metadata come from parseLogFile run on the file without its list.
    const shell = parseLogFile(JSON.stringify({ ...root, exchanges: [] }));
    if (!shell.ok) return finish(shell, options);
    const converted = await convertInspectorList(list as unknown[], chunkSize, progress);
    return finish({ ...shell, ...converted }, options);
  }

  const log = own(root, 'log');
  const entries = isRecord(log) ? own(log, 'entries') : undefined;
  if (!isRecord(log) || !Array.isArray(entries) || entries.length > MAX_HAR_ENTRIES) {
    return finish(parseLogFile(text), options);
  }
  const shell = parseLogFile(JSON.stringify({ ...root, log: { ...log, entries: [] } }));
  if (!shell.ok) return finish(shell, options);
  const redacted = isRecord(own(log, '_stepupInspector'))
    ? own(own(log, '_stepupInspector') as Rec, 'redacted') === true
    : false;
  const converted = await convertHarEntries(entries as unknown[], chunkSize, progress);
  const result: LogFileParseResult = { ...shell, ...converted };
  return finish(result, options, redacted);
}

/**
 * The same conversion as parseLogFile's inspector branch (readExchange, then unique ids, then cut notes),
 * chunk by chunk.
 */
async function convertInspectorList(
  list: unknown[],
  chunkSize: number | undefined,
  progress: Progress,
): Promise<{ exchanges: HttpExchange[]; skipped: SkippedEntry[] }> {
  const exchanges: HttpExchange[] = [];
  const skipped: SkippedEntry[] = [];
  const ids = createIdAllocator();
  await inSlices(list.length, chunkSize, progress, (start, end) => {
    for (let index = start; index < end; index += 1) {
      const result = readExchange(list[index]);
      if (typeof result === 'string') {
        skipped.push({ index, reason: result });
        continue;
      }
      const { exchange, cuts } = result;
      const id = ids.claim(exchange.id);
      exchanges.push(id === exchange.id ? exchange : { ...exchange, id });
      if (cuts.length > 0) skipped.push(keptWithCuts(index, cuts));
    }
  });
  return { exchanges, skipped };
}

/**
 * parseHar's conversion of the entries, slice by slice, through the same entry reader (`createHarEntryReader`):
 * ids, start times and indexes carry over between slices, so the result is parseHar's.
 */
async function convertHarEntries(
  entries: unknown[],
  chunkSize: number | undefined,
  progress: Progress,
): Promise<{ exchanges: HttpExchange[]; skipped: SkippedEntry[] }> {
  const exchanges: HttpExchange[] = [];
  const skipped: SkippedEntry[] = [];
  const reader = createHarEntryReader();
  await inSlices(entries.length, chunkSize, progress, (start, end) =>
    reader.read(entries, start, end, exchanges, skipped),
  );
  return { exchanges, skipped };
}

function finish(result: LogFileParseResult, options: ImportOptions, harRedacted = false): ImportResult {
  if (!result.ok) return result;
  const redacted = result.kind === 'inspector' ? result.meta.redacted === true : harRedacted;
  return {
    ok: true,
    kind: result.kind,
    exchanges: result.exchanges,
    skipped: result.skipped,
    name: displayName(result, options.fileName),
    redacted,
    meta: result.meta,
  };
}

function displayName(
  result: Extract<LogFileParseResult, { ok: true }>,
  fileName: string | undefined,
): string {
  if (typeof fileName === 'string' && fileName.trim() !== '') return fileName.trim();
  const source = result.meta.source;
  if (source?.title) return source.title;
  const host = hostLabel(source?.url);
  if (host !== undefined) return host;
  if (result.kind === 'har') {
    return result.meta.creator?.name ? `HAR from ${result.meta.creator.name}` : 'HAR file';
  }
  return 'Step-Up Inspector export';
}
