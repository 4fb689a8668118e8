/**
 * Verifying a captured token's signature against a JSON Web Key Set, when the user asks for it. Decoding
 * (everywhere else in the inspector) never verifies; this is the one place that does, and it checks the
 * signature only: `exp`, `nbf`, `iss` and `aud` are shown by the views, not enforced here, because a capture
 * is read after the fact and an expired token still had a valid signature.
 */
import { compactVerify, createLocalJWKSet, errors } from 'jose';
import { decodeCompactJws } from '../tokens/decode.ts';
import { isRedactedSignature } from './redact.ts';

/** Outcome of {@link verifyWithJwks}. `kid` is the token header's, or null when it names none. */
export type JwksVerifyResult =
  | { status: 'verified'; kid: string | null; alg: string }
  | {
      /**
       * - `invalid_signature`: a key matched but the signature does not verify with it;
       * - `no_matching_key`: no key of the set fits the token's `kid`/`alg`;
       * - `bad_jwks`: the set is not a JWKS (or holds private/unusable keys);
       * - `unsupported_alg`: `none`, a symmetric `alg`, or one this runtime cannot verify;
       * - `malformed`: the token is not a decodable compact JWS;
       * - `redacted`: the signature was removed when the log was exported, so there is nothing to verify.
       */
      status:
        'invalid_signature' | 'no_matching_key' | 'bad_jwks' | 'unsupported_alg' | 'malformed' | 'redacted';
      message: string;
    };

/**
 * Verifies the signature of `token` (a compact JWS, `Bearer ` prefix allowed) with the keys of `jwks` (the
 * parsed JSON of a `/.well-known/jwks.json`). Uses jose's local JWKS, which picks keys by `kid`, `alg`,
 * `kty`, `crv` and `use`; when several keys fit, each is tried. Never throws.
 */
export async function verifyWithJwks(token: string, jwks: unknown): Promise<JwksVerifyResult> {
  const raw = typeof token === 'string' ? token.trim().replace(/^(?:bearer|dpop)\s+/i, '') : '';
  const decoded = decodeCompactJws(raw);
  if (!decoded.ok) return { status: 'malformed', message: decoded.message };
  if (isRedactedSignature(raw)) {
    return {
      status: 'redacted',
      message:
        'The signature was removed when this log was exported with secrets redacted, so it cannot be verified.',
    };
  }
  const alg = decoded.header['alg'];
  const kid = typeof decoded.header['kid'] === 'string' ? decoded.header['kid'] : null;
  if (typeof alg !== 'string' || alg === '' || alg.toLowerCase() === 'none') {
    return {
      status: 'unsupported_alg',
      message: `The token's alg is ${typeof alg === 'string' ? `"${alg}"` : 'missing'}: it is not signed with a public key.`,
    };
  }
  if (/^HS\d+$/i.test(alg)) {
    return {
      status: 'unsupported_alg',
      message: `${alg} is a shared-secret (HMAC) algorithm: a public JWKS cannot verify it.`,
    };
  }

  let getKey: ReturnType<typeof createLocalJWKSet>;
  try {
    getKey = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  } catch {
    return {
      status: 'bad_jwks',
      message: 'The key set is not a JWKS: it needs a "keys" list of JSON Web Keys.',
    };
  }

  try {
    await compactVerify(raw, getKey);
    return { status: 'verified', kid, alg };
  } catch (error) {
    if (error instanceof errors.JWKSMultipleMatchingKeys) return tryEach(raw, error, kid, alg);
    return failure(error, kid, alg);
  }
}

/** Several keys fit (no `kid`, or a repeated one): the token verifies if any of them verifies it. */
async function tryEach(
  raw: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  kid: string | null,
  alg: string,
): Promise<JwksVerifyResult> {
  let last: unknown = new errors.JWSSignatureVerificationFailed();
  for await (const key of candidates) {
    try {
      await compactVerify(raw, key);
      return { status: 'verified', kid, alg };
    } catch (error) {
      last = error;
    }
  }
  return failure(last, kid, alg);
}

function failure(error: unknown, kid: string | null, alg: string): JwksVerifyResult {
  const code = error instanceof errors.JOSEError ? error.code : undefined;
  const which = kid === null ? `for ${alg} (the token names no kid)` : `with kid "${kid}" for ${alg}`;
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return {
        status: 'invalid_signature',
        message: `A key ${which} was found, but the signature does not verify with it: the token was altered or signed by another key.`,
      };
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return {
        status: 'no_matching_key',
        message: `The key set has no key ${which}. The token may come from another issuer, or the keys were rotated.`,
      };
    case 'ERR_JWKS_INVALID':
      return { status: 'bad_jwks', message: `The key set cannot be used: ${describeOrUnknown(error)}` };
    case 'ERR_JOSE_NOT_SUPPORTED':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return {
        status: 'unsupported_alg',
        message: `${alg} cannot be verified here: ${describeOrUnknown(error)}`,
      };
    case 'ERR_JWS_INVALID':
      return { status: 'malformed', message: `The token is not a valid JWS: ${describeOrUnknown(error)}` };
    default:
      // importJWK rejects a key whose members do not fit its kty/crv: the set, not the token, is at fault.
      return { status: 'bad_jwks', message: `The matching key cannot be used: ${describeOrUnknown(error)}` };
  }
}

// Not util's describe: these messages end in "…: <reason>", so a reason is never empty, and a thrown non-Error
// (never jose's) says nothing worth showing.
function describeOrUnknown(error: unknown): string {
  return error instanceof Error && error.message !== '' ? error.message : 'unknown error';
}

/**
 * Where the JWKS for tokens of a Session API lives: the session domain's root
 * `https://<host>/.well-known/jwks.json` first, then `<apiBase>/.well-known/jwks.json`. Empty for a base that
 * is not an http(s) URL.
 */
export function jwksUrlFor(apiBase: string): string[] {
  if (typeof apiBase !== 'string' || !URL.canParse(apiBase)) return [];
  const url = new URL(apiBase);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return [];
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const urls = [`${url.origin}/.well-known/jwks.json`, `${base}/.well-known/jwks.json`];
  return [...new Set(urls)];
}
