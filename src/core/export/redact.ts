/**
 * Removing secrets from exchanges before they leave the browser in an export file.
 *
 * A redacted log is shared (attached to a ticket, sent to a vendor), so the redactor denies by default: it
 * judges every string it writes (URL with its fragment, every line of every header, query and form values and
 * names, cookies, JSON keys and values, bodies in every encoding) and keeps a value only when it is plainly not
 * a credential, while keeping what debugging needs: structure, keys, step keys, statuses, scope names, error
 * codes, times, methods, hosts and paths, challenge ids, sizes.
 *
 * - **Tokens.** Every JWS anywhere (whatever its header looks like) keeps its header and claims and gets the
 *   signature {@link REDACTED_SIGNATURE}, so it still decodes (`jti`, `exp`, the DPoP `jwk`) but can never be
 *   replayed or verified; identifier claims (e-mail, phone) are masked and the payload re-encoded. A JWE keeps
 *   its protected header only.
 * - **By name** (`redact-strings.ts`; each provider declares its own fields in `providers/<id>/secrets.ts`): OTP
 *   codes under any of the usual names, string or number (`code`, `otp`, `pin`, `passcode`, `one_time_code`,
 *   a provider's own names such as `verificationToken`, …) and passwords become {@link REDACTED}; refresh tokens, cookie values and
 *   opaque credentials under token names become numbered markers such as `REDACTED-refresh-token-3`: the same
 *   secret gets the same marker everywhere in one export, so "this refresh token was rotated" still reads, and
 *   nothing of the value is kept. Identifiers are masked to a hint (`+1415•••••34`, `a••@demo.test`).
 * - **By shape**, wherever a value has no telling name: credential-shaped runs (random-looking base64, hex,
 *   base32 of 16 characters or more), e-mail addresses and phone numbers, and in prose (text bodies, unknown
 *   headers, sentences) standalone 4–10 digit runs.
 * - **Headers**: a short list whose values are never credentials is kept as is (`Content-Type`, `Date`,
 *   `DPoP-Nonce`, `User-Agent`, CORS headers, …); `Authorization`, `DPoP`, `Cookie`, `Set-Cookie` (every line,
 *   and every cookie of a comma-joined line), URL headers (`Location`, `Referer`) and headers with secret names
 *   have their own rules; every other header is judged as prose.
 * - **Bodies** that cannot be read completely (not UTF-8, binary, cut off, malformed JSON, a multipart without
 *   its end) are dropped whole and replaced by a note of their type and size (`Body.dropped`).
 *
 * Hints are not unique (two numbers can share one), so claims the analysis keys on (`sub`, `sid`) are never
 * masked. What the analysis of a redacted log reports differently: DPoP signature checks become "not
 * verifiable", `dpop.ath` cannot be recomputed (it hashes the whole token), JWKS verification answers
 * `redacted`; everything keyed on claims, nonces, statuses and scopes reads the same (the property test in
 * `test/unit/export/redact.property.test.ts` holds it).
 *
 * Pure and total: never throws, never mutates its input.
 */
import type { Header, HttpExchange } from '../http/exchange.ts';
import { REDACTED_SIGNATURE } from '../tokens/types.ts';
import { redactBody } from './redact-body.ts';
import {
  count,
  isMarker,
  MARKER_NUMBERS,
  newRedactContext,
  pseudonym,
  redactByKind,
  redactFreeText,
  redactParamName,
  redactTokenValue,
  redactUrl,
  redactValue,
  secretKindOf,
  type RedactContext,
  type RedactionCategory,
  type RedactionSummary,
  type RedactOptions,
} from './redact-strings.ts';

export { maskIdentifier, REDACTED } from './redact-strings.ts';
export type { RedactionCategory, RedactionSummary, RedactOptions } from './redact-strings.ts';

/**
 * Signature segment of a redacted token. Made of base64url characters, so the token still splits and decodes
 * as a compact JWS; six bytes long, so it can never verify with any algorithm (the shortest real signature,
 * HS256, has 32).
 */
export { REDACTED_SIGNATURE };

const CATEGORY_WORDS: Record<RedactionCategory, [one: string, many: string]> = {
  signatures: ['token signature', 'token signatures'],
  otpCodes: ['OTP code', 'OTP codes'],
  passwords: ['password', 'passwords'],
  refreshTokens: ['refresh token', 'refresh tokens'],
  cookies: ['cookie value', 'cookie values'],
  credentials: ['other credential', 'other credentials'],
  identifiers: ['personal identifier', 'personal identifiers'],
  privateKeys: ['private key member', 'private key members'],
};

/**
 * The summary in words, one line per kind that was replaced, then the dropped bodies: what the panel shows
 * before a redacted file is saved and what `stepup-inspect redact` prints. Empty when nothing was replaced.
 */
export function describeRedaction(summary: RedactionSummary): string[] {
  const lines: string[] = [];
  for (const category of Object.keys(CATEGORY_WORDS) as RedactionCategory[]) {
    const n = summary[category];
    if (n > 0) lines.push(`${n} ${CATEGORY_WORDS[category][n === 1 ? 0 : 1]} replaced`);
  }
  if (summary.droppedBodies > 0) {
    lines.push(
      `${summary.droppedBodies} ${summary.droppedBodies === 1 ? 'body' : 'bodies'} dropped whole (could not be read completely)`,
    );
  }
  return lines;
}

/** Result of {@link redactWithSummary}. */
export interface RedactionResult {
  exchanges: HttpExchange[];
  summary: RedactionSummary;
  /** The page the log came from, redacted with the same markers, when one was given. */
  source?: { url?: string; title?: string };
}

/**
 * Returns redacted copies of `exchanges` (see the module comment for the rules). The input is not changed.
 * Idempotent: redacting a redacted log changes nothing.
 */
export function redactExchanges(
  exchanges: readonly HttpExchange[],
  options: RedactOptions = {},
): HttpExchange[] {
  return redactWithSummary(exchanges, options).exchanges;
}

/** Counts what {@link redactExchanges} would replace, without keeping the copies. */
export function redactionSummary(
  exchanges: readonly HttpExchange[],
  options: RedactOptions = {},
): RedactionSummary {
  return redactWithSummary(exchanges, options).summary;
}

/** {@link redactExchanges} and {@link redactionSummary} in one pass; also redacts the page `source` if given. */
export function redactWithSummary(
  exchanges: readonly HttpExchange[],
  options: RedactOptions = {},
  source?: { url?: string; title?: string },
): RedactionResult {
  const context = newRedactContext(options, highestMarkerNumber(exchanges));
  const out: HttpExchange[] = [];
  for (const exchange of exchanges) {
    const before = totalCount(context.summary);
    let copy: HttpExchange;
    try {
      copy = redactExchange(exchange, context);
    } catch {
      // Only reachable with a crafted object (a throwing getter): an exchange that cannot be read is not
      // exported half-redacted; every free-text field is blanked instead.
      copy = blankExchange(exchange);
      context.summary.droppedBodies += 1;
    }
    if (totalCount(context.summary) !== before) context.summary.exchanges += 1;
    out.push(copy);
  }
  const result: RedactionResult = { exchanges: out, summary: context.summary };
  if (source !== undefined) {
    const redacted: { url?: string; title?: string } = {};
    if (typeof source.url === 'string') redacted.url = redactUrl(source.url, context);
    if (typeof source.title === 'string') redacted.title = redactFreeText(source.title, 'text', context);
    result.source = redacted;
  }
  return result;
}

/** True when a token's signature segment is {@link REDACTED_SIGNATURE}: it decodes but cannot be verified. */
export function isRedactedSignature(token: string): boolean {
  if (typeof token !== 'string') return false;
  const parts = token.trim().split('.');
  return parts.length === 3 && parts[2] === REDACTED_SIGNATURE;
}

function totalCount(summary: RedactionSummary): number {
  let total = summary.droppedBodies;
  for (const category of Object.keys(CATEGORY_WORDS) as RedactionCategory[]) total += summary[category];
  return total;
}

/**
 * Numbering continues after markers already in the input, so redacting a log that mixes redacted and fresh
 * captures never gives a fresh secret the marker of another one.
 */
function highestMarkerNumber(exchanges: readonly HttpExchange[]): number {
  let highest = 0;
  const scan = (text: unknown): void => {
    if (typeof text !== 'string' || !text.includes('REDACTED-')) return;
    for (const match of text.matchAll(MARKER_NUMBERS)) highest = Math.max(highest, Number(match[1]));
  };
  try {
    for (const exchange of exchanges) {
      scan(exchange.url);
      for (const header of [...exchange.requestHeaders, ...exchange.responseHeaders]) {
        scan(header?.name);
        scan(header?.value);
      }
      for (const body of [exchange.requestBody, exchange.responseBody]) {
        if (body?.kind === 'text') scan(body.text);
      }
    }
  } catch {
    // A malformed exchange is handled (blanked) by the main pass; numbering just starts where it got to.
  }
  return Number.isSafeInteger(highest) ? highest : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Exchanges

function redactExchange(exchange: HttpExchange, context: RedactContext): HttpExchange {
  const copy: HttpExchange = {
    ...exchange,
    id: redactParamName(exchange.id, context),
    method: redactParamName(exchange.method, context),
    url: redactUrl(exchange.url, context),
    requestHeaders: exchange.requestHeaders.map((header) => redactHeader(header, context)),
    requestBody: redactBody(
      exchange.requestBody,
      { request: true, contentType: headerValue(exchange.requestHeaders, 'content-type') },
      context,
    ),
    responseHeaders: exchange.responseHeaders.map((header) => redactHeader(header, context)),
    responseBody: redactBody(
      exchange.responseBody,
      { request: false, contentType: headerValue(exchange.responseHeaders, 'content-type') },
      context,
    ),
    sources: [...exchange.sources],
  };
  if (exchange.statusText !== undefined) copy.statusText = redactValue(exchange.statusText, 'text', context);
  if (exchange.error !== undefined) copy.error = redactValue(exchange.error, 'text', context);
  return copy;
}

function headerValue(headers: readonly Header[], lowerName: string): string | undefined {
  for (const header of headers) if (header.name.toLowerCase() === lowerName) return header.value;
  return undefined;
}

function blankExchange(exchange: HttpExchange): HttpExchange {
  return {
    id: 'unreadable',
    method: safeString(() => exchange.method, 'GET'),
    url: 'https://redacted.invalid/',
    requestHeaders: [],
    requestBody: { kind: 'absent' },
    status: 0,
    responseHeaders: [],
    responseBody: { kind: 'absent' },
    startedAt: 0,
    sources: [],
  };
}

function safeString(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' && /^[A-Z]{1,16}$/.test(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Headers

/**
 * Headers whose values are never credentials and that the analysis or a reader needs as they are. Everything
 * not here is judged.
 */
const KEPT_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'age',
  'alt-svc',
  'cache-control',
  'connection',
  'content-encoding',
  'content-language',
  'content-length',
  'content-type',
  'date',
  'dpop-nonce',
  'expires',
  'host',
  'keep-alive',
  'last-modified',
  'origin',
  'pragma',
  'priority',
  'referrer-policy',
  'retry-after',
  'server',
  'strict-transport-security',
  'timing-allow-origin',
  'transfer-encoding',
  'user-agent',
  'vary',
  'via',
  'x-content-type-options',
  'x-frame-options',
  'x-refresh-token-expires-at',
  'x-sdk-user-agent',
  'x-xss-protection',
]);
const KEPT_HEADER_PREFIXES = [
  'access-control-',
  'sec-fetch-',
  'sec-ch-',
  'cross-origin-',
  'x-ratelimit-',
  'ratelimit',
];
const URL_HEADERS = new Set(['location', 'content-location', 'referer', 'refresh', 'link']);

function redactHeader(header: Header, context: RedactContext): Header {
  const name = redactParamName(header.name, context);
  const lower = header.name.toLowerCase();
  // Every line of a multi-value header (HAR joins them with newlines) is judged on its own.
  const value = header.value
    .split('\n')
    .map((line) => redactHeaderLine(lower, line, context))
    .join('\n');
  const copy: Header = { ...header, name, value };
  return copy;
}

function redactHeaderLine(name: string, value: string, context: RedactContext): string {
  if (value === '') return value;
  if (KEPT_HEADERS.has(name) || KEPT_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix))) return value;
  if (name === 'authorization' || name === 'proxy-authorization') return redactAuthorization(value, context);
  if (name === 'dpop') return redactTokenValue(value, context);
  if (name === 'cookie')
    return value
      .split(';')
      .map((pair) => redactCookiePair(pair, context))
      .join(';');
  if (name === 'set-cookie') {
    return splitSetCookies(value)
      .map((piece, i) => (i % 2 === 1 ? piece : redactSetCookie(piece, context)))
      .join('');
  }
  if (URL_HEADERS.has(name)) return redactFreeText(value, 'structured', context);
  // HTTP/2 pseudo-headers as Chrome's HAR records them: `:path` is the path and query of the URL.
  if (name === ':path') return redactUrl(`http://h${value}`, context).slice('http://h'.length);
  if (name === ':authority' || name === ':method' || name === ':scheme' || name === ':status') return value;
  if (name === 'www-authenticate' || name === 'proxy-authenticate')
    return redactFreeText(value, 'structured', context);
  const kind = secretKindOf(name, 'header');
  if (kind !== undefined) return redactByKind(value, kind, context);
  return redactValue(value, 'text', context);
}

/** `Bearer <token>`, `DPoP <token>`, `Basic <user:password>`: the scheme stays, the credential is judged. */
function redactAuthorization(value: string, context: RedactContext): string {
  const match = /^(\s*)([A-Za-z][\w-]*)(\s+)(\S[\s\S]*?)(\s*)$/.exec(value);
  if (match === null) return redactTokenValue(value, context);
  const [, lead = '', scheme = '', gap = '', credential = '', tail = ''] = match;
  const replaced =
    scheme.toLowerCase() === 'basic'
      ? count(context, 'passwords', credential, pseudonym(credential, 'token', context))
      : redactTokenValue(credential, context);
  return `${lead}${scheme}${gap}${replaced}${tail}`;
}

/**
 * Splits a `Set-Cookie` value that holds several cookies joined by commas (as `fetch` reports them) without
 * splitting the comma of an `Expires` date: a new cookie starts where a comma is followed by `name=`.
 */
function splitSetCookies(value: string): string[] {
  // The capture group keeps each separator at the odd indexes, so the line is rebuilt byte for byte.
  return value.split(/(,\s*)(?=[^;,=\s]+=)/);
}

const COOKIE_ATTRIBUTES = new Set([
  'expires',
  'max-age',
  'domain',
  'path',
  'secure',
  'httponly',
  'samesite',
  'priority',
  'partitioned',
]);

function redactSetCookie(line: string, context: RedactContext): string {
  const [pair = '', ...attributes] = line.split(';');
  const redactedAttributes = attributes.map((attribute) => {
    const eq = attribute.indexOf('=');
    const attributeName = (eq === -1 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
    if (COOKIE_ATTRIBUTES.has(attributeName)) return attribute;
    return redactFreeText(attribute, 'text', context);
  });
  return [redactCookiePair(pair, context), ...redactedAttributes].join(';');
}

/** Replaces the value of one `name=value` cookie pair by a marker, keeping the name (judged too). */
function redactCookiePair(pair: string, context: RedactContext): string {
  const match = /^(\s*)([^=]*?)(\s*=\s*)(.*?)(\s*)$/.exec(pair);
  if (match === null) {
    const trimmed = pair.trim();
    if (trimmed === '') return pair;
    return pair.replace(trimmed, count(context, 'cookies', trimmed, pseudonym(trimmed, 'cookie', context)));
  }
  const [, lead = '', name = '', eq = '', cookieValue = '', tail = ''] = match;
  const refresh = /refresh/i.test(name);
  const replaced = isMarker(cookieValue)
    ? cookieValue
    : refresh
      ? redactTokenValue(cookieValue, context, 'refresh-token')
      : count(context, 'cookies', cookieValue, pseudonym(cookieValue, 'cookie', context));
  return `${lead}${redactParamName(name, context)}${eq}${replaced}${tail}`;
}
