/**
 * chrome.storage.session: in memory, survives service-worker restarts, gone when the browser closes.
 *
 * The capture log relies on the quota: at a write that would exceed it, the browser rejects with a
 * "quota" error and the store evicts the tab's oldest exchanges and tries again. Chrome enforces 10 MB (JSON
 * size). Firefox reports the same 10 MB but measures structured-clone bytes, and enforces it only in some
 * versions (behind `webextensions.storage.session.enforceQuota`); where it does not, the log would grow
 * without bound. So in Firefox, writes are checked here against QUOTA_BYTES first and rejected with the same
 * kind of error, using the browser's own byte count (getBytesInUse, Firefox 131+). Older versions have no byte
 * count: the log is then bounded only by its per-tab limits.
 */
import { browser } from './browser.ts';
import { isFirefox } from './target.ts';

export type StorageChanges = Record<string, { oldValue?: unknown; newValue?: unknown }>;

type BytesInUse = (keys: string | string[] | null) => Promise<number>;

const DEFAULT_QUOTA_BYTES = 10 * 1024 * 1024;

function getBytesInUse(): BytesInUse | undefined {
  const area = browser.storage.session as { getBytesInUse?: BytesInUse };
  return area.getBytesInUse ? area.getBytesInUse.bind(area) : undefined;
}

function quota(): number {
  const area = browser.storage.session as { QUOTA_BYTES?: number };
  return area.QUOTA_BYTES ?? DEFAULT_QUOTA_BYTES;
}

/** Approximate stored size of the items: keys plus JSON text, as Chrome counts them. */
function approximateBytes(items: Record<string, unknown>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(items))
    bytes += key.length + (JSON.stringify(value)?.length ?? 0);
  return bytes;
}

/** Rejects a write that would take Firefox's session storage past its quota, as Chrome would. */
async function checkFirefoxQuota(items: Record<string, unknown>): Promise<void> {
  const bytesInUse = getBytesInUse();
  if (!bytesInUse) return;
  const keys = Object.keys(items);
  const [total, replaced] = await Promise.all([bytesInUse(null), bytesInUse(keys)]);
  if (total - replaced + approximateBytes(items) > quota())
    throw new Error('QuotaExceededError: storage.session quota (checked by Step-Up Inspector) exceeded');
}

export const sessionStorage = {
  get(keys: string | string[] | null): Promise<Record<string, unknown>> {
    return browser.storage.session.get(keys);
  },
  set(items: Record<string, unknown>): Promise<void> {
    if (isFirefox()) return checkFirefoxQuota(items).then(() => browser.storage.session.set(items));
    return browser.storage.session.set(items);
  },
  remove(keys: string | string[]): Promise<void> {
    return browser.storage.session.remove(keys);
  },
  /** Bytes in use, or undefined where the browser does not implement it for session storage. */
  async bytesInUse(): Promise<number | undefined> {
    const bytesInUse = getBytesInUse();
    return bytesInUse ? bytesInUse(null) : undefined;
  },
  /** Quota in bytes (10 MB in Chrome 112+ and Firefox). */
  quotaBytes(): number {
    return quota();
  },
  onChanged(listener: (changes: StorageChanges) => void): () => void {
    const wrapped = (changes: StorageChanges, areaName: string) => {
      if (areaName === 'session') listener(changes);
    };
    browser.storage.onChanged.addListener(wrapped);
    return () => browser.storage.onChanged.removeListener(wrapped);
  },
};
// storage.session's default access level (TRUSTED_CONTEXTS) keeps captured tokens out of reach of content
// scripts, which run beside hostile pages: never call setAccessLevel to widen it. (Firefox never exposes
// session storage to content scripts and has no setAccessLevel at all.)
