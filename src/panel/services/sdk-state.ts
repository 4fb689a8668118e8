/**
 * Reading the step-up SDK's state out of the inspected page, when the user opens the "SDK state" view: the
 * localStorage token caches and the IndexedDB `prld` database. Read-only: nothing is written, created or
 * deleted in the page, and the secrets that matter most stay in it (the DPoP private key is never touched,
 * refresh tokens are reported as present or not). Interpretation is in `src/core/actions/sdk-state.ts`.
 */
import {
  ACCESS_TOKEN_CACHE_PREFIX,
  STEP_UP_CACHE_PREFIX,
  interpretSdkSnapshot,
  type PageDpopKey,
  type PageRefreshToken,
  type PageSdkSnapshot,
  type SdkStateResult,
} from '../../core/actions/sdk-state.ts';
import { describe } from '../../core/util.ts';
import { runInPage } from '../../platform/page.ts';

export type { SdkState, SdkStateResult } from '../../core/actions/sdk-state.ts';

/** The localStorage key prefixes of the SDK's caches, handed to the page function as its argument. */
export interface SdkCacheKeys {
  accessPrefix: string;
  stepUpPrefix: string;
}

export const SDK_CACHE_KEYS: SdkCacheKeys = {
  accessPrefix: ACCESS_TOKEN_CACHE_PREFIX,
  stepUpPrefix: STEP_UP_CACHE_PREFIX,
};

/**
 * Runs in the inspected page (serialised: nothing outside its own body may be referenced, which is why the
 * cache keys come as the argument). Exported so e2e tests can run it with `page.evaluate` against the demo
 * app. Never rejects: failures are in the snapshot. Without keys no cache entry is read.
 *
 * The database is opened without a version, which never upgrades an existing one; if it does not exist, the
 * open fires `upgradeneeded` and the upgrade transaction is aborted at once, so the check creates nothing
 * (where `indexedDB.databases()` exists, a missing database is seen before opening at all).
 */
export async function pageReadSdkState(keys: SdkCacheKeys | null = null): Promise<PageSdkSnapshot> {
  const prefixes = keys === null ? [] : [keys.accessPrefix, keys.stepUpPrefix];
  const snapshot: PageSdkSnapshot = {
    origin: location.origin,
    storage: { ok: true, entries: [] },
    indexedDb: { status: 'absent' },
  };

  try {
    const entries: { key: string; value: string }[] = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (key === null || !prefixes.some((prefix) => key.startsWith(prefix))) continue;
      entries.push({ key, value: localStorage.getItem(key) ?? '' });
    }
    snapshot.storage = { ok: true, entries };
  } catch (error) {
    snapshot.storage = { ok: false, error: String(error instanceof Error ? error.message : error) };
  }

  if (typeof indexedDB === 'undefined') {
    snapshot.indexedDb = { status: 'unsupported' };
    return snapshot;
  }

  let db: IDBDatabase | null = null;
  try {
    if (typeof indexedDB.databases === 'function') {
      const list = await indexedDB.databases();
      if (!list.some((info) => info.name === 'prld')) return snapshot;
    }
    db = await new Promise<IDBDatabase | null>((resolve, reject) => {
      let aborted = false;
      const request = indexedDB.open('prld');
      const timer = setTimeout(() => reject(new Error('IndexedDB did not answer within 5 s')), 5000);
      request.onupgradeneeded = () => {
        // The database did not exist: abort the upgrade so opening it creates nothing.
        aborted = true;
        request.transaction?.abort();
      };
      request.onsuccess = () => {
        clearTimeout(timer);
        resolve(request.result);
      };
      request.onerror = () => {
        clearTimeout(timer);
        if (aborted) resolve(null);
        else reject(request.error ?? new Error('could not open the database'));
      };
      request.onblocked = () => {
        clearTimeout(timer);
        reject(new Error('opening the database is blocked by another tab'));
      };
    });
    if (db === null) return snapshot;

    const stores = Array.from(db.objectStoreNames);
    const wanted = ['dpop_keys', 'refresh_tokens'].filter((name) => stores.includes(name));
    const records: Record<string, unknown[]> = {};
    if (wanted.length > 0) {
      const tx = db.transaction(wanted, 'readonly');
      await Promise.all(
        wanted.map(
          (name) =>
            new Promise<void>((resolve, reject) => {
              const request = tx.objectStore(name).getAll();
              request.onsuccess = () => {
                records[name] = Array.isArray(request.result) ? request.result : [];
                resolve();
              };
              request.onerror = () => reject(request.error ?? new Error(`could not read ${name}`));
            }),
        ),
      );
    }

    const errors: string[] = [];
    const dpopKeys: PageDpopKey[] = [];
    for (const record of records['dpop_keys'] ?? []) {
      if (typeof record !== 'object' || record === null) continue;
      const r = record as { domain?: unknown; publicKey?: unknown; privateKey?: unknown; nonce?: unknown };
      const entry: PageDpopKey = {
        domain: typeof r.domain === 'string' ? r.domain : '',
        publicJwk: null,
        nonce: typeof r.nonce === 'string' && r.nonce !== '' ? r.nonce : null,
        // Only the flag is read: the private key itself is never used or exported.
        privateKeyExtractable:
          typeof r.privateKey === 'object' &&
          r.privateKey !== null &&
          typeof (r.privateKey as { extractable?: unknown }).extractable === 'boolean'
            ? (r.privateKey as { extractable: boolean }).extractable
            : null,
      };
      try {
        entry.publicJwk = (await crypto.subtle.exportKey('jwk', r.publicKey as CryptoKey)) as Record<
          string,
          unknown
        >;
      } catch (error) {
        entry.publicKeyError = String(error instanceof Error ? error.message : error);
      }
      dpopKeys.push(entry);
    }
    const refreshTokens: PageRefreshToken[] = [];
    for (const record of records['refresh_tokens'] ?? []) {
      if (typeof record !== 'object' || record === null) continue;
      const r = record as { domain?: unknown; refreshToken?: unknown; refreshTokenExpiresAt?: unknown };
      const expiresAt = r.refreshTokenExpiresAt;
      // Only whether a token is there: the token never leaves the page.
      refreshTokens.push({
        domain: typeof r.domain === 'string' ? r.domain : '',
        present: typeof r.refreshToken === 'string' && r.refreshToken.length > 0,
        expiresAt: typeof expiresAt === 'string' || typeof expiresAt === 'number' ? expiresAt : null,
      });
    }
    snapshot.indexedDb = { status: 'ok', version: db.version, stores, dpopKeys, refreshTokens, errors };
  } catch (error) {
    snapshot.indexedDb = { status: 'error', error: String(error instanceof Error ? error.message : error) };
  } finally {
    db?.close();
  }
  return snapshot;
}

/**
 * Reads and interprets the SDK state of the tab's page: decoded cached tokens, DPoP public keys with their
 * thumbprints, refresh-token presence, and readable notes. Never rejects.
 */
export async function readSdkState(tabId: number): Promise<SdkStateResult> {
  let raw: unknown;
  try {
    raw = await runInPage(tabId, pageReadSdkState, SDK_CACHE_KEYS);
  } catch (error) {
    const message = describe(error);
    return {
      ok: false,
      reason: `The page's storage could not be read (${message}). Pages such as chrome:// and the Web Store cannot be inspected, and a page opened as a tab needs site access.`,
    };
  }
  if (raw === undefined || raw === null) {
    return { ok: false, reason: 'The page did not answer (it may have navigated away, or has no access).' };
  }
  return interpretSdkSnapshot(raw, Date.now());
}
