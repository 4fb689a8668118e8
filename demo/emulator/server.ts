/**
 * A local emulator of Prelude's Session API (`https://<domain>/v1/session/*`), faithful enough for the real
 * `@prelude.so/js-sdk@0.6.0` to log in, refresh, step up and log out against it, in the spirit of the
 * Firebase Auth emulator. See docs/emulator.md.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminRoutes } from './admin-routes.ts';
import { generateCertificate } from './cert.ts';
import { demoStepUpConfig, type StepUpConfig } from './config.ts';
import { Engine } from './context.ts';
import { corsHeaders, preflightHeaders } from './cors.ts';
import { ApiError } from './errors.ts';
import { FaultStore, type FaultControl } from './faults.ts';
import { parseCookies, parseJsonBody, readBody, type EmulatorRequest, type HandlerResult } from './http.ts';
import { loginRoutes } from './login-routes.ts';
import type { OtpMessage } from './otp.ts';
import { record, redact, type RecordedRequest } from './recorder.ts';
import { matchRoute, type Route } from './router.ts';
import { sessionRoutes } from './session-routes.ts';
import { stepUpRoutes } from './stepup-routes.ts';
import { TokenSigner } from './tokens.ts';
import { BuiltinAppKey } from './verification-token.ts';

export type { OtpMessage } from './otp.ts';
export type { RecordedRequest } from './recorder.ts';
export type { ActiveFault, Fault, FaultControl, FaultKind } from './faults.ts';
export type { AllowedScope, GrantMode, StepDefinition, StepUpConfig, StepUpDecision } from './config.ts';
export { demoStepUpConfig } from './config.ts';
export type { ErrorCode, ErrorBody } from './errors.ts';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on; default 8443; 0 picks a free port. */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** The domain the SDK is given (`new PrldSessionClient({ domain })`); tokens' `iss` is `https://<domain>`. */
  domain?: string;
  /** The app id, used in cookie names and as the access token `aud`; default `demo`. */
  appId?: string;
  /** Every OTP code is this when set (tests); otherwise random 6 digits. */
  fixedOtp?: string;
  /** Step-up configuration; default {@link demoStepUpConfig}`()`. */
  config?: StepUpConfig;
  /** No console output. */
  quiet?: boolean;
  /** Epoch-ms clock, for tests. */
  now?: () => number;
  /** Put `cnf.jkt` in access tokens; default false (no evidence Prelude does). */
  bindAccessTokens?: boolean;
  /** Revoke the session when a rotated refresh token is reused; default true. */
  revokeOnRefreshReuse?: boolean;
  /** Certificate generator preference; default openssl with a built-in fallback. */
  certificate?: 'openssl' | 'builtin';
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Where it listens, e.g. `https://127.0.0.1:8443`. */
  url: string;
  port: number;
  domain: string;
  /** `https://<domain>/v1/session`, as the SDK sees it. */
  apiBase: string;
  /** Live array of every OTP "sent". */
  inbox: OtpMessage[];
  /** Live array of every Session API request served. */
  requests: RecordedRequest[];
  faults: FaultControl;
  config: StepUpConfig;
  /** The generated certificate (PEM). */
  certPem: string;
  /** base64 SHA-256 of the certificate's SPKI, for `--ignore-certificate-errors-spki-list`. */
  certSpkiHash: string;
  close(): Promise<void>;
  /** Forgets users (the seeded one comes back), sessions, challenges, inbox, requests and faults. */
  reset(): void;
}

const DEFAULTS = {
  port: 8443,
  host: '127.0.0.1',
  domain: 'demo.session.prelude.dev',
  appId: 'demo',
} as const;

/** Starts the emulator. Resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const now = options.now ?? Date.now;
  const domain = (options.domain ?? DEFAULTS.domain).toLowerCase();
  const appId = options.appId ?? DEFAULTS.appId;
  const quiet = options.quiet ?? false;
  const config = options.config ?? demoStepUpConfig();
  const say = (line: string): void => {
    if (!quiet) console.log(line);
  };
  const inbox: OtpMessage[] = [];
  const requests: RecordedRequest[] = [];
  const faults = new FaultStore();
  const [certificate, signer, appKey] = await Promise.all([
    generateCertificate(domain, options.certificate ? { prefer: options.certificate } : {}),
    TokenSigner.create(now),
    BuiltinAppKey.create(),
  ]);
  const engine = new Engine(
    {
      domain,
      appId,
      now,
      ...(options.fixedOtp !== undefined ? { fixedOtp: options.fixedOtp } : {}),
      bindAccessTokens: options.bindAccessTokens ?? false,
      revokeOnRefreshReuse: options.revokeOnRefreshReuse ?? true,
      log: (line) => say(`  · ${line}`),
      announceOtp: (m) => {
        const what = m.purpose === 'stepup' ? `stepup ${m.scope ?? ''}`.trim() : 'login';
        say(`\n  >>> OTP for ${m.to} (${what}): ${m.code}  [${m.channel}]\n`);
      },
    },
    signer,
    appKey,
    config,
    faults,
    inbox,
  );

  let handleInfo: () => Record<string, unknown> = () => ({});
  const reset = (): void => {
    engine.reset();
    inbox.length = 0;
    requests.length = 0;
    faults.clear();
  };
  const routes: Route[] = [
    ...loginRoutes(engine),
    ...sessionRoutes(engine),
    ...stepUpRoutes(engine),
    ...adminRoutes({
      engine,
      requests,
      inbox,
      faults,
      certPem: certificate.certPem,
      info: () => handleInfo(),
      reset,
    }),
  ];

  const server: Server = createServer({ key: certificate.keyPem, cert: certificate.certPem });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serve({ engine, routes, requests, faults, now, say }, req, res).catch((error: unknown) => {
      say(`  ! emulator bug: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end();
    });
  });
  // Clients that refuse the self-signed certificate, or drop mid-handshake, are not our concern.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_error, socket) => socket.destroy());

  const prune = setInterval(() => engine.state.prune(), 60_000);
  prune.unref();

  const host = options.host ?? DEFAULTS.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const handle: EmulatorHandle = {
    url: `https://${urlHost}:${port}`,
    port,
    domain,
    apiBase: `https://${domain}/v1/session`,
    inbox,
    requests,
    faults,
    config,
    certPem: certificate.certPem,
    certSpkiHash: certificate.spkiHash,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(prune);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  handleInfo = () => ({
    url: handle.url,
    domain,
    apiBase: handle.apiBase,
    appId,
    certificate: certificate.source,
  });
  return handle;
}

interface ServeContext {
  engine: Engine;
  routes: Route[];
  requests: RecordedRequest[];
  faults: FaultStore;
  now: () => number;
  say: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The request target as a URL; an unparsable one becomes `/` (and so a 404). */
function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'https://emulator.invalid');
  } catch {
    return new URL('https://emulator.invalid/');
  }
}

/** A bug in the emulator: logged loudly, answered `internal`. */
function unexpected(ctx: ServeContext, method: string, pathname: string, error: unknown): ApiError {
  ctx.say(`  ! unexpected error on ${method} ${pathname}: ${(error as Error).stack ?? String(error)}`);
  return new ApiError('internal', 'Unexpected emulator error');
}

async function serve(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { engine, faults, now } = ctx;
  const started = now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = parseTarget(req.url);
  const pathname = url.pathname;
  const isAdmin = pathname === '/__emulator' || pathname.startsWith('/__emulator/');
  const requestId = `req_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const entry: RecordedRequest = { at: started, method, path: pathname + url.search, status: 0 };
  const dpop = req.headers.dpop;
  if (typeof dpop === 'string') entry.dpop = dpop;
  if (typeof req.headers.origin === 'string') entry.origin = req.headers.origin;
  const firedFaults: string[] = [];
  const request: EmulatorRequest = {
    method,
    pathname,
    query: url.searchParams,
    headers: req.headers,
    cookies: parseCookies(req.headers.cookie),
    rawBody: '',
    body: undefined,
    params: {},
    remoteAddress: req.socket.remoteAddress ?? '',
    responseHeaders: {},
    setCookies: [],
    firedFaults,
  };

  const finish = (status: number, code?: string): void => {
    entry.status = status;
    if (code !== undefined) entry.code = code;
    entry.durationMs = now() - started;
    if (firedFaults.length > 0) entry.faults = firedFaults;
    if (!isAdmin) record(ctx.requests, entry);
    if (!isAdmin || method !== 'GET')
      ctx.say(
        `${new Date(started).toISOString().slice(11, 19)} ${method} ${entry.path} → ${status}${code ? ` ${code}` : ''}`,
      );
  };

  if (method === 'OPTIONS') {
    req.resume();
    res.writeHead(204, { ...preflightHeaders(req.headers), Date: new Date(now()).toUTCString() });
    res.end();
    finish(204);
    return;
  }

  let status: number;
  let body: unknown;
  let extraHeaders: Record<string, string>;
  let code: string | undefined;
  try {
    if (!isAdmin) {
      const drop = faults.take('network_drop', method, pathname);
      if (drop) {
        firedFaults.push(drop.id);
        req.socket.destroy();
        finish(0, 'network_drop');
        return;
      }
    }
    // The body is read before a delay: a client that gives up during the stall has already sent it, and a real
    // server would still do the work (rotate the refresh token, spend the nonce) for nobody.
    request.rawBody = await readBody(req);
    request.body = parseJsonBody(request.rawBody);
    if (request.body !== undefined) entry.body = redact(request.body);
    else if (request.rawBody !== '') entry.body = request.rawBody.slice(0, 2048);
    if (!isAdmin) {
      const delay = faults.take('delay', method, pathname);
      if (delay) {
        firedFaults.push(delay.id);
        await sleep(delay.ms);
      }
      const expire = faults.take('expire_challenges', method, pathname);
      if (expire) {
        firedFaults.push(expire.id);
        for (const challenge of engine.state.challenges.values()) {
          if (challenge.state === 'pending' || challenge.state === 'completed')
            challenge.expiresAt = Math.min(challenge.expiresAt, now() - 1);
        }
      }
      const injected = faults.take('error', method, pathname);
      if (injected) {
        firedFaults.push(injected.id);
        throw new ApiError(
          injected.code,
          injected.message ?? 'Injected by the emulator (fault)',
          injected.status !== undefined ? { status: injected.status } : {},
        );
      }
    }
    const match = matchRoute(ctx.routes, method, pathname);
    if (!match.found) {
      if (match.allowed.length > 0) {
        throw new ApiError('not_found', `${method} is not allowed on ${pathname}`, {
          status: 405,
          headers: { Allow: match.allowed.join(', ') },
        });
      }
      throw new ApiError('not_found', `No route for ${method} ${pathname}`);
    }
    request.params = match.params;
    const result: HandlerResult = await match.route.handler(request);
    status = result.status ?? (result.body === undefined ? 204 : 200);
    body = result.body;
    extraHeaders = result.headers ?? {};
  } catch (error) {
    const apiError = error instanceof ApiError ? error : unexpected(ctx, method, pathname, error);
    status = apiError.status;
    body = apiError.toBody(requestId);
    extraHeaders = apiError.headers;
    code = apiError.code;
  }

  if (res.destroyed || req.socket.destroyed) {
    // The client gave up (e.g. the SDK's 10 s timeout during a delay): the work is done, nobody hears of it.
    if (body !== undefined) entry.responseBody = body;
    finish(0, 'client_closed');
    return;
  }
  const dropExpose = !isAdmin && faults.take('drop_expose_headers', method, pathname);
  if (dropExpose) firedFaults.push(dropExpose.id);
  const headers: Record<string, string> = {
    ...corsHeaders(req.headers, { exposeHeaders: !dropExpose }),
    'Cache-Control': 'no-store',
    'X-Request-Id': requestId,
    ...request.responseHeaders,
    ...extraHeaders,
    Date: new Date(now()).toUTCString(),
  };
  let payload: string | undefined;
  if (body !== undefined && status !== 204) {
    if (typeof body === 'string' && headers['Content-Type'] !== undefined) payload = body;
    else {
      headers['Content-Type'] = 'application/json; charset=utf-8';
      payload = JSON.stringify(body);
      entry.responseBody = body;
    }
  }
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (request.setCookies.length > 0) res.setHeader('Set-Cookie', request.setCookies);
  // RFC 9110 §8.6: no Content-Length on 204.
  if (payload === undefined && status !== 204) res.setHeader('Content-Length', '0');
  res.end(payload);
  finish(status, code);
}
