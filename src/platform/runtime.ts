/** Messaging between contexts. Senders queue and retry: the service worker may be starting up or just died. */
import { browser, type Runtime } from './browser.ts';

export interface SenderInfo {
  /** The tab the sender runs in: set for content scripts and for extension pages opened as tabs. */
  tabId?: number;
  /** The sender's document URL. */
  url?: string;
  /** The sender's document origin, as the browser reports it (set for about:blank and srcdoc frames too). */
  origin?: string;
  /** True when the sender is one of this extension's own pages (not a content script in a web page). */
  isExtensionPage: boolean;
}

function describeSender(sender: Runtime.MessageSender): SenderInfo {
  const extensionOrigin = browser.runtime.getURL('');
  const info: SenderInfo = {
    // Content scripts report the web page's URL (set by Chrome, not by the page); extension pages, even when
    // opened in a tab, report their chrome-extension:// URL.
    isExtensionPage: typeof sender.url === 'string' && sender.url.startsWith(extensionOrigin),
  };
  if (sender.tab?.id !== undefined) info.tabId = sender.tab.id;
  if (sender.url !== undefined) info.url = sender.url;
  const origin = (sender as { origin?: unknown }).origin;
  if (typeof origin === 'string') info.origin = origin;
  return info;
}

/** Registers the single runtime message handler. Must be called synchronously at top level in the worker. */
export function onMessage(
  handler: (message: unknown, sender: SenderInfo) => Promise<unknown> | undefined,
): void {
  browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
    if (sender.id !== browser.runtime.id) return undefined;
    return handler(message, describeSender(sender));
  });
}

const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];

/**
 * Sends a message to the background, retrying while the worker is unreachable ("Could not establish
 * connection", "message port closed" during a restart). Resolves with the reply, or rejects after the last try.
 */
export async function sendToBackground<T = unknown>(message: unknown): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt += 1) {
    try {
      return (await browser.runtime.sendMessage(message)) as T;
    } catch (error) {
      lastError = error;
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export function extensionUrl(path: string): string {
  return browser.runtime.getURL(path);
}
