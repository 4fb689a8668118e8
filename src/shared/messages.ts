/**
 * Every message that crosses an extension context boundary, defined once per direction as a discriminated
 * union, with guards. Inbound messages are `unknown` until a guard narrows them: content scripts relay data
 * that the inspected page can forge, and even extension pages are checked so a bug cannot corrupt the log.
 */
import type { HttpExchange } from '../core/http/exchange.ts';

/** Bumped on any incompatible change; a context that sees another version ignores the message. */
export const PROTOCOL_VERSION = 1;

/**
 * Type of the DOM event (a CustomEvent on `document`) by which the MAIN-world page hook hands one exchange
 * to the isolated relay; its detail is the JSON text of a {@link HookMessage}.
 */
export const HOOK_EVENT = 'stepup-inspector:hook';

/** Largest page-hook message the relay forwards (characters of JSON); bodies are capped before this. */
export const MAX_PAGE_MESSAGE_CHARS = 2_000_000;

/** Most page exchanges the relay sends to the worker in one message. */
export const MAX_PAGE_BATCH = 50;

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
  /**
   * From the isolated relay: what the page hook reported, in order, batched (null: a message the relay
   * refused, counted as rejected). The tab is taken from the sender, never the message.
   */
  | { v: 1; type: 'pageExchanges'; exchanges: unknown[] }
  | { v: 1; type: 'clearLog'; tabId: number }
  | { v: 1; type: 'setPreserve'; tabId: number; preserve: boolean }
  | { v: 1; type: 'setHook'; origin: string; enabled: boolean }
  | { v: 1; type: 'getHookOrigins' }
  | { v: 1; type: 'recordInspectorExchange'; tabId: number; exchange: HttpExchange };

export type BackgroundReply = { ok: true; hookOrigins?: string[] } | { ok: false; error: string };

/** What the page hook sends, as JSON text (forgeable by the page: the relay and the worker validate it). */
export interface HookMessage {
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
    case 'pageExchanges':
      return Array.isArray(message.exchanges) && message.exchanges.length <= MAX_PAGE_BATCH
        ? { v: 1, type: 'pageExchanges', exchanges: message.exchanges as unknown[] }
        : null;
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

/**
 * The exchange of a page-hook event's detail, or null when the detail is not the JSON text of a
 * {@link HookMessage} within {@link MAX_PAGE_MESSAGE_CHARS}. Never throws: the page controls the input.
 */
export function parseHookDetail(detail: unknown): unknown {
  if (typeof detail !== 'string' || detail.length > MAX_PAGE_MESSAGE_CHARS) return null;
  let message: unknown;
  try {
    message = JSON.parse(detail);
  } catch {
    return null;
  }
  return isRecord(message) && message.v === PROTOCOL_VERSION && 'exchange' in message
    ? message.exchange
    : null;
}

/** Storage keys, in one place so the panel and the worker cannot drift apart. */
export const storageKeys = {
  tab: (tabId: number) => `tab:${tabId}`,
  exchange: (id: string) => `ex:${id}`,
  pending: (requestId: string) => `wr:${requestId}`,
  hookOrigins: 'hook-origins',
  /** Set when background capture was granted since the extension started: it works from its next start. */
  backgroundCapturePending: 'bg-capture-pending',
  isTab: (key: string) => key.startsWith('tab:'),
  isExchange: (key: string) => key.startsWith('ex:'),
  tabOfExchangeKey: (key: string) => Number(key.slice(3, key.indexOf('-'))),
};
