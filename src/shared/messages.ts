/**
 * Every message that crosses an extension context boundary, defined once per direction as a discriminated
 * union, with guards. Inbound messages are `unknown` until a guard narrows them: content scripts relay data
 * that the inspected page can forge, and even extension pages are checked so a bug cannot corrupt the log.
 */
import type { HttpExchange } from '../core/http/exchange.ts';

/** Bumped on any incompatible change; a context that sees another version ignores the message. */
export const PROTOCOL_VERSION = 1;

/** Tag on `window.postMessage` traffic from the MAIN-world page hook to the isolated relay. */
export const HOOK_MESSAGE_TAG = 'stepup-inspector:hook';

/** Largest page-hook message the relay forwards (characters of JSON); bodies are capped before this. */
export const MAX_PAGE_MESSAGE_CHARS = 2_000_000;

/** Per-tab capture settings and counters, stored beside the log. */
export interface TabLogState {
  tabId: number;
  /** Next sequence number; exchange ids are `${tabId}-${seq}`. */
  seq: number;
  /** Ids of the stored exchanges, oldest first. */
  ids: string[];
  /** Exchanges evicted because of the per-tab cap or the storage quota. */
  dropped: number;
  /** Bodies cut to the body-size cap. */
  truncated: number;
  /** Page-hook messages rejected as malformed or oversized. */
  rejected: number;
  /** Keep the log across navigations of the tab (default on). */
  preserve: boolean;
  /** Epoch ms of the last clear, so late captures of cleared requests are not resurrected. */
  clearedAt: number;
}

/** Messages to the background service worker (runtime.sendMessage). */
export type ToBackground =
  /** From the DevTools page: an exchange seen by chrome.devtools.network, with its response body. */
  | { v: 1; type: 'captureExchange'; source: 'devtools'; tabId: number; exchange: HttpExchange }
  /** From the isolated relay: what the page hook reported. The tab is taken from the sender, never the message. */
  | { v: 1; type: 'pageExchange'; exchange: unknown }
  | { v: 1; type: 'clearLog'; tabId: number }
  | { v: 1; type: 'setPreserve'; tabId: number; preserve: boolean }
  | { v: 1; type: 'setHook'; origin: string; enabled: boolean }
  | { v: 1; type: 'getHookOrigins' }
  | { v: 1; type: 'recordInspectorExchange'; tabId: number; exchange: HttpExchange };

export type BackgroundReply = { ok: true; hookOrigins?: string[] } | { ok: false; error: string };

/** What the page hook posts on `window` (forgeable by the page: the relay validates it). */
export interface HookMessage {
  tag: typeof HOOK_MESSAGE_TAG;
  v: 1;
  exchange: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTabId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Narrows an inbound runtime message. Unknown or malformed messages yield null and are ignored. */
export function parseToBackground(message: unknown): ToBackground | null {
  if (!isRecord(message) || message.v !== PROTOCOL_VERSION || typeof message.type !== 'string') return null;
  switch (message.type) {
    case 'captureExchange':
      return message.source === 'devtools' && isTabId(message.tabId) && isRecord(message.exchange)
        ? (message as ToBackground)
        : null;
    case 'pageExchange':
      return 'exchange' in message ? { v: 1, type: 'pageExchange', exchange: message.exchange } : null;
    case 'clearLog':
      return isTabId(message.tabId) ? { v: 1, type: 'clearLog', tabId: message.tabId } : null;
    case 'setPreserve':
      return isTabId(message.tabId) && typeof message.preserve === 'boolean'
        ? { v: 1, type: 'setPreserve', tabId: message.tabId, preserve: message.preserve }
        : null;
    case 'setHook':
      return typeof message.origin === 'string' && typeof message.enabled === 'boolean'
        ? { v: 1, type: 'setHook', origin: message.origin, enabled: message.enabled }
        : null;
    case 'getHookOrigins':
      return { v: 1, type: 'getHookOrigins' };
    case 'recordInspectorExchange':
      return isTabId(message.tabId) && isRecord(message.exchange) ? (message as ToBackground) : null;
    default:
      return null;
  }
}

/** Narrows a `window` message event's data to a hook message. */
export function isHookMessage(data: unknown): data is HookMessage {
  return isRecord(data) && data.tag === HOOK_MESSAGE_TAG && data.v === PROTOCOL_VERSION && 'exchange' in data;
}

/** Storage keys, in one place so the panel and the worker cannot drift apart. */
export const storageKeys = {
  tab: (tabId: number) => `tab:${tabId}`,
  exchange: (id: string) => `ex:${id}`,
  pending: (requestId: string) => `wr:${requestId}`,
  hookOrigins: 'hook-origins',
  isTab: (key: string) => key.startsWith('tab:'),
  isExchange: (key: string) => key.startsWith('ex:'),
  tabOfExchangeKey: (key: string) => Number(key.slice(3, key.indexOf('-'))),
};
