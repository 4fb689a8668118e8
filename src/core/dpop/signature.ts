/**
 * RFC 9449 §4.3 step 6: the proof verifies with the public key in its own `jwk` header. Keys are imported once
 * per key and algorithm (one device key signs every proof of a session), and the usual proof is verified with a
 * single WebCrypto call instead of jose's `compactVerify` (see {@link verifySignature}).
 */
import {
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  errors,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { REDACTED_SIGNATURE } from '../tokens/types.ts';
import { describe, PRIVATE_JWK_MEMBERS } from '../util.ts';
import { Lru } from './lru.ts';
import { quote, type Rows } from './rows.ts';
import type { CheckStatus } from './types.ts';

/** What one header jwk gives: its thumbprint, and a verification key or why there is none. */
export interface KeyMaterial {
  thumbprint?: string;
  cryptoKey?: CryptoKey;
  importError?: string;
}

/**
 * Sets the `signature` row. `alg` is the header's value, `acceptedAlg` the same when a proof may use it; `key`
 * is what {@link resolveKey} made of the header's `jwk`, undefined when there is none.
 */
export async function checkSignature(
  rows: Rows,
  raw: string,
  header: Record<string, unknown>,
  alg: unknown,
  acceptedAlg: string | undefined,
  key: KeyMaterial | undefined,
  verifier: SignatureVerifier = webCryptoVerifier,
): Promise<void> {
  if (acceptedAlg === undefined)
    rows.set('signature', 'n/a', `not verified: alg ${quote(alg)} is not an acceptable proof algorithm`);
  else if (key === undefined) {
    rows.set(
      'signature',
      'fail',
      'no jwk in the header: a proof must carry its public key, so it cannot be verified',
    );
  } else if (key.cryptoKey === undefined) {
    rows.set(
      'signature',
      'fail',
      `the header jwk cannot be used with ${acceptedAlg}: ${key.importError ?? 'unknown'}`,
    );
  } else if (raw.endsWith(`.${REDACTED_SIGNATURE}`)) {
    rows.set('signature', 'n/a', 'not verified: the signature was redacted when this log was exported');
  } else {
    const [status, detail] = await verifySignature(raw, header, key.cryptoKey, acceptedAlg, verifier);
    rows.set('signature', status, detail);
  }
}

const VERIFIES: [CheckStatus, string] = ['pass', 'verifies with the header jwk'];
const DOES_NOT_VERIFY: [CheckStatus, string] = [
  'fail',
  'does not verify with the header jwk: the proof was altered or signed by another key',
];

/**
 * WebCrypto parameters for the algorithms whose verification is a single `crypto.subtle.verify` over the JWS
 * signing input, with the key jose imported for that `alg`: the curve the key must be on (RFC 7518 §3.4, RFC 8037).
 */
const DIRECT_VERIFY: Readonly<
  Record<DirectAlg, { params: AlgorithmIdentifier | EcdsaParams; curve?: string }>
> = {
  ES256: { params: { name: 'ECDSA', hash: 'SHA-256' }, curve: 'P-256' },
  ES384: { params: { name: 'ECDSA', hash: 'SHA-384' }, curve: 'P-384' },
  ES512: { params: { name: 'ECDSA', hash: 'SHA-512' }, curve: 'P-521' },
  EdDSA: { params: { name: 'Ed25519' } },
  Ed25519: { params: { name: 'Ed25519' } },
};

/** The algorithms of the fast path: one signature over the signing input, r||s for ECDSA (RFC 7518 §3.4). */
export type DirectAlg = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519';

/**
 * The fast path's single verification, replaceable by the runtime: resolves whether `signature` verifies over
 * `signingInput` with `key` (imported by jose for `alg`), rejects when the runtime cannot say (jose then words
 * why). The default is WebCrypto; a runtime whose WebCrypto costs more per call than its native crypto (Node's
 * CLI) passes its own through the analyser's options.
 */
export type SignatureVerifier = (
  alg: DirectAlg,
  key: CryptoKey,
  signature: Uint8Array<ArrayBuffer>,
  signingInput: Uint8Array<ArrayBuffer>,
) => Promise<boolean>;

export const webCryptoVerifier: SignatureVerifier = (alg, key, signature, signingInput) =>
  crypto.subtle.verify(DIRECT_VERIFY[alg].params, key, signature, signingInput);

function isDirectAlg(alg: string): alg is DirectAlg {
  return Object.hasOwn(DIRECT_VERIFY, alg);
}

/** The characters of a base64url segment without padding (RFC 7515 §2). */
const BASE64URL_SEGMENT = /^[\w-]*$/;

/**
 * Verifies the signature of the compact JWS `raw` (already decoded into `header`) with `key`.
 *
 * Fast path: for the usual proof (ECDSA or Ed25519, no `crit`, no `b64`, plain base64url segments) this is one
 * `crypto.subtle.verify` on the signing input, the bytes before the last dot, and the signature decoded with
 * jose's base64url; the raw r||s signature of a JWS is exactly what WebCrypto's ECDSA expects (RFC 7518 §3.4).
 * That skips what `compactVerify` would redo here: splitting and re-parsing the header already decoded,
 * copying the signing input, and base64url-decoding the payload again after a successful check. Anything else
 * (RSA with its modulus-length rule, `crit`, `b64`, a key on another curve, an unusual encoding, a WebCrypto
 * error) goes through jose's `compactVerify`, which stays the reference and words every failure.
 */
const ENCODER = new TextEncoder();
const SIGNING_INPUT = /^[\w-]*(?:\.[\w-]*)?$/;
async function verifySignature(
  raw: string,
  header: Record<string, unknown>,
  key: CryptoKey,
  alg: string,
  verifier: SignatureVerifier,
): Promise<[CheckStatus, string]> {
  const direct = isDirectAlg(alg) ? DIRECT_VERIFY[alg] : undefined;
  if (
    direct !== undefined &&
    isDirectAlg(alg) &&
    header['crit'] === undefined &&
    header['b64'] === undefined &&
    key.algorithm.name === (direct.curve === undefined ? 'Ed25519' : 'ECDSA') &&
    (direct.curve === undefined || (key.algorithm as EcKeyAlgorithm).namedCurve === direct.curve)
  ) {
    const dot = raw.lastIndexOf('.');
    const signature = raw.slice(dot + 1);
    const signingInput = raw.slice(0, dot);
    if (BASE64URL_SEGMENT.test(signature) && SIGNING_INPUT.test(signingInput)) {
      try {
        const ok = await verifier(
          alg,
          key,
          base64url.decode(signature) as Uint8Array<ArrayBuffer>,
          ENCODER.encode(signingInput),
        );
        return ok ? VERIFIES : DOES_NOT_VERIFY;
      } catch {
        // Let jose say what is wrong.
      }
    }
  }
  return verifyWithJose(raw, key, alg);
}

async function verifyWithJose(raw: string, key: CryptoKey, alg: string): Promise<[CheckStatus, string]> {
  try {
    await compactVerify(raw, key, { algorithms: [alg] });
    return VERIFIES;
  } catch (error) {
    const code = error instanceof errors.JOSEError ? error.code : undefined;
    switch (code) {
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return DOES_NOT_VERIFY;
      case 'ERR_JOSE_NOT_SUPPORTED':
        return ['warn', `${alg} cannot be verified in this runtime: ${describeJoseError(error)}`];
      default:
        return ['fail', `jose rejected the proof: ${describeJoseError(error)}`];
    }
  }
}

// One device key signs every proof of a session, so importing it (and hashing it for the thumbprint) once is most
// of what caching saves; the bound keeps a long capture with many keys from growing memory without limit.
const keyCache = new Lru<Promise<KeyMaterial>>(32);

/** Forgets imported keys (for benchmarks that want a cold start). */
export function resetKeyCache(): void {
  keyCache.clear();
}

/**
 * The public part of the header jwk, its thumbprint and (when `alg` is acceptable) a verification key. Cached
 * promises, so concurrent checks of proofs from one key share a single import.
 */
export function resolveKey(jwk: Record<string, unknown>, alg: string | undefined): Promise<KeyMaterial> {
  const publicJwk: Record<string, unknown> = {};
  // Private members are dropped so a leaked private JWK still yields a verify key (that leak is its own row);
  // key_ops/ext describe the private key and would stop WebCrypto importing the public half.
  for (const [name, value] of Object.entries(jwk)) {
    if (!PRIVATE_JWK_MEMBERS.includes(name) && name !== 'key_ops' && name !== 'ext') {
      publicJwk[name] = value;
    }
  }
  const cacheKey = `${alg ?? ''}|${JSON.stringify(publicJwk)}`;
  let entry = keyCache.get(cacheKey);
  if (entry === undefined) {
    entry = loadKey(publicJwk as JWK, jwk['kty'], alg);
    keyCache.set(cacheKey, entry);
  }
  return entry;
}

async function loadKey(publicJwk: JWK, kty: unknown, alg: string | undefined): Promise<KeyMaterial> {
  const material: KeyMaterial = {};
  try {
    material.thumbprint = await calculateJwkThumbprint(publicJwk);
  } catch {
    // No thumbprint for a malformed jwk; the signature row reports why the key is unusable.
  }
  if (alg === undefined) return material;
  if (kty === 'oct') {
    material.importError = 'it is a symmetric key (kty oct)';
    return material;
  }
  try {
    const imported = await importJWK(publicJwk, alg);
    if (imported instanceof Uint8Array) material.importError = 'it is not an asymmetric public key';
    else material.cryptoKey = imported;
  } catch (error) {
    material.importError = describeJoseError(error);
  }
  return material;
}

/** util's `describe`, with jose's error code in front: the code is what a reader searches jose's docs for. */
export function describeJoseError(error: unknown): string {
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return describe(error);
}
