/**
 * Reads what Prelude's web SDK keeps in the inspected page (localStorage caches, the IndexedDB database of DPoP
 * keys and refresh tokens), as the page-side reader returned it. Loaded on first use: the panel reads the SDK state
 * only on a click.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import type {
  SdkAccessTokenEntry,
  SdkChallengeEntry,
  SdkDpopKey,
  SdkRefreshTokenInfo,
  SdkState,
  SdkStateResult,
} from '../../../actions/sdk-types.ts';
import { decodeToken } from '../../../tokens/decode.ts';
import { PRELUDE_SDK_STORAGE } from './sdk-storage.ts';
import { isRecord } from '../../../util.ts';

const {
  accessTokenPrefix: ACCESS_TOKEN_CACHE_PREFIX,
  stepUpPrefix: STEP_UP_CACHE_PREFIX,
  database: SDK_DATABASE,
  dpopKeysStore: DPOP_KEYS_STORE,
  refreshTokensStore: REFRESH_TOKENS_STORE,
} = PRELUDE_SDK_STORAGE;

type Rec = Record<string, unknown>;

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
export async function interpretPreludeSdkSnapshot(raw: unknown, nowMs: number): Promise<SdkStateResult> {
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
