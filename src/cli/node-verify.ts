/**
 * The CLI's DPoP signature verifier: Node's own crypto, asynchronous (OpenSSL on libuv's thread pool, like
 * WebCrypto), without the per-call conversions Node's WebCrypto layer adds in JavaScript on the main thread,
 * which is where the rest of the analysis runs. Same keys (jose imports them), same answers: a signature that does
 * not verify resolves false, anything the runtime refuses rejects and goes to jose for wording.
 */
import { KeyObject, verify } from 'node:crypto';
import type { DirectAlg, SignatureVerifier } from '../core/dpop/signature.ts';

const HASH: Readonly<Record<DirectAlg, string | null>> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
  Ed25519: null,
};

// jose imports each device key once (core/dpop/signature.ts caches it): its KeyObject is made once as well.
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

export const nodeVerifier: SignatureVerifier = (alg, key, signature, signingInput) =>
  new Promise<boolean>((resolve, reject) => {
    let keyObject = keyObjects.get(key);
    if (keyObject === undefined) {
      keyObject = KeyObject.from(key);
      keyObjects.set(key, keyObject);
    }
    verify(HASH[alg], signingInput, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature, (error, ok) =>
      error ? reject(error) : resolve(ok),
    );
  });
