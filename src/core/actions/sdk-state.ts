/**
 * What the Prelude web SDK keeps in the inspected page (localStorage caches, the IndexedDB `prld` database),
 * read on request by `src/panel/services/sdk-state.ts` and interpreted here. The page can write anything into
 * its own storage, and even replace the functions that read it, so the snapshot is `unknown` until this
 * module has checked every field; the result is page-reported data.
 *
 * Secrets stay where they are: the page-side reader returns the public DPoP key (never the private one, which
 * the SDK makes non-extractable anyway) and only whether a refresh token is stored, never the token. The
 * access and challenge tokens are returned so they can be decoded here, as the panel decodes captured ones.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import { decodeToken } from '../tokens/decode.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';

/** localStorage key prefix of the SDK's access-token cache: `__preludejs__::{appId}`. */
export const ACCESS_TOKEN_CACHE_PREFIX = '__preludejs__::';
/** localStorage key prefix of the SDK's step-up cache: `prld.step-up.::{challenge_id}`. */
export const STEP_UP_CACHE_PREFIX = 'prld.step-up.::';
/** The SDK's IndexedDB database and stores. */
export const SDK_DATABASE = 'prld';
export const DPOP_KEYS_STORE = 'dpop_keys';
export const REFRESH_TOKENS_STORE = 'refresh_tokens';

/** A `dpop_keys` record as the page-side reader returns it (public half only). */
export interface PageDpopKey {
  domain: string;
  /** `crypto.subtle.exportKey('jwk', publicKey)`, or null when the export failed. */
  publicJwk: Record<string, unknown> | null;
  publicKeyError?: string;
  nonce: string | null;
  /** The private CryptoKey's `extractable` flag (the SDK sets false), null when there is no CryptoKey. */
  privateKeyExtractable: boolean | null;
}

/** A `refresh_tokens` record as the page-side reader returns it: never the token itself. */
export interface PageRefreshToken {
  domain: string;
  present: boolean;
  expiresAt: string | number | null;
}

/** What the page-side reader returns. Plain JSON, checked by {@link interpretSdkSnapshot}. */
export interface PageSdkSnapshot {
  origin: string;
  storage: { ok: true; entries: { key: string; value: string }[] } | { ok: false; error: string };
  indexedDb:
    | { status: 'absent' }
    | { status: 'unsupported' }
    | { status: 'error'; error: string }
    | {
        status: 'ok';
        version: number;
        stores: string[];
        dpopKeys: PageDpopKey[];
        refreshTokens: PageRefreshToken[];
        errors: string[];
      };
}

/** An access token cached by the SDK in localStorage. */
export interface SdkAccessTokenEntry {
  storageKey: string;
  appId: string | null;
  /** The raw token: a secret, shown in the panel only. */
  token: string | null;
  decoded: TokenDecodeResult | null;
  /** Cache expiry, epoch seconds (the SDK's `expiresAt`). */
  expiresAt: number | null;
  expired: boolean;
  /** Why the entry could not be read fully, when it could not. */
  problem?: string;
}

/** A challenge token cached by the SDK while a step-up is in progress. */
export interface SdkChallengeEntry {
  storageKey: string;
  challengeId: string;
  token: string | null;
  decoded: TokenDecodeResult | null;
  /** Epoch seconds. */
  expiresAt: number | null;
  expired: boolean;
  problem?: string;
}

/** The SDK's DPoP key for one domain. */
export interface SdkDpopKey {
  domain: string;
  publicJwk: JWK | null;
  /** RFC 7638 SHA-256 thumbprint of the public key: compare with proofs in the log and `cnf.jkt`. */
  thumbprint: string | null;
  /** The stored DPoP-Nonce the next session proof will carry; null when none. */
  nonce: string | null;
  privateKeyExtractable: boolean | null;
  problem?: string;
}

/** Whether a refresh token is stored for a domain (the token itself is never read out of the page). */
export interface SdkRefreshTokenInfo {
  domain: string;
  present: boolean;
  /** As stored (the `X-Refresh-Token-Expires-At` header value); null when empty. */
  expiresAt: string | number | null;
}

/** The SDK state of the inspected page, as the page reported it. */
export interface SdkState {
  origin: string;
  accessTokens: SdkAccessTokenEntry[];
  challenges: SdkChallengeEntry[];
  /** `absent`: the page never created the database (no SDK session on this origin), nothing was created. */
  indexedDb: 'present' | 'absent' | 'unsupported' | 'error';
  dpopKeys: SdkDpopKey[];
  refreshTokens: SdkRefreshTokenInfo[];
  /** Readable remarks: what was not found, what failed, and what looks wrong. */
  notes: string[];
}

/** Outcome of reading the SDK state. */
export type SdkStateResult = { ok: true; state: SdkState } | { ok: false; reason: string };

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, max = 64 * 1024): string | null {
  return typeof value === 'string' && value.length <= max ? value : null;
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Most entries of each kind kept; a page with more is not an SDK page, or is hostile. */
const MAX_ITEMS = 200;
/** JWK members of a public key; anything else the page reports is dropped. */
const PUBLIC_JWK_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'kid', 'use', 'key_ops', 'ext'];

/**
 * Checks and interprets what the page-side reader returned: decodes the cached tokens, computes DPoP key
 * thumbprints, and writes readable notes for everything missing or odd. `nowMs` decides what is expired.
 * Never throws; a snapshot that is not one gives `ok: false`.
 */
export async function interpretSdkSnapshot(raw: unknown, nowMs: number): Promise<SdkStateResult> {
  try {
    return await interpret(raw, nowMs);
  } catch {
    return { ok: false, reason: 'The page answered with something that is not an SDK state snapshot.' };
  }
}

async function interpret(raw: unknown, nowMs: number): Promise<SdkStateResult> {
  if (!isRecord(raw)) {
    return { ok: false, reason: 'The page answered with something that is not an SDK state snapshot.' };
  }
  const notes: string[] = [];
  const state: SdkState = {
    origin: str(raw['origin'], 4096) ?? 'unknown origin',
    accessTokens: [],
    challenges: [],
    indexedDb: 'error',
    dpopKeys: [],
    refreshTokens: [],
    notes,
  };

  const storage = raw['storage'];
  if (isRecord(storage) && storage['ok'] === true && Array.isArray(storage['entries'])) {
    for (const entry of (storage['entries'] as unknown[]).slice(0, MAX_ITEMS)) {
      if (!isRecord(entry)) continue;
      const key = str(entry['key'], 4096);
      const value = str(entry['value']);
      if (key === null) continue;
      if (key.startsWith(ACCESS_TOKEN_CACHE_PREFIX)) {
        // `__preludejs__::{appId}::manifest` lists the cache keys; it holds no token.
        if (key.endsWith('::manifest')) continue;
        state.accessTokens.push(accessTokenEntry(key, value, nowMs));
      } else if (key.startsWith(STEP_UP_CACHE_PREFIX)) {
        state.challenges.push(challengeEntry(key, value, nowMs));
      }
    }
  } else if (isRecord(storage) && storage['ok'] === false) {
    notes.push(`localStorage could not be read: ${str(storage['error'], 500) ?? 'unknown error'}.`);
  } else {
    notes.push('localStorage was not reported.');
  }
  if (state.accessTokens.length === 0) {
    notes.push(
      'No cached access token (localStorage __preludejs__::*): the SDK has not logged in on this origin, the ' +
        'token was invalidated after a step-up, or the app uses another storage.',
    );
  }
  if (state.challenges.length === 0)
    notes.push('No step-up in progress (no localStorage prld.step-up.::* entry).');

  const db = raw['indexedDb'];
  const status = isRecord(db) ? db['status'] : undefined;
  if (status === 'ok' && isRecord(db)) {
    state.indexedDb = 'present';
    const stores = Array.isArray(db['stores'])
      ? (db['stores'] as unknown[]).filter((s) => typeof s === 'string')
      : [];
    if (!stores.includes(DPOP_KEYS_STORE))
      notes.push(`IndexedDB ${SDK_DATABASE} has no ${DPOP_KEYS_STORE} store.`);
    if (!stores.includes(REFRESH_TOKENS_STORE)) {
      notes.push(`IndexedDB ${SDK_DATABASE} has no ${REFRESH_TOKENS_STORE} store.`);
    }
    const keys = Array.isArray(db['dpopKeys']) ? (db['dpopKeys'] as unknown[]).slice(0, MAX_ITEMS) : [];
    state.dpopKeys = await Promise.all(keys.filter(isRecord).map((k) => dpopKey(k)));
    const tokens = Array.isArray(db['refreshTokens'])
      ? (db['refreshTokens'] as unknown[]).slice(0, MAX_ITEMS)
      : [];
    state.refreshTokens = tokens.filter(isRecord).map(refreshTokenInfo);
    if (Array.isArray(db['errors'])) {
      for (const error of (db['errors'] as unknown[]).slice(0, 20)) {
        const text = str(error, 500);
        if (text !== null) notes.push(text);
      }
    }
    if (state.dpopKeys.length === 0) {
      notes.push(
        'No DPoP key stored: the SDK will send requests without a DPoP header (missing_dpop_proof).',
      );
    }
    for (const key of state.dpopKeys) {
      if (key.privateKeyExtractable === true) {
        notes.push(
          `The DPoP private key for ${key.domain} is extractable: script on the page could export it. The SDK ` +
            'creates it non-extractable; something else replaced it.',
        );
      }
    }
    if (state.refreshTokens.every((t) => !t.present)) {
      notes.push('No refresh token stored: the session cannot be refreshed (a step-up cannot be completed).');
    }
  } else if (status === 'absent') {
    state.indexedDb = 'absent';
    notes.push(
      `IndexedDB database ${SDK_DATABASE} does not exist on this origin: the SDK has not run here (or the ` +
        'storage was cleared). It was not created by this check.',
    );
  } else if (status === 'unsupported') {
    state.indexedDb = 'unsupported';
    notes.push('IndexedDB is not available in this page (a sandboxed frame, or storage blocked).');
  } else {
    state.indexedDb = 'error';
    const error = isRecord(db) ? str(db['error'], 500) : null;
    notes.push(`IndexedDB ${SDK_DATABASE} could not be read: ${error ?? 'unknown error'}.`);
  }
  return { ok: true, state };
}

/** The SDK's cache entries look like `{"body": {...}, "expiresAt": <epoch s>}`. */
function readCacheEntry(value: string | null): { body: Rec; expiresAt: number | null } | string {
  if (value === null) return 'the stored value is missing or too large';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value) as unknown;
  } catch {
    return 'the stored value is not JSON';
  }
  if (!isRecord(parsed) || !isRecord(parsed['body'])) return 'the stored value has no "body" object';
  return { body: parsed['body'], expiresAt: finite(parsed['expiresAt']) };
}

function isExpired(expiresAt: number | null, nowMs: number): boolean {
  // The SDK compares expiresAt with floor(now / 1000), so it is in seconds.
  return expiresAt !== null && expiresAt * 1000 <= nowMs;
}

function accessTokenEntry(storageKey: string, value: string | null, nowMs: number): SdkAccessTokenEntry {
  const entry = readCacheEntry(value);
  const appIdFromKey = storageKey.slice(ACCESS_TOKEN_CACHE_PREFIX.length) || null;
  if (typeof entry === 'string') {
    return {
      storageKey,
      appId: appIdFromKey,
      token: null,
      decoded: null,
      expiresAt: null,
      expired: false,
      problem: entry,
    };
  }
  const token = str(entry.body['access_token']);
  const result: SdkAccessTokenEntry = {
    storageKey,
    appId: str(entry.body['app_id'], 4096) ?? appIdFromKey,
    token,
    decoded: token === null ? null : decodeToken(token),
    expiresAt: entry.expiresAt ?? finite(entry.body['expires_at']),
    expired: false,
  };
  result.expired = isExpired(result.expiresAt, nowMs);
  if (token === null) result.problem = 'the entry holds no access_token';
  return result;
}

function challengeEntry(storageKey: string, value: string | null, nowMs: number): SdkChallengeEntry {
  const challengeId = storageKey.slice(STEP_UP_CACHE_PREFIX.length);
  const entry = readCacheEntry(value);
  if (typeof entry === 'string') {
    return {
      storageKey,
      challengeId,
      token: null,
      decoded: null,
      expiresAt: null,
      expired: false,
      problem: entry,
    };
  }
  const token = str(entry.body['challenge_token']);
  const result: SdkChallengeEntry = {
    storageKey,
    challengeId,
    token,
    decoded: token === null ? null : decodeToken(token),
    expiresAt: entry.expiresAt ?? finite(entry.body['expires_at']),
    expired: false,
  };
  result.expired = isExpired(result.expiresAt, nowMs);
  if (token === null) result.problem = 'the entry holds no challenge_token';
  return result;
}

async function dpopKey(record: Rec): Promise<SdkDpopKey> {
  const key: SdkDpopKey = {
    domain: str(record['domain'], 4096) ?? '(no domain)',
    publicJwk: null,
    thumbprint: null,
    nonce: str(record['nonce'], 4096) || null,
    privateKeyExtractable:
      typeof record['privateKeyExtractable'] === 'boolean' ? record['privateKeyExtractable'] : null,
  };
  const jwk = record['publicJwk'];
  if (!isRecord(jwk)) {
    key.problem = `the public key could not be exported: ${str(record['publicKeyError'], 500) ?? 'no key stored'}`;
    return key;
  }
  // Only public members: a page could report a private `d` here, and it must not travel further.
  const publicJwk: Rec = {};
  for (const member of PUBLIC_JWK_MEMBERS) if (jwk[member] !== undefined) publicJwk[member] = jwk[member];
  key.publicJwk = publicJwk as JWK;
  try {
    key.thumbprint = await calculateJwkThumbprint(publicJwk as JWK);
  } catch {
    key.problem = 'the public key is not a usable JWK, so it has no thumbprint';
  }
  return key;
}

function refreshTokenInfo(record: Rec): SdkRefreshTokenInfo {
  const expiresAt = record['expiresAt'];
  return {
    domain: str(record['domain'], 4096) ?? '(no domain)',
    present: record['present'] === true,
    expiresAt:
      (typeof expiresAt === 'string' && expiresAt !== '' && expiresAt.length <= 100) ||
      finite(expiresAt) !== null
        ? (expiresAt as string | number)
        : null,
  };
}
