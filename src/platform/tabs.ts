/** Tab lifecycle events the capture log follows. No "tabs" permission needed for these. */
import { browser } from './browser.ts';

export function onTabRemoved(listener: (tabId: number) => void): void {
  browser.tabs.onRemoved.addListener((tabId) => listener(tabId));
}

/** Fires when a tab starts loading a new document (navigation or reload). */
export function onTabLoading(listener: (tabId: number) => void): void {
  browser.tabs.onUpdated.addListener((tabId, changeInfo) => {
    if (changeInfo.status === 'loading') listener(tabId);
  });
}
