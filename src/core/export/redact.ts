/**
 * Removing secrets from exchanges before they leave the browser in an export file.
 *
 * Goal: a redacted log can be shared (attached to a bug report, sent to a vendor) without handing over
 * anything that logs someone in, proves possession of a key, or names a person, while the inspector still
 * reads it the way it reads the original. So the redaction is surgical:
 *
 * - **Token signatures.** Every compact JWS (access, challenge, step-up and verification tokens, DPoP proofs,
 *   Dynamic's elevated and minified tokens, any JSON string or header value that decodes as one) keeps its
 *   header and payload and gets the signature {@link REDACTED_SIGNATURE}: the token still decodes (claims,
 *   `jti`, `exp`, the DPoP `jwk`) but can never be replayed or verified.
 * - **OTP codes and passwords** (`code` in request bodies, `password` fields, PKCE `code_verifier`) become
 *   {@link REDACTED}.
 * - **Refresh tokens, cookie values and opaque credentials** (`X-Refresh-Token`, `refresh_token` fields,
 *   `Cookie`/`Set-Cookie` values, a non-JWT `Authorization` credential) become numbered markers such as
 *   `REDACTED-refresh-token-3`. The same secret gets the same marker everywhere in one call, so "this refresh
 *   token was rotated" and "this cookie came back" still read the same, and nothing about the value is kept.
 * - **Identifiers** (`identifier.value`, `email`, `phone_number`, `phoneNumber`, `identifiers`, e-mail
 *   addresses in free text) are masked to a hint: `+1415•••••34`, `a••@demo.test`. Inside a token payload only
 *   e-mail and phone claims are masked; the payload segment is then re-encoded, so **the payload of such a
 *   token is no longer the one that was signed** (it could not be verified anyway once the signature is gone).
 *   Hints are not unique (two numbers can share one), so claims the analysis keys on (`sub`, `sid`) are never
 *   masked, even when an app puts an e-mail address there.
 * - **Query strings**: `code`, `token`, `access_token`, `refresh_token`, `id_token`, `code_verifier`,
 *   `client_secret`, `password` parameters, and identifier parameters.
 * - A private key in a DPoP header `jwk` (a broken client leaking `d`) has those members replaced by
 *   {@link REDACTED}, so the finding about the leak still fires.
 *
 * Everything else is kept byte for byte: JSON bodies are edited in place (only the replaced string literals
 * change, never the formatting), URLs and header values only where a rule applies.
 *
 * What the analysis of a redacted log reports differently (see `test/unit/export/redact.test.ts`):
 * - DPoP signature checks: the `signature` row of every proof fails, so `dpop.signature_invalid` is raised for
 *   every proof unless the DPoP checker treats {@link isRedactedSignature} tokens as not verifiable;
 * - `dpop.ath_mismatch`: `ath` is the hash of the whole access token, signature included;
 * - signature verification against a JWKS (`verifyWithJwks` answers `redacted`);
 * - the raw token strings, and identifier claims shown from tokens (they appear masked).
 * Everything keyed on token claims (jti reuse, challenge binding, expiry, scopes, nonces, key continuity,
 * thumbprints, refresh-token rotation) reads the same.
 *
 * Pure and total: never throws, never mutates its input.
 */
import { REDACTED_SIGNATURE } from '../tokens/types.ts';
import { base64url } from 'jose';
import type { Body, Header, HttpExchange } from '../http/exchange.ts';
import { decodeCompactJws } from '../tokens/decode.ts';

/** Replacement for values whose every character is secret (OTP codes, passwords, private key members). */
export const REDACTED = 'REDACTED';

/**
 * Signature segment of a redacted token. Made of base64url characters, so the token still splits and decodes
 * as a compact JWS; six bytes long, so it can never verify with any algorithm (the shortest real signature,
 * HS256, has 32).
 */
export { REDACTED_SIGNATURE };

/** Options of {@link redactExchanges}. Not redacting at all means not calling it. */
export interface RedactOptions {
  /**
   * Keep JWS signatures (for a log that must still verify against a JWKS). Token payloads are then left
   * whole, identifier claims included, because changing a payload would break the signature this option keeps.
   */
  keepSignatures?: boolean;
  /** Keep phone numbers and e-mail addresses readable. */
  keepIdentifiers?: boolean;
}

/** What kinds of values a redaction replaced. */
export type RedactionCategory =
  | 'signatures'
  | 'otpCodes'
  | 'passwords'
  | 'refreshTokens'
  | 'cookies'
  | 'credentials'
  | 'identifiers'
  | 'privateKeys';

/** Counts of replaced values, for the export dialog ("12 token signatures, 2 OTP codes, …"). */
export interface RedactionSummary extends Record<RedactionCategory, number> {
  /** Exchanges with at least one replaced value. */
  exchanges: number;
  /**
   * Bodies the redactor could not read completely (not UTF-8, binary, truncated, a multipart it cannot walk,
   * malformed): each was dropped whole and replaced by a note of its type and size, never written raw.
   */
  droppedBodies: number;
}

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

/** {@link redactExchanges} and {@link redactionSummary} in one pass. */
export function redactWithSummary(
  exchanges: readonly HttpExchange[],
  options: RedactOptions = {},
): RedactionResult {
  const context = newContext(exchanges, options);
  const out: HttpExchange[] = [];
  for (const exchange of exchanges) {
    const before = totalCount(context.summary);
    let copy: HttpExchange;
    try {
      copy = redactExchange(exchange, context);
    } catch {
      // Only reachable with a crafted object (throwing getter); an exchange we cannot read is not exported
      // half-redacted: every free-text field is blanked instead.
      copy = blankExchange(exchange);
    }
    if (totalCount(context.summary) !== before) context.summary.exchanges += 1;
    out.push(copy);
  }
  return { exchanges: out, summary: context.summary };
}

/** True when a token's signature segment is {@link REDACTED_SIGNATURE}: it decodes but cannot be verified. */
export function isRedactedSignature(token: string): boolean {
  if (typeof token !== 'string') return false;
  const parts = token.trim().split('.');
  return parts.length === 3 && parts[2] === REDACTED_SIGNATURE;
}

/**
 * Masks a phone number or e-mail address to a hint: `+14155550134` → `+1415•••••34`, `ada@demo.test` →
 * `a••@demo.test`, anything else → first character and `•••`. Values already masked (holding `•`) and empty
 * values are returned unchanged.
 */
export function maskIdentifier(value: string): string {
  if (typeof value !== 'string' || value === '' || value.includes(BULLET)) return value;
  const at = value.lastIndexOf('@');
  if (at > 0 && at < value.length - 1) return `${firstChar(value)}${BULLET}${BULLET}${value.slice(at)}`;
  const digits = value.replace(/\D/g, '').length;
  if (digits >= 4 && /^[+\d\s().-]+$/.test(value)) {
    // Keep the country and area code (up to 4 digits) of long numbers and the last 2 digits of all.
    const keepHead = digits >= 8 ? 4 : 0;
    let seen = 0;
    let masked = '';
    for (const ch of value) {
      if (ch >= '0' && ch <= '9') {
        masked += seen < keepHead || seen >= digits - 2 ? ch : BULLET;
        seen += 1;
      } else masked += ch;
    }
    return masked;
  }
  return `${firstChar(value)}${BULLET}${BULLET}${BULLET}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

const BULLET = '•';

/** Markers made by {@link pseudonym}: `REDACTED-<label>-<n>`. */
type MarkerLabel = 'refresh-token' | 'cookie' | 'token';
const MARKER = /^REDACTED(?:-(?:refresh-token|cookie|token)-\d+)?$/;
const MARKER_NUMBERS = /REDACTED-(?:refresh-token|cookie|token)-(\d+)/g;

/** JSON keys and form/query parameters whose whole value is secret, lower-cased. */
const PASSWORD_KEYS = new Set([
  'password',
  'new_password',
  'newpassword',
  'old_password',
  'oldpassword',
  'current_password',
  'currentpassword',
  'passwd',
  'code_verifier',
  'codeverifier',
  'client_secret',
  'clientsecret',
]);

/** Keys of one-time codes. `code` counts only in request bodies: in responses it is the error code. */
const OTP_KEYS = new Set(['code', 'otp', 'otp_code', 'otpcode', 'verification_code', 'verificationcode']);

const REFRESH_KEYS = new Set(['refresh_token', 'refreshtoken', 'x-refresh-token']);

/** Keys holding tokens; a non-JWS value under one is an opaque credential. */
const TOKEN_KEYS = new Set([
  'access_token',
  'accesstoken',
  'challenge_token',
  'challengetoken',
  'step_up_token',
  'stepuptoken',
  'verification_token',
  'elevatedaccesstoken',
  'elevated_access_token',
  'minifiedjwt',
  'minified_jwt',
  'id_token',
  'idtoken',
  'jwt',
  'token',
  'session_token',
  'sessiontoken',
]);

/** Keys whose string values identify a person. */
const IDENTIFIER_KEYS = new Set([
  'email',
  'email_address',
  'emailaddress',
  'phone',
  'phone_number',
  'phonenumber',
  'mobile',
  'identifier',
]);

/** Query and form parameters removed whole. */
const SECRET_PARAMS = new Set([
  'code',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'code_verifier',
  'client_secret',
  'password',
  'otp',
]);

const IDENTIFIER_PARAMS = new Set(['email', 'phone', 'phone_number', 'phonenumber', 'identifier']);

/** Request headers whose whole (non-JWS) value is a credential. */
const CREDENTIAL_HEADERS = new Set([
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-session-token',
  'x-csrf-token',
  'x-xsrf-token',
]);

/** JWK members only a private or symmetric key has (RFC 7517/7518). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

const COMPACT_JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A JWS inside longer text: the header of any JOSE library starts with `{"`, base64url `eyJ`. */
const EMBEDDED_JWS = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

interface Context {
  options: RedactOptions;
  summary: RedactionSummary;
  pseudonyms: Map<string, string>;
  counter: number;
}

function newContext(exchanges: readonly HttpExchange[], options: RedactOptions): Context {
  return {
    options: {
      keepSignatures: options?.keepSignatures === true,
      keepIdentifiers: options?.keepIdentifiers === true,
    },
    summary: {
      exchanges: 0,
      droppedBodies: 0,
      signatures: 0,
      otpCodes: 0,
      passwords: 0,
      refreshTokens: 0,
      cookies: 0,
      credentials: 0,
      identifiers: 0,
      privateKeys: 0,
    },
    pseudonyms: new Map(),
    // Numbering continues after markers already in the input, so redacting a log that mixes redacted and
    // fresh captures never gives a fresh secret the marker of another one.
    counter: highestMarkerNumber(exchanges),
  };
}

function totalCount(summary: RedactionSummary): number {
  return (
    summary.signatures +
    summary.otpCodes +
    summary.passwords +
    summary.refreshTokens +
    summary.cookies +
    summary.credentials +
    summary.identifiers +
    summary.privateKeys
  );
}

function highestMarkerNumber(exchanges: readonly HttpExchange[]): number {
  let highest = 0;
  const scan = (text: unknown): void => {
    if (typeof text !== 'string' || !text.includes('REDACTED-')) return;
    for (const match of text.matchAll(MARKER_NUMBERS)) highest = Math.max(highest, Number(match[1]));
  };
  try {
    for (const exchange of exchanges) {
      scan(exchange.url);
      for (const header of [...exchange.requestHeaders, ...exchange.responseHeaders]) scan(header?.value);
      for (const body of [exchange.requestBody, exchange.responseBody]) {
        if (body?.kind === 'text') scan(body.text);
      }
    }
  } catch {
    // A malformed exchange is handled (blanked) by the main pass; numbering just starts where it got to.
  }
  return Number.isSafeInteger(highest) ? highest : 0;
}

/** A stable stand-in for a secret: the same value gets the same marker within one redaction. */
function pseudonym(value: string, label: MarkerLabel, context: Context): string {
  if (value === '' || MARKER.test(value)) return value;
  let marker = context.pseudonyms.get(value);
  if (marker === undefined) {
    context.counter += 1;
    marker = `REDACTED-${label}-${context.counter}`;
    context.pseudonyms.set(value, marker);
  }
  return marker;
}

function count(context: Context, category: RedactionCategory, before: string, after: string): string {
  if (before !== after) context.summary[category] += 1;
  return after;
}

function firstChar(value: string): string {
  return String.fromCodePoint(value.codePointAt(0) ?? 0x2022);
}

// ---------------------------------------------------------------------------------------------------------------
// Exchanges

function redactExchange(exchange: HttpExchange, context: Context): HttpExchange {
  const copy: HttpExchange = {
    ...exchange,
    url: redactUrl(exchange.url, context),
    requestHeaders: exchange.requestHeaders.map((header) => redactHeader(header, 'request', context)),
    requestBody: redactBody(exchange.requestBody, { request: true }, context),
    responseHeaders: exchange.responseHeaders.map((header) => redactHeader(header, 'response', context)),
    responseBody: redactBody(exchange.responseBody, { request: false }, context),
    sources: [...exchange.sources],
  };
  return copy;
}

function blankExchange(exchange: HttpExchange): HttpExchange {
  const blank: HttpExchange = {
    id: safeString(() => exchange.id, 'unreadable'),
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
  return blank;
}

function safeString(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : fallback;
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// URLs, query strings and form bodies

function redactUrl(url: string, context: Context): string {
  if (typeof url !== 'string') return url;
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const query = beforeHash.indexOf('?');
  let result =
    query === -1
      ? beforeHash
      : beforeHash.slice(0, query + 1) + redactParams(beforeHash.slice(query + 1), context);
  result += fragment.includes('=') ? `#${redactParams(fragment.slice(1), context)}` : fragment;
  return redactEmbeddedTokens(result, context);
}

/** Redacts `a=b&c=d` text in place: only the values of listed parameters change. */
function redactParams(text: string, context: Context): string {
  if (!text.includes('=')) return text;
  return text
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq === -1) return part;
      const name = decodeParam(part.slice(0, eq)).toLowerCase();
      const raw = part.slice(eq + 1);
      const value = decodeParam(raw);
      let replaced: string | undefined;
      if (SECRET_PARAMS.has(name)) {
        if (REFRESH_KEYS.has(name)) {
          replaced = count(context, 'refreshTokens', value, pseudonym(value, 'refresh-token', context));
        } else if (TOKEN_KEYS.has(name)) replaced = redactTokenValue(value, true, context);
        else {
          const category = name === 'code' || name === 'otp' ? 'otpCodes' : 'passwords';
          replaced = count(context, category, value, value === '' || value === REDACTED ? value : REDACTED);
        }
      } else if (IDENTIFIER_PARAMS.has(name) && !context.options.keepIdentifiers) {
        replaced = count(context, 'identifiers', value, maskIdentifier(value));
      }
      if (replaced === undefined || replaced === value) return part;
      return `${part.slice(0, eq)}=${encodeURIComponent(replaced)}`;
    })
    .join('&');
}

function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Headers

function redactHeader(header: Header, side: 'request' | 'response', context: Context): Header {
  if (typeof header?.name !== 'string' || typeof header.value !== 'string') return { ...header };
  const name = header.name.toLowerCase();
  const value = header.value;
  let redacted: string;
  if (name === 'cookie' && side === 'request') redacted = redactCookieHeader(value, context);
  else if (name === 'set-cookie' && side === 'response') redacted = redactSetCookie(value, context);
  else if (name === 'x-refresh-token') {
    redacted = count(context, 'refreshTokens', value, pseudonym(value.trim(), 'refresh-token', context));
  } else if (name === 'authorization' || name === 'proxy-authorization') {
    redacted = redactAuthorization(value, context);
  } else if (name === 'dpop-nonce') {
    // Some servers sign their nonces; proofs quote them verbatim in the `nonce` claim, so they stay as sent.
    redacted = value;
  } else if (CREDENTIAL_HEADERS.has(name)) {
    redacted = redactTokenValue(value.trim(), true, context);
  } else {
    redacted = redactTokenValue(value.trim(), false, context) ?? redactEmbeddedTokens(value, context);
  }
  // Untouched values keep their exact whitespace; only a replaced value is rebuilt.
  return redacted === value ? { ...header } : { ...header, value: redacted };
}

function redactAuthorization(value: string, context: Context): string {
  const match = /^(\s*)(\S+)(\s+)(\S.*?)(\s*)$/.exec(value);
  if (match === null) return redactTokenValue(value.trim(), true, context);
  const [, lead = '', scheme = '', gap = '', credential = '', tail = ''] = match;
  return `${lead}${scheme}${gap}${redactTokenValue(credential, true, context)}${tail}`;
}

function redactCookieHeader(value: string, context: Context): string {
  return value
    .split(';')
    .map((pair) => redactCookiePair(pair, context))
    .join(';');
}

function redactSetCookie(value: string, context: Context): string {
  const semicolon = value.indexOf(';');
  const pair = semicolon === -1 ? value : value.slice(0, semicolon);
  return redactCookiePair(pair, context) + (semicolon === -1 ? '' : value.slice(semicolon));
}

/** Replaces the value of one `name=value` cookie pair, keeping the name and surrounding whitespace. */
function redactCookiePair(pair: string, context: Context): string {
  const match = /^(\s*)([^=]*?)(\s*=\s*)(.*?)(\s*)$/.exec(pair);
  if (match === null) {
    const trimmed = pair.trim();
    if (trimmed === '') return pair;
    return pair.replace(trimmed, count(context, 'cookies', trimmed, pseudonym(trimmed, 'cookie', context)));
  }
  const [, lead = '', name = '', eq = '', cookieValue = '', tail = ''] = match;
  const refresh = /^__refresh/i.test(name);
  const replaced = pseudonym(cookieValue, refresh ? 'refresh-token' : 'cookie', context);
  count(context, refresh ? 'refreshTokens' : 'cookies', cookieValue, replaced);
  return `${lead}${name}${eq}${replaced}${tail}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

/**
 * Redacts a value that is (or, for `known` token places, should be) a token. A decodable compact JWS keeps
 * header and payload; under a known key, a three-segment value that does not decode keeps its shape (so it
 * fails to decode the same way) and anything else is an opaque credential. Returns undefined for a value in
 * an unknown place that is not a JWS.
 */
function redactTokenValue(value: string, known: true, context: Context): string;
function redactTokenValue(value: string, known: boolean, context: Context): string | undefined;
function redactTokenValue(value: string, known: boolean, context: Context): string | undefined {
  if (value === '' || MARKER.test(value)) return known ? value : undefined;
  if (COMPACT_JWS_SHAPE.test(value)) {
    const jws = redactJws(value, context);
    if (jws !== undefined) return jws;
    if (!known) return undefined;
    const [header = '', payload = '', signature = ''] = value.split('.');
    if (signature === '' || context.options.keepSignatures) return value;
    return count(context, 'signatures', value, `${header}.${payload}.${REDACTED_SIGNATURE}`);
  }
  if (!known) return undefined;
  return count(context, 'credentials', value, pseudonym(value, 'token', context));
}

/** The redacted form of a decodable compact JWS, or undefined when `raw` is not one. */
function redactJws(raw: string, context: Context): string | undefined {
  const decoded = decodeCompactJws(raw);
  if (!decoded.ok) return undefined;
  const [headerSegment = '', payloadSegment = '', signature = ''] = raw.split('.');
  if (context.options.keepSignatures) return raw;

  let header = headerSegment;
  const jwk = decoded.header['jwk'];
  if (isRecord(jwk) && PRIVATE_JWK_MEMBERS.some((m) => jwk[m] !== undefined && jwk[m] !== REDACTED)) {
    const cleaned: Record<string, unknown> = { ...jwk };
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (cleaned[member] !== undefined && cleaned[member] !== REDACTED) {
        cleaned[member] = REDACTED;
        context.summary.privateKeys += 1;
      }
    }
    header = base64url.encode(JSON.stringify({ ...decoded.header, jwk: cleaned }));
  }

  let payload = payloadSegment;
  if (!context.options.keepIdentifiers) {
    const masked = maskClaims(decoded.claims, [], context);
    if (masked !== decoded.claims) payload = base64url.encode(JSON.stringify(masked));
  }

  const newSignature = signature === '' ? '' : REDACTED_SIGNATURE;
  if (newSignature !== signature) context.summary.signatures += 1;
  return `${header}.${payload}.${newSignature}`;
}

/** Replaces JWSs found inside longer text (a URL path, a message, an HTML page). */
function redactEmbeddedTokens(text: string, context: Context): string {
  if (!text.includes('eyJ')) return text;
  return text.replace(EMBEDDED_JWS, (match) => redactJws(match, context) ?? match);
}

/**
 * Masks identifier claims of a token payload (e-mail and phone claims, `identifier`, `identifiers`), leaving
 * every other claim as it is. Returns the same object when nothing changed, so the payload is re-encoded only
 * when it must be.
 */
function maskClaims(value: unknown, path: readonly string[], context: Context): unknown {
  if (typeof value === 'string') {
    return identifierRule(path) ? count(context, 'identifiers', value, maskIdentifier(value)) : value;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const next = maskClaims(item, path, context);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? items : value;
  }
  if (isRecord(value)) {
    let changed = false;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const next = maskClaims(item, [...path, key], context);
      if (next !== item) changed = true;
      // Own data property even for `__proto__`, as JSON.parse made it, so re-encoding keeps it.
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return changed ? copy : value;
  }
  return value;
}

/** Whether a string at `path` (property names from the root; arrays add nothing) is an identifier. */
function identifierRule(path: readonly string[]): boolean {
  const key = path.at(-1)?.toLowerCase();
  if (key === undefined) return false;
  if (IDENTIFIER_KEYS.has(key)) return true;
  const parent = path.at(-2)?.toLowerCase();
  if (key === 'value' && parent === 'identifier') return true;
  // Under `identifiers` every value is one, except type names such as "phone_number".
  return key !== 'type' && path.some((p) => p.toLowerCase() === 'identifiers');
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies

interface BodyPlace {
  /** Request bodies carry OTP codes under `code`; in responses `code` is the error code. */
  request: boolean;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function redactBody(body: Body, place: BodyPlace, context: Context): Body {
  if (body?.kind === 'text') {
    const text = redactText(body.text, body, place, context);
    return text === body.text ? { ...body } : { ...body, text };
  }
  if (body?.kind === 'base64') {
    const text = base64ToText(body.base64);
    if (text === undefined) {
      context.summary.droppedBodies += 1;
      return { ...body };
    }
    const redacted = redactText(text, body, place, context);
    return redacted === text ? { ...body } : { ...body, base64: textToBase64(redacted) };
  }
  return body?.kind === 'absent' ? { kind: 'absent' } : body;
}

function redactText(text: string, body: Body, place: BodyPlace, context: Context): string {
  if (text === '') return text;
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const content = bom === '' ? text : text.slice(1);
  const trimmed = content.trim();

  if (
    body.kind !== 'absent' &&
    body.truncated !== true &&
    (trimmed.startsWith('{') || trimmed.startsWith('['))
  ) {
    let valid = true;
    try {
      JSON.parse(content);
    } catch {
      valid = false;
    }
    if (valid)
      return bom + rewriteJsonStrings(content, (value, path) => redactLeaf(value, path, place, context));
  }
  if (COMPACT_JWS_SHAPE.test(trimmed)) {
    const jws = redactJws(trimmed, context);
    if (jws !== undefined) return text.replace(trimmed, jws);
  }
  const mimeType = (body.kind !== 'absent' ? body.mimeType : undefined) ?? '';
  if (/x-www-form-urlencoded/i.test(mimeType) || (place.request && /^[\w.%+-]+=[^{}<>\s]*$/.test(trimmed))) {
    return redactParams(text, context);
  }
  return redactLooseText(text, place, context);
}

/** Decides the replacement of one JSON string value (or a number under a secret key). */
function redactLeaf(value: string, path: readonly string[], place: BodyPlace, context: Context): string {
  const key = path.at(-1)?.toLowerCase();
  if (key !== undefined) {
    if (PASSWORD_KEYS.has(key) || key.endsWith('password')) {
      return count(context, 'passwords', value, value === '' ? value : REDACTED);
    }
    if (place.request && OTP_KEYS.has(key)) {
      return count(context, 'otpCodes', value, value === '' ? value : REDACTED);
    }
    if (REFRESH_KEYS.has(key)) {
      return count(context, 'refreshTokens', value, pseudonym(value, 'refresh-token', context));
    }
    if (!context.options.keepIdentifiers && identifierRule(path)) {
      return count(context, 'identifiers', value, maskIdentifier(value));
    }
    if (TOKEN_KEYS.has(key)) return redactTokenValue(value, true, context);
  }
  const token = redactTokenValue(value, false, context);
  if (token !== undefined) return token;
  // A URL in a body (a redirect, an authorization URL) may carry codes or tokens in its query.
  const url = /^https?:\/\//i.test(value) ? redactUrl(value, context) : value;
  return maskEmails(redactEmbeddedTokens(url, context), context);
}

function maskEmails(text: string, context: Context): string {
  if (context.options.keepIdentifiers || !text.includes('@')) return text;
  return text.replace(EMAIL, (email) => count(context, 'identifiers', email, maskIdentifier(email)));
}

/**
 * Text that is not complete JSON: a body cut off when captured, HTML, plain text. Best effort: JSON-looking
 * `"key": "value"` pairs under secret or identifier keys, embedded JWSs and e-mail addresses.
 */
function redactLooseText(text: string, place: BodyPlace, context: Context): string {
  const pairs = text.replace(
    /"([A-Za-z_][\w-]*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g,
    (whole, key: string, colon: string, literal: string) => {
      let value: string;
      try {
        value = JSON.parse(`"${literal}"`) as string;
      } catch {
        return whole;
      }
      const replaced = redactLeaf(value, [key], place, context);
      return replaced === value ? whole : `"${key}"${colon}${JSON.stringify(replaced)}`;
    },
  );
  return maskEmails(redactEmbeddedTokens(pairs, context), context);
}

function base64ToText(base64: string): string | undefined {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
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

// ---------------------------------------------------------------------------------------------------------------
// In-place JSON editing

interface Frame {
  type: 'object' | 'array';
  /** Property name this container is the value of; undefined for the root and for items of an array. */
  key: string | undefined;
  /** Objects: true while the next string is a property name. */
  expectKey: boolean;
  /** Objects: the property whose value comes next. */
  pendingKey: string | undefined;
}

/**
 * Calls `visit` with every string value (and every number value, as its source text) of a valid JSON text
 * and the property path leading to it (array levels add nothing: `{"a":[{"b":"x"}]}` gives `["a","b"]`), and
 * splices the returned replacement, as a JSON string, in place of the literal. Every other byte of the text is
 * kept, so a redacted body differs from the original only where a value was replaced. Property names are
 * never changed. `text` must be valid JSON (the caller checked with JSON.parse).
 */
function rewriteJsonStrings(text: string, visit: (value: string, path: readonly string[]) => string): string {
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
      } else {
        const replacement = visit(value, pathHere());
        if (replacement !== value) splice(i, j + 1, replacement);
      }
      i = j + 1;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      const top = stack.at(-1);
      const key = top?.type === 'object' ? top.pendingKey : undefined;
      stack.push({
        type: ch === 0x7b ? 'object' : 'array',
        key,
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
      // Only a secret key turns a number into a string (an OTP code sent as a number); other numbers stay.
      const replacement = visit(source, pathHere());
      if (replacement !== source) splice(i, j, replacement);
      i = j;
    } else i += 1;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
