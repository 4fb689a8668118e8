/**
 * The demo bank's backend: serves the built page (demo/app/dist) and the app's own API on one origin.
 *
 * - `POST /api/transfer`: protected by the single-use `transfer:write` scope. Verifies the Prelude access token
 *   with the emulator's JWKS, then reports consumption to the emulator (`/__emulator/grants/consume`): how a real
 *   app reports consumption to Prelude is undocumented, so the emulator models it.
 * - `POST /api/kyc/complete`: the back office completing the custom `kyc_review` step; mints the RS256
 *   verification token that the page hands to `continueStepUp`.
 * - `GET /.well-known/jwks.json`: the key of those verification tokens (the emulator's `jwks_url`).
 * - `POST /hooks/stepup`: the delegated step-up hook Prelude calls server to server (seed 001's mock answer).
 * - `GET /demo-config.json`: where the page finds the other demo servers (the RFC 9470 API's random port).
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';

/** Where `vite build --config demo/app/vite.config.ts` writes the page. */
export const DEMO_DIST_DIR = fileURLToPath(new URL('./dist', import.meta.url));

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to listen on; `127.0.0.1` by default (the page is opened as `http://localhost:<port>`). */
  host?: string;
  /**
   * The emulator's base URL (`https://127.0.0.1:<port>`), for its JWKS and its grant-consumption endpoint.
   * May be given later with {@link DemoServerHandle.setEmulatorUrl} (the emulator's config needs this server's
   * URL first, for the hook and the JWKS).
   */
  emulatorUrl?: string;
  /** Directory of the built page; {@link DEMO_DIST_DIR} by default. */
  distDir?: string;
  /** No console output. */
  quiet?: boolean;
}

/** What the step-up hook received from Prelude, kept for tests and logs. */
export interface HookCall {
  at: number;
  body: unknown;
  answer: HookAnswer;
}

/** The hook's decision (seed 001's mock API answer). */
export interface HookAnswer {
  status: 'continue' | 'review' | 'block';
  granted_for: number;
  grant_mode: string;
  steps: { order: number; key: string; expiration_duration: number }[];
}

/** A running demo server. */
export interface DemoServerHandle {
  /** `http://localhost:<port>`: a secure context, as the SDK's Web Locks and WebCrypto need. */
  url: string;
  port: number;
  /** Every call the step-up hook received. */
  hookCalls: HookCall[];
  /** Transfers accepted by `POST /api/transfer`. */
  transfers: { transfer_id: string; amount: number; sub: string }[];
  /** Verification tokens minted by `POST /api/kyc/complete` (their `jti`s). */
  mintedVerificationJtis: string[];
  /** Points the API at the emulator once it runs. */
  setEmulatorUrl(url: string): void;
  /**
   * Tells the page (through `GET /demo-config.json`) where the RFC 9470 demo API is
   * (`http://localhost:<port>`), once it runs.
   */
  setRfc9470Url(url: string): void;
  close(): Promise<void>;
}

/** The answer seed 001 configures on its mock hook for `transfer:write`. */
export const HOOK_ANSWER: HookAnswer = {
  status: 'review',
  granted_for: 300,
  grant_mode: 'single-use',
  steps: [{ order: 1, key: 'verify_sms', expiration_duration: 600 }],
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const MAX_BODY_BYTES = 64 * 1024;
const VERIFICATION_TOKEN_TTL_S = 300;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Error `type` family, matching the emulator's vocabulary. */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(
    res,
    err.status,
    { code: err.code, message: err.message, type: errorType(err.status) },
    err.headers,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'bad_request', 'Request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_request', 'Body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'bad_request', 'Body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

interface FetchedJson {
  status: number;
  body: unknown;
}

/**
 * A tiny JSON client for the emulator. It speaks HTTPS with a self-signed certificate made at start-up, so
 * certificate checks are off for these calls only (a real backend would verify Prelude's certificate).
 */
function emulatorCall(url: string, method: 'GET' | 'POST', body?: unknown): Promise<FetchedJson> {
  return new Promise((resolvePromise, reject) => {
    const target = new URL(url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options = {
      method,
      headers: {
        Accept: 'application/json',
        ...(payload !== undefined
          ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }
          : {}),
      },
      timeout: 5000,
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...options, rejectUnauthorized: false })
        : httpRequest(target, options);
    req.on('timeout', () => req.destroy(new Error(`Timed out calling ${target.pathname}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        resolvePromise({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.end(payload);
  });
}

function isJwks(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

/** Verifies emulator-signed JWTs (access tokens, challenge tokens) with its published JWKS. */
class EmulatorKeys {
  private jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  private fetchedAt = 0;

  constructor(private readonly baseUrl: () => string | undefined) {}

  private async load(force: boolean): Promise<ReturnType<typeof createLocalJWKSet>> {
    // Refetch at most once a second, so a flood of bad tokens cannot hammer the emulator.
    if (this.jwks && (!force || Date.now() - this.fetchedAt < 1000)) return this.jwks;
    const base = this.baseUrl();
    if (!base) throw new HttpError(503, 'internal', 'The demo server does not know the emulator URL yet');
    let fetched: FetchedJson;
    try {
      fetched = await emulatorCall(`${base}/.well-known/jwks.json`, 'GET');
    } catch (err) {
      throw new HttpError(502, 'internal', `Cannot fetch the emulator JWKS: ${(err as Error).message}`);
    }
    if (fetched.status !== 200 || !isJwks(fetched.body)) {
      throw new HttpError(502, 'internal', `Unexpected JWKS answer (HTTP ${fetched.status})`);
    }
    this.jwks = createLocalJWKSet(fetched.body);
    this.fetchedAt = Date.now();
    return this.jwks;
  }

  /** Signature and `exp` are checked; `iss`/`aud` are not, since the emulator's values are its own choice. */
  async verify(token: string): Promise<JWTPayload> {
    const attempt = async (force: boolean): Promise<JWTPayload> => {
      const keys = await this.load(force);
      const { payload } = await jwtVerify(token, keys, { algorithms: ['EdDSA', 'ES256', 'RS256'] });
      return payload;
    };
    try {
      return await attempt(false);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      // An unknown `kid` may mean the emulator restarted with a new key: refetch once.
      if ((err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY') {
        try {
          return await attempt(true);
        } catch (retryErr) {
          if (retryErr instanceof HttpError) throw retryErr;
          throw new HttpError(401, 'unauthorized', `Token rejected: ${(retryErr as Error).message}`);
        }
      }
      throw new HttpError(401, 'unauthorized', `Token rejected: ${(err as Error).message}`);
    }
  }
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function scopesOf(payload: JWTPayload): string[] {
  return typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [];
}

/** RFC 6750 §3.1: what a resource server answers when the token lacks the scope. */
function insufficientScope(scope: string, code: string, message: string): HttpError {
  return new HttpError(403, code, message, {
    'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
  });
}

function log(quiet: boolean | undefined, message: string): void {
  if (!quiet) console.log(`[demo-app] ${message}`);
}

/** Summary of what Prelude sent the hook, without secrets (identifiers are demo data). */
function describeHookBody(body: Record<string, unknown>): string {
  const parts = [
    `scope_requested=${JSON.stringify(body['scope_requested'])}`,
    `user_id=${JSON.stringify(body['user_id'])}`,
  ];
  if (body['identifiers'] !== undefined) parts.push(`identifiers=${JSON.stringify(body['identifiers'])}`);
  if (body['metadata'] !== undefined) parts.push(`metadata=${JSON.stringify(body['metadata'])}`);
  return parts.join(' ');
}

/** Starts the demo bank's backend. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServerHandle> {
  const distDir = resolve(options.distDir ?? DEMO_DIST_DIR);
  const quiet = options.quiet;
  let emulatorUrl = options.emulatorUrl?.replace(/\/+$/, '');
  let rfc9470Url: string | undefined;
  const emulatorKeys = new EmulatorKeys(() => emulatorUrl);

  // The key behind this app's verification tokens (custom steps). A fresh one per start: nothing persists.
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const kid = `demo-app-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  const hookCalls: HookCall[] = [];
  const transfers: DemoServerHandle['transfers'] = [];
  const mintedVerificationJtis: string[] = [];

  async function handleTransfer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const scope = 'transfer:write';
    const token = bearerToken(req);
    if (!token) {
      throw new HttpError(401, 'unauthorized', 'Missing Bearer access token', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const body = await readJsonObject(req);
    const amount = body['amount'] === undefined ? 500 : Number(body['amount']);
    if (!Number.isFinite(amount) || amount <= 0 || amount > 1_000_000) {
      throw new HttpError(400, 'bad_request', 'amount must be a positive number up to 1,000,000');
    }
    let claims: JWTPayload;
    try {
      claims = await emulatorKeys.verify(token);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) {
        err.headers['WWW-Authenticate'] =
          `Bearer error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`;
      }
      throw err;
    }
    if (!scopesOf(claims).includes(scope)) {
      throw insufficientScope(scope, 'insufficient_scope', `The access token does not carry ${scope}`);
    }
    // Single-use grant: the emulator (standing in for Prelude) decides whether this token may still use it.
    let consumed: FetchedJson;
    try {
      consumed = await emulatorCall(`${emulatorUrl}/__emulator/grants/consume`, 'POST', {
        access_token: token,
        scope,
      });
    } catch (err) {
      throw new HttpError(502, 'internal', `Cannot reach the emulator: ${(err as Error).message}`);
    }
    if (consumed.status !== 200) {
      const e = (consumed.body ?? {}) as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : 'insufficient_scope';
      const message = typeof e.message === 'string' ? e.message : `The ${scope} grant cannot be used`;
      throw insufficientScope(scope, code, message);
    }
    const result = { transfer_id: `tr_${randomUUID().replace(/-/g, '').slice(0, 12)}`, amount };
    transfers.push({ ...result, sub: String(claims.sub ?? '') });
    log(quiet, `transfer ${result.transfer_id} of ${amount} accepted for ${String(claims.sub)}`);
    sendJson(res, 200, result);
  }

  async function handleKycComplete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const challengeToken = body['challenge_token'];
    if (typeof challengeToken !== 'string' || challengeToken.split('.').length !== 3) {
      throw new HttpError(400, 'missing_challenge_token', 'challenge_token (a JWT) is required');
    }
    // The challenge token comes from the browser: check that Prelude (the emulator) really signed it.
    const challenge = await emulatorKeys.verify(challengeToken).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 401) {
        throw new HttpError(400, 'invalid_challenge_token', err.message);
      }
      throw err;
    });
    const challengeId = challenge['challenge_id'];
    const currentStep = challenge['current_step'];
    if (
      typeof challengeId !== 'string' ||
      typeof currentStep !== 'string' ||
      typeof challenge.sub !== 'string'
    ) {
      throw new HttpError(400, 'invalid_challenge_token', 'Not a step-up challenge token');
    }
    if (currentStep !== 'kyc_review') {
      throw new HttpError(409, 'step_not_found', `The challenge is at ${currentStep}, not at kyc_review`);
    }
    // When the page sends its access token, the reviewer must be the challenged user.
    const access = bearerToken(req);
    if (access) {
      const user = await emulatorKeys.verify(access);
      if (user.sub !== challenge.sub)
        throw new HttpError(403, 'forbidden', 'The challenge belongs to another user');
    }
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const verificationToken = await new SignJWT({
      challenge_id: challengeId,
      key: currentStep,
      status: 'completed',
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setSubject(challenge.sub)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + VERIFICATION_TOKEN_TTL_S)
      .setJti(jti)
      .sign(privateKey as CryptoKey);
    mintedVerificationJtis.push(jti);
    log(quiet, `kyc_review completed for challenge ${challengeId}: verification token minted (kid ${kid})`);
    sendJson(res, 200, { verification_token: verificationToken });
  }

  async function handleHook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const answer = HOOK_ANSWER;
    hookCalls.push({ at: Date.now(), body, answer });
    log(
      quiet,
      `step-up hook called: ${describeHookBody(body)} → ${answer.status}, ${answer.steps.map((s) => s.key).join(', ')}`,
    );
    sendJson(res, 200, answer);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      throw new HttpError(400, 'bad_request', 'Bad path encoding');
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
    let file = join(distDir, relative);
    if (file !== distDir && !file.startsWith(distDir + sep))
      throw new HttpError(404, 'not_found', 'Not found');
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info && extname(relative) === '') {
      // Client-side routes fall back to the page itself.
      file = join(distDir, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) {
      if (!(await stat(join(distDir, 'index.html')).catch(() => undefined))) {
        throw new HttpError(
          503,
          'internal',
          `The demo page is not built: run npx vite build --config demo/app/vite.config.ts`,
        );
      }
      throw new HttpError(404, 'not_found', 'Not found');
    }
    const data = await readFile(file);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': data.length,
      // Rebuilt often during development: never let a stale bundle linger.
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/api/transfer') {
      if (method !== 'POST') throw new HttpError(405, 'bad_request', 'Use POST', { Allow: 'POST' });
      return handleTransfer(req, res);
    }
    if (pathname === '/api/kyc/complete') {
      if (method !== 'POST') throw new HttpError(405, 'bad_request', 'Use POST', { Allow: 'POST' });
      return handleKycComplete(req, res);
    }
    if (pathname === '/hooks/stepup') {
      if (method !== 'POST') throw new HttpError(405, 'bad_request', 'Use POST', { Allow: 'POST' });
      return handleHook(req, res);
    }
    if (pathname === '/demo-config.json') {
      return sendJson(res, 200, { rfc9470Url: rfc9470Url ?? null }, { 'Cache-Control': 'no-store' });
    }
    if (pathname === '/.well-known/jwks.json') {
      return sendJson(res, 200, { keys: [publicJwk] }, { 'Access-Control-Allow-Origin': '*' });
    }
    if (pathname.startsWith('/api/')) throw new HttpError(404, 'not_found', `No API at ${pathname}`);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'bad_request', 'Method not allowed');
    return serveStatic(req, res, pathname);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const httpErr =
        err instanceof HttpError
          ? err
          : new HttpError(500, 'internal', `Internal error: ${(err as Error)?.message ?? String(err)}`);
      if (!(err instanceof HttpError))
        log(quiet, `error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, httpErr);
    });
  });
  // Keep-alive sockets would hold close() open; the demo has no use for long-lived idle connections.
  server.keepAliveTimeout = 1000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `Port ${options.port} is already in use: the demo server cannot start there (pick another port).`,
            )
          : err,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  log(quiet, `listening on ${url} (page from ${distDir})`);

  return {
    url,
    port,
    hookCalls,
    transfers,
    mintedVerificationJtis,
    setEmulatorUrl(next: string) {
      emulatorUrl = next.replace(/\/+$/, '');
    },
    setRfc9470Url(next: string) {
      rfc9470Url = next.replace(/\/+$/, '');
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
