/**
 * A local emulator of Dynamic's SDK API (`https://app.dynamicauth.com/api/v0/sdk/{environmentId}/…`), enough for
 * the real `@dynamic-labs-sdk/client` 1.27.1 to start, sign in by e-mail OTP and step up:
 * `checkStepUpAuth` → `sendEmailOTP` → `verifyOTP({ requestedScopes })` → a protected call carrying the elevated
 * access token in `x-dyn-elevated-access-token`. Single-use tokens are spent by the protected call. See
 * docs/emulator.md ("Dynamic SDK API emulator").
 *
 * HTTPS (the SDK's base URL is `https://app.dynamicauth.com/api/v0`): Chromium maps the host to this server with
 * `--host-resolver-rules`. Admin endpoints live under `/__dynamic/…`, outside the SDK's path.
 */
import { createPublicKey, randomBytes, randomInt, randomUUID, verify as verifySignature } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateCertificate } from '../emulator/cert.ts';
import { corsHeaders, preflightHeaders } from '../emulator/cors.ts';
import {
  DEFAULT_SINGLE_USE_SCOPES,
  DEMO_ENVIRONMENT_ID,
  DYNAMIC_API_HOST,
  DYNAMIC_LOGS_HOST,
  LIFETIMES,
  MAX_VERIFICATION_ATTEMPTS,
  SDK_PATH_PREFIX,
  TOKEN_SCOPES,
  isTokenScope,
  type TokenScope,
} from './config.ts';
import { DynamicSigner, type ElevatedClaims, type SessionClaims } from './tokens.ts';

export { DEMO_DYNAMIC_EMAIL, DEMO_ENVIRONMENT_ID, DYNAMIC_API_HOST, DYNAMIC_LOGS_HOST } from './config.ts';

/** Options of {@link startDynamicEmulator}. */
export interface DynamicEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default {@link DEMO_ENVIRONMENT_ID}. */
  environmentId?: string;
  /** Every e-mail code is this (tests); otherwise random 6 digits. */
  fixedOtp?: string;
  /** Scopes whose elevated token is single-use; default {@link DEFAULT_SINGLE_USE_SCOPES}. */
  singleUseScopes?: readonly string[];
  /** Epoch-ms clock, for tests. */
  now?: () => number;
  quiet?: boolean;
  certificate?: 'openssl' | 'builtin';
}

/** An e-mail code the emulator "sent" (same shape as the Prelude emulator's inbox, so OtpReader works). */
export interface DynamicInboxMessage {
  at: number;
  to: string;
  channel: 'email';
  code: string;
  /** `login` when sent to a signed-out caller (sign-in), `stepup` when the caller has a session. */
  purpose: 'login' | 'stepup';
  verificationUUID: string;
}

/** One served SDK API request. */
export interface DynamicRecordedRequest {
  at: number;
  method: string;
  /** Path with query. */
  path: string;
  /** Which host the client asked for (`app.dynamicauth.com`, `logs.dynamicauth.com`). */
  host: string;
  status: number;
  code?: string;
  /** Every `x-dyn-*` / `x-dynamic-*` request header, plus `authorization`. */
  headers: Record<string, string>;
  body?: unknown;
  responseBody?: unknown;
  origin?: string;
  /** For requests carrying the device headers: whether the nonce signature verified. */
  deviceSignature?: 'valid' | 'invalid';
}

/** A user of the emulated environment. */
export interface DynamicUser {
  id: string;
  email: string;
  /** The id of the user's e-mail verified credential. */
  emailCredentialId: string;
  /** The user's embedded wallet (a server-side id only: no MPC here). */
  walletId: string;
  walletAddress: string;
  createdAt: number;
}

interface SessionRecord {
  sid: string;
  userId: string;
  expiresAt: number;
  revoked: boolean;
}

interface VerificationRecord {
  uuid: string;
  email: string;
  code: string;
  expiresAt: number;
  attempts: number;
  used: boolean;
  /** The session that asked for it (step-up), if any. */
  sid?: string;
}

interface ElevatedRecord {
  jti: string;
  userId: string;
  sid: string;
  scopes: string[];
  singleUse: boolean;
  exp: number;
  /** When a single-use token was spent, and on what. */
  usedAt?: number;
  usedOn?: string;
}

/** A running emulator. */
export interface DynamicEmulatorHandle {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  port: number;
  environmentId: string;
  /** `https://app.dynamicauth.com/api/v0/sdk/<environmentId>`, as the SDK builds it. */
  apiBase: string;
  inbox: DynamicInboxMessage[];
  requests: DynamicRecordedRequest[];
  /** Instrumentation batches the SDK posted to `logs.dynamicauth.com` (when that host is mapped here too). */
  telemetry: unknown[];
  users(): DynamicUser[];
  /** Elevated tokens issued so far (jti, scopes, single-use, spent or not). */
  elevatedTokens(): ElevatedRecord[];
  /** Signs in `email` without a code (seeded session): what `emailVerifications/signin` would answer. */
  seedSession(email: string): Promise<{ token: string; user: DynamicUser; expiresAt: number }>;
  /** Mints an elevated token for a session JWT, as `emailVerifications/verify` would. */
  mintElevatedToken(sessionJwt: string, scopes: string[]): Promise<string>;
  jwks(): { keys: unknown[] };
  certPem: string;
  reset(): void;
  close(): Promise<void>;
}

class DynError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly payload?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** Dynamic's error body: `{error, code, payload?}` (read by the SDK's `APIError.fromResponse`). */
  body(): Record<string, unknown> {
    return { error: this.message, code: this.code, ...(this.payload ? { payload: this.payload } : {}) };
  }
}

const MAX_BODY_BYTES = 256 * 1024;
const MAX_RECORDED = 5_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID_SEGMENT = /^[0-9a-f-]{36}$/;
/** SPKI DER prefix of a compressed P-256 point (the SDK sends keys as compressed hex). */
const P256_COMPRESSED_SPKI_PREFIX = Buffer.from(
  '3039301306072a8648ce3d020106082a8648ce3d030107032200',
  'hex',
);

interface Request {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  params: Record<string, string>;
  entry: DynamicRecordedRequest;
}

interface Result {
  status?: number;
  body?: unknown;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function objectBody(req: Request): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
    throw new DynError(400, 'bad_request', 'Request body must be a JSON object');
  return req.body as Record<string, unknown>;
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new DynError(400, 'bad_request', `${name} is required`);
  return value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new DynError(413, 'bad_request', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The project settings the SDK fetches at start-up: the fields its generated model requires, no wallets. */
function projectSettings(environmentId: string): Record<string, unknown> {
  return {
    environmentName: 'sandbox',
    chains: [],
    kyc: [{ name: 'email', required: true, enabled: true, unique: true, verify: true }],
    design: {},
    general: { displayName: 'Northwind Wallet (Dynamic emulator)', environmentId },
    privacy: { collectIp: false },
    providers: [],
    sdk: {
      emailSignIn: { signInProvider: 'dynamic' },
      confirmWalletTransfers: false,
      embeddedWallets: { enabled: false },
    },
    security: {
      auth: { storage: ['localstorage'] },
      mfa: { enabled: false, required: false, methods: [] },
    },
    networks: [],
  };
}

function sdkUser(user: DynamicUser, environmentId: string, sid: string): Record<string, unknown> {
  return {
    id: user.id,
    projectEnvironmentId: environmentId,
    sessionId: sid,
    email: user.email,
    newUser: false,
    firstVisit: new Date(user.createdAt).toISOString(),
    lastVisit: new Date().toISOString(),
    lastVerifiedCredentialId: user.emailCredentialId,
    scope: 'user:basic',
    verifiedCredentials: [
      {
        id: user.emailCredentialId,
        format: 'email',
        email: user.email,
        public_identifier: user.email,
        signInEnabled: true,
      },
    ],
    // [DEMO] Where the demo page finds the user's wallet: a real user's embedded wallet is a `blockchain`
    // verified credential, which would make the SDK start its WaaS iframe (not emulated).
    metadata: { walletId: user.walletId, walletAddress: user.walletAddress },
    missingFields: [],
    lists: [],
  };
}

/** Starts the emulator. Resolves once it listens. */
export async function startDynamicEmulator(
  options: DynamicEmulatorOptions = {},
): Promise<DynamicEmulatorHandle> {
  const now = options.now ?? Date.now;
  const environmentId = options.environmentId ?? DEMO_ENVIRONMENT_ID;
  const singleUseScopes = new Set(options.singleUseScopes ?? DEFAULT_SINGLE_USE_SCOPES);
  const quiet = options.quiet ?? false;
  const say = (line: string): void => {
    if (!quiet) console.log(line);
  };
  const issuer = `${DYNAMIC_API_HOST}/${environmentId}`;
  const [certificate, signer] = await Promise.all([
    generateCertificate(DYNAMIC_API_HOST, options.certificate ? { prefer: options.certificate } : {}),
    DynamicSigner.create(now),
  ]);

  const inbox: DynamicInboxMessage[] = [];
  const requests: DynamicRecordedRequest[] = [];
  const telemetry: unknown[] = [];
  const users = new Map<string, DynamicUser>();
  const sessions = new Map<string, SessionRecord>();
  const verifications = new Map<string, VerificationRecord>();
  const elevated = new Map<string, ElevatedRecord>();
  const nonces = new Map<string, { expiresAt: number; used: boolean }>();

  const reset = (): void => {
    inbox.length = 0;
    requests.length = 0;
    telemetry.length = 0;
    users.clear();
    sessions.clear();
    verifications.clear();
    elevated.clear();
    nonces.clear();
  };

  const nowS = (): number => Math.floor(now() / 1000);

  function userByEmail(email: string): DynamicUser | undefined {
    const lower = email.toLowerCase();
    return [...users.values()].find((u) => u.email === lower);
  }

  function createUser(email: string): DynamicUser {
    const user: DynamicUser = {
      id: randomUUID(),
      email: email.toLowerCase(),
      emailCredentialId: randomUUID(),
      walletId: randomUUID(),
      walletAddress: `0x${randomBytes(20).toString('hex')}`,
      createdAt: now(),
    };
    users.set(user.id, user);
    return user;
  }

  async function openSession(user: DynamicUser): Promise<{ token: string; expiresAt: number; sid: string }> {
    const sid = randomUUID();
    const { token, claims } = await signer.session({
      iss: issuer,
      sub: user.id,
      sid,
      environmentId,
      email: user.email,
      lifetimeS: LIFETIMES.sessionS,
    });
    sessions.set(sid, { sid, userId: user.id, expiresAt: claims.exp, revoked: false });
    return { token, expiresAt: claims.exp, sid };
  }

  /** The caller's session from `Authorization: Bearer`, or null when absent; throws when unacceptable. */
  async function optionalSession(
    req: Request,
  ): Promise<{ user: DynamicUser; session: SessionRecord; claims: SessionClaims } | null> {
    const authorization = header(req, 'authorization');
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw new DynError(401, 'unauthorized', 'Malformed Authorization header');
    const outcome = await signer.verify<SessionClaims>(match[1]);
    if (!outcome.ok)
      throw new DynError(
        401,
        'unauthorized',
        outcome.reason === 'expired' ? 'Session expired' : 'Invalid session token',
      );
    const session = sessions.get(outcome.claims.sid);
    const user = users.get(outcome.claims.sub);
    if (!session || session.revoked || !user) throw new DynError(401, 'unauthorized', 'Session revoked');
    return { user, session, claims: outcome.claims };
  }

  async function requireSession(
    req: Request,
  ): Promise<{ user: DynamicUser; session: SessionRecord; claims: SessionClaims }> {
    const found = await optionalSession(req);
    if (!found) throw new DynError(401, 'unauthorized', 'Missing session token');
    return found;
  }

  function checkScopes(value: unknown): TokenScope[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((s) => !isTokenScope(s)))
      throw new DynError(400, 'invalid_scope', `requestedScopes must be TokenScope values`, {
        allowed: TOKEN_SCOPES,
      });
    return [...new Set(value as TokenScope[])];
  }

  /**
   * The device headers the SDK adds to sign-in / verify calls (`x-dynamic-device-nonce`, `-publickey`,
   * `-signed-nonce`): the nonce must be one this server issued and not used; the signature is ECDSA P-256 over
   * the nonce's UTF-8 bytes (IEEE P1363, hex), the key a compressed point (hex).
   */
  function checkDeviceSignature(req: Request): void {
    const nonce = header(req, 'x-dynamic-device-nonce');
    const publicKeyHex = header(req, 'x-dynamic-device-publickey');
    const signatureHex = header(req, 'x-dynamic-device-signed-nonce');
    if (nonce === undefined && publicKeyHex === undefined && signatureHex === undefined) return;
    let valid: boolean;
    try {
      const key = createPublicKey({
        key: Buffer.concat([P256_COMPRESSED_SPKI_PREFIX, Buffer.from(publicKeyHex ?? '', 'hex')]),
        format: 'der',
        type: 'spki',
      });
      valid = verifySignature(
        'sha256',
        Buffer.from(nonce ?? '', 'utf8'),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signatureHex ?? '', 'hex'),
      );
    } catch {
      valid = false;
    }
    req.entry.deviceSignature = valid ? 'valid' : 'invalid';
    if (!valid) throw new DynError(400, 'invalid_device_signature', 'Device nonce signature is invalid');
    const issued = nonce === undefined ? undefined : nonces.get(nonce);
    if (!issued || issued.used || issued.expiresAt <= now())
      throw new DynError(400, 'invalid_nonce', 'Nonce is unknown, expired or already used');
    issued.used = true;
  }

  function takeVerification(body: Record<string, unknown>): VerificationRecord {
    const uuid = requiredString(body, 'verificationUUID');
    const code = requiredString(body, 'verificationToken');
    const record = verifications.get(uuid);
    if (!record || record.used)
      throw new DynError(400, 'invalid_verification_uuid', 'Verification not found or already used');
    if (record.expiresAt <= now()) throw new DynError(400, 'verification_expired', 'Verification expired');
    if (record.attempts >= MAX_VERIFICATION_ATTEMPTS)
      throw new DynError(429, 'too_many_verification_attempts', 'Too many wrong codes; request a new one');
    if (record.code !== code) {
      record.attempts += 1;
      throw new DynError(400, 'invalid_verification_code', 'Invalid verification code', {
        attemptsLeft: MAX_VERIFICATION_ATTEMPTS - record.attempts,
      });
    }
    record.used = true;
    return record;
  }

  async function issueElevated(
    user: DynamicUser,
    sid: string,
    scopes: readonly TokenScope[],
  ): Promise<string> {
    const singleUse = scopes.some((s) => singleUseScopes.has(s));
    const { token, claims } = await signer.elevated({
      iss: issuer,
      sub: user.id,
      sid,
      environmentId,
      scopes,
      singleUse,
      lifetimeS: singleUse ? LIFETIMES.singleUseElevatedS : LIFETIMES.multiUseElevatedS,
    });
    elevated.set(claims.jti, {
      jti: claims.jti,
      userId: user.id,
      sid,
      scopes: [...scopes],
      singleUse,
      exp: claims.exp,
    });
    say(`  · elevated token for ${user.email}: ${scopes.join(' ')}${singleUse ? ' (single-use)' : ''}`);
    return token;
  }

  /** Looks at an `x-dyn-elevated-access-token` for `scope` without spending it. */
  async function inspectElevated(
    token: string | undefined,
    user: DynamicUser,
    scope: string,
  ): Promise<{ ok: true; record: ElevatedRecord } | { ok: false; error: DynError }> {
    if (!token)
      return {
        ok: false,
        error: new DynError(403, 'elevated_token_required', `This action requires step-up (${scope})`, {
          scope,
        }),
      };
    const outcome = await signer.verify<ElevatedClaims>(token);
    if (!outcome.ok)
      return {
        ok: false,
        error:
          outcome.reason === 'expired'
            ? new DynError(403, 'elevated_token_expired', 'Elevated access token expired', { scope })
            : new DynError(403, 'elevated_token_invalid', 'Elevated access token is invalid', { scope }),
      };
    const record = elevated.get(outcome.claims.jti);
    if (!record || outcome.claims.sub !== user.id)
      return {
        ok: false,
        error: new DynError(403, 'elevated_token_invalid', 'Elevated access token is not for this user', {
          scope,
        }),
      };
    if (!record.scopes.includes(scope))
      return {
        ok: false,
        error: new DynError(
          403,
          'elevated_token_insufficient_scope',
          `Elevated access token lacks ${scope}`,
          {
            scope,
            tokenScopes: record.scopes,
          },
        ),
      };
    if (record.singleUse && record.usedAt !== undefined)
      return {
        ok: false,
        error: new DynError(
          403,
          'elevated_token_already_used',
          'Single-use elevated access token already used',
          {
            scope,
            usedAt: new Date(record.usedAt).toISOString(),
          },
        ),
      };
    return { ok: true, record };
  }

  /** Guards a protected call: checks the elevated token and spends it when single-use. */
  async function requireElevated(req: Request, user: DynamicUser, scope: TokenScope): Promise<void> {
    const outcome = await inspectElevated(header(req, 'x-dyn-elevated-access-token'), user, scope);
    if (!outcome.ok) throw outcome.error;
    if (outcome.record.singleUse) {
      outcome.record.usedAt = now();
      outcome.record.usedOn = `${req.method} ${req.pathname}`;
    }
  }

  function sendCode(email: string, purpose: 'login' | 'stepup', sid?: string): VerificationRecord {
    const code = options.fixedOtp ?? String(randomInt(0, 1_000_000)).padStart(6, '0');
    const record: VerificationRecord = {
      uuid: randomUUID(),
      email: email.toLowerCase(),
      code,
      expiresAt: now() + LIFETIMES.verificationS * 1000,
      attempts: 0,
      used: false,
      ...(sid ? { sid } : {}),
    };
    verifications.set(record.uuid, record);
    inbox.push({
      at: now(),
      to: record.email,
      channel: 'email',
      code,
      purpose,
      verificationUUID: record.uuid,
    });
    say(`\n  >>> Dynamic e-mail code for ${record.email} (${purpose}): ${code}\n`);
    return record;
  }

  type Handler = (req: Request) => Promise<Result>;
  const sdkRoutes: { method: string; path: RegExp; handler: Handler }[] = [
    {
      method: 'GET',
      path: /^settings$/,
      handler: async () => ({ body: projectSettings(environmentId) }),
    },
    {
      method: 'GET',
      path: /^nonces$/,
      handler: async (req) => {
        const count = Math.min(Math.max(Number(req.query.get('count') ?? '1') || 1, 1), 20);
        const list = Array.from({ length: count }, () => randomBytes(16).toString('hex'));
        for (const nonce of list) nonces.set(nonce, { expiresAt: now() + 24 * 3600_000, used: false });
        return { body: { nonces: list } };
      },
    },
    {
      method: 'GET',
      path: /^nonce$/,
      handler: async () => {
        const nonce = randomBytes(16).toString('hex');
        nonces.set(nonce, { expiresAt: now() + 24 * 3600_000, used: false });
        return { body: { nonce } };
      },
    },
    {
      method: 'GET',
      path: /^\.well-known\/jwks$/,
      handler: async () => ({ body: signer.jwks() }),
    },
    {
      method: 'POST',
      path: /^emailVerifications\/create$/,
      handler: async (req) => {
        const body = objectBody(req);
        const email = requiredString(body, 'email');
        if (!EMAIL.test(email)) throw new DynError(400, 'invalid_email', 'Invalid e-mail address');
        const caller = await optionalSession(req);
        if (caller && caller.user.email !== email.toLowerCase())
          throw new DynError(400, 'email_mismatch', "Step-up codes go to the signed-in user's own e-mail");
        const record = sendCode(email, caller ? 'stepup' : 'login', caller?.session.sid);
        return { body: { verificationUUID: record.uuid, email: record.email } };
      },
    },
    {
      method: 'POST',
      path: /^emailVerifications\/signin$/,
      handler: async (req) => {
        const body = objectBody(req);
        checkDeviceSignature(req);
        const record = takeVerification(body);
        const user = userByEmail(record.email) ?? createUser(record.email);
        const { token, expiresAt, sid } = await openSession(user);
        return {
          body: {
            user: sdkUser(user, environmentId, sid),
            minifiedJwt: token,
            expiresAt,
          },
        };
      },
    },
    {
      method: 'POST',
      path: /^emailVerifications\/verify$/,
      handler: async (req) => {
        const { user, session } = await requireSession(req);
        const body = objectBody(req);
        const scopes = checkScopes(body['requestedScopes']);
        checkDeviceSignature(req);
        const record = verifications.get(String(body['verificationUUID'] ?? ''));
        if (record && record.email !== user.email)
          throw new DynError(400, 'invalid_verification_uuid', 'Verification belongs to another e-mail');
        takeVerification(body);
        const { token, expiresAt } = await signer
          .session({
            iss: issuer,
            sub: user.id,
            sid: session.sid,
            environmentId,
            email: user.email,
            lifetimeS: Math.max(1, session.expiresAt - nowS()),
          })
          .then((s) => ({ token: s.token, expiresAt: s.claims.exp }));
        const answer: Record<string, unknown> = {
          user: sdkUser(user, environmentId, session.sid),
          minifiedJwt: token,
          expiresAt,
          nextView: 'done',
        };
        if (scopes.length > 0) answer['elevatedAccessToken'] = await issueElevated(user, session.sid, scopes);
        return { body: answer };
      },
    },
    {
      method: 'POST',
      path: /^stepUp\/check$/,
      handler: async (req) => {
        const { user } = await requireSession(req);
        const body = objectBody(req);
        const scope = requiredString(body, 'scope');
        if (!isTokenScope(scope)) throw new DynError(400, 'invalid_scope', `Unknown scope ${scope}`);
        const presented = header(req, 'x-dyn-elevated-access-token');
        if (presented && (await inspectElevated(presented, user, scope)).ok)
          return { body: { isRequired: false, credentials: [] } };
        return {
          body: {
            isRequired: true,
            credentials: [{ id: user.emailCredentialId, format: 'email', alias: user.email }],
            defaultCredentialId: user.emailCredentialId,
          },
        };
      },
    },
    {
      method: 'GET',
      path: /^users$/,
      handler: async (req) => {
        const { user, session } = await requireSession(req);
        // `getAuthenticatedUser` (the SDK's `refreshUser`) reads an `SdkUser`.
        return { body: sdkUser(user, environmentId, session.sid) };
      },
    },
    {
      method: 'POST',
      path: /^revoke$/,
      handler: async (req) => {
        const caller = await optionalSession(req).catch(() => null);
        if (caller) caller.session.revoked = true;
        return {};
      },
    },
    {
      method: 'POST',
      path: /^waas\/(?<walletId>[^/]+)\/privateKey\/export$/,
      handler: async (req) => {
        const { user } = await requireSession(req);
        if (req.params['walletId'] !== user.walletId)
          throw new DynError(404, 'wallet_not_found', 'Wallet not found');
        const body = objectBody(req);
        requiredString(body, 'exportId');
        await requireElevated(req, user, 'wallet:export');
        return { body: { roomId: randomUUID(), serverKeygenIds: [randomUUID(), randomUUID()] } };
      },
    },
    {
      method: 'POST',
      path: /^waas\/(?<walletId>[^/]+)\/signMessage$/,
      handler: async (req) => {
        const { user } = await requireSession(req);
        if (req.params['walletId'] !== user.walletId)
          throw new DynError(404, 'wallet_not_found', 'Wallet not found');
        const body = objectBody(req);
        requiredString(body, 'message');
        await requireElevated(req, user, 'wallet:sign');
        return { body: { roomId: randomUUID(), walletId: user.walletId } };
      },
    },
  ];

  const handle: DynamicEmulatorHandle = {
    url: '',
    port: 0,
    environmentId,
    apiBase: `https://${DYNAMIC_API_HOST}${SDK_PATH_PREFIX}${environmentId}`,
    inbox,
    requests,
    telemetry,
    users: () => [...users.values()],
    elevatedTokens: () => [...elevated.values()],
    async seedSession(email) {
      const user = userByEmail(email) ?? createUser(email);
      const { token, expiresAt } = await openSession(user);
      return { token, user, expiresAt };
    },
    async mintElevatedToken(sessionJwt, scopes) {
      const outcome = await signer.verify<SessionClaims>(sessionJwt);
      if (!outcome.ok) throw new Error(`not a valid session JWT (${outcome.reason})`);
      const user = users.get(outcome.claims.sub);
      if (!user) throw new Error('unknown user');
      return issueElevated(user, outcome.claims.sid, checkScopes(scopes));
    },
    jwks: () => signer.jwks(),
    certPem: certificate.certPem,
    reset,
    close: () => Promise.resolve(),
  };

  /** `/__dynamic/…`: never recorded, CORS-enabled, for the demo page, tests and people. */
  async function admin(req: Request): Promise<Result> {
    const path = req.pathname.slice('/__dynamic'.length);
    if (req.method === 'GET' && path === '/health')
      return { body: { ok: true, url: handle.url, environmentId, apiBase: handle.apiBase } };
    if (req.method === 'GET' && path === '/inbox') {
      const to = req.query.get('to');
      const purpose = req.query.get('purpose');
      return {
        body: inbox.filter(
          (m) => (to === null || m.to === to.toLowerCase()) && (purpose === null || m.purpose === purpose),
        ),
      };
    }
    if (req.method === 'GET' && path === '/requests') {
      const limit = Number(req.query.get('limit') ?? MAX_RECORDED) || MAX_RECORDED;
      return { body: requests.slice(-limit) };
    }
    if (req.method === 'POST' && path === '/reset') {
      reset();
      return {};
    }
    if (req.method === 'GET' && path === '/state')
      return {
        body: {
          users: [...users.values()],
          sessions: [...sessions.values()],
          elevatedTokens: [...elevated.values()],
          singleUseScopes: [...singleUseScopes],
        },
      };
    if (req.method === 'POST' && path === '/sessions') {
      const email = requiredString(objectBody(req), 'email');
      if (!EMAIL.test(email)) throw new DynError(400, 'invalid_email', 'Invalid e-mail address');
      const seeded = await handle.seedSession(email);
      return {
        status: 201,
        body: { minifiedJwt: seeded.token, expiresAt: seeded.expiresAt, user: seeded.user },
      };
    }
    throw new DynError(404, 'not_found', `No admin route ${req.method} ${req.pathname}`);
  }

  async function route(req: Request): Promise<Result> {
    if (req.pathname === '/__dynamic' || req.pathname.startsWith('/__dynamic/')) return admin(req);
    const host = req.entry.host;
    if (host === DYNAMIC_LOGS_HOST) {
      if (req.method === 'POST' && req.pathname.startsWith('/api/v1/')) {
        telemetry.push(req.body);
        return {};
      }
      throw new DynError(404, 'not_found', `No route for ${req.method} ${req.pathname}`);
    }
    if (!req.pathname.startsWith(SDK_PATH_PREFIX))
      throw new DynError(404, 'not_found', `No route for ${req.method} ${req.pathname}`);
    const rest = req.pathname.slice(SDK_PATH_PREFIX.length);
    const slash = rest.indexOf('/');
    const env = slash < 0 ? rest : rest.slice(0, slash);
    const sub = slash < 0 ? '' : rest.slice(slash + 1);
    if (!UUID_SEGMENT.test(env) || env !== environmentId)
      throw new DynError(404, 'environment_not_found', `Environment ${env} not found`);
    const allowed: string[] = [];
    for (const r of sdkRoutes) {
      const m = r.path.exec(sub);
      if (!m) continue;
      if (r.method !== req.method) {
        allowed.push(r.method);
        continue;
      }
      req.params = { ...(m.groups ?? {}) };
      return r.handler(req);
    }
    if (allowed.length > 0) throw new DynError(405, 'method_not_allowed', `${req.method} not allowed`);
    throw new DynError(404, 'not_found', `No route for ${req.method} ${req.pathname}`);
  }

  async function serve(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (incoming.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(incoming.url ?? '/', `https://${DYNAMIC_API_HOST}`);
    } catch {
      url = new URL(`https://${DYNAMIC_API_HOST}/`);
    }
    const host = (incoming.headers.host ?? DYNAMIC_API_HOST).replace(/:\d+$/, '').toLowerCase();
    const isAdmin = url.pathname === '/__dynamic' || url.pathname.startsWith('/__dynamic/');
    const recordedHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if ((name.startsWith('x-dyn') || name === 'authorization') && typeof value === 'string')
        recordedHeaders[name] = value;
    }
    const entry: DynamicRecordedRequest = {
      at: now(),
      method,
      path: url.pathname + url.search,
      host,
      status: 0,
      headers: recordedHeaders,
    };
    if (typeof incoming.headers.origin === 'string') entry.origin = incoming.headers.origin;
    const finish = (status: number, code?: string): void => {
      entry.status = status;
      if (code) entry.code = code;
      if (!isAdmin && host !== DYNAMIC_LOGS_HOST) {
        requests.push(entry);
        if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);
        say(
          `${new Date(entry.at).toISOString().slice(11, 19)} ${method} ${entry.path} → ${status}${code ? ` ${code}` : ''}`,
        );
      }
    };
    if (method === 'OPTIONS') {
      incoming.resume();
      res.writeHead(204, preflightHeaders(incoming.headers));
      res.end();
      finish(204);
      return;
    }
    let status: number;
    let body: unknown;
    let code: string | undefined;
    try {
      const raw = await readBody(incoming);
      let parsed: unknown;
      if (raw.trim() !== '') {
        try {
          parsed = JSON.parse(raw) as unknown;
        } catch {
          throw new DynError(400, 'bad_request', 'Request body is not valid JSON');
        }
        entry.body = parsed;
      }
      const result = await route({
        method,
        pathname: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: parsed,
        params: {},
        entry,
      });
      status = result.status ?? (result.body === undefined ? 204 : 200);
      body = result.body;
    } catch (error) {
      const dynError =
        error instanceof DynError
          ? error
          : (say(`  ! Dynamic emulator bug: ${(error as Error).stack ?? String(error)}`),
            new DynError(500, 'internal_error', 'Unexpected emulator error'));
      status = dynError.status;
      body = dynError.body();
      code = dynError.code;
    }
    const headers: Record<string, string> = {
      ...corsHeaders(incoming.headers, { exposeHeaders: false }),
      'Cache-Control': 'no-store',
    };
    const requestId = incoming.headers['x-dyn-request-id'];
    if (typeof requestId === 'string') headers['x-dyn-request-id'] = requestId;
    let payload: string | undefined;
    if (body !== undefined && status !== 204) {
      headers['Content-Type'] = 'application/json; charset=utf-8';
      payload = JSON.stringify(body);
      entry.responseBody = body;
    }
    res.writeHead(status, headers);
    res.end(payload);
    finish(status, code);
  }

  const server: Server = createServer({ key: certificate.keyPem, cert: certificate.certPem });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((error: unknown) => {
      say(`  ! Dynamic emulator bug: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_error, socket) => socket.destroy());
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  handle.port = port;
  handle.url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  handle.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return handle;
}
