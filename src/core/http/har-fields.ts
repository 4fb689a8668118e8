/**
 * Reading one HAR entry's fields, which come from any tool and are untrusted: each reader takes what passes the
 * exchange rules (`guards.ts`) and leaves the rest, so an odd field costs that field, not the entry.
 */
import { readDroppedBody } from './body.ts';
import type { Body, ExchangeSource, Header } from './exchange.ts';
import {
  bodyCutNote,
  cutHeaderValue,
  headerCutNote,
  MAX_HEADERS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  MAX_ID_LENGTH,
  MAX_SHORT_TEXT_LENGTH,
  EXCHANGE_SOURCES,
  own,
  type Rec,
} from './guards.ts';
import type { StepupInspectorBodyMeta, StepupInspectorEntryExtension } from './har-format.ts';
import { isRecord } from '../util.ts';

/**
 * Longest body payload kept, in characters. Longer bodies are cut and marked `truncated` (and the entry gets a
 * kept-with-cuts note), the same rule as `toExchange` in `log-file.ts`, so a HAR import re-exports as a valid
 * inspector log. Header values over `MAX_HEADER_VALUE_LENGTH` are cut and marked the same way.
 */
export const MAX_BODY_PAYLOAD_LENGTH = 32 * 1024 * 1024;

export function shortString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_SHORT_TEXT_LENGTH ? value : undefined;
}

export function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function preview(text: string): string {
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

export function readHeaders(
  value: unknown,
  where: 'request' | 'response',
  cuts: string[],
): Header[] | string {
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

export function readStatus(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 999 ? n : 0;
}

export function readStartedAt(value: unknown): number | undefined {
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
export function readExtension(value: unknown): Partial<StepupInspectorEntryExtension> | undefined {
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

export function requestBodyFrom(
  request: Rec,
  meta: StepupInspectorBodyMeta | undefined,
  cuts: string[],
): Body {
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

export function responseBodyFrom(
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
