/**
 * The proof's binding to the access token presented with it: `ath` (RFC 9449 §4.3 step 12: the hash of that
 * token) and the token's `cnf.jkt` naming the proof's key (§6.1).
 */
import { base64url } from 'jose';
import { readAccessClaims } from '../tokens/claims.ts';
import { decodeToken } from '../tokens/decode.ts';
import { Lru } from './lru.ts';
import { quote, short, type Rows } from './rows.ts';
import type { DpopProofReport } from './types.ts';

/** What the checks need from an access token, read once per token. */
export interface AccessTokenFacts {
  cnfJkt?: string;
}

// Sized above the number of devices a capture interleaves: a cache smaller than the round-robin of live tokens
// misses on every look-up. An entry is the token string plus one short claim.
const accessTokenCache = new Lru<AccessTokenFacts>(64);
const accessTokenHashCache = new Lru<Promise<string>>(64);

/** Forgets access-token facts and hashes (for benchmarks that want a cold start). */
export function resetAccessTokenCaches(): void {
  accessTokenCache.clear();
  accessTokenHashCache.clear();
}

export function checkAth(
  rows: Rows,
  ath: unknown,
  token: AccessTokenFacts | undefined,
  tokenHash: string | undefined,
  flavour: DpopProofReport['flavour'],
): void {
  if (ath === undefined) {
    if (token !== undefined && flavour === 'unknown') {
      return rows.set(
        'ath',
        'warn',
        'an access token was presented but the proof has no ath (RFC 9449 §4.2 requires it)',
      );
    }
    return rows.set(
      'ath',
      'n/a',
      token === undefined ? 'no ath and no access token' : "no ath (this API's proofs carry none)",
    );
  }
  if (token === undefined)
    return rows.set('ath', 'warn', 'the proof has an ath but no access token was presented');
  if (ath === tokenHash)
    return rows.set('ath', 'pass', 'ath is the SHA-256 hash of the presented access token');
  rows.set(
    'ath',
    'fail',
    `ath is ${quote(ath)} but the presented access token hashes to ${tokenHash ?? '?'}`,
  );
}

export function checkCnfJkt(
  rows: Rows,
  token: AccessTokenFacts | undefined,
  thumbprint: string | undefined,
): void {
  if (token === undefined) return rows.set('cnf_jkt', 'n/a', 'no access token presented');
  if (token.cnfJkt === undefined) return rows.set('cnf_jkt', 'n/a', 'the access token has no cnf.jkt');
  if (thumbprint === undefined) {
    return rows.set(
      'cnf_jkt',
      'fail',
      `the access token is bound to ${token.cnfJkt} but the proof key has no usable thumbprint`,
    );
  }
  if (token.cnfJkt === thumbprint)
    return rows.set('cnf_jkt', 'pass', `cnf.jkt matches the proof key (${short(thumbprint)})`);
  rows.set(
    'cnf_jkt',
    'fail',
    `the access token is bound to key ${token.cnfJkt} but the proof is signed by ${thumbprint}`,
  );
}

export function accessTokenFacts(token: string): AccessTokenFacts {
  let entry = accessTokenCache.get(token);
  if (entry === undefined) {
    const decoded = decodeToken(token);
    const cnfJkt = decoded.ok ? readAccessClaims(decoded.claims).cnfJkt : undefined;
    entry = cnfJkt === undefined ? {} : { cnfJkt };
    accessTokenCache.set(token, entry);
  }
  return entry;
}

/** base64url(SHA-256(token)), RFC 9449 §4.2 `ath`. */
export function accessTokenHash(token: string): Promise<string> {
  let entry = accessTokenHashCache.get(token);
  if (entry === undefined) {
    entry = crypto.subtle
      .digest('SHA-256', new TextEncoder().encode(token))
      .then((digest) => base64url.encode(new Uint8Array(digest)));
    accessTokenHashCache.set(token, entry);
  }
  return entry;
}
