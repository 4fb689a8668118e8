/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) to and from exchanges.
 *
 * Reading is lenient because HAR files come from Chrome, Firefox, Safari and proxies (Charles, Proxyman,
 * mitmproxy), each with its own gaps and `_custom` fields; an entry that cannot become an exchange is
 * skipped with a reason and the rest of the file still loads.
 *
 * Writing is lossless: what HAR cannot say (exchange id, sources, initiator, page-reported mark, network
 * error, exact timestamps, absent vs empty bodies, truncation) goes into a custom `_stepupInspector` field
 * on each entry (and on each header cut on import), so `parseHar(toHar(x))` deep-equals `x`.
 */
import { droppedBodyNote, readDroppedBody } from './body.ts';
import type { Body, DroppedBody, ExchangeSource, Header, HttpExchange } from './exchange.ts';
import { getHeader, getHeaderValues } from './headers.ts';
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
  isRecord,
  own,
  type Rec,
  type SkippedEntry,
} from './guards.ts';
import { createIdAllocator, type IdAllocator } from './unique-ids.ts';

/** `name`/`value` pair, as HAR uses for headers and query parameters. */
export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
  /** On headers: the value was cut to a size limit when a file was loaded (`Header.truncated`). */
  _stepupInspector?: { truncated: true };
}

/** A cookie as HAR lists it. Only name and value are written; other attributes are read as whatever. */
export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  comment?: string;
}

export interface HarPostParam {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  text?: string;
  params?: HarPostParam[];
  comment?: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** -1 when unknown. */
  headersSize: number;
  /** -1 when unknown. */
  bodySize: number;
  comment?: string;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

/** Phase durations in ms; -1 for phases that do not apply or are unknown. */
export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

/** Body bookkeeping HAR cannot hold: the payload itself stays in `postData.text` / `content.text`. */
export interface StepupInspectorBodyMeta {
  kind: Body['kind'];
  mimeType?: string;
  truncated?: boolean;
  size?: number;
  /** An absent body that a redacted export dropped; the HAR's own text holds only the note. */
  dropped?: DroppedBody;
}

/** The custom `_stepupInspector` field on every entry this module writes. */
export interface StepupInspectorEntryExtension {
  version: 1;
  id: string;
  sources: ExchangeSource[];
  /** Exact epoch ms: `startedDateTime` only has millisecond precision and webRequest timestamps are fractional. */
  startedAt: number;
  endedAt?: number;
  error?: string;
  initiator?: 'page' | 'inspector';
  pageReported?: boolean;
  /** HAR requires `statusText`; this tells a written `''` apart from "no status text". */
  noStatusText?: true;
  requestBody: StepupInspectorBodyMeta;
  responseBody: StepupInspectorBodyMeta;
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  /** Total ms. Some tools write -1 or leave it out. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _stepupInspector?: StepupInspectorEntryExtension;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
}

/** A HAR document. */
export interface Har {
  log: HarLog;
}

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
/**
 * Longest body payload kept, in characters. Longer bodies are cut and marked `truncated` (and the entry gets a
 * kept-with-cuts note), the same rule as `toExchange` in `log-file.ts`, so a HAR import re-exports as a valid
 * inspector log. Header values over `MAX_HEADER_VALUE_LENGTH` are cut and marked the same way.
 */
export const MAX_BODY_PAYLOAD_LENGTH = 32 * 1024 * 1024;

/** Written as `log.creator` unless the caller passes one; the panel passes the manifest version. */
export const DEFAULT_HAR_CREATOR: { name: string; version: string } = {
  name: 'Step-Up Inspector',
  version: '0.1.0',
};

/** Largest |epoch ms| a JS Date can hold (ECMA-262 §21.4.1.22). */
const MAX_DATE_MS = 8.64e15;

function shortString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_SHORT_TEXT_LENGTH ? value : undefined;
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function capBody(body: Body, where: 'request' | 'response', cuts: string[]): Body {
  if (body.kind === 'text' && body.text.length > MAX_BODY_PAYLOAD_LENGTH) {
    cuts.push(bodyCutNote(where, body.text.length, MAX_BODY_PAYLOAD_LENGTH));
    return { ...body, text: body.text.slice(0, MAX_BODY_PAYLOAD_LENGTH), truncated: true };
  }
  if (body.kind === 'base64' && body.base64.length > MAX_BODY_PAYLOAD_LENGTH) {
    const cut = MAX_BODY_PAYLOAD_LENGTH - (MAX_BODY_PAYLOAD_LENGTH % 4);
    cuts.push(bodyCutNote(where, body.base64.length, cut));
    return { ...body, base64: body.base64.slice(0, cut), truncated: true };
  }
  return body;
}

function readHeaders(value: unknown, where: 'request' | 'response', cuts: string[]): Header[] | string {
  if (!Array.isArray(value)) return [];
  if (value.length > MAX_HEADERS) return `it has ${value.length} headers, more than ${MAX_HEADERS}`;
  const headers: Header[] = [];
  for (const item of value as unknown[]) {
    if (!isRecord(item)) continue;
    const name = own(item, 'name');
    if (typeof name !== 'string' || name === '' || name.length > MAX_HEADER_NAME_LENGTH) continue;
    const raw = own(item, 'value');
    // Some proxies write numeric header values as JSON numbers.
    const value =
      typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
    // Dropping an oversized header would make it look never sent (a false `dpop.missing`): keep it cut.
    if (value.length > MAX_HEADER_VALUE_LENGTH) {
      cuts.push(headerCutNote(where, name, value.length));
      headers.push({ name, value: cutHeaderValue(value), truncated: true });
      continue;
    }
    const mark = own(item, '_stepupInspector');
    headers.push(
      isRecord(mark) && own(mark, 'truncated') === true ? { name, value, truncated: true } : { name, value },
    );
  }
  return headers;
}

function readStatus(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 999 ? n : 0;
}

function readStartedAt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function readBodyMeta(value: unknown): StepupInspectorBodyMeta | undefined {
  if (!isRecord(value)) return undefined;
  const kind = own(value, 'kind');
  if (kind !== 'absent' && kind !== 'text' && kind !== 'base64') return undefined;
  const meta: StepupInspectorBodyMeta = { kind };
  const mimeType = own(value, 'mimeType');
  if (typeof mimeType === 'string' && mimeType.length <= MAX_SHORT_TEXT_LENGTH) meta.mimeType = mimeType;
  const truncated = own(value, 'truncated');
  if (typeof truncated === 'boolean') meta.truncated = truncated;
  const size = nonNegativeInteger(own(value, 'size'));
  if (size !== undefined) meta.size = size;
  const dropped = kind === 'absent' ? readDroppedBody(own(value, 'dropped')) : undefined;
  if (dropped !== undefined) meta.dropped = dropped;
  return meta;
}

function absentFromMeta(meta: StepupInspectorBodyMeta): Body {
  return meta.dropped === undefined ? { kind: 'absent' } : { kind: 'absent', dropped: meta.dropped };
}

/** Reads `_stepupInspector`, keeping only fields that pass the exchange rules; unknown versions are ignored. */
function readExtension(value: unknown): Partial<StepupInspectorEntryExtension> | undefined {
  if (!isRecord(value) || own(value, 'version') !== 1) return undefined;
  const ext: Partial<StepupInspectorEntryExtension> = {};
  const id = own(value, 'id');
  if (typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH) ext.id = id;
  const sources = own(value, 'sources');
  if (Array.isArray(sources)) {
    ext.sources = (sources as unknown[]).filter((s): s is ExchangeSource =>
      EXCHANGE_SOURCES.includes(s as ExchangeSource),
    );
  }
  const startedAt = own(value, 'startedAt');
  if (typeof startedAt === 'number' && Number.isFinite(startedAt)) ext.startedAt = startedAt;
  const endedAt = own(value, 'endedAt');
  if (typeof endedAt === 'number' && Number.isFinite(endedAt)) ext.endedAt = endedAt;
  const error = shortString(own(value, 'error'));
  if (error !== undefined) ext.error = error;
  const initiator = own(value, 'initiator');
  if (initiator === 'page' || initiator === 'inspector') ext.initiator = initiator;
  const pageReported = own(value, 'pageReported');
  if (typeof pageReported === 'boolean') ext.pageReported = pageReported;
  if (own(value, 'noStatusText') === true) ext.noStatusText = true;
  const requestBody = readBodyMeta(own(value, 'requestBody'));
  if (requestBody) ext.requestBody = requestBody;
  const responseBody = readBodyMeta(own(value, 'responseBody'));
  if (responseBody) ext.responseBody = responseBody;
  return ext;
}

function bodyFromMeta(meta: StepupInspectorBodyMeta, payload: string): Body {
  const body: Body =
    meta.kind === 'base64' ? { kind: 'base64', base64: payload } : { kind: 'text', text: payload };
  if (meta.mimeType !== undefined) body.mimeType = meta.mimeType;
  if (meta.truncated !== undefined) body.truncated = meta.truncated;
  if (meta.size !== undefined) body.size = meta.size;
  return body;
}

function isBase64Encoding(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === 'base64';
}

/** Rebuilds a form body from `postData.params` when a tool (Firefox, some proxies) left `text` out. */
function paramsText(params: unknown[]): string {
  const search = new URLSearchParams();
  for (const param of params) {
    if (!isRecord(param)) continue;
    const name = own(param, 'name');
    const value = own(param, 'value');
    if (typeof name === 'string') search.append(name, typeof value === 'string' ? value : '');
  }
  return search.toString();
}

function requestBodyFrom(request: Rec, meta: StepupInspectorBodyMeta | undefined, cuts: string[]): Body {
  if (meta?.kind === 'absent') return absentFromMeta(meta);
  const postData = own(request, 'postData');
  if (!isRecord(postData)) return { kind: 'absent' };
  const text = own(postData, 'text');
  if (meta && typeof text === 'string') return capBody(bodyFromMeta(meta, text), 'request', cuts);

  let payload: string;
  if (typeof text === 'string') payload = text;
  else {
    const params = own(postData, 'params');
    // No text and no params: the tool saw a body but did not save it.
    if (!Array.isArray(params)) return { kind: 'absent' };
    payload = paramsText(params as unknown[]);
  }
  // HAR's postData has no `encoding`, but some tools add one (or `_encoding`) for binary uploads.
  const base64 = isBase64Encoding(own(postData, 'encoding')) || isBase64Encoding(own(postData, '_encoding'));
  const body: Body = base64 ? { kind: 'base64', base64: payload } : { kind: 'text', text: payload };
  const mimeType = shortString(own(postData, 'mimeType'));
  if (mimeType) body.mimeType = mimeType;
  const size = nonNegativeInteger(own(request, 'bodySize'));
  if (size !== undefined) body.size = size;
  return capBody(body, 'request', cuts);
}

function responseBodyFrom(
  response: Rec | undefined,
  meta: StepupInspectorBodyMeta | undefined,
  cuts: string[],
): Body {
  if (meta?.kind === 'absent') return absentFromMeta(meta);
  if (response === undefined) return { kind: 'absent' };
  const content = own(response, 'content');
  if (!isRecord(content)) return { kind: 'absent' };
  const text = own(content, 'text');
  // Chrome leaves `text` out when it did not keep the body: that is "not captured", not "empty".
  if (typeof text !== 'string') return { kind: 'absent' };
  if (meta) return capBody(bodyFromMeta(meta, text), 'response', cuts);
  const body: Body = isBase64Encoding(own(content, 'encoding'))
    ? { kind: 'base64', base64: text }
    : { kind: 'text', text };
  const mimeType = shortString(own(content, 'mimeType'));
  if (mimeType) body.mimeType = mimeType;
  const size = nonNegativeInteger(own(content, 'size'));
  if (size !== undefined) body.size = size;
  return capBody(body, 'response', cuts);
}

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
  const context: EntryContext = { ids: createIdAllocator(), lastStartedAt: 0, cuts: [] };
  (entries as unknown[]).forEach((entry, index) => {
    let result: HttpExchange | string;
    context.cuts = [];
    try {
      result = entryToExchange(entry, index, context);
    } catch {
      // Only reachable with a crafted object (a throwing getter or Proxy), never with parsed JSON.
      result = 'the entry could not be read';
    }
    if (typeof result === 'string') skipped.push({ index, reason: result });
    else {
      exchanges.push(result);
      if (context.cuts.length > 0) skipped.push(keptWithCuts(index, context.cuts));
    }
  });

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

const utf8 = new TextEncoder();

function knownBodySize(body: Body): number | undefined {
  if (body.kind === 'absent') return undefined;
  if (body.size !== undefined) return body.size;
  if (body.truncated) return undefined;
  if (body.kind === 'text') return utf8.encode(body.text).length;
  const padding = body.base64.endsWith('==') ? 2 : body.base64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((body.base64.length * 3) / 4) - padding);
}

function bodyMeta(body: Body): StepupInspectorBodyMeta {
  const meta: StepupInspectorBodyMeta = { kind: body.kind };
  if (body.kind === 'absent') {
    if (body.dropped !== undefined) meta.dropped = { ...body.dropped };
    return meta;
  }
  if (body.mimeType !== undefined) meta.mimeType = body.mimeType;
  if (body.truncated !== undefined) meta.truncated = body.truncated;
  if (body.size !== undefined) meta.size = body.size;
  return meta;
}

function isoDate(epochMs: number): string {
  return new Date(Number.isFinite(epochMs) && Math.abs(epochMs) <= MAX_DATE_MS ? epochMs : 0).toISOString();
}

function queryStringOf(url: string): HarNameValue[] {
  if (!URL.canParse(url)) return [];
  return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
}

function splitCookiePair(pair: string): HarCookie | undefined {
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
  return name === '' ? undefined : { name, value: eq === -1 ? '' : pair.slice(eq + 1).trim() };
}

function requestCookies(headers: readonly Header[]): HarCookie[] {
  return getHeaderValues(headers, 'cookie')
    .flatMap((value) => value.split(';'))
    .map(splitCookiePair)
    .filter((cookie): cookie is HarCookie => cookie !== undefined);
}

function responseCookies(headers: readonly Header[]): HarCookie[] {
  // Only the name=value pair: attributes are still readable in the Set-Cookie header itself.
  return getHeaderValues(headers, 'set-cookie')
    .map((value) => splitCookiePair(value.split(';')[0] ?? ''))
    .filter((cookie): cookie is HarCookie => cookie !== undefined);
}

function copyHeaders(headers: readonly Header[]): HarNameValue[] {
  return headers.map(({ name, value, truncated }) =>
    truncated === true ? { name, value, _stepupInspector: { truncated: true } } : { name, value },
  );
}

function exchangeToEntry(exchange: HttpExchange): HarEntry {
  const { requestBody, responseBody } = exchange;
  const time =
    exchange.endedAt !== undefined && Number.isFinite(exchange.endedAt - exchange.startedAt)
      ? Math.max(0, exchange.endedAt - exchange.startedAt)
      : 0;

  const request: HarRequest = {
    method: exchange.method,
    url: exchange.url,
    httpVersion: '',
    cookies: requestCookies(exchange.requestHeaders),
    headers: copyHeaders(exchange.requestHeaders),
    queryString: queryStringOf(exchange.url),
    headersSize: -1,
    bodySize: knownBodySize(requestBody) ?? -1,
  };
  if (requestBody.kind !== 'absent') {
    request.postData = {
      mimeType: requestBody.mimeType ?? getHeader(exchange.requestHeaders, 'content-type') ?? '',
      text: requestBody.kind === 'text' ? requestBody.text : requestBody.base64,
    };
  } else if (requestBody.dropped !== undefined) {
    // HAR viewers show the note where the body would be; `_stepupInspector` says it is a note.
    request.postData = {
      mimeType: requestBody.dropped.mimeType ?? '',
      text: droppedBodyNote(requestBody.dropped),
    };
  }

  const content: HarContent = {
    size: knownBodySize(responseBody) ?? 0,
    mimeType:
      (responseBody.kind !== 'absent' ? responseBody.mimeType : undefined) ??
      getHeader(exchange.responseHeaders, 'content-type') ??
      '',
  };
  if (responseBody.kind === 'text') content.text = responseBody.text;
  if (responseBody.kind === 'absent' && responseBody.dropped !== undefined) {
    content.text = droppedBodyNote(responseBody.dropped);
    if (responseBody.dropped.mimeType !== undefined) content.mimeType = responseBody.dropped.mimeType;
  }
  if (responseBody.kind === 'base64') {
    content.text = responseBody.base64;
    content.encoding = 'base64';
  }

  const extension: StepupInspectorEntryExtension = {
    version: 1,
    id: exchange.id,
    sources: [...exchange.sources],
    startedAt: exchange.startedAt,
    requestBody: bodyMeta(requestBody),
    responseBody: bodyMeta(responseBody),
  };
  if (exchange.endedAt !== undefined) extension.endedAt = exchange.endedAt;
  if (exchange.error !== undefined) extension.error = exchange.error;
  if (exchange.initiator !== undefined) extension.initiator = exchange.initiator;
  if (exchange.pageReported !== undefined) extension.pageReported = exchange.pageReported;
  if (exchange.statusText === undefined) extension.noStatusText = true;

  return {
    startedDateTime: isoDate(exchange.startedAt),
    time,
    request,
    response: {
      status: exchange.status,
      statusText: exchange.statusText ?? '',
      httpVersion: '',
      cookies: responseCookies(exchange.responseHeaders),
      headers: copyHeaders(exchange.responseHeaders),
      content,
      redirectURL: getHeader(exchange.responseHeaders, 'location') ?? '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    // Only the total is known; putting it all in `wait` keeps the HAR rule "time = sum of timings".
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: time, receive: 0 },
    _stepupInspector: extension,
  };
}

/**
 * Writes exchanges as a HAR 1.2 document that DevTools, Firefox and HAR viewers open. Sizes the exchange does
 * not know are -1 (`httpVersion` is `''` for the same reason); `queryString` and cookies are derived from the
 * URL and headers. Everything else an exchange holds goes into `_stepupInspector` for a lossless
 * {@link parseHar}.
 */
export function toHar(
  exchanges: readonly HttpExchange[],
  options: { creator?: { name: string; version: string } } = {},
): Har {
  const creator = options.creator ?? DEFAULT_HAR_CREATOR;
  return {
    log: {
      version: '1.2',
      creator: { name: creator.name, version: creator.version },
      pages: [],
      entries: exchanges.map(exchangeToEntry),
    },
  };
}
