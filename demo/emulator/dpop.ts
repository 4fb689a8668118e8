/**
 * DPoP (RFC 9449) as a strict server, in Prelude's two flavours:
 *
 * - **session proofs** (`/login/otp/check`, `/login/finalize`, `/refresh`, `/revoke`): fresh random `jti`
 *   (replays rejected), and a server nonce (§8) that is single-use and rotated on every response that verified
 *   a proof. A missing, unknown, used or old nonce is answered `use_dpop_nonce` with a fresh `DPoP-Nonce`,
 *   which the SDK retries once.
 * - **challenge proofs** (`/otp/check`, `/stepup/continue`): `jti` equals the challenge token's `jti`, no nonce.
 *   They are not put in the replay cache: the SDK re-sends the very same proof when its Bearer middleware
 *   retries `/stepup/continue` after a 401, and a challenge token is single-use anyway.
 */
import { EmbeddedJWK, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, type JWK } from 'jose';
import { ApiError } from './errors.ts';
import { newOpaque } from './state.ts';

/** Asymmetric JWS algorithms accepted in proofs (the SDK uses ES256). */
export const DPOP_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];

/** Timing rules, in seconds. */
export interface DpopTiming {
  /** How old a proof's `iat` may be. */
  iatPast: number;
  /** How far in the future a proof's `iat` may be (client clock ahead). */
  iatFuture: number;
  /** How long an issued nonce stays acceptable if unused. */
  nonceTtl: number;
}

/** Default timing: ±300 s / 60 s iat window, 300 s nonce lifetime. */
export const DEFAULT_DPOP_TIMING: DpopTiming = { iatPast: 300, iatFuture: 60, nonceTtl: 300 };

/** A proof that passed every check. */
export interface VerifiedProof {
  jkt: string;
  jwk: JWK;
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  nonce?: string;
}

/** The request facts a proof is checked against. */
export interface ProofTarget {
  /** The raw `DPoP` header value(s). */
  header: string | string[] | undefined;
  method: string;
  /** Acceptable `htu` values (already normalised with {@link normaliseHtu}). */
  urls: string[];
}

/**
 * Normalises a URL for `htu` comparison (RFC 9449 §4.3 check 9): scheme and host lower-cased, default port
 * dropped, query and fragment removed. Returns `null` for anything that is not an absolute http(s) URL.
 */
export function normaliseHtu(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

const invalid = (message: string): ApiError => new ApiError('invalid_dpop_proof', message);

/** Verifies proofs and owns the nonce store and the session-proof `jti` replay cache. */
export class DpopVerifier {
  private readonly nonces = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly seenJtis = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    readonly timing: DpopTiming = DEFAULT_DPOP_TIMING,
  ) {}

  /** Issues a fresh nonce (sent as `DPoP-Nonce`). */
  issueNonce(): string {
    this.pruneNonces();
    const nonce = newOpaque(18);
    this.nonces.set(nonce, { issuedAt: this.now(), used: false });
    return nonce;
  }

  /** Forgets every nonce and seen `jti` (admin reset). */
  reset(): void {
    this.nonces.clear();
    this.seenJtis.clear();
  }

  /**
   * Checks a session proof. Throws `missing_dpop_proof`, `invalid_dpop_proof` or `use_dpop_nonce` (the latter
   * with a fresh `DPoP-Nonce` header). `forceNonce` (a fault) answers `use_dpop_nonce` even to a good nonce.
   * On success the nonce is spent and the `jti` remembered; the caller sends a new nonce with its response.
   */
  async verifySessionProof(
    target: ProofTarget,
    options: { forceNonce?: boolean } = {},
  ): Promise<VerifiedProof> {
    const proof = await this.verifyCommon(target);
    // Replay is checked before the nonce: a replayed proof carries an already spent nonce and would otherwise
    // only ever be told to fetch a new one.
    if (this.seenJtis.has(proof.jti)) throw invalid('DPoP proof jti has already been used');
    const entry = proof.nonce === undefined ? undefined : this.nonces.get(proof.nonce);
    const stale =
      entry === undefined ||
      entry.used ||
      this.now() - entry.issuedAt > this.timing.nonceTtl * 1000 ||
      options.forceNonce === true;
    if (stale) {
      const message =
        proof.nonce === undefined
          ? 'Authorization server requires nonce in DPoP proof'
          : 'DPoP proof nonce is stale; use the nonce in the DPoP-Nonce header';
      throw new ApiError('use_dpop_nonce', message, { headers: { 'DPoP-Nonce': this.issueNonce() } });
    }
    entry.used = true;
    this.rememberJti(proof.jti);
    return proof;
  }

  /** Checks a challenge proof: its `jti` must be the challenge token's `jti`; no nonce involved. */
  async verifyChallengeProof(target: ProofTarget, expectedJti: string): Promise<VerifiedProof> {
    const proof = await this.verifyCommon(target);
    if (proof.jti !== expectedJti) throw invalid("DPoP proof jti does not match the challenge token's jti");
    return proof;
  }

  private async verifyCommon(target: ProofTarget): Promise<VerifiedProof> {
    const { header } = target;
    if (header === undefined || header === '')
      throw new ApiError('missing_dpop_proof', 'A DPoP proof is required');
    // Node joins repeated unknown headers with ", "; a JWS never contains a comma.
    if (Array.isArray(header) || header.includes(',')) throw invalid('Exactly one DPoP header is allowed');
    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    try {
      protectedHeader = decodeProtectedHeader(header);
    } catch {
      throw invalid('DPoP proof is not a compact JWS');
    }
    if (protectedHeader.typ !== 'dpop+jwt') throw invalid('DPoP proof typ must be dpop+jwt');
    if (typeof protectedHeader.alg !== 'string' || !DPOP_ALGORITHMS.includes(protectedHeader.alg)) {
      throw invalid('DPoP proof alg must be an asymmetric JWS algorithm');
    }
    const jwk = protectedHeader.jwk;
    if (typeof jwk !== 'object' || jwk === null) throw invalid('DPoP proof header has no jwk');
    if ('d' in jwk || jwk.kty === 'oct') throw invalid('DPoP proof jwk must be a public key');
    let payloadBytes: Uint8Array;
    try {
      ({ payload: payloadBytes } = await compactVerify(header, EmbeddedJWK, { algorithms: DPOP_ALGORITHMS }));
    } catch {
      throw invalid('DPoP proof signature does not verify with its jwk');
    }
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(payloadBytes));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      payload = parsed as Record<string, unknown>;
    } catch {
      throw invalid('DPoP proof payload is not a JSON object');
    }
    const { jti, htm, htu, iat, nonce } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > 512) throw invalid('DPoP proof jti is missing');
    if (typeof htm !== 'string') throw invalid('DPoP proof htm is missing');
    if (htm !== target.method)
      throw invalid(`DPoP proof htm is ${htm} but the request method is ${target.method}`);
    if (typeof htu !== 'string') throw invalid('DPoP proof htu is missing');
    const normalised = normaliseHtu(htu);
    if (normalised === null || !target.urls.includes(normalised)) {
      throw invalid(`DPoP proof htu ${htu} does not match the request URL ${target.urls[0] ?? ''}`);
    }
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('DPoP proof iat is missing');
    const nowSec = this.now() / 1000;
    if (iat < nowSec - this.timing.iatPast) throw invalid('DPoP proof iat is too old');
    if (iat > nowSec + this.timing.iatFuture) throw invalid('DPoP proof iat is in the future');
    if (nonce !== undefined && typeof nonce !== 'string') throw invalid('DPoP proof nonce must be a string');
    let jkt: string;
    try {
      jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
    } catch {
      throw invalid('DPoP proof jwk is not a valid key');
    }
    const proof: VerifiedProof = { jkt, jwk: jwk as JWK, jti, htm, htu, iat };
    if (typeof nonce === 'string') proof.nonce = nonce;
    return proof;
  }

  private rememberJti(jti: string): void {
    const now = this.now();
    this.seenJtis.set(jti, now);
    // A jti only needs remembering while its proof's iat is still acceptable.
    const horizon = (this.timing.iatPast + this.timing.iatFuture) * 1000;
    if (this.seenJtis.size > 10_000) {
      for (const [seen, at] of this.seenJtis) if (now - at > horizon) this.seenJtis.delete(seen);
    }
  }

  private pruneNonces(): void {
    if (this.nonces.size < 1_000) return;
    const now = this.now();
    for (const [nonce, entry] of this.nonces) {
      if (entry.used || now - entry.issuedAt > this.timing.nonceTtl * 1000) this.nonces.delete(nonce);
    }
  }
}
