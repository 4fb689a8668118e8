/**
 * Reading captured bodies. Bodies arrive from webRequest, the DevTools network API, the page hook and
 * imported files, so every reader here treats its input as untrusted and returns a typed result instead of
 * throwing.
 */
import type { Body, DroppedBody } from './exchange.ts';

/**
 * Largest body text {@link bodyJson} will parse, in UTF-16 code units (about 5 MB of ASCII). Step-up API
 * bodies are a few hundred bytes; anything this big is not an auth exchange and parsing it would stall the
 * panel.
 */
export const MAX_JSON_BODY_LENGTH = 5 * 1024 * 1024;

/** Why {@link bodyJson} produced no value. */
export type BodyJsonFailure = 'absent' | 'empty' | 'not_json' | 'truncated' | 'too_large';

/** Outcome of {@link bodyJson}: the parsed value, or a reason with a plain-words message. */
export type BodyJsonResult =
  { ok: true; value: unknown } | { ok: false; reason: BodyJsonFailure; message: string };

function isBody(value: unknown): value is Body {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'text') return typeof (value as { text?: unknown }).text === 'string';
  if (kind === 'base64') return typeof (value as { base64?: unknown }).base64 === 'string';
  return kind === 'absent';
}

/**
 * Standard (not URL-safe) base64 to bytes. HAR files and Chrome's `getContent` use standard base64, which
 * jose's `base64url` rejects, so this goes through `atob` (available in browsers and Node 20).
 */
export function decodeBase64(base64: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const utf8 = new TextDecoder('utf-8');

/**
 * The body as text: `text` bodies as they are, `base64` bodies decoded as UTF-8 (invalid sequences become
 * U+FFFD rather than failing, so a binary body still shows something). `undefined` for an absent body or
 * base64 that does not decode. A truncated body yields the part that was captured.
 */
export function bodyText(body: Body): string | undefined {
  if (!isBody(body)) return undefined;
  switch (body.kind) {
    case 'absent':
      return undefined;
    case 'text':
      return body.text;
    case 'base64': {
      const bytes = decodeBase64(body.base64);
      return bytes === undefined ? undefined : utf8.decode(bytes);
    }
  }
}

/**
 * Parses a body as JSON. A truncated body is never reported as valid JSON, even when the captured prefix
 * happens to parse (`{"a":1}` cut from `{"a":1,"b":2}`), since its meaning would be wrong.
 *
 * `JSON.parse` is safe against prototype pollution: a `"__proto__"` key becomes an own data property of the
 * parsed object (ECMA-262 InternalizeJSONProperty uses CreateDataProperty) and never changes a prototype.
 * Callers must keep it that way: copy parsed objects with spread or `structuredClone`, never with
 * `Object.assign` onto a fresh object or a recursive merge, which would invoke the `__proto__` setter.
 */
export function bodyJson(body: Body): BodyJsonResult {
  if (!isBody(body) || body.kind === 'absent') {
    return { ok: false, reason: 'absent', message: 'The body was not captured.' };
  }
  if (body.truncated === true) {
    return {
      ok: false,
      reason: 'truncated',
      message: 'The body was cut off when captured, so it cannot be read as JSON.',
    };
  }
  // base64 grows 4/3, so compare the decoded size to keep the cap in the same unit.
  const approximateLength =
    body.kind === 'text' ? body.text.length : Math.floor((body.base64.length * 3) / 4);
  if (approximateLength > MAX_JSON_BODY_LENGTH) {
    return {
      ok: false,
      reason: 'too_large',
      message: `The body is larger than ${MAX_JSON_BODY_LENGTH} characters, too large to read as JSON.`,
    };
  }
  let text = bodyText(body);
  if (text === undefined) {
    return { ok: false, reason: 'not_json', message: 'The body is marked as base64 but does not decode.' };
  }
  // TextDecoder drops a UTF-8 BOM, but a `text` body captured from a BOM-prefixed response still has it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false, reason: 'empty', message: 'The body is empty.' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'not_json', message: 'The body is not valid JSON.' };
  }
}

/**
 * The body parsed as a JSON object, or `undefined` when it is absent, not JSON, or JSON of another shape
 * (array, string, number, null). The usual way to read a request or response field.
 */
export function bodyJsonObject(body: Body): Record<string, unknown> | undefined {
  const result = bodyJson(body);
  if (!result.ok) return undefined;
  const value = result.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * A response body as a client's `res.json()` meets it: what an SDK's error path branches on. `unknown`: not
 * captured, cut off or too large, so what the client did with it cannot be told.
 */
export type ClientBodyShape =
  { kind: 'json'; value: unknown } | { kind: 'empty' } | { kind: 'not_json' } | { kind: 'unknown' };

export function clientBodyShape(body: Body): ClientBodyShape {
  const result = bodyJson(body);
  if (result.ok) return { kind: 'json', value: result.value };
  if (result.reason === 'empty') return { kind: 'empty' };
  if (result.reason === 'not_json') return { kind: 'not_json' };
  return { kind: 'unknown' };
}

/** A `text` body; `mimeType` is left out rather than set to `undefined`, so bodies compare with deep equality. */
export function textBody(text: string, mimeType?: string): Body {
  return mimeType === undefined ? { kind: 'text', text } : { kind: 'text', text, mimeType };
}

/**
 * A JSON `text` body with `application/json`. Values JSON cannot represent (`undefined`, functions, BigInt,
 * cycles) give an absent body rather than throwing: "there was no body we can show" is what they mean.
 */
export function jsonBody(value: unknown): Body {
  let text: string | undefined;
  try {
    text = JSON.stringify(value) as string | undefined;
  } catch {
    return { kind: 'absent' };
  }
  return text === undefined ? { kind: 'absent' } : { kind: 'text', text, mimeType: 'application/json' };
}

/** How a body dropped by redaction reads in a file or a view: what it was and why it is not there. */
export function droppedBodyNote(dropped: DroppedBody): string {
  const type = dropped.mimeType ?? 'unknown type';
  const size = dropped.size === undefined ? '' : `, ${dropped.size} ${dropped.size === 1 ? 'byte' : 'bytes'}`;
  return `[body dropped by redaction: ${type}${size}; ${dropped.reason}]`;
}

/** Reads a {@link DroppedBody} from a file; anything malformed reads as no note (the body stays absent). */
export function readDroppedBody(value: unknown): DroppedBody | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const reason = Object.hasOwn(record, 'reason') ? record['reason'] : undefined;
  if (typeof reason !== 'string' || reason.length > 200) return undefined;
  const dropped: DroppedBody = { reason };
  const mimeType = Object.hasOwn(record, 'mimeType') ? record['mimeType'] : undefined;
  if (typeof mimeType === 'string' && mimeType.length <= 200) dropped.mimeType = mimeType;
  const size = Object.hasOwn(record, 'size') ? record['size'] : undefined;
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) dropped.size = size;
  return dropped;
}
