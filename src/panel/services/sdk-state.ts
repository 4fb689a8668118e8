/**
 * Reading a step-up SDK's state out of the inspected page, when the user opens the "SDK state" view: its
 * localStorage token caches and its IndexedDB database, where the provider's SDK-state reader
 * (ProviderModule.actions.sdkState) says they are. Read-only: nothing is written, created or deleted in the page,
 * and the secrets that matter most stay in it (the DPoP private key is never touched, refresh tokens are reported
 * as present or not). The provider's reader interprets what the page returned.
 */
import {
  sdkStateReaders,
  type PageDpopKey,
  type PageRefreshToken,
  type PageSdkSnapshot,
  type SdkState,
  type SdkStateResult,
  type SdkStorageKeys,
} from '../../core/actions/sdk-state.ts';
import type { ProviderSdkState } from '../../core/providers/types.ts';
import { describe } from '../../core/util.ts';
import { runInPage } from '../../platform/page.ts';

export type { SdkState, SdkStateResult } from '../../core/actions/sdk-state.ts';

/**
 * Runs in the inspected page (serialised: nothing outside its own body may be referenced, which is why where the
 * SDK keeps its state comes as the argument, a provider's `SdkStorageKeys`). Exported so e2e tests can run it with
 * `page.evaluate` against the demo app. Never rejects: failures are in the snapshot. An empty prefix or database
 * name reads nothing.
 *
 * The database is opened without a version, which never upgrades an existing one; if it does not exist, the
 * open fires `upgradeneeded` and the upgrade transaction is aborted at once, so the check creates nothing
 * (where `indexedDB.databases()` exists, a missing database is seen before opening at all).
 */
export async function pageReadSdkState(keys: SdkStorageKeys): Promise<PageSdkSnapshot> {
  // An empty prefix would match every key, and hand the page's unrelated secrets to the panel.
  const prefixes = [keys.accessTokenPrefix, keys.stepUpPrefix].filter((prefix) => prefix !== '');
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

  if (keys.database === '') return snapshot;
  if (typeof indexedDB === 'undefined') {
    snapshot.indexedDb = { status: 'unsupported' };
    return snapshot;
  }

  let db: IDBDatabase | null = null;
  try {
    if (typeof indexedDB.databases === 'function') {
      const list = await indexedDB.databases();
      if (!list.some((info) => info.name === keys.database)) return snapshot;
    }
    db = await new Promise<IDBDatabase | null>((resolve, reject) => {
      let aborted = false;
      const request = indexedDB.open(keys.database);
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
    const wanted = [keys.dpopKeysStore, keys.refreshTokensStore].filter(
      (name) => name !== '' && stores.includes(name),
    );
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
    for (const record of records[keys.dpopKeysStore] ?? []) {
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
    for (const record of records[keys.refreshTokensStore] ?? []) {
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
 * thumbprints, refresh-token presence, and readable notes. Each provider with an SDK-state reader is asked in
 * registry order; the first whose SDK keeps something in the page is the answer, else the first one's (its notes
 * say what is missing). Never rejects.
 */
export async function readSdkState(tabId: number): Promise<SdkStateResult> {
  let first: SdkStateResult | undefined;
  for (const { reader } of sdkStateReaders()) {
    const result = await readWith(tabId, reader);
    // A page that cannot be read for one reader cannot be read for the next either.
    if (!result.ok || keepsState(result.state)) return result;
    first ??= result;
  }
  return first ?? { ok: false, reason: 'No provider reads an SDK state.' };
}

async function readWith(tabId: number, reader: ProviderSdkState): Promise<SdkStateResult> {
  let raw: unknown;
  try {
    raw = await runInPage(tabId, pageReadSdkState, reader.storage);
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
  return reader.interpret(raw, Date.now());
}

/** Whether the SDK left anything in the page: cached tokens, or its database (even one that failed to open). */
function keepsState(state: SdkState): boolean {
  return (
    state.accessTokens.length > 0 ||
    state.challenges.length > 0 ||
    state.indexedDb === 'present' ||
    state.indexedDb === 'error'
  );
}
