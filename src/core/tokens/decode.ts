/**
 * Decoding of captured JWTs/JWSs (never verification) and the heuristics that say which kind of token one is.
 * Everything here takes outside input (headers, bodies, storage), so nothing throws: failures come back as
 * {@link TokenDecodeError} values.
 */
import { base64url, decodeJwt, decodeProtectedHeader, errors } from 'jose';
import { PROVIDER_TOKEN_KINDS } from '../providers/token-kinds.ts';
import type { TokenDecodeError, TokenDecodeErrorCode, TokenDecodeResult, TokenKind } from './types.ts';

/**
 * Largest token accepted, in characters. Real access/challenge tokens are a few KB; anything far larger is a
 * pasted blob or hostile input, and decoding it would only stall the panel.
 */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/** How much of a rejected input is kept in {@link TokenDecodeError.raw} for display. */
const RAW_PREVIEW_LENGTH = 256;

/** `Authorization` schemes a token may arrive with; the scheme name is case-insensitive (RFC 9110 §11.1). */
const AUTH_SCHEME = /^(?:bearer|dpop)(?:\s+|$)/i;

/**
 * Removes a leading `Bearer ` or `DPoP ` authorization scheme, so a whole `Authorization` header value can be
 * passed where a token is expected. Other text is returned unchanged.
 */
export function stripAuthScheme(value: string): string {
  return value.replace(AUTH_SCHEME, '');
}

/**
 * Decodes a token as captured: trims it, strips a `Bearer `/`DPoP ` prefix, then decodes it as a compact JWS
 * with {@link decodeCompactJws}. Never throws.
 */
export function decodeToken(raw: string): TokenDecodeResult {
  if (typeof raw !== 'string') return fail('empty', 'The token is not a string.', '');
  return decodeCompactJws(stripAuthScheme(raw.trim()).trim());
}

/**
 * Decodes exactly the given string as a compact JWS whose payload is a JSON object (a JWT), without trimming or
 * prefix stripping: used where stray text is itself a defect, such as a `DPoP` header value. The signature is
 * not checked. Never throws.
 */
export function decodeCompactJws(raw: string): TokenDecodeResult {
  if (typeof raw !== 'string' || raw.length === 0) return fail('empty', 'The token is empty.', '');
  if (raw.length > MAX_TOKEN_LENGTH) {
    return fail(
      'too_large',
      `The token is ${raw.length} characters long; tokens over ${MAX_TOKEN_LENGTH} characters are not decoded.`,
      raw,
    );
  }
  // Counting segments is the only structure read by hand: it tells a JWE or a truncated token apart, so the
  // message can say which, before jose decodes the parts.
  const segments = raw.split('.');
  if (segments.length === 5) {
    return fail(
      'not_compact_jws',
      'This is an encrypted token (JWE, 5 segments): its claims cannot be read without the decryption key.',
      raw,
    );
  }
  if (segments.length !== 3) {
    return fail(
      'not_compact_jws',
      `A compact JWS has 3 dot-separated segments (header.payload.signature); this one has ${segments.length}.`,
      raw,
    );
  }

  // The usual token: plain base64url segments holding JSON objects. Read here in one pass per segment; anything
  // else (padding, whitespace, bad UTF-8, a non-object) goes through jose below, which words the failure.
  const header0 = headerSegment(segments[0] as string);
  const claims0 = header0 === undefined ? undefined : jsonObjectSegment(segments[1] as string);
  if (header0 !== undefined && claims0 !== undefined) {
    return {
      ok: true,
      raw,
      kind: classifyToken(header0, claims0),
      header: header0,
      claims: claims0,
      signature: segments[2] as string,
    };
  }

  let header: Record<string, unknown>;
  try {
    // Throws a plain TypeError (not a JOSEError) when the segment is not base64url JSON of an object.
    header = decodeProtectedHeader(raw) as Record<string, unknown>;
  } catch {
    return fail('invalid_header', 'The header segment is not base64url-encoded JSON of an object.', raw);
  }

  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(raw) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof errors.JOSEError && error.code === 'ERR_JWT_INVALID') {
      // jose reports bad encoding, bad JSON and non-object JSON under one code; look once more to tell them apart.
      return payloadFailure(segments[1] ?? '', raw);
    }
    return fail('invalid_payload', 'The payload segment could not be decoded.', raw);
  }

  return { ok: true, raw, kind: classifyToken(header, claims), header, claims, signature: segments[2] ?? '' };
}

/** base64url digit values by character code; -1 for every character outside the alphabet. */
const BASE64URL_DIGITS = (() => {
  const digits = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i += 1) digits[alphabet.charCodeAt(i)] = i;
  return digits;
})();

function digit(code: number): number {
  return code < 128 ? (BASE64URL_DIGITS[code] as number) : -1;
}

/** Same settings as jose's decoder (fatal on bad UTF-8, a leading BOM dropped), so both read the same text. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Reused between calls (decoding is synchronous): one token's bytes at a time. */
let scratch = new Uint8Array(2048);

/**
 * The bytes of an unpadded base64url segment made only of alphabet characters, as every decoder (jose's `atob`
 * path, `Uint8Array.fromBase64`) reads it; undefined for anything else (empty, padded, whitespace, other
 * characters, an impossible length), which the caller leaves to jose. The view is valid until the next call.
 */
function base64urlBytes(segment: string): Uint8Array | undefined {
  const length = segment.length;
  const rest = length & 3;
  if (length === 0 || rest === 1) return undefined;
  const size = (length >> 2) * 3 + (rest === 0 ? 0 : rest - 1);
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  const out = scratch;
  const whole = length - rest;
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = digit(segment.charCodeAt(i));
    const b = digit(segment.charCodeAt(i + 1));
    const c = digit(segment.charCodeAt(i + 2));
    const d = digit(segment.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o] = n >> 16;
    out[o + 1] = (n >> 8) & 0xff;
    out[o + 2] = n & 0xff;
    o += 3;
  }
  if (rest !== 0) {
    const a = digit(segment.charCodeAt(whole));
    const b = digit(segment.charCodeAt(whole + 1));
    const c = rest === 3 ? digit(segment.charCodeAt(whole + 2)) : 0;
    if ((a | b | c) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o] = n >> 16;
    o += 1;
    if (rest === 3) {
      out[o] = (n >> 8) & 0xff;
      o += 1;
    }
  }
  return out.subarray(0, o);
}

/**
 * A segment's JSON object, read as jose reads it; undefined whenever jose should have the last word (exported
 * for the tests that hold the two readings together).
 */
/**
 * A header segment, decoded once per distinct segment: one device signs all its proofs with the same header (its
 * key in `jwk`), and an issuer all its tokens, so a capture holds few distinct headers among thousands of tokens.
 * Decoded headers are shared between tokens and never modified (nothing in the inspector writes to a token's
 * header); sharing one `jwk` object also lets the key look-ups keyed by it hit.
 */
function headerSegment(segment: string): Record<string, unknown> | undefined {
  const known = headerCache.get(segment);
  if (known !== undefined) return known;
  const header = jsonObjectSegment(segment);
  if (header === undefined || segment.length > MAX_CACHED_HEADER_LENGTH) return header;
  if (headerCache.size >= HEADER_CACHE_LIMIT) headerCache.clear();
  headerCache.set(segment, header);
  return header;
}

const HEADER_CACHE_LIMIT = 256;
/** Headers are short; a long one (a certificate chain in `x5c`) is not worth keeping. */
const MAX_CACHED_HEADER_LENGTH = 2048;
const headerCache = new Map<string, Record<string, unknown>>();

export function jsonObjectSegment(segment: string): Record<string, unknown> | undefined {
  const bytes = base64urlBytes(segment);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Tells an undecodable payload from valid JSON that is not an object (an array, a string, a number). */
function payloadFailure(segment: string, raw: string): TokenDecodeError {
  if (segment.length === 0) return fail('invalid_payload', 'The payload segment is empty.', raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(segment)));
  } catch {
    return fail('invalid_payload', 'The payload segment is not base64url-encoded UTF-8 JSON.', raw);
  }
  const what = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
  return fail(
    'payload_not_object',
    `The payload is valid JSON but ${what}, not a JSON object of claims.`,
    raw,
  );
}

function fail(code: TokenDecodeErrorCode, message: string, raw: string): TokenDecodeError {
  const preview = raw.length > RAW_PREVIEW_LENGTH ? `${raw.slice(0, RAW_PREVIEW_LENGTH)}…` : raw;
  return { ok: false, code, message, raw: preview };
}

/**
 * Says what a decoded token most likely is, from its header and claims alone (never from where it was seen;
 * callers that know the endpoint know better): `dpop-proof` when the header `typ` is `dpop+jwt` (case-insensitive,
 * with or without `application/`, RFC 7515 §4.1.9), else the first provider token kind that matches (by rank,
 * see each provider's `tokens.ts`), else `generic-jwt`.
 */
export function classifyToken(header: Record<string, unknown>, claims: Record<string, unknown>): TokenKind {
  if (isDpopTyp(header['typ'])) return 'dpop-proof';
  for (const kind of PROVIDER_TOKEN_KINDS) if (kind.matches(header, claims)) return kind.kind as TokenKind;
  return 'generic-jwt';
}

function isDpopTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === 'dpop+jwt' || lower === 'application/dpop+jwt';
}
