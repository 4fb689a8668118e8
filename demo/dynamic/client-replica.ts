/**
 * A faithful replica of the requests `@dynamic-labs-sdk/client` 1.27.1 sends for e-mail sign-in and step-up,
 * used by the demo page ONLY when the real SDK is not installed (see docs/emulator.md: `npm install` of the SDK
 * needs an npm `overrides` entry in this project). Browser code: fetch + WebCrypto, no dependencies.
 *
 * Written from the SDK's published code (read, not copied), functions named after the SDK's:
 *
 * - `dist/updateAuthFromVerifyResponse-*.esm.js`: `createBaseApiClient` (the headers below, `Authorization`,
 *   `x-dyn-elevated-access-token` from `getElevatedAccessToken` with `consume` true, `x-dyn-session-public-key`),
 *   `getElevatedAccessToken` (expired tokens dropped; a single-use token is removed from state when the protected
 *   call is *built*, before it is sent), `parseElevatedAccessToken` (claims `scope`, `exp`, `singleUse`),
 *   `upsertElevatedAccessToken` (one token per normalised scope set), `updateAuthFromVerifyResponse`,
 *   `createDeviceSignatureHeadersMiddleware` / `getHeadersForNonceSignedByDeviceSigners` (device nonce headers on
 *   the `NONCE_SIGNATURE_PATHS`, e.g. `emailVerifications/signin` and `/verify`), `getNonce` /
 *   `fetchAndStoreNonces` (`GET nonces?count=5`, refilled when one or none is left), `fetchProjectSettings`
 *   (`GET settings?sdkVersion=ClientSDK/1.27.1`, `credentials: "omit"`), `APIError.fromResponse`.
 * - `dist/index.esm.js`: `initializeClient` (settings, then session keys and the nonce pool), `checkStepUpAuth`
 *   (local token first; on any failure `{isRequired: true, credentials: []}`), `sendEmailOTP`, `verifyOTP`
 *   (signed in → `emailVerifications/verify` with `requestedScopes`, else `emailVerifications/signin`),
 *   `logout` (`POST revoke` with `x-dyn-logout-reason: user-intent`).
 * - `dist/getNetworkProviderFromNetworkId-*.esm.js`: `createKeychainService` (ECDSA P-256 keys, public key as a
 *   compressed point in hex, signatures IEEE P1363 in hex over the UTF-8 message).
 * - `@dynamic-labs/sdk-api-core` 0.0.1125 `src/apis/SDKApi.js` + `src/runtime.js`: paths, methods, bodies
 *   (`exportPrivateKey` → `POST waas/{walletId}/privateKey/export {exportId}`, `signMessage` →
 *   `POST waas/{walletId}/signMessage {message}`, `stepUpCheck` → `POST stepUp/check {scope}`…), and the merge
 *   of configuration headers with per-call `Content-Type: application/json`.
 *
 * Checked against the real SDK's traffic on the Dynamic emulator in headless Chromium 156: same methods, paths,
 * query strings, `x-dyn-*` / `x-dynamic-*` header names and value formats, and JSON bodies. Not replicated: the
 * SDK's instrumentation batches to `https://logs.dynamicauth.com/api/v1/{environmentId}` (not Dynamic API
 * traffic), storage in localStorage, cross-tab sync, captcha and MFA paths.
 */

/** `SDK_API_CORE_VERSION` (`@dynamic-labs/sdk-api-core`) and the client's own version. */
export const REPLICATED_API_VERSION = '0.0.1125';
export const REPLICATED_SDK_VERSION = '1.27.1';
const DEFAULT_API_BASE_URL = 'https://app.dynamicauth.com/api/v0';
const NONCE_POOL_SIZE = 5;
const NONCE_SIGNATURE_PATH =
  /\/api\/v0\/sdk\/[0-9a-f-]{36}\/(emailVerifications|smsVerifications)\/(verify|signin)$/;

/** The error the SDK throws for a non-2xx answer with a JSON `{error, code}` body. */
export class ReplicaApiError extends Error {
  override readonly name = 'APIError';
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly payload?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** `{ email, verificationUUID }`, as `sendEmailOTP` returns it. */
export interface OtpVerification {
  email: string;
  verificationUUID: string;
}

export interface StepUpCredential {
  id: string;
  format: string;
  type?: string;
  alias?: string;
}

export interface StepUpCheckResult {
  isRequired: boolean;
  credentials: StepUpCredential[];
  defaultCredentialId?: string;
}

/** The part of the SDK's `VerifyResponse` the demo reads. */
export interface VerifyResponse {
  user: { id: string; email?: string; metadata?: Record<string, unknown> } & Record<string, unknown>;
  minifiedJwt?: string;
  expiresAt: number;
  elevatedAccessToken?: string;
}

interface StoredElevatedToken {
  expiresAt: Date;
  scopes: string[];
  singleUse: boolean;
  token: string;
}

/** `randomString({length})`: A–Z, a–z, 0–9. */
function randomString(length: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += chars[byte % chars.length];
  return out;
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `compressRawPublicKey`: 0x02 | (y & 1), then x. */
function compressRawPublicKey(raw: ArrayBuffer): ArrayBuffer {
  const bytes = new Uint8Array(raw);
  const compressed = bytes.slice(0, (1 + bytes.byteLength) >>> 1);
  compressed[0] = 2 | ((bytes[bytes.byteLength - 1] ?? 0) & 1);
  return compressed.buffer;
}

/** One keychain entry (`createKeychainService().generateKey`). */
async function generateKey(): Promise<{ privateKey: CryptoKey; publicKeyHex: string }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const raw = await crypto.subtle.exportKey('raw', pair.publicKey);
  return { privateKey: pair.privateKey, publicKeyHex: hex(compressRawPublicKey(raw)) };
}

async function signHex(key: CryptoKey, message: string): Promise<string> {
  const data = new TextEncoder().encode(message);
  return hex(await crypto.subtle.sign({ hash: { name: 'SHA-256' }, name: 'ECDSA' }, key, data));
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  const parsed: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

/** `parseElevatedAccessToken`: null without scopes or exp, or when expired. */
function parseElevatedAccessToken(token: string): StoredElevatedToken | null {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwtPayload(token);
  } catch {
    return null;
  }
  const scopes = (typeof payload['scope'] === 'string' ? payload['scope'].split(' ') : []).filter(
    (s) => s.length > 0,
  );
  if (scopes.length === 0 || typeof payload['exp'] !== 'number') return null;
  const expiresAt = new Date(payload['exp'] * 1000);
  if (expiresAt <= new Date()) return null;
  return { expiresAt, scopes, singleUse: payload['singleUse'] === true, token };
}

const normalizeScopes = (scopes: string[]): string =>
  [...new Set(scopes)].sort((a, b) => a.localeCompare(b)).join(' ');

/** Options of {@link createReplicaClient}. */
export interface ReplicaClientOptions {
  environmentId: string;
  /** `coreConfig.apiBaseUrl`; default `https://app.dynamicauth.com/api/v0`. */
  apiBaseUrl?: string;
}

/** A replica client: the SDK's state for one environment, and the calls the demo uses. */
export class ReplicaClient {
  readonly environmentId: string;
  readonly apiBaseUrl: string;
  /** `core.sdkSessionId`: `randomString({length: 32})`, once per client. */
  readonly sdkSessionId = randomString(32);
  token: string | null = null;
  user: VerifyResponse['user'] | null = null;
  sessionExpiresAt: Date | null = null;
  private elevatedAccessTokens: StoredElevatedToken[] = [];
  private sessionKey: { privateKey: CryptoKey; publicKeyHex: string } | null = null;
  private deviceKey: { privateKey: CryptoKey; publicKeyHex: string } | null = null;
  private noncePool: string[] = [];
  private nonceFetch: Promise<void> | null = null;
  private initialized: Promise<void> | null = null;

  constructor(options: ReplicaClientOptions) {
    this.environmentId = options.environmentId;
    this.apiBaseUrl = options.apiBaseUrl ?? DEFAULT_API_BASE_URL;
  }

  /** `initializeClient`: project settings, then session keys and the nonce pool. */
  initialize(): Promise<void> {
    this.initialized ??= (async () => {
      await this.request('GET', 'settings', {
        query: `sdkVersion=${encodeURIComponent(`ClientSDK/${REPLICATED_SDK_VERSION}`)}`,
        credentials: 'omit',
      });
      await Promise.all([generateKey().then((key) => (this.sessionKey = key)), this.fetchAndStoreNonces()]);
    })();
    return this.initialized;
  }

  /** `createBaseApiClient` + the runtime's `createFetchParams`: every header the SDK sets, then the call. */
  private async request(
    method: string,
    path: string,
    options: {
      body?: unknown;
      query?: string;
      elevatedAccessTokenScope?: string;
      headers?: Record<string, string>;
      credentials?: RequestCredentials;
    } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'x-dyn-api-version': `API/${REPLICATED_API_VERSION}`,
      'x-dynamic-platform': 'web',
      'x-dyn-request-id': randomString(50),
      'x-dyn-session-id': this.sdkSessionId,
      'x-dyn-version': `ClientSDK/${REPLICATED_SDK_VERSION}`,
      ...options.headers,
    };
    if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
    if (options.elevatedAccessTokenScope) {
      const elevated = this.getElevatedAccessToken(options.elevatedAccessTokenScope);
      if (elevated) headers['x-dyn-elevated-access-token'] = elevated;
    }
    if (this.sessionKey) headers['x-dyn-session-public-key'] = this.sessionKey.publicKeyHex;
    let url = `${this.apiBaseUrl}/sdk/${encodeURIComponent(this.environmentId)}/${path}`;
    if (options.query) url += `?${options.query}`;
    // `createDeviceSignatureHeadersMiddleware` (non-cookie environments).
    if (NONCE_SIGNATURE_PATH.test(url)) Object.assign(headers, await this.deviceSignatureHeaders());
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    if (options.credentials) init.credentials = options.credentials;
    const response = await fetch(url, init);
    if (response.status >= 400) {
      let body: unknown;
      try {
        body = await response.clone().json();
      } catch {
        body = undefined;
      }
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      if (typeof fields['error'] === 'string') {
        const payload =
          typeof fields['payload'] === 'object' && fields['payload'] !== null
            ? (fields['payload'] as Record<string, unknown>)
            : undefined;
        throw new ReplicaApiError(
          fields['error'],
          typeof fields['code'] === 'string' ? fields['code'] : 'unknown_error',
          response.status,
          payload,
        );
      }
      throw new ReplicaApiError(`HTTP ${response.status}`, 'unknown_error', response.status);
    }
    if (response.status === 204) return undefined;
    return response.json();
  }

  /** `getHeadersForNonceSignedByDeviceSigners`. */
  private async deviceSignatureHeaders(): Promise<Record<string, string>> {
    this.deviceKey ??= await generateKey();
    const nonce = await this.getNonce();
    return {
      'x-dynamic-device-nonce': nonce,
      'x-dynamic-device-publickey': this.deviceKey.publicKeyHex,
      'x-dynamic-device-signed-nonce': await signHex(this.deviceKey.privateKey, nonce),
    };
  }

  /** `fetchAndStoreNonces` (one request in flight at a time). */
  private fetchAndStoreNonces(): Promise<void> {
    this.nonceFetch ??= this.request('GET', 'nonces', { query: `count=${NONCE_POOL_SIZE}` })
      .then((body) => {
        const nonces = (body as { nonces?: unknown }).nonces;
        if (Array.isArray(nonces))
          this.noncePool.push(...nonces.filter((n): n is string => typeof n === 'string'));
      })
      .finally(() => (this.nonceFetch = null));
    return this.nonceFetch;
  }

  /** `getNonce`: pops one; refills in the background when one or none is left. */
  private async getNonce(): Promise<string> {
    const nonce = this.noncePool.shift();
    if (nonce === undefined) {
      await this.fetchAndStoreNonces();
      return this.getNonce();
    }
    if (this.noncePool.length <= 1) void this.fetchAndStoreNonces().catch(() => undefined);
    return nonce;
  }

  /** `getElevatedAccessToken({scope, consume})`. */
  getElevatedAccessToken(scope: string, consume = true): string | undefined {
    const now = new Date();
    this.elevatedAccessTokens = this.elevatedAccessTokens.filter((t) => t.expiresAt > now);
    const token = this.elevatedAccessTokens.find((t) => t.scopes.includes(scope));
    if (!token) return undefined;
    if (consume && token.singleUse)
      this.elevatedAccessTokens = this.elevatedAccessTokens.filter((t) => t !== token);
    return token.token;
  }

  /** `updateAuthFromVerifyResponse`. */
  private updateAuth(response: VerifyResponse): void {
    this.user = response.user;
    this.token = response.minifiedJwt ?? null;
    this.sessionExpiresAt = new Date(response.expiresAt * 1000);
    if (response.elevatedAccessToken) {
      const parsed = parseElevatedAccessToken(response.elevatedAccessToken);
      if (parsed) {
        const key = normalizeScopes(parsed.scopes);
        this.elevatedAccessTokens = [
          ...this.elevatedAccessTokens.filter((t) => normalizeScopes(t.scopes) !== key),
          parsed,
        ];
      }
    }
  }

  /** `checkStepUpAuth({scope})`. */
  async checkStepUpAuth(scope: string): Promise<StepUpCheckResult> {
    if (this.getElevatedAccessToken(scope, false)) return { credentials: [], isRequired: false };
    try {
      const response = (await this.request('POST', 'stepUp/check', { body: { scope } })) as StepUpCheckResult;
      const result: StepUpCheckResult = {
        credentials: response.credentials ?? [],
        isRequired: response.isRequired,
      };
      if (response.defaultCredentialId !== undefined)
        result.defaultCredentialId = response.defaultCredentialId;
      return result;
    } catch {
      return { credentials: [], isRequired: true };
    }
  }

  /** `sendEmailOTP({email})`. */
  async sendEmailOTP(email: string): Promise<OtpVerification> {
    const response = (await this.request('POST', 'emailVerifications/create', { body: { email } })) as {
      verificationUUID: string;
    };
    return { email, verificationUUID: response.verificationUUID };
  }

  /** `verifyOTP({otpVerification, verificationToken, requestedScopes})`. */
  async verifyOTP(
    otpVerification: OtpVerification,
    verificationToken: string,
    requestedScopes?: string[],
  ): Promise<VerifyResponse> {
    let response: VerifyResponse;
    if (this.user) {
      const body: Record<string, unknown> = {
        verificationUUID: otpVerification.verificationUUID,
        verificationToken,
      };
      if (requestedScopes) body['requestedScopes'] = requestedScopes;
      response = (await this.request('POST', 'emailVerifications/verify', { body })) as VerifyResponse;
    } else {
      response = (await this.request('POST', 'emailVerifications/signin', {
        body: { verificationUUID: otpVerification.verificationUUID, verificationToken },
      })) as VerifyResponse;
    }
    this.updateAuth(response);
    return response;
  }

  /**
   * `createApiClient({elevatedAccessTokenScope: 'wallet:export'}).exportPrivateKey(…)`; with `token`,
   * `createApiClient({headers: {'x-dyn-elevated-access-token': token}})` instead (an app passing a token it kept).
   */
  exportPrivateKey(
    walletId: string,
    exportId: string,
    token?: string,
  ): Promise<{ roomId: string; serverKeygenIds?: string[] }> {
    return this.request('POST', `waas/${encodeURIComponent(walletId)}/privateKey/export`, {
      body: { exportId },
      ...(token === undefined
        ? { elevatedAccessTokenScope: 'wallet:export' }
        : { headers: { 'x-dyn-elevated-access-token': token } }),
    }) as Promise<{ roomId: string; serverKeygenIds?: string[] }>;
  }

  /** `createApiClient({elevatedAccessTokenScope: 'wallet:sign'}).signMessage(…)`. */
  signMessage(walletId: string, message: string): Promise<{ roomId: string }> {
    return this.request('POST', `waas/${encodeURIComponent(walletId)}/signMessage`, {
      body: { message },
      elevatedAccessTokenScope: 'wallet:sign',
    }) as Promise<{ roomId: string }>;
  }

  /**
   * `logout()` → `logoutWithReason({reason: 'user-intent'})`: revoke (best effort), forget the session, the
   * session key and the elevated tokens, then fetch the project settings again and make a new session key.
   */
  async logout(): Promise<void> {
    if (this.user) {
      await this.request('POST', 'revoke', { headers: { 'x-dyn-logout-reason': 'user-intent' } }).catch(
        () => undefined,
      );
    }
    this.user = null;
    this.token = null;
    this.sessionExpiresAt = null;
    this.elevatedAccessTokens = [];
    this.sessionKey = null;
    await Promise.all([
      this.request('GET', 'settings', {
        query: `sdkVersion=${encodeURIComponent(`ClientSDK/${REPLICATED_SDK_VERSION}`)}`,
        credentials: 'omit',
      }).catch(() => undefined),
      generateKey().then((key) => (this.sessionKey = key)),
    ]);
  }
}
