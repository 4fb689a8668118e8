/**
 * Verification tokens: how an app's backend vouches that a custom step (e.g. `kyc_review`) is done. Prelude
 * documents them as RS256 JWTs with a `kid` from the app's `jwks_url`, carrying `sub`, `challenge_id`, `key`,
 * `status: "completed"`, `exp`, `nbf`, `iat` and a unique `jti`.
 *
 * The emulator also holds a built-in mock "app backend" key (served at `/__emulator/app/jwks.json`, minted
 * by `POST /__emulator/verification-tokens`) so custom steps work without a real app backend.
 */
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { ApiError } from './errors.ts';

/** Claims the emulator reads from a verification token. */
export interface VerificationClaims {
  sub: string;
  challenge_id: string;
  key: string;
  status: string;
  jti: string;
  exp: number;
}

/** The built-in mock app key (RS256). */
export class BuiltinAppKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
  ) {}

  /** Generates the key. */
  static async create(): Promise<BuiltinAppKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const kid = `app-${(await calculateJwkThumbprint(jwk)).slice(0, 16)}`;
    return new BuiltinAppKey(privateKey, { ...jwk, kid, alg: 'RS256', use: 'sig' });
  }

  /** The mock app's JWKS. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** Mints a verification token the way an app backend would. */
  async mint(
    claims: { sub: string; challenge_id: string; key: string; status?: string },
    nowMs: number,
  ): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({
      challenge_id: claims.challenge_id,
      key: claims.key,
      status: claims.status ?? 'completed',
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid ?? '', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 300)
      .setJti(crypto.randomUUID())
      .sign(this.privateKey);
  }
}

/** Verifies verification tokens against the app's JWKS (cached per URL). */
export class VerificationTokenVerifier {
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  private readonly local: JWTVerifyGetKey;

  constructor(
    private readonly now: () => number,
    builtin: BuiltinAppKey,
  ) {
    this.local = createLocalJWKSet(builtin.jwks());
  }

  /** Forgets cached remote key sets. */
  reset(): void {
    this.remote.clear();
  }

  /**
   * Verifies signature and time claims. `jwksUrl` undefined → the built-in mock app key; empty → the app has
   * not configured one (`not_configured`).
   */
  async verify(token: unknown, jwksUrl: string | undefined): Promise<VerificationClaims> {
    if (typeof token !== 'string' || token === '')
      throw new ApiError('bad_request', 'verification_token is required');
    if (jwksUrl === '')
      throw new ApiError('not_configured', 'No jwks_url is configured for verification tokens');
    const keys = jwksUrl === undefined ? this.local : this.remoteSet(jwksUrl);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        currentDate: new Date(this.now()),
        clockTolerance: 30,
        requiredClaims: ['exp', 'jti', 'sub'],
      }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const detail = typeof code === 'string' ? code : (error as Error).message;
      throw new ApiError('invalid_verification_token', `Verification token rejected (${detail})`);
    }
    const { sub, challenge_id, key, status, jti, exp } = payload;
    if (
      typeof challenge_id !== 'string' ||
      typeof key !== 'string' ||
      typeof sub !== 'string' ||
      typeof jti !== 'string'
    ) {
      throw new ApiError(
        'invalid_verification_token',
        'Verification token needs string sub, challenge_id, key and jti',
      );
    }
    return {
      sub,
      challenge_id,
      key,
      status: typeof status === 'string' ? status : '',
      jti,
      exp: exp as number,
    };
  }

  private remoteSet(url: string): JWTVerifyGetKey {
    let set = this.remote.get(url);
    if (!set) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new ApiError('not_configured', `jwks_url ${url} is not a URL`);
      }
      set = createRemoteJWKSet(parsed, {
        timeoutDuration: 5_000,
        cooldownDuration: 10_000,
        cacheMaxAge: 300_000,
      });
      this.remote.set(url, set);
    }
    return set;
  }
}
