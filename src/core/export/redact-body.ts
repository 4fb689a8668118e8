/**
 * Redaction of request and response bodies. A body is rewritten only when it can be read completely: JSON
 * (also behind an anti-XSSI prefix such as `)]}'`), form parameters, multipart forms, text. Anything else (not
 * UTF-8, a binary type, cut off at capture, JSON that does not parse, a multipart without its closing boundary)
 * is dropped whole and replaced by a note of its type and size: a body that cannot be read cannot be judged,
 * and one that cannot be judged is never written.
 */
import { decodeBase64, droppedBodyNote } from '../http/body.ts';
import type { Body, DroppedBody } from '../http/exchange.ts';
import {
  count,
  REDACTED,
  redactByKind,
  redactFreeText,
  redactParamName,
  redactParams,
  redactValue,
  secretKindOf,
  secretKindOfPath,
  type NamePlace,
  type RedactContext,
} from './redact-strings.ts';

/** Where a body was: request bodies carry OTP codes under `code`; in responses `code` is the error code. */
export interface BodyPlace {
  request: boolean;
  /** The exchange's `Content-Type`, for bodies that do not carry their own. */
  contentType: string | undefined;
}

class Unreadable extends Error {}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** The redacted copy of `body`, or an absent body with a {@link DroppedBody} note. */
export function redactBody(body: Body, place: BodyPlace, context: RedactContext): Body {
  if (body === undefined || body === null || body.kind === 'absent') {
    return body?.dropped !== undefined
      ? { kind: 'absent', dropped: { ...body.dropped } }
      : { kind: 'absent' };
  }
  const mimeType = body.mimeType ?? place.contentType ?? '';
  const size = body.kind === 'text' ? utf8Encoder.encode(body.text).length : base64Length(body.base64);
  if (body.truncated === true) return drop(body, mimeType, size, 'cut off when captured', context);
  let text: string | undefined;
  if (body.kind === 'text') text = body.text;
  else {
    text = base64ToText(body.base64);
    if (text === undefined) return drop(body, mimeType, size, 'not UTF-8 text', context);
  }
  let redacted: string;
  try {
    redacted = redactBodyText(text, mimeType, place.request ? 'request-json' : 'response-json', context);
  } catch (error) {
    const reason = error instanceof Unreadable ? error.message : 'could not be read';
    return drop(body, mimeType, size, reason, context);
  }
  if (body.kind === 'text') return redacted === body.text ? { ...body } : { ...body, text: redacted };
  return redacted === text ? { ...body } : { ...body, base64: textToBase64(redacted) };
}

function drop(body: Body, mimeType: string, size: number, reason: string, context: RedactContext): Body {
  context.summary.droppedBodies += 1;
  const dropped: DroppedBody = {
    reason,
    size: body.kind !== 'absent' && body.size !== undefined ? body.size : size,
  };
  if (mimeType !== '') dropped.mimeType = mimeType;
  return { kind: 'absent', dropped };
}

/** Prefixes some APIs put before JSON so it cannot be run as a script. */
const XSSI_PREFIX = /^(?:\)\]\}',?|while\s*\(1\);|for\s*\(;;\);)\s*/;

/** Redacts a body's text by its type; throws {@link Unreadable} when it cannot be read completely. */
function redactBodyText(
  text: string,
  mimeType: string,
  jsonPlace: NamePlace,
  context: RedactContext,
): string {
  if (text === '') return text;
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const content = bom === '' ? text : text.slice(1);
  const type = mimeType.toLowerCase();
  const trimmed = content.trimStart();

  const prefix = XSSI_PREFIX.exec(trimmed)?.[0] ?? '';
  const jsonText = trimmed.slice(prefix.length);
  const looksJson = jsonText.startsWith('{') || jsonText.startsWith('[');
  if (/[/+]json\b/.test(type) || looksJson) {
    if (isJson(jsonText)) {
      const lead = content.slice(0, content.length - trimmed.length);
      return bom + lead + prefix + rewriteJson(jsonText, jsonPlace, context);
    }
    if (/[/+]json\b/.test(type) || !/^text\//.test(type)) throw new Unreadable('not complete JSON');
  }
  if (type.includes('application/x-www-form-urlencoded')) return bom + redactParams(content, context);
  if (type.startsWith('multipart/'))
    return bom + redactMultipart(content, type, mimeType, jsonPlace, context);
  if (type === '' && jsonPlace === 'request-json' && /^[\w.%+-]+=[^\s{}<>]*$/.test(content.trim())) {
    return bom + redactParams(content, context);
  }
  if (type === '' || /^text\/|xml|javascript|ecmascript|html|jose|jwt|yaml|csv/.test(type)) {
    return bom + redactFreeText(content, 'text', context);
  }
  throw new Unreadable('content type the redactor cannot read');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Walks a multipart body: every part's name is judged like a form field's, its body by the name's rule or else
 * by its own type (a part that cannot be read is replaced by a note). A body without its closing boundary was
 * cut off: it cannot be walked.
 */
function redactMultipart(
  text: string,
  type: string,
  mimeType: string,
  jsonPlace: NamePlace,
  context: RedactContext,
): string {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(mimeType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined || marker === '')
    throw new Unreadable(`${type.split(';')[0] ?? type} without a boundary`);
  const delimiter = `--${marker}`;
  const pieces = text.split(delimiter);
  const last = pieces.at(-1) ?? '';
  if (pieces.length < 3 || !last.startsWith('--'))
    throw new Unreadable('multipart body without its closing boundary');
  const out = [redactFreeText(pieces[0] ?? '', 'text', context)];
  for (const piece of pieces.slice(1, -1)) out.push(redactPart(piece, jsonPlace, context));
  out.push(last);
  return out.join(delimiter);
}

function redactPart(piece: string, jsonPlace: NamePlace, context: RedactContext): string {
  const split = /\r?\n\r?\n/.exec(piece);
  if (split === null) throw new Unreadable('multipart part without headers');
  const head = piece.slice(0, split.index);
  const separator = split[0];
  const rest = piece.slice(split.index + separator.length);
  const tail = /\r?\n$/.exec(rest)?.[0] ?? '';
  const partBody = rest.slice(0, rest.length - tail.length);

  let name = '';
  let partType = '';
  const headers = head.split(/(\r?\n)/).map((line) => {
    const colon = line.indexOf(':');
    if (colon === -1) return line;
    const header = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1);
    if (header === 'content-type') {
      partType = value.trim();
      return line;
    }
    if (header === 'content-disposition') {
      name = /\bname="([^"]*)"/i.exec(value)?.[1] ?? '';
      return (
        line.slice(0, colon + 1) +
        value.replace(
          /(\b(?:file)?name=")([^"]*)(")/gi,
          (_m, open: string, v: string, close: string) => `${open}${redactParamName(v, context)}${close}`,
        )
      );
    }
    return line.slice(0, colon + 1) + redactFreeText(value, 'text', context);
  });

  let body: string;
  const kind = secretKindOf(name, 'param');
  if (kind !== undefined) body = redactByKind(partBody, kind, context);
  else {
    try {
      body = redactBodyText(partBody, partType === '' ? 'text/plain' : partType, jsonPlace, context);
    } catch (error) {
      const reason = error instanceof Unreadable ? error.message : 'could not be read';
      count(context, 'credentials', partBody, REDACTED);
      body = droppedBodyNote({
        reason,
        mimeType: partType || 'unknown type',
        size: utf8Encoder.encode(partBody).length,
      });
    }
  }
  return `${headers.join('')}${separator}${body}${tail}`;
}

/**
 * Rewrites a valid JSON text in place: every string value (and number under a secret name) is judged by its
 * path, every property name by itself; every other byte is kept, so a redacted body differs from the original
 * only where a value was replaced. Array levels add nothing to a path: `{"a":[{"b":"x"}]}` gives `["a","b"]`.
 */
function rewriteJson(text: string, place: NamePlace, context: RedactContext): string {
  interface Frame {
    type: 'object' | 'array';
    key: string | undefined;
    expectKey: boolean;
    pendingKey: string | undefined;
  }
  const stack: Frame[] = [];
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const pathHere = (): string[] => {
    const path: string[] = [];
    for (const frame of stack) if (frame.key !== undefined) path.push(frame.key);
    const top = stack.at(-1);
    if (top?.type === 'object' && top.pendingKey !== undefined) path.push(top.pendingKey);
    return path;
  };
  const splice = (start: number, end: number, replacement: string): void => {
    parts.push(text.slice(copied, start), JSON.stringify(replacement));
    copied = end;
  };
  const leaf = (value: string, isNumber: boolean): string => {
    const path = pathHere();
    const kind = secretKindOfPath(path, place);
    if (kind === undefined) {
      if (place === 'response-json' && path.at(-1)?.toLowerCase() === 'code' && /^\d{4,10}$/.test(value)) {
        // An OTP echoed by a test API; error codes are words, HTTP statuses three digits.
        return count(context, 'otpCodes', value, REDACTED);
      }
      return isNumber ? value : redactValue(value, 'structured', context);
    }
    return redactByKind(value, kind, context);
  };
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const value = JSON.parse(text.slice(i, j + 1)) as string;
      const top = stack.at(-1);
      if (top?.type === 'object' && top.expectKey) {
        top.pendingKey = value;
        top.expectKey = false;
        const name = redactParamName(value, context);
        if (name !== value) splice(i, j + 1, name);
      } else {
        const replacement = leaf(value, false);
        if (replacement !== value) splice(i, j + 1, replacement);
      }
      i = j + 1;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      const top = stack.at(-1);
      stack.push({
        type: ch === 0x7b ? 'object' : 'array',
        key: top?.type === 'object' ? top.pendingKey : undefined,
        expectKey: ch === 0x7b,
        pendingKey: undefined,
      });
      i += 1;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      i += 1;
    } else if (ch === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top?.type === 'object') {
        top.expectKey = true;
        top.pendingKey = undefined;
      }
      i += 1;
    } else if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      let j = i + 1;
      while (j < text.length && /[0-9eE.+-]/.test(text.charAt(j))) j += 1;
      const source = text.slice(i, j);
      const replacement = leaf(source, true);
      if (replacement !== source) splice(i, j, replacement);
      i = j;
    } else i += 1;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

function base64Length(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}

function base64ToText(base64: string): string | undefined {
  const bytes = decodeBase64(base64);
  if (bytes === undefined) return undefined;
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return undefined;
  }
}

function textToBase64(text: string): string {
  const bytes = utf8Encoder.encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
