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
