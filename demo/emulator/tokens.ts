/**
 * The tokens the emulator signs (access tokens, step-up challenge tokens, login challenge tokens) with one
 * Ed25519 key (`alg: EdDSA`, as in Prelude's documentation examples), and the JWKS that publishes it.
 */
import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';

/** Claims of an access token. `scope` is always present (empty when nothing is granted). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  sid: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  scope: string;
  cc: Record<string, string>;
  cnf?: { jkt: string };
}

/** A challenge step as it appears in a challenge token. */
export interface ChallengeTokenStep {
  key: string;
  order: number;
  expiration_duration: number;
  done: boolean;
}

/** Claims of a step-up challenge token. */
export interface ChallengeTokenClaims {
  iss: string;
  sub: string;
  sid: string;
  challenge_id: string;
  current_step: string;
  steps: ChallengeTokenStep[];
  scope_requested: string;
  grant_mode: string;
  metadata: Record<string, string>;
  exp: number;
  iat: number;
  jti: string;
}

/** Claims of a login challenge token (password login, sign-up): exchanged once at `/login/finalize`. */
export interface LoginChallengeClaims {
  iss: string;
  sub: string;
  challenge_id: string;
  purpose: 'login';
  exp: number;
  iat: number;
  jti: string;
}

/** Outcome of checking a token the emulator signed. */
export type OwnTokenCheck =
  { ok: true; claims: Record<string, unknown>; expired: boolean } | { ok: false; reason: string };

/** Signs and verifies the emulator's own tokens. */
export class TokenSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    /** The public key as a JWK, with `kid`, `alg` and `use`. */
    readonly publicJwk: JWK,
    private readonly now: () => number,
  ) {}

  /** Generates a fresh signing key. Its `kid` is its RFC 7638 thumbprint. */
  static async create(now: () => number): Promise<TokenSigner> {
    const { privateKey, publicKey } = await generateKeyPair('Ed25519');
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new TokenSigner(privateKey, publicKey, { ...jwk, kid, alg: 'EdDSA', use: 'sig' }, now);
  }

  /** The key id in every token header. */
  get kid(): string {
    return this.publicJwk.kid ?? '';
  }

  /** `GET /.well-known/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** Signs any claims set as a JWT. */
  async sign(claims: object): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'JWT' })
      .sign(this.privateKey);
  }

  /**
   * Checks a token's signature and issuer. Expiry is reported rather than enforced, because callers answer
   * an expired token differently (`bad_check_code` on `/otp/check`, `expired_challenge_token` elsewhere).
   */
  async check(token: unknown, issuer: string): Promise<OwnTokenCheck> {
    if (typeof token !== 'string' || token.split('.').length !== 3)
      return { ok: false, reason: 'not a compact JWT' };
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, this.publicKey, { algorithms: ['EdDSA'] }));
    } catch {
      return { ok: false, reason: 'signature does not verify with the emulator key' };
    }
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return { ok: false, reason: 'payload is not JSON' };
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
      return { ok: false, reason: 'payload is not an object' };
    const record = claims as Record<string, unknown>;
    if (record.iss !== issuer) return { ok: false, reason: 'wrong issuer' };
    const exp = record.exp;
    if (typeof exp !== 'number') return { ok: false, reason: 'no exp' };
    return { ok: true, claims: record, expired: exp * 1000 <= this.now() };
  }
}
