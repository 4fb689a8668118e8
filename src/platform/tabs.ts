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

/**
 * A tab's URL as the browser reports it to the extension, or undefined when it does not (the tab is gone,
 * or the extension has no host access to its page: without the "tabs" permission, Chrome and Firefox give
 * `url` only for pages matching the extension's host permissions). Never asked of the page itself.
 */
export async function tabUrl(tabId: number): Promise<string | undefined> {
  try {
    const tab = await browser.tabs.get(tabId);
    return typeof tab.url === 'string' && tab.url !== '' ? tab.url : undefined;
  } catch {
    return undefined;
  }
}
