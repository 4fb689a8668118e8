/**
 * The extension's own export format, and reading any log file a user drops on the panel (a HAR from any
 * tool, or an inspector export). Files are untrusted: every exchange is rebuilt field by field from known
 * keys, so extra keys (including `__proto__` and `constructor`) never reach the app.
 */
import { readDroppedBody } from './body.ts';
import type { Body, ExchangeSource, Header, HttpExchange } from './exchange.ts';
import { MAX_BODY_PAYLOAD_LENGTH, MAX_HAR_TEXT_LENGTH, parseHar } from './har.ts';
import {
  bodyCutNote,
  cutHeaderValue,
  headerCutNote,
  keptWithCuts,
  MAX_ID_LENGTH,
  MAX_URL_LENGTH,
  MAX_HEADERS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  MAX_SHORT_TEXT_LENGTH,
  METHOD_PATTERN,
  EXCHANGE_SOURCES,
  own,
  type Rec,
  type SkippedEntry,
} from './guards.ts';
import { createIdAllocator } from './unique-ids.ts';
import { isRecord } from '../util.ts';

/** `format` value that marks an inspector export. */
export const INSPECTOR_LOG_FORMAT = 'stepup-inspector-log';
/** The export version this build writes and reads. */
export const INSPECTOR_LOG_VERSION = 1;

/** A Step-Up Inspector export file. */
export interface InspectorLog {
  format: typeof INSPECTOR_LOG_FORMAT;
  version: typeof INSPECTOR_LOG_VERSION;
  /** ISO 8601 time of the export. */
  exportedAt: string;
  /** True when secrets (tokens, codes, cookies) were replaced before export. */
  redacted: boolean;
  /** The inspected page. */
  source?: { url?: string; title?: string };
  exchanges: HttpExchange[];
}

/** What {@link toInspectorLog} needs besides the exchanges. */
export interface InspectorLogMeta {
  redacted: boolean;
  /** ISO 8601; defaults to now. */
  exportedAt?: string;
  source?: { url?: string; title?: string };
}

/** Error codes of {@link parseLogFile}. */
export type LogFileErrorCode =
  'empty' | 'not_json' | 'unknown_format' | 'unsupported_version' | 'malformed' | 'too_large';

/** File-level facts found while reading; which ones are set depends on the kind of file. */
export interface LogFileMeta {
  /** HAR: the tool that wrote it. */
  creator?: { name: string; version: string };
  /** Inspector export: when it was written. */
  exportedAt?: string;
  /** Inspector export: whether secrets were removed (as the file claims). */
  redacted?: boolean;
  /** Inspector export: the inspected page. */
  source?: { url?: string; title?: string };
}

/**
 * Outcome of {@link parseLogFile}. `skipped` lists the entries that could not be used and, with `kept: true`,
 * the ones kept with a header or body cut to size.
 */
export type LogFileParseResult =
  | {
      ok: true;
      kind: 'har' | 'inspector';
      exchanges: HttpExchange[];
      skipped: SkippedEntry[];
      meta: LogFileMeta;
    }
  | { ok: false; error: { code: LogFileErrorCode; message: string } };

/** Most exchanges in one inspector export; matches the HAR entry cap. */
const MAX_EXCHANGES = 100_000;

function has(record: Rec, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** What an unexpected field holds, for "is …, not …" messages: its kind, and short values as they are. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-character string` : `"${value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function toHeaders(value: unknown, field: string, cuts: string[]): Header[] | string {
  if (!Array.isArray(value)) return `${field} is ${describeValue(value)}, not a list`;
  if (value.length > MAX_HEADERS) return `${field} has ${value.length} headers, more than ${MAX_HEADERS}`;
  const headers: Header[] = [];
  for (const [i, item] of (value as unknown[]).entries()) {
    if (!isRecord(item)) return `${field}[${i}] is ${describeValue(item)}, not a header`;
    const name = own(item, 'name');
    const headerValue = own(item, 'value');
    if (typeof name !== 'string' || name === '' || name.length > MAX_HEADER_NAME_LENGTH) {
      return `${field}[${i}].name is not a header name`;
    }
    if (typeof headerValue !== 'string')
      return `${field}[${i}].value is ${describeValue(headerValue)}, not a string`;
    const header: Header = { name, value: headerValue };
    if (has(item, 'truncated')) {
      const truncated = own(item, 'truncated');
      if (typeof truncated !== 'boolean')
        return `${field}[${i}].truncated is ${describeValue(truncated)}, not true or false`;
      header.truncated = truncated;
    }
    // Dropping an oversized header would make it look never sent (a false `dpop.missing`): keep it cut.
    if (headerValue.length > MAX_HEADER_VALUE_LENGTH) {
      cuts.push(headerCutNote(field === 'requestHeaders' ? 'request' : 'response', name, headerValue.length));
      header.value = cutHeaderValue(headerValue);
      header.truncated = true;
    }
    headers.push(header);
  }
  return headers;
}

function toBody(value: unknown, field: string, cuts: string[]): Body | string {
  if (!isRecord(value)) return `${field} is ${describeValue(value)}, not a body`;
  const kind = own(value, 'kind');
  if (kind === 'absent') {
    const dropped = readDroppedBody(own(value, 'dropped'));
    return dropped === undefined ? { kind: 'absent' } : { kind: 'absent', dropped };
  }
  if (kind !== 'text' && kind !== 'base64') return `${field}.kind is ${describeValue(kind)}`;
  const payload = own(value, kind);
  if (typeof payload !== 'string') return `${field}.${kind} is ${describeValue(payload)}, not a string`;
  let body: Body = kind === 'text' ? { kind, text: payload } : { kind, base64: payload };

  if (has(value, 'mimeType')) {
    const mimeType = own(value, 'mimeType');
    if (typeof mimeType !== 'string' || mimeType.length > MAX_SHORT_TEXT_LENGTH)
      return `${field}.mimeType is invalid`;
    body.mimeType = mimeType;
  }
  if (has(value, 'truncated')) {
    const truncated = own(value, 'truncated');
    if (typeof truncated !== 'boolean')
      return `${field}.truncated is ${describeValue(truncated)}, not true or false`;
    body.truncated = truncated;
  }
  if (has(value, 'size')) {
    const size = own(value, 'size');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return `${field}.size is ${describeValue(size)}, not a byte count`;
    }
    body.size = size;
  }
  // Oversized payloads are kept, cut and marked, rather than dropping the whole exchange.
  if (payload.length > MAX_BODY_PAYLOAD_LENGTH) {
    const cut =
      kind === 'base64' ? MAX_BODY_PAYLOAD_LENGTH - (MAX_BODY_PAYLOAD_LENGTH % 4) : MAX_BODY_PAYLOAD_LENGTH;
    cuts.push(bodyCutNote(field === 'requestBody' ? 'request' : 'response', payload.length, cut));
    body =
      body.kind === 'text'
        ? { ...body, text: payload.slice(0, cut), truncated: true }
        : { ...body, base64: payload.slice(0, cut), truncated: true };
  }
  return body;
}

function finiteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Rebuilds an exchange from untrusted data (an imported file, or what the page hook reports), or returns why
 * it cannot. Only known fields are copied, so unknown keys, `__proto__` and `constructor` are dropped; a
 * known field of the wrong type rejects the exchange, since it means the data was corrupted or forged.
 * Unknown `sources` values are dropped (a newer build may add sources). Body payloads longer than
 * {@link MAX_BODY_PAYLOAD_LENGTH} and header values longer than 1 MiB are cut and marked `truncated`
 * ({@link readExchange} also says what was cut). Never throws.
 */
export function toExchange(value: unknown): HttpExchange | string {
  const result = readExchange(value);
  return typeof result === 'string' ? result : result.exchange;
}

/**
 * {@link toExchange}, plus what was cut to size: one phrase per header or body cut (empty when nothing was),
 * for the entry's kept-with-cuts note. Never throws.
 */
export function readExchange(value: unknown): { exchange: HttpExchange; cuts: string[] } | string {
  const cuts: string[] = [];
  try {
    const exchange = toExchangeUnsafe(value, cuts);
    return typeof exchange === 'string' ? exchange : { exchange, cuts };
  } catch {
    // Only reachable with crafted objects (throwing getters, Proxies), never with parsed JSON.
    return 'the exchange could not be read';
  }
}

function toExchangeUnsafe(value: unknown, cuts: string[]): HttpExchange | string {
  if (!isRecord(value)) return `the exchange is ${describeValue(value)}, not an object`;

  const id = own(value, 'id');
  if (typeof id !== 'string' || id === '') return 'id is missing';
  if (id.length > MAX_ID_LENGTH) return `id is longer than ${MAX_ID_LENGTH} characters`;
  const method = own(value, 'method');
  if (typeof method !== 'string' || !METHOD_PATTERN.test(method))
    return `method is ${describeValue(method)}, not an HTTP method`;
  const url = own(value, 'url');
  if (typeof url !== 'string') return `url is ${describeValue(url)}, not a string`;
  if (url.length > MAX_URL_LENGTH) return 'url is longer than 2 MiB';
  if (!URL.canParse(url)) return `url is not an absolute URL`;
  const status = own(value, 'status');
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) {
    return `status is ${describeValue(status)}, not an HTTP status`;
  }
  const startedAt = own(value, 'startedAt');
  if (!finiteNumber(startedAt)) return `startedAt is ${describeValue(startedAt)}, not a time`;
  const requestHeaders = toHeaders(own(value, 'requestHeaders'), 'requestHeaders', cuts);
  if (typeof requestHeaders === 'string') return requestHeaders;
  const responseHeaders = toHeaders(own(value, 'responseHeaders'), 'responseHeaders', cuts);
  if (typeof responseHeaders === 'string') return responseHeaders;
  const requestBody = toBody(own(value, 'requestBody'), 'requestBody', cuts);
  if (typeof requestBody === 'string') return requestBody;
  const responseBody = toBody(own(value, 'responseBody'), 'responseBody', cuts);
  if (typeof responseBody === 'string') return responseBody;
  const rawSources = own(value, 'sources');
  if (!Array.isArray(rawSources)) return `sources is ${describeValue(rawSources)}, not a list`;
  const sources = (rawSources as unknown[]).filter((s): s is ExchangeSource =>
    EXCHANGE_SOURCES.includes(s as ExchangeSource),
  );

  const exchange: HttpExchange = {
    id,
    method,
    url,
    requestHeaders,
    requestBody,
    status,
    responseHeaders,
    responseBody,
    startedAt,
    sources,
  };

  if (has(value, 'statusText')) {
    const statusText = own(value, 'statusText');
    if (typeof statusText !== 'string' || statusText.length > MAX_SHORT_TEXT_LENGTH)
      return 'statusText is invalid';
    exchange.statusText = statusText;
  }
  if (has(value, 'endedAt')) {
    const endedAt = own(value, 'endedAt');
    if (!finiteNumber(endedAt)) return `endedAt is ${describeValue(endedAt)}, not a time`;
    exchange.endedAt = endedAt;
  }
  if (has(value, 'error')) {
    const error = own(value, 'error');
    if (typeof error !== 'string' || error.length > MAX_SHORT_TEXT_LENGTH) return 'error is invalid';
    exchange.error = error;
  }
  if (has(value, 'initiator')) {
    const initiator = own(value, 'initiator');
    if (initiator !== 'page' && initiator !== 'inspector') return `initiator is ${describeValue(initiator)}`;
    exchange.initiator = initiator;
  }
  if (has(value, 'pageReported')) {
    const pageReported = own(value, 'pageReported');
    if (typeof pageReported !== 'boolean')
      return `pageReported is ${describeValue(pageReported)}, not true or false`;
    exchange.pageReported = pageReported;
  }
  return exchange;
}

/** Builds an export file. Exchanges are copied through {@link toExchange}'s field list so no stray keys leak. */
export function toInspectorLog(exchanges: readonly HttpExchange[], meta: InspectorLogMeta): InspectorLog {
  const log: InspectorLog = {
    format: INSPECTOR_LOG_FORMAT,
    version: INSPECTOR_LOG_VERSION,
    exportedAt: meta.exportedAt ?? new Date().toISOString(),
    redacted: meta.redacted,
    exchanges: exchanges.map((exchange) => {
      const copy = toExchange(exchange);
      // A typed exchange only fails the guard when it breaks a size limit; export it as it is then.
      return typeof copy === 'string' ? exchange : copy;
    }),
  };
  if (meta.source !== undefined) log.source = copySource(meta.source);
  return log;
}

function copySource(source: { url?: string; title?: string }): { url?: string; title?: string } {
  const copy: { url?: string; title?: string } = {};
  if (source.url !== undefined) copy.url = source.url;
  if (source.title !== undefined) copy.title = source.title;
  return copy;
}

function readSource(value: unknown): { url?: string; title?: string } | undefined {
  if (!isRecord(value)) return undefined;
  const source: { url?: string; title?: string } = {};
  const url = own(value, 'url');
  const title = own(value, 'title');
  if (typeof url === 'string' && url.length <= MAX_URL_LENGTH) source.url = url;
  if (typeof title === 'string' && title.length <= MAX_SHORT_TEXT_LENGTH) source.title = title;
  return source;
}

function fail(code: LogFileErrorCode, message: string): LogFileParseResult {
  return { ok: false, error: { code, message } };
}

function parseInspectorLog(root: Rec): LogFileParseResult {
  const version = own(root, 'version');
  if (version !== INSPECTOR_LOG_VERSION) {
    const shown = typeof version === 'number' ? String(version) : describeValue(version);
    return fail(
      'unsupported_version',
      `This Step-Up Inspector export is version ${shown}; this build reads version ${INSPECTOR_LOG_VERSION}. ` +
        'A newer version of the extension may open it.',
    );
  }
  const list = own(root, 'exchanges');
  if (!Array.isArray(list))
    return fail('malformed', 'This Step-Up Inspector export has no list of exchanges.');
  if (list.length > MAX_EXCHANGES) {
    return fail(
      'too_large',
      `This export has ${list.length} exchanges; at most ${MAX_EXCHANGES} can be loaded.`,
    );
  }

  const exchanges: HttpExchange[] = [];
  const skipped: SkippedEntry[] = [];
  const ids = createIdAllocator();
  (list as unknown[]).forEach((item, index) => {
    const result = readExchange(item);
    if (typeof result === 'string') {
      skipped.push({ index, reason: result });
      return;
    }
    const { exchange, cuts } = result;
    // Ids key the store; a repeated id (a merged or edited file) gets a suffix instead of hiding a row.
    const id = ids.claim(exchange.id);
    exchanges.push(id === exchange.id ? exchange : { ...exchange, id });
    if (cuts.length > 0) skipped.push(keptWithCuts(index, cuts));
  });

  const meta: LogFileMeta = {};
  const exportedAt = own(root, 'exportedAt');
  if (typeof exportedAt === 'string' && exportedAt.length <= MAX_SHORT_TEXT_LENGTH)
    meta.exportedAt = exportedAt;
  const redacted = own(root, 'redacted');
  if (typeof redacted === 'boolean') meta.redacted = redacted;
  const source = readSource(own(root, 'source'));
  if (source !== undefined) meta.source = source;
  return { ok: true, kind: 'inspector', exchanges, skipped, meta };
}

/** Reads `text` as JSON; when it fails, says whether the text looks cut off (the usual failed-download case). */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false; cutOff: boolean } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = /position (\d+)/.exec(message);
    const cutOff =
      /end of (JSON )?input/i.test(message) || (position !== null && Number(position[1]) >= text.length);
    return { ok: false, cutOff };
  }
}

/**
 * Reads a file the user opened: a HAR (from any browser or proxy) or a Step-Up Inspector export, told apart
 * by content, not by file name. Never throws: anything else gives `ok: false` with a code and a message
 * written for the person who picked the file. Exchanges that fail validation are listed in `skipped`.
 */
export function parseLogFile(text: string): LogFileParseResult {
  if (typeof text !== 'string') return fail('not_json', 'Nothing readable was given.');
  if (text.length > MAX_HAR_TEXT_LENGTH) {
    return fail(
      'too_large',
      `This file is larger than ${MAX_HAR_TEXT_LENGTH / 1024 / 1024} MiB, too large to load.`,
    );
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return fail('empty', 'This file is empty.');
  const parsed = parseJson(body);
  if (!parsed.ok) {
    return fail(
      'not_json',
      parsed.cutOff
        ? 'This file ends in the middle of its JSON: it was probably cut off while saving or downloading.'
        : 'This file is not JSON, so it is neither a HAR nor a Step-Up Inspector export.',
    );
  }
  const root = parsed.value;
  if (Array.isArray(root)) {
    return fail(
      'unknown_format',
      'This file is a JSON list, but a HAR or a Step-Up Inspector export is a JSON object.',
    );
  }
  if (!isRecord(root)) {
    return fail(
      'unknown_format',
      'This file is JSON but holds a single value, not a HAR or a Step-Up Inspector export.',
    );
  }
  if (own(root, 'format') === INSPECTOR_LOG_FORMAT) {
    try {
      return parseInspectorLog(root);
    } catch {
      return fail('malformed', 'This Step-Up Inspector export could not be read.');
    }
  }
  const log = own(root, 'log');
  if (isRecord(log) && Array.isArray(own(log, 'entries'))) {
    const har = parseHar(root);
    if (!har.ok) {
      return fail(
        har.error.code === 'not_har' || har.error.code === 'not_json' ? 'malformed' : har.error.code,
        har.error.message,
      );
    }
    const meta: LogFileMeta = {};
    if (har.creator) meta.creator = har.creator;
    return { ok: true, kind: 'har', exchanges: har.exchanges, skipped: har.skipped, meta };
  }
  if (isRecord(log)) {
    return fail(
      'unknown_format',
      'This file looks like a HAR but has no list of requests (log.entries), so there is nothing to load.',
    );
  }
  return fail(
    'unknown_format',
    'This file is JSON but neither a HAR (no log.entries) nor a Step-Up Inspector export (no "format": "stepup-inspector-log").',
  );
}
