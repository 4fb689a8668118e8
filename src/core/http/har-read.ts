/**
 * Reading a HAR file into exchanges. Lenient, because HAR files come from Chrome, Firefox, Safari and proxies
 * (Charles, Proxyman, mitmproxy), each with its own gaps and `_custom` fields: an entry that cannot become an
 * exchange is skipped with a reason and the rest of the file still loads.
 */
import type { HttpExchange } from './exchange.ts';
import { keptWithCuts, MAX_URL_LENGTH, METHOD_PATTERN, own, type SkippedEntry } from './guards.ts';
import {
  preview,
  readExtension,
  readHeaders,
  readStartedAt,
  readStatus,
  requestBodyFrom,
  responseBodyFrom,
  shortString,
} from './har-fields.ts';
import { createIdAllocator, type IdAllocator } from './unique-ids.ts';
import { isRecord } from '../util.ts';

/** Error codes of {@link parseHar}. */
export type HarErrorCode = 'not_json' | 'not_har' | 'unsupported_version' | 'too_large';

/**
 * Outcome of {@link parseHar}. `skipped` lists entries that could not become exchanges, by index in
 * `log.entries`, and entries kept with a header or body cut to size (`kept: true`).
 */
export type HarParseResult =
  | {
      ok: true;
      exchanges: HttpExchange[];
      skipped: SkippedEntry[];
      creator?: { name: string; version: string };
    }
  | { ok: false; error: { code: HarErrorCode; message: string } };

/** Limits for {@link parseHar}; the defaults suit DevTools exports of a long session. */
export interface HarParseOptions {
  /** Largest HAR text accepted, in UTF-16 code units. */
  maxTextLength?: number;
  /** Most entries accepted. */
  maxEntries?: number;
}

/** Default cap on HAR text: well under V8's ~512 MiB string limit, above any realistic DevTools export. */
export const MAX_HAR_TEXT_LENGTH = 256 * 1024 * 1024;
/** Default cap on the number of entries. */
export const MAX_HAR_ENTRIES = 100_000;

interface EntryContext {
  /** A hand-edited or merged file may repeat ids; later entries get a suffix so ids stay unique. */
  ids: IdAllocator;
  /** Start time of the last entry that had one, for entries whose `startedDateTime` is missing or garbled. */
  lastStartedAt: number;
  /** What the current entry lost to size limits, for its kept-with-cuts note. */
  cuts: string[];
}

function entryToExchange(entry: unknown, index: number, context: EntryContext): HttpExchange | string {
  if (!isRecord(entry)) return 'the entry is not an object';
  const request = own(entry, 'request');
  if (!isRecord(request)) return 'the entry has no request';
  const method = own(request, 'method');
  if (typeof method !== 'string' || method === '') return 'the request has no method';
  if (!METHOD_PATTERN.test(method)) return `the request method is not an HTTP method: ${preview(method)}`;
  const url = own(request, 'url');
  if (typeof url !== 'string' || url === '') return 'the request has no URL';
  if (url.length > MAX_URL_LENGTH) return 'the request URL is longer than 2 MiB';
  if (!URL.canParse(url)) return `the request URL is not an absolute URL: ${preview(url)}`;

  const ext = readExtension(own(entry, '_stepupInspector'));
  const responseValue = own(entry, 'response');
  const response = isRecord(responseValue) ? responseValue : undefined;

  const { cuts } = context;
  const requestHeaders = readHeaders(own(request, 'headers'), 'request', cuts);
  if (typeof requestHeaders === 'string') return `the request: ${requestHeaders}`;
  const responseHeaders = response ? readHeaders(own(response, 'headers'), 'response', cuts) : [];
  if (typeof responseHeaders === 'string') return `the response: ${responseHeaders}`;

  let startedAt = ext?.startedAt ?? readStartedAt(own(entry, 'startedDateTime'));
  if (startedAt === undefined) startedAt = context.lastStartedAt;
  else context.lastStartedAt = startedAt;

  const exchange: HttpExchange = {
    id: context.ids.claim(ext?.id ?? `har_${index}`),
    method,
    url,
    requestHeaders,
    requestBody: requestBodyFrom(request, ext?.requestBody, cuts),
    status: response ? readStatus(own(response, 'status')) : 0,
    responseHeaders,
    responseBody: responseBodyFrom(response, ext?.responseBody, cuts),
    startedAt,
    sources: ext?.sources ?? ['har'],
  };

  if (!ext?.noStatusText && response) {
    const statusText = shortString(own(response, 'statusText'));
    // Without our extension '' means "no reason phrase" (HTTP/2 has none), so it is left out.
    if (statusText !== undefined && (statusText !== '' || ext !== undefined))
      exchange.statusText = statusText;
  }

  if (ext) {
    if (ext.endedAt !== undefined) exchange.endedAt = ext.endedAt;
    if (ext.error !== undefined) exchange.error = ext.error;
    if (ext.initiator !== undefined) exchange.initiator = ext.initiator;
    if (ext.pageReported !== undefined) exchange.pageReported = ext.pageReported;
  } else {
    const time = own(entry, 'time');
    if (typeof time === 'number' && Number.isFinite(time) && time >= 0) exchange.endedAt = startedAt + time;
    // Chrome writes the network error as `response._error` (e.g. "net::ERR_CONNECTION_REFUSED").
    const error =
      shortString(response ? own(response, '_error') : undefined) ?? shortString(own(entry, '_error'));
    if (error) exchange.error = error;
  }
  return exchange;
}

/**
 * Converts one HAR's entries in file order, in one call or over several (the panel's import converts in
 * slices and yields between them): everything that depends on earlier entries (unique ids, the start time an
 * entry without one takes, entry indexes) carries over from one call to the next, so any slicing gives what
 * one call over the whole list gives.
 */
export interface HarEntryReader {
  /**
   * Converts `entries[start..end)`: exchanges are appended to `exchanges`, entries that cannot be used and
   * entries kept with cuts to `skipped` (by index in `entries`). Never throws.
   */
  read(
    entries: readonly unknown[],
    start: number,
    end: number,
    exchanges: HttpExchange[],
    skipped: SkippedEntry[],
  ): void;
}

/** A reader for one HAR's entries; see {@link HarEntryReader}. */
export function createHarEntryReader(): HarEntryReader {
  const context: EntryContext = { ids: createIdAllocator(), lastStartedAt: 0, cuts: [] };
  return {
    read(entries, start, end, exchanges, skipped) {
      for (let index = start; index < end; index += 1) {
        if (!(index in entries)) continue; // a hole in a sparse array is no entry (as forEach skips it)
        let result: HttpExchange | string;
        context.cuts = [];
        try {
          result = entryToExchange(entries[index], index, context);
        } catch {
          // Only reachable with a crafted object (a throwing getter or Proxy), never with parsed JSON.
          result = 'the entry could not be read';
        }
        if (typeof result === 'string') skipped.push({ index, reason: result });
        else {
          exchanges.push(result);
          if (context.cuts.length > 0) skipped.push(keptWithCuts(index, context.cuts));
        }
      }
    },
  };
}

function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown };
  } catch {
    return { ok: false };
  }
}

function failure(code: HarErrorCode, message: string): HarParseResult {
  return { ok: false, error: { code, message } };
}

function parseHarRoot(root: unknown, maxEntries: number): HarParseResult {
  const log = isRecord(root) ? own(root, 'log') : undefined;
  if (!isRecord(log)) return failure('not_har', 'This is not a HAR file: it has no "log" object.');
  const version = own(log, 'version');
  const supported =
    version === undefined ||
    (typeof version === 'string' && /^1(\.\d+)?$/.test(version.trim())) ||
    (typeof version === 'number' && version >= 1 && version < 2);
  if (!supported) {
    const shown = typeof version === 'string' ? preview(version) : typeof version;
    return failure('unsupported_version', `This HAR has version ${shown}; only HAR 1.x files can be read.`);
  }
  const entries = own(log, 'entries');
  if (!Array.isArray(entries)) return failure('not_har', 'This HAR has no list of requests (log.entries).');
  if (entries.length > maxEntries) {
    return failure(
      'too_large',
      `This HAR has ${entries.length} requests; at most ${maxEntries} can be loaded.`,
    );
  }

  const exchanges: HttpExchange[] = [];
  const skipped: SkippedEntry[] = [];
  createHarEntryReader().read(entries as unknown[], 0, entries.length, exchanges, skipped);

  const result: HarParseResult = { ok: true, exchanges, skipped };
  const creator = own(log, 'creator');
  if (isRecord(creator)) {
    const name = shortString(own(creator, 'name'));
    const creatorVersion = shortString(own(creator, 'version'));
    if (name !== undefined) result.creator = { name, version: creatorVersion ?? '' };
  }
  return result;
}

/**
 * Reads a HAR document, given as its JSON text or as an already parsed value. Never throws: a file that is
 * not a HAR gives `ok: false` with a code and a message for people; entries without a usable request
 * (method, absolute URL) are listed in `skipped` and the others still load. A header value or body over its
 * size limit is cut and marked `truncated`, and its entry, kept, gets a `kept: true` note in `skipped`.
 *
 * Without `_stepupInspector` data: ids are `har_<index>`, sources `['har']`, a missing `postData` or
 * `content.text` is an absent body (not captured), `time` gives `endedAt`, Chrome's `response._error` gives
 * `error`, and an entry without a readable `startedDateTime` takes the previous entry's start time.
 */
export function parseHar(input: unknown, options: HarParseOptions = {}): HarParseResult {
  const maxTextLength = options.maxTextLength ?? MAX_HAR_TEXT_LENGTH;
  const maxEntries = options.maxEntries ?? MAX_HAR_ENTRIES;
  let root = input;
  if (typeof input === 'string') {
    if (input.length > maxTextLength) {
      return failure('too_large', `This file is larger than ${maxTextLength} characters, too large to load.`);
    }
    const parsed = parseJsonText(input);
    if (!parsed.ok) return failure('not_json', 'This file is not valid JSON, so it cannot be a HAR.');
    root = parsed.value;
  }
  try {
    return parseHarRoot(root, maxEntries);
  } catch {
    return failure('not_har', 'This HAR could not be read.');
  }
}
