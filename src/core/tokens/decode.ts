/**
 * Decoding of captured JWTs/JWSs (never verification) and the heuristics that say which kind of token one is.
 * Everything here takes outside input (headers, bodies, storage), so nothing throws: failures come back as
 * {@link TokenDecodeError} values.
 */
import { base64url, decodeJwt, decodeProtectedHeader, errors } from 'jose';
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
 * callers that know the endpoint know better). Rules, first match wins:
 *
 * 1. `dpop-proof`: header `typ` is `dpop+jwt` (case-insensitive, with or without `application/`, RFC 7515 §4.1.9).
 * 2. `prelude-challenge`: `challenge_id` plus `current_step` or a `steps` array.
 * 3. `prelude-verification`: `challenge_id` plus `key` and `status` (the app backend's custom-step token).
 * 4. `dynamic-elevated`: a `singleUse` claim (only Dynamic's elevated tokens carry it), or a Dynamic-looking token
 *    (an `environment_id` claim or an issuer on `dynamicauth.com`/`dynamic.xyz`) whose `scope` names an elevated
 *    scope (`credential:`, `wallet:`, `user:update`, …) and that has none of the session-JWT claims below.
 * 5. `dynamic-session`: any other Dynamic-looking token. Session JWTs carry `sid`, `verified_credentials`,
 *    `verifiedCredentialsHashes`, `last_verified_credential_id` or `session_public_key`, and a `scope` such as
 *    `user:basic` that gates the session rather than elevating it; those claims win over rule 4's scope test.
 * 6. `prelude-access`: `sub`, `sid` and `exp`, and either an `iss`/`aud` whose host looks like a Prelude session
 *    host (`*.session.prelude.dev`, or any URL with a `/v1/session` path) or a string `scope` claim. Custom domains
 *    are common, so the `scope`+`sid` shape is accepted without a Prelude host.
 * 7. `generic-jwt` otherwise.
 */
export function classifyToken(header: Record<string, unknown>, claims: Record<string, unknown>): TokenKind {
  if (isDpopTyp(header['typ'])) return 'dpop-proof';

  const has = (name: string): boolean => claims[name] !== undefined && claims[name] !== null;
  if (has('challenge_id') && (has('current_step') || Array.isArray(claims['steps'])))
    return 'prelude-challenge';
  if (has('challenge_id') && has('key') && has('status')) return 'prelude-verification';

  if (has('singleUse')) return 'dynamic-elevated';
  if (has('environment_id') || isDynamicIssuer(claims['iss'])) {
    const sessionMarker = DYNAMIC_SESSION_CLAIMS.some(has);
    if (!sessionMarker && hasElevatedDynamicScope(claims['scope'])) return 'dynamic-elevated';
    return 'dynamic-session';
  }

  if (has('sub') && has('sid') && has('exp')) {
    if (looksLikeSessionHost(claims['iss']) || looksLikeSessionHost(claims['aud'])) return 'prelude-access';
    if (typeof claims['scope'] === 'string') return 'prelude-access';
  }
  return 'generic-jwt';
}

function isDpopTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === 'dpop+jwt' || lower === 'application/dpop+jwt';
}

/** Claims seen on Dynamic session JWTs (access "minified" JWT and id token) and not on elevated tokens. */
const DYNAMIC_SESSION_CLAIMS = [
  'sid',
  'verified_credentials',
  'verifiedCredentialsHashes',
  'last_verified_credential_id',
  'session_public_key',
];

/** Prefixes of Dynamic's `TokenScope` values that an elevated access token grants. */
const DYNAMIC_ELEVATED_SCOPE = /^(?:credential|wallet|business_account|console):|^user:(?:update|delete)$/;

function hasElevatedDynamicScope(scope: unknown): boolean {
  return typeof scope === 'string' && scope.split(/\s+/).some((s) => DYNAMIC_ELEVATED_SCOPE.test(s));
}

/** Dynamic issuers look like `app.dynamicauth.com/<environmentId>` (often without a scheme) or `app.dynamic.xyz/…`. */
function isDynamicIssuer(iss: unknown): boolean {
  if (typeof iss !== 'string') return false;
  const host = hostOf(iss.includes('://') ? iss : `https://${iss}`);
  return host !== null && /(?:^|\.)(?:dynamicauth\.com|dynamic\.xyz)$/.test(host);
}

/** A Prelude session host: `{appId}.session.prelude.dev`, or a custom domain serving `/v1/session`. */
function looksLikeSessionHost(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => {
    if (typeof v !== 'string') return false;
    const host = hostOf(v);
    if (host !== null && /(?:^|\.)session\.prelude\.dev$/.test(host)) return true;
    return /^https?:\/\/[^/]+\/v1\/session(?:[/?#]|$)/i.test(v);
  });
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
