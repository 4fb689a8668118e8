/** chrome.storage.session: in memory, survives service-worker restarts, gone when the browser closes. */
import { browser } from './browser.ts';

export type StorageChanges = Record<string, { oldValue?: unknown; newValue?: unknown }>;

export const sessionStorage = {
  get(keys: string | string[] | null): Promise<Record<string, unknown>> {
    return browser.storage.session.get(keys);
  },
  set(items: Record<string, unknown>): Promise<void> {
    return browser.storage.session.set(items);
  },
  remove(keys: string | string[]): Promise<void> {
    return browser.storage.session.remove(keys);
  },
  /** Bytes in use, or undefined where the browser does not implement it for session storage. */
  async bytesInUse(): Promise<number | undefined> {
    const area = browser.storage.session as { getBytesInUse?: (keys: null) => Promise<number> };
    return area.getBytesInUse ? area.getBytesInUse(null) : undefined;
  },
  /** Quota in bytes (10 MB in Chrome 112+). */
  quotaBytes(): number {
    const area = browser.storage.session as { QUOTA_BYTES?: number };
    return area.QUOTA_BYTES ?? 10 * 1024 * 1024;
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
// scripts, which run beside hostile pages: never call setAccessLevel to widen it.
