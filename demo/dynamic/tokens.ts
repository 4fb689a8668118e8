/**
 * The JWTs the Dynamic emulator signs (session JWTs and elevated access tokens), with one ES256 key published
 * as the environment's JWKS (`/api/v0/sdk/{environmentId}/.well-known/jwks`).
 */
import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  decodeJwt,
  errors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** Claims of a session JWT (the SDK's `minifiedJwt`). */
export interface SessionClaims extends JWTPayload {
  iss: string;
  sub: string;
  sid: string;
  environment_id: string;
  /** Gating scopes of the session, not elevated scopes: `user:basic` for a normal signed-in user. */
  scope: string;
  email: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Claims of an elevated access token. The SDK reads `scope` (space-separated), `exp` and `singleUse`. */
export interface ElevatedClaims extends JWTPayload {
  iss: string;
  sub: string;
  sid: string;
  environment_id: string;
  scope: string;
  singleUse: boolean;
  iat: number;
  exp: number;
  jti: string;
}

/** Outcome of verifying one of the emulator's own tokens. */
export type VerifyOutcome<T> =
  { ok: true; claims: T } | { ok: false; reason: 'expired' | 'invalid'; claims?: Partial<T> };

/** Signs and verifies the emulator's tokens. */
export class DynamicSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    /** The public key (`kid`, `alg: ES256`, `use: sig`). */
    readonly publicJwk: JWK,
    private readonly now: () => number,
  ) {}

  static async create(now: () => number): Promise<DynamicSigner> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new DynamicSigner(privateKey, publicKey, { ...jwk, kid, alg: 'ES256', use: 'sig' }, now);
  }

  /** The JWKS document. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  private nowS(): number {
    return Math.floor(this.now() / 1000);
  }

  private sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.publicJwk.kid ?? '' })
      .sign(this.privateKey);
  }

  /** A session JWT. */
  async session(input: {
    iss: string;
    sub: string;
    sid: string;
    environmentId: string;
    email: string;
    lifetimeS: number;
  }): Promise<{ token: string; claims: SessionClaims }> {
    const iat = this.nowS();
    const claims: SessionClaims = {
      iss: input.iss,
      sub: input.sub,
      sid: input.sid,
      environment_id: input.environmentId,
      scope: 'user:basic',
      email: input.email,
      iat,
      exp: iat + input.lifetimeS,
      jti: randomUUID(),
    };
    return { token: await this.sign(claims), claims };
  }

  /** An elevated access token. */
  async elevated(input: {
    iss: string;
    sub: string;
    sid: string;
    environmentId: string;
    scopes: readonly string[];
    singleUse: boolean;
    lifetimeS: number;
  }): Promise<{ token: string; claims: ElevatedClaims }> {
    const iat = this.nowS();
    const claims: ElevatedClaims = {
      iss: input.iss,
      sub: input.sub,
      sid: input.sid,
      environment_id: input.environmentId,
      scope: input.scopes.join(' '),
      singleUse: input.singleUse,
      iat,
      exp: iat + input.lifetimeS,
      jti: randomUUID(),
    };
    return { token: await this.sign(claims), claims };
  }

  /** Verifies a token this signer issued, on the emulator's clock. */
  async verify<T extends JWTPayload>(token: string): Promise<VerifyOutcome<T>> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['ES256'],
        currentDate: new Date(this.now()),
      });
      return { ok: true, claims: payload as T };
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        let claims: Partial<T> | undefined;
        try {
          claims = decodeJwt(token) as Partial<T>;
        } catch {
          claims = undefined;
        }
        return claims ? { ok: false, reason: 'expired', claims } : { ok: false, reason: 'expired' };
      }
      return { ok: false, reason: 'invalid' };
    }
  }
}
