/**
 * Test helpers for the emulator: an HTTPS client that trusts the self-signed certificate (Node 20's global
 * fetch cannot be told to) and addresses the emulated domain, DPoP proofs signed with jose the way
 * `@prelude.so/js-sdk@0.6.0` signs them, and a `SdkLikeClient` that replays the SDK's request sequences
 * (nonce dance, refresh-token rotation, challenge proofs).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { EmulatorHandle } from '../../demo/emulator/server.ts';

/** A response, with the body parsed as JSON when possible. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // Tests read arbitrary JSON fields; `any` keeps assertions short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** For {@link SdkLikeClient.sessionCall}: the `use_dpop_nonce` answer, when the call needed the nonce dance. */
  first?: TestResponse;
}

/** Options of {@link call}. */
export interface CallOptions {
  headers?: Record<string, string>;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string | Buffer;
  /** Give up (destroy the request) after this many ms, like the SDK's 10 s timeout. */
  abortAfterMs?: number;
}

/** Sends one request to the emulator as `https://<domain><path>` (Host and SNI set to the domain). */
export function call(
  emu: EmulatorHandle,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = {
    Host: emu.domain,
    Accept: 'application/json',
    ...options.headers,
  };
  let payload: string | Buffer | undefined = options.raw;
  if (payload === undefined && options.body !== undefined) {
    payload = JSON.stringify(options.body);
  }
  if (payload !== undefined && headers['Content-Type'] === undefined)
    headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emu.port,
        servername: emu.domain,
        rejectUnauthorized: false,
        agent: false,
        method,
        path,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.abortAfterMs !== undefined) {
      const timer = setTimeout(
        () => req.destroy(new Error('aborted by the test client')),
        options.abortAfterMs,
      );
      req.on('close', () => clearTimeout(timer));
    }
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A device key, like the SDK's non-extractable ECDSA P-256 key. */
export class DeviceKey {
  private constructor(
    readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly thumbprint: string,
    readonly alg: string,
  ) {}

  static async create(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256'): Promise<DeviceKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const publicJwk = await exportJWK(publicKey);
    return new DeviceKey(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk), alg);
  }

  /** A proof as the SDK makes it (`{typ, alg, jwk}` / `{jti, htm, htu, iat, nonce?}`), with overrides. */
  proof(
    claims: { htm: string; htu: string; nonce?: string; jti?: string; iat?: number },
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const payload: Record<string, unknown> = {
      jti: claims.jti ?? crypto.randomUUID(),
      htm: claims.htm,
      htu: claims.htu,
      iat: claims.iat ?? Math.floor(Date.now() / 1000),
    };
    if (claims.nonce !== undefined) payload.nonce = claims.nonce;
    return new SignJWT(payload)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.alg, jwk: this.publicJwk, ...header })
      .sign(this.privateKey);
  }
}

/** Replays the SDK's request sequences against the emulator. */
export class SdkLikeClient {
  nonce: string | undefined;
  refreshToken: string | undefined;
  accessToken: string | undefined;
  cookies: Record<string, string> = {};
  /** The client's clock (epoch ms) for proof `iat`s; tests with a fake emulator clock set it too. */
  now: () => number = Date.now;

  private constructor(
    readonly emu: EmulatorHandle,
    readonly key: DeviceKey,
  ) {}

  static async create(emu: EmulatorHandle): Promise<SdkLikeClient> {
    return new SdkLikeClient(emu, await DeviceKey.create());
  }

  /** `https://<domain>/v1/session<path>`. */
  url(path: string): string {
    return `${this.emu.apiBase}${path}`;
  }

  /** A request with the client's cookies, remembering cookies the response sets. */
  async send(method: string, path: string, options: CallOptions = {}): Promise<TestResponse> {
    const cookieHeader = Object.entries(this.cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const headers = { ...(cookieHeader ? { Cookie: cookieHeader } : {}), ...options.headers };
    const res = await call(this.emu, method, `/v1/session${path}`, { ...options, headers });
    for (const setCookie of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair = ''] = setCookie.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (/Max-Age=0/.test(setCookie)) delete this.cookies[name];
      else this.cookies[name] = value;
    }
    return res;
  }

  /** The SDK's `dpopMiddleware`: sign with the stored nonce, retry once on `use_dpop_nonce`, store nonce and rotated refresh token. */
  async sessionCall(method: string, path: string, options: CallOptions = {}): Promise<TestResponse> {
    const attempt = async (nonce: string | undefined): Promise<TestResponse> => {
      const iat = Math.floor(this.now() / 1000);
      const proof = await this.key.proof({
        htm: method,
        htu: this.url(path),
        iat,
        ...(nonce ? { nonce } : {}),
      });
      return this.send(method, path, { ...options, headers: { ...options.headers, DPoP: proof } });
    };
    let res = await attempt(this.nonce);
    if (res.status >= 400 && res.body?.code === 'use_dpop_nonce') {
      const first = res;
      const nonce = res.headers['dpop-nonce'];
      if (typeof nonce !== 'string') throw new Error('use_dpop_nonce without DPoP-Nonce');
      res = { ...(await attempt(nonce)), first };
    }
    this.absorb(res);
    return res;
  }

  /** Stores `DPoP-Nonce` and a rotated refresh token, like the SDK's `We()`. */
  absorb(res: TestResponse): void {
    const nonce = res.headers['dpop-nonce'];
    if (typeof nonce === 'string') this.nonce = nonce;
    const refresh = res.headers['x-refresh-token'];
    if (typeof refresh === 'string') this.refreshToken = refresh;
    if (typeof res.body?.access_token === 'string') this.accessToken = res.body.access_token;
  }

  /** `startOTPLogin` + `checkOTP` with the code from the inbox. */
  async loginWithOtp(phone: string): Promise<TestResponse> {
    const start = await this.send('POST', '/login/otp', {
      body: { identifier: { type: 'phone_number', value: phone } },
    });
    if (start.status !== 204) throw new Error(`login/otp: ${start.status} ${start.text}`);
    const code = this.emu.inbox.filter((m) => m.to === phone && m.purpose === 'login').at(-1)?.code ?? '';
    return this.sessionCall('POST', '/login/otp/check', { body: { code } });
  }

  /** `refresh()`: `/refresh` with `X-Refresh-Token` and optionally `{step_up_token}`. */
  refresh(stepUpToken?: string): Promise<TestResponse> {
    return this.sessionCall('POST', '/refresh', {
      headers: this.refreshToken ? { 'X-Refresh-Token': this.refreshToken } : {},
      ...(stepUpToken === undefined ? {} : { body: { step_up_token: stepUpToken } }),
    });
  }

  /** A Bearer request with the current access token. */
  bearer(method: string, path: string, options: CallOptions = {}): Promise<TestResponse> {
    return this.send(method, path, {
      ...options,
      headers: { Authorization: `Bearer ${this.accessToken ?? ''}`, ...options.headers },
    });
  }

  /** A challenge-proof request (`jti` = the challenge token's `jti`, no nonce), optionally with Bearer. */
  async challengeCall(
    path: string,
    challengeToken: string,
    body: unknown,
    options: { bearer?: boolean; key?: DeviceKey } = {},
  ): Promise<TestResponse> {
    const jti = decodeJwt(challengeToken).jti ?? '';
    const proof = await (options.key ?? this.key).proof({
      htm: 'POST',
      htu: this.url(path),
      jti,
      iat: Math.floor(this.now() / 1000),
    });
    const headers: Record<string, string> = { DPoP: proof };
    if (options.bearer) headers.Authorization = `Bearer ${this.accessToken ?? ''}`;
    return this.send('POST', path, { body, headers });
  }

  /** The latest step-up code sent for `challengeId`. */
  stepUpCode(challengeId: string): string {
    return this.emu.inbox.filter((m) => m.challengeId === challengeId).at(-1)?.code ?? '';
  }
}

/** Decodes a JWT's claims (no verification). */
export function claimsOf(token: string): Record<string, unknown> {
  return decodeJwt(token) as Record<string, unknown>;
}

/** A tiny local HTTP server answering with `handler`, for hooks and JWKS. */
export async function localServer(
  handler: (
    body: unknown,
    path: string,
  ) => { status?: number; body: unknown } | Promise<{ status?: number; body: unknown }>,
): Promise<{ url: string; calls: { path: string; body: unknown }[]; close: () => Promise<void> }> {
  const calls: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      calls.push({ path: req.url ?? '/', body });
      void Promise.resolve(handler(body, req.url ?? '/')).then((answer) => {
        res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
