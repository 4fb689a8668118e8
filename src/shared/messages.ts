/**
 * Every message that crosses an extension context boundary, defined once per direction as a discriminated
 * union, with guards. Inbound messages are `unknown` until a guard narrows them: content scripts relay data
 * that the inspected page can forge, and even extension pages are checked so a bug cannot corrupt the log.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import { isRecord } from '../core/util.ts';

/** Bumped on any incompatible change; a context that sees another version ignores the message. */
export const PROTOCOL_VERSION = 1;

/**
 * Type of the DOM event (a CustomEvent on `document`) by which the MAIN-world page hook hands one exchange
 * to the isolated relay; its detail is the JSON text of a {@link HookMessage}.
 */
export const HOOK_EVENT = 'stepup-inspector:hook';

/**
 * Type of the DOM event by which the relay tells the page hook of its frame to stand down: captures nothing
 * more, sends nothing more (Firefox, on an origin where the hook is off; see platform/scripting.ts).
 */
export const HOOK_OFF_EVENT = 'stepup-inspector:off';

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
  /**
   * The exchanges of the log that only the page reported (sources exactly `page-hook`), oldest first, with
   * their stored size in characters of JSON: the page's share of the log, evicted before anything another
   * source captured. Absent while there are none.
   */
  pageOnly?: PageOnlyEntry[];
  /** Page-reported exchanges dropped before they were stored (absent while none were). */
  pageDropped?: PageDropCounts;
  /**
   * The tab's budget for page-reported exchanges (a token bucket: `tokens` left at epoch ms `at`), kept
   * with the log so that a restarted worker continues it instead of handing the page a fresh one.
   */
  pageBudget?: { tokens: number; at: number };
}

/** One exchange of a tab's page-only share. */
export interface PageOnlyEntry {
  id: string;
  /** Characters of its JSON, as stored. */
  chars: number;
}

export interface PageDropCounts {
  /** Over the per-tab rate limit, or arrived while the worker's queue for the tab was full. */
  rate: number;
  /** Over the page-reported share of the log (or of the storage quota): never stored, nothing evicted. */
  share: number;
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
  /**
   * Turns the page hook on or off for one concrete origin (on a loopback origin: takes it off or puts it on
   * the list of origins switched off). Turning it on names the inspected tab: the worker agrees only when
   * that tab, as the browser reports it, is on exactly that origin.
   */
  | { v: 1; type: 'setHook'; origin: string; enabled: boolean; tabId?: number }
  /** Whether the page hook runs on one concrete origin, and whether by default. */
  | { v: 1; type: 'getHook'; origin: string }
  /** The origins the user opted in (the loopback origins, on by default, are not listed). */
  | { v: 1; type: 'getHookOrigins' }
  /** The origin of a tab's page as the browser reports it to the extension (null when it does not). */
  | { v: 1; type: 'getTabOrigin'; tabId: number }
  | { v: 1; type: 'recordInspectorExchange'; tabId: number; exchange: HttpExchange };

/** Where the page hook stands on one origin (answers `getHook` and `setHook`). */
export interface HookStatus {
  origin: string;
  /** The hook runs in this origin's pages and frames from page load (and the extension may access it). */
  on: boolean;
  /** A loopback origin: on unless the user switched it off. */
  byDefault: boolean;
}

export type BackgroundReply =
  | { ok: true; hookOrigins?: string[]; hook?: HookStatus; origin?: string | null }
  | { ok: false; error: string };

/** What the page hook sends, as JSON text (forgeable by the page: the relay and the worker validate it). */
export interface HookMessage {
  v: 1;
  exchange: unknown;
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
    case 'setHook': {
      // The origin is only typed here: the worker checks that it is one concrete origin and says why not.
      if (typeof message.origin !== 'string' || typeof message.enabled !== 'boolean') return null;
      if (message.tabId !== undefined && !isTabId(message.tabId)) return null;
      return {
        v: 1,
        type: 'setHook',
        origin: message.origin,
        enabled: message.enabled,
        ...(message.tabId !== undefined ? { tabId: message.tabId } : {}),
      };
    }
    case 'getHook':
      // Only typed here, as for setHook: the worker says why an origin is not one.
      return typeof message.origin === 'string' ? { v: 1, type: 'getHook', origin: message.origin } : null;
    case 'getHookOrigins':
      return { v: 1, type: 'getHookOrigins' };
    case 'getTabOrigin':
      return isTabId(message.tabId) ? { v: 1, type: 'getTabOrigin', tabId: message.tabId } : null;
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

/**
 * Why `value` is not one concrete web origin the page hook may be registered for, or null when it is one.
 * Concrete: what `new URL(value).origin` gives back unchanged (scheme, host and a non-default port, nothing
 * else: no path, no user info, lower-case, punycode), http or https only, and no `*` anywhere, since the
 * origin becomes a match pattern (`<origin>/*`) in which `*` is a wildcard (`https://*` would be every
 * site; the URL parser accepts `*` as a host).
 */
export function originProblem(value: string): string | null {
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value.includes('*')) return `${shown} has a wildcard: the page hook is for one site at a time`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${shown} is not an origin`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${shown} is not an http or https origin`;
  if (url.username !== '' || url.password !== '') return `${shown} has user info: not an origin`;
  if (url.origin !== value)
    return `${shown} is not exactly one origin (scheme://host[:port], as the browser writes it)`;
  return null;
}

/** Whether `value` is one concrete http(s) origin (see {@link originProblem}). */
export function isConcreteOrigin(value: unknown): value is string {
  return typeof value === 'string' && originProblem(value) === null;
}

/**
 * The concrete origin of a page at `url` (a URL the browser reported), or null for anything that is not an
 * http(s) page: chrome://, about:, data:, blob:, file:, view-source: and so on.
 */
export function concreteOriginOf(url: string | undefined): string | null {
  if (url === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return isConcreteOrigin(parsed.origin) ? parsed.origin : null;
}

/** Storage keys, in one place so the panel and the worker cannot drift apart. */
export const storageKeys = {
  tab: (tabId: number) => `tab:${tabId}`,
  exchange: (id: string) => `ex:${id}`,
  pending: (requestId: string) => `wr:${requestId}`,
  /** In `storage.local`: the page hook's settings (src/shared/permissions.ts, `PageHookSettings`). */
  pageHookSettings: 'page-hook',
  /** The tabs whose logs hold page-only exchanges: where to evict first when the storage quota is reached. */
  pageTabs: 'page-tabs',
  /** Set when background capture was granted since the extension started: it works from its next start. */
  backgroundCapturePending: 'bg-capture-pending',
  isTab: (key: string) => key.startsWith('tab:'),
  isExchange: (key: string) => key.startsWith('ex:'),
  tabOfExchangeKey: (key: string) => Number(key.slice(3, key.indexOf('-'))),
};
