/**
 * One captured request as code to paste: a `fetch(…)` call for a browser console, or a cURL command for bash or
 * zsh. Redacted by default with the export's own redactor (`redact.ts`), so a copy pasted into a ticket holds no
 * more secret than a redacted export; the request as sent only when the caller asks for it.
 *
 * The text is data from the network, or from an imported file anyone could have written, so every string is
 * quoted to be inert where it is pasted: nothing in a header, URL or body can end its string, start a command
 * substitution, or reach the terminal as a control character (a C0/C1 control could end a bracketed paste, or
 * an escape sequence rewrite what the user sees) or hide part of the text (bidirectional and zero-width marks).
 *
 * Pure: never touches a browser API.
 */
import type { Body, Header, HttpExchange } from '../http/exchange.ts';
import { isForbiddenRequestHeader } from '../http/headers.ts';
import { describeRedaction, redactWithSummary } from './redact.ts';

export type RequestCodeFormat = 'fetch' | 'curl';

export interface RequestCodeOptions {
  format: RequestCodeFormat;
  /** Copy the request as sent, tokens, codes and cookies included. Default false: redacted. */
  withSecrets?: boolean;
}

export interface RequestCode {
  text: string;
  /** What the redaction replaced, in words (`describeRedaction`); empty with secrets or when nothing was. */
  redacted: string[];
}

/**
 * The request cannot be written as code: a URL that is not http(s), a method that is no HTTP token, or (never
 * seen) a redaction that gave nothing back.
 */
export class RequestCodeError extends Error {
  override name = 'RequestCodeError';
}

/** Why `exchange` cannot be copied as code, or null when it can. */
export function requestCodeProblem(exchange: Pick<HttpExchange, 'url' | 'method'>): string | null {
  let protocol: string;
  try {
    protocol = new URL(exchange.url).protocol;
  } catch {
    return 'The request URL is not a valid URL.';
  }
  if (protocol !== 'http:' && protocol !== 'https:') return `A ${protocol} URL is not an HTTP request.`;
  if (!METHOD.test(exchange.method)) return 'The request method is not an HTTP method name.';
  return null;
}

/** `exchange`'s request as a `fetch(…)` call or a cURL command; throws {@link RequestCodeError}. */
export function requestAsCode(exchange: HttpExchange, options: RequestCodeOptions): RequestCode {
  const problem = requestCodeProblem(exchange);
  if (problem !== null) throw new RequestCodeError(problem);
  let request = exchange;
  let redacted: string[] = [];
  if (options.withSecrets !== true) {
    const result = redactWithSummary([exchange]);
    const [copy] = result.exchanges;
    // Never the request as sent in its place: without a redacted copy there is nothing to give.
    if (copy === undefined) throw new RequestCodeError('The request could not be redacted.');
    request = copy;
    redacted = describeRedaction(result.summary);
  }
  const text = options.format === 'fetch' ? asFetch(request) : asCurl(request);
  return { text, redacted };
}

/** A token of RFC 9110 (what a method name must be). */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** One header per line: HAR joins the lines of a repeated header with newlines. */
function headerLines(headers: readonly Header[]): { name: string; value: string }[] {
  return headers.flatMap((h) =>
    h.value.split('\n').map((line) => ({ name: h.name, value: line.replace(/\r$/, '') })),
  );
}

/** A body to send, or a note of why it is not there. */
type BodyPart = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'base64'; base64: string };

function bodyOf(body: Body): { part: BodyPart; note: string | null } {
  if (body.kind === 'text') {
    if (body.truncated) return { part: { kind: 'none' }, note: 'request body left out: it was truncated' };
    return { part: { kind: 'text', text: body.text }, note: null };
  }
  if (body.kind === 'base64') {
    if (body.truncated) return { part: { kind: 'none' }, note: 'request body left out: it was truncated' };
    return { part: { kind: 'base64', base64: body.base64 }, note: null };
  }
  if (body.dropped !== undefined) {
    return { part: { kind: 'none' }, note: `request body left out by the redaction: ${body.dropped.reason}` };
  }
  return { part: { kind: 'none' }, note: null };
}

// -------------------------------------------------------------------------------------------------------------
// fetch

function asFetch(exchange: HttpExchange): string {
  const lines = headerLines(exchange.requestHeaders);
  const headers = new Map<string, { name: string; values: string[] }>();
  let sentCookies = false;
  let referrer: string | null = null;
  for (const { name, value } of lines) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') sentCookies = true;
    if (lower === 'referer') referrer = value;
    if (isForbiddenRequestHeader(lower)) continue;
    const entry = headers.get(lower);
    if (entry) entry.values.push(value);
    else headers.set(lower, { name, values: [value] });
  }
  const { part, note } = bodyOf(exchange.requestBody);
  const init: string[] = [`  method: ${jsString(exchange.method)},`];
  if (headers.size > 0) {
    const entries = [...headers.values()].map(
      // Repeated headers are sent comma-joined by fetch anyway.
      (h) => `    ${jsString(h.name)}: ${jsString(h.values.join(', '))},`,
    );
    init.push('  headers: {', ...entries, '  },');
  }
  if (part.kind === 'text') init.push(`  body: ${jsString(part.text)},`);
  if (part.kind === 'base64')
    init.push(`  body: Uint8Array.from(atob(${jsString(part.base64)}), (c) => c.charCodeAt(0)),`);
  if (referrer !== null) init.push(`  referrer: ${jsString(referrer)},`);
  // fetch cannot set Cookie: the page's own cookies go with the request instead.
  if (sentCookies) init.push(`  credentials: "include",`);
  const call = `fetch(${jsString(exchange.url)}, {\n${init.join('\n')}\n});`;
  return note === null ? call : `// ${commentText(note)}\n${call}`;
}

/**
 * A double-quoted JavaScript string literal. JSON's escaping handles quotes, backslashes and C0 controls; on
 * top of it every character that could hide text or act on a terminal is written as a `\u` escape, so the
 * literal is plain printable text.
 */
export function jsString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (isUnsafeChar(code)) out += unicodeEscapes(char);
    else out += char;
  }
  return `${out}"`;
}

/** `\uXXXX` escapes of each UTF-16 unit (a lone surrogate stays one unit, and valid in a JS literal). */
function unicodeEscapes(char: string): string {
  let out = '';
  for (let i = 0; i < char.length; i += 1) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * Characters never written literally: C0 and C1 controls and DEL (a terminal acts on them), line and
 * paragraph separators, bidirectional controls and zero-width marks (they hide or reorder text on screen),
 * the byte-order mark, private-use and unassigned-looking noncharacters, and lone surrogates.
 */
export function isUnsafeChar(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0xad ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x206f) ||
    code === 0xfeff ||
    (code >= 0xd800 && code <= 0xdfff) ||
    (code >= 0xe000 && code <= 0xf8ff) ||
    (code >= 0xfff0 && code <= 0xffff) ||
    code >= 0xe0000
  );
}

/** A note on a line of its own: no character of it can end the comment or act on a terminal. */
function commentText(text: string): string {
  let out = '';
  for (const char of text) out += isUnsafeChar(char.codePointAt(0) as number) ? ' ' : char;
  return out;
}

// -------------------------------------------------------------------------------------------------------------
// cURL

/** Left to curl: it computes them from the URL and the body, or they describe the connection. */
const CURL_SKIPPED_HEADERS = new Set([
  'content-length',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

function asCurl(exchange: HttpExchange): string {
  const args: string[] = [`curl ${shellString(exchange.url)}`];
  const { part, note } = bodyOf(exchange.requestBody);
  const impliedMethod = part.kind === 'none' ? 'GET' : 'POST';
  if (exchange.method !== impliedMethod) args.push(`-X ${shellString(exchange.method)}`);
  let compressed = false;
  for (const { name, value } of headerLines(exchange.requestHeaders)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(':') || CURL_SKIPPED_HEADERS.has(lower)) continue;
    // curl would print a compressed body as it came: it asks for the encodings it can decode instead.
    if (lower === 'accept-encoding') {
      compressed = true;
      continue;
    }
    // `Name;` is curl's way to send a header with an empty value (`Name:` would remove it).
    args.push(`-H ${shellString(value === '' ? `${name};` : `${name}: ${value}`)}`);
  }
  if (part.kind === 'text') args.push(`--data-raw ${shellString(part.text)}`);
  if (part.kind === 'base64') args.push('--data-binary @-');
  if (compressed) args.push('--compressed');
  let command = args.join(' \\\n  ');
  // Binary bytes go through a pipe: a shell string cannot hold a NUL byte.
  if (part.kind === 'base64') command = `printf '%s' ${shellString(part.base64)} | base64 -d | ${command}`;
  return note === null ? command : `# ${commentText(note)}\n${command}`;
}

/**
 * A word for bash or zsh that stands for exactly `value`. Printable text goes in single quotes, where no
 * character is special (`$()`, backticks, `!`, `\`, newlines are literal), a quote written `'\''`. A string with
 * any character of {@link isUnsafeChar} is written as `$'…'` instead, those characters as the `\xHH` escapes of
 * their UTF-8 bytes (read the same whatever the shell's locale), so the pasted text itself holds only
 * printable characters.
 */
export function shellString(value: string): string {
  let unsafe = false;
  for (const char of value) {
    if (isUnsafeChar(char.codePointAt(0) as number)) {
      unsafe = true;
      break;
    }
  }
  if (!unsafe) return `'${value.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (char === "'") out += "\\'";
    else if (char === '\\') out += '\\\\';
    else if (isUnsafeChar(code)) out += utf8Escapes(char);
    else out += char;
  }
  return `${out}'`;
}

const encoder = new TextEncoder();

function utf8Escapes(char: string): string {
  let out = '';
  // A lone surrogate has no UTF-8 form: TextEncoder writes U+FFFD, as the browser would have sent it.
  for (const byte of encoder.encode(char)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}
