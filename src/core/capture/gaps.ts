/**
 * Gaps in the capture: step-up API calls the inspected page made that the tab's log does not hold (they happened
 * while DevTools was closed on a site without the page hook, before the inspector loaded, in a frame the hook
 * does not watch…). The page's own record of what it fetched, its resource timing, is compared with the log.
 *
 * That record is read in the page, whose script controls every global the reading code touches: what comes back
 * is a hint and nothing more. It is checked here shape by shape and bounded in size before anything looks at it,
 * only URLs and times are taken from it, the URLs are judged by the inspector's own classifier (the page does not
 * decide what counts), and nothing of it is ever shown but a count and the API name of a provider it matched.
 */
import { PROVIDERS } from '../providers/registry.ts';
import type { HttpExchange } from '../http/exchange.ts';
import { isRecord } from '../util.ts';
import { isStepUpApiUrl } from './relevance.ts';

/** How much of the page's record is read and accepted (the collector in the page and the parser share them). */
export interface ResourceHintLimits {
  /** Documents: the top one and its same-origin child frames. */
  documents: number;
  /** Entries over all documents (the most recent of each document are kept). */
  entries: number;
  /** Longest URL taken; a longer one is passed as `null` and not classified. */
  urlLength: number;
  /** Longest `initiatorType` taken. */
  initiatorLength: number;
}

export const RESOURCE_HINT_LIMITS: ResourceHintLimits = {
  documents: 16,
  entries: 1000,
  urlLength: 4096,
  initiatorLength: 32,
};

/**
 * The resource timing buffer's size when the page has not changed it (Resource Timing Level 2): from this many
 * entries on, newer ones may have been dropped, so a count is a lower bound.
 */
export const DEFAULT_RESOURCE_BUFFER = 250;

/** One step-up API call the page's record lists. */
export interface HintedCall {
  /** The request URL without its fragment. */
  url: string;
  /** Epoch milliseconds the request started, on the page's clock. */
  startedAt: number;
  /** Epoch milliseconds its response ended (when the page recorded it). */
  endedAt: number;
  /** The API it belongs to, as its provider's presentation names it. */
  apiName: string;
  /** Made by a child frame's document, not the top one. */
  inFrame: boolean;
}

/** What the page's record says, once checked: its step-up API calls and whether the record can be complete. */
export interface ResourceHint {
  /** The top document's time origin (epoch ms): identifies this page load. */
  pageLoad: number;
  calls: readonly HintedCall[];
  /** Entries may be missing (a full buffer, entries past the cap): counts are lower bounds. */
  incomplete: boolean;
}

/** What the page collector returns for one document (the shape the parser accepts, and nothing else). */
export interface RawDocumentTiming {
  timeOrigin: number;
  /** Resource entries the document holds (more than `entries` when the collector cut them). */
  total: number;
  frame: boolean;
  entries: { name: string | null; startTime: number; duration: number; initiatorType: string }[];
}

/** Time origins outside these bounds (epoch ms, 2001 to 2286) are not a real page load. */
const MIN_EPOCH_MS = 1e12;
const MAX_EPOCH_MS = 1e13;
/** A page's relative times (ms since its time origin) beyond a year are not real either. */
const MAX_RELATIVE_MS = 365 * 24 * 3600 * 1000;

const finiteIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

const hasOnly = (record: Record<string, unknown>, keys: readonly string[]): boolean =>
  Object.keys(record).every((key) => keys.includes(key));

const stripFragment = (url: string): string => {
  const at = url.indexOf('#');
  return at === -1 ? url : url.slice(0, at);
};

/** The API name of a provider whose capture patterns match `url` (the rule of `isStepUpApiUrl`, per provider). */
function apiNameOf(url: string): string | null {
  if (!isStepUpApiUrl(url)) return null;
  const query = url.indexOf('?');
  for (const provider of PROVIDERS) {
    const { pathMarkers, urlPrefixes } = provider.capture;
    const inPath = pathMarkers.some((marker) => {
      const at = url.indexOf(marker);
      return at > 0 && (query === -1 || at < query);
    });
    if (inPath || urlPrefixes.some((prefix) => url.startsWith(prefix)))
      return provider.presentation?.apiName ?? null;
  }
  return null;
}

/**
 * Checks what the page collector returned and keeps the step-up API calls in it. Anything not exactly of the
 * collector's shape and within `limits` (a page that replaced the globals the collector reads can answer
 * anything) gives `null`: no hint at all, rather than a guess. Never throws.
 */
export function parseResourceHint(
  raw: unknown,
  limits: ResourceHintLimits = RESOURCE_HINT_LIMITS,
): ResourceHint | null {
  try {
    if (!isRecord(raw) || !hasOnly(raw, ['documents'])) return null;
    const documents = raw['documents'];
    if (!Array.isArray(documents) || documents.length === 0 || documents.length > limits.documents)
      return null;
    const calls: HintedCall[] = [];
    let incomplete = false;
    let entries = 0;
    let pageLoad = 0;
    for (const [index, doc] of documents.entries()) {
      if (!isRecord(doc) || !hasOnly(doc, ['timeOrigin', 'total', 'frame', 'entries'])) return null;
      const { timeOrigin, total, frame, entries: list } = doc;
      if (!finiteIn(timeOrigin, MIN_EPOCH_MS, MAX_EPOCH_MS)) return null;
      // The first document is the top one, and only the first.
      if (typeof frame !== 'boolean' || frame !== index > 0) return null;
      if (!Array.isArray(list) || !Number.isInteger(total) || !finiteIn(total, list.length, 1e7)) return null;
      entries += list.length;
      if (entries > limits.entries) return null;
      if (index === 0) pageLoad = timeOrigin;
      if (total > list.length || total >= DEFAULT_RESOURCE_BUFFER) incomplete = true;
      for (const entry of list) {
        const call = parseEntry(entry, timeOrigin, frame, limits);
        if (call === undefined) return null;
        if (call !== null) calls.push(call);
      }
    }
    calls.sort((a, b) => a.startedAt - b.startedAt);
    return { pageLoad, calls, incomplete };
  } catch {
    return null;
  }
}

/** One entry as a call, `null` when it is not a step-up API call, `undefined` when it is malformed. */
function parseEntry(
  entry: unknown,
  timeOrigin: number,
  inFrame: boolean,
  limits: ResourceHintLimits,
): HintedCall | null | undefined {
  if (!isRecord(entry) || !hasOnly(entry, ['name', 'startTime', 'duration', 'initiatorType']))
    return undefined;
  const { name, startTime, duration, initiatorType } = entry;
  // Browsers do report odd times (Chromium: a negative duration for a worker's script): any number within
  // bounds is accepted, and a negative duration read as none.
  const bounded = (value: unknown): value is number => finiteIn(value, -MAX_RELATIVE_MS, MAX_RELATIVE_MS);
  if (!bounded(startTime) || !bounded(duration)) return undefined;
  if (typeof initiatorType !== 'string' || initiatorType.length > limits.initiatorLength) return undefined;
  // A URL longer than the collector takes is passed as null: counted in nothing, as no API URL is that long.
  if (name === null) return null;
  if (typeof name !== 'string' || name.length > limits.urlLength) return undefined;
  const url = stripFragment(name);
  const apiName = apiNameOf(url);
  if (apiName === null) return null;
  const startedAt = timeOrigin + startTime;
  return { url, startedAt, endedAt: startedAt + Math.max(0, duration), apiName, inFrame };
}

/** Options of {@link findGaps}. */
export interface GapOptions {
  /** Now, epoch ms (the panel's clock). */
  now: number;
  /**
   * How far apart the log's start of a request and the page's may be and still be the same request: capture
   * sources date a request when they see it, the page when it calls fetch, and the page's time origin is read
   * from the wall clock once per load while its relative times follow a monotonic clock.
   */
  toleranceMs?: number;
  /**
   * A call that ended less than this long ago may still be on its way to the log (the page hook sends its
   * captures once the page is quiet, DevTools after reading the body): it is `pending`, not missed.
   */
  settleMs?: number;
  /**
   * Calls that started before this (epoch ms) are not judged: the log no longer holds that time (the user
   * cleared it, or the oldest exchanges were evicted to make room).
   */
  ignoreBefore?: number;
}

export const GAP_TOLERANCE_MS = 2000;
export const GAP_SETTLE_MS = 1500;

/** Step-up API calls of one page load that the log does not hold. */
export interface GapReport {
  /** The page load compared (its time origin). */
  pageLoad: number;
  /** Calls the page made that no exchange of the log matches. */
  missed: number;
  /** The page's record may be missing entries: there were at least `missed`. */
  atLeast: boolean;
  /** Of the missed calls, those a child frame made. */
  inFrames: number;
  /** The API names of the missed calls' providers, distinct, in order of first appearance. */
  apiNames: readonly string[];
  /** Unmatched calls too recent to tell: their capture may still be arriving. */
  pending: number;
  /** Epoch ms at which the oldest pending call is settled (compare again then), or null. */
  settlesAt: number | null;
}

/**
 * Compares the page's step-up API calls with the log's exchanges. A call and an exchange match when their URLs
 * are equal (the method is not in the page's record) and they started within the tolerance; each exchange
 * matches at most one call, and same-URL calls pair with same-URL exchanges in time order (which leaves the
 * fewest unmatched when the windows are of equal width). CORS preflights are not in the page's record, so the
 * log's `OPTIONS` exchanges are left out.
 */
export function findGaps(
  hint: ResourceHint,
  exchanges: readonly HttpExchange[],
  options: GapOptions,
): GapReport {
  const tolerance = options.toleranceMs ?? GAP_TOLERANCE_MS;
  const settle = options.settleMs ?? GAP_SETTLE_MS;
  const byUrl = new Map<string, number[]>();
  for (const exchange of exchanges) {
    if (exchange.method.toUpperCase() === 'OPTIONS') continue;
    if (!(exchange.startedAt >= hint.pageLoad - tolerance)) continue;
    const url = stripFragment(exchange.url);
    const times = byUrl.get(url);
    if (times) times.push(exchange.startedAt);
    else byUrl.set(url, [exchange.startedAt]);
  }
  for (const times of byUrl.values()) times.sort((a, b) => a - b);

  const next = new Map<string, number>();
  let missed = 0;
  let inFrames = 0;
  let pending = 0;
  let settlesAt: number | null = null;
  const apiNames: string[] = [];
  // hint.calls is in start order: per URL, a two-pointer walk over the exchanges' start times.
  for (const call of hint.calls) {
    if (options.ignoreBefore !== undefined && call.startedAt < options.ignoreBefore) continue;
    const times = byUrl.get(call.url) ?? [];
    let at = next.get(call.url) ?? 0;
    while (at < times.length && (times[at] as number) < call.startedAt - tolerance) at += 1;
    if (at < times.length && (times[at] as number) <= call.startedAt + tolerance) {
      next.set(call.url, at + 1);
      continue;
    }
    next.set(call.url, at);
    if (call.endedAt > options.now - settle) {
      pending += 1;
      const settled = call.endedAt + settle;
      settlesAt = settlesAt === null ? settled : Math.min(settlesAt, settled);
      continue;
    }
    missed += 1;
    if (call.inFrame) inFrames += 1;
    if (!apiNames.includes(call.apiName)) apiNames.push(call.apiName);
  }
  return {
    pageLoad: hint.pageLoad,
    missed,
    atLeast: hint.incomplete,
    inFrames,
    apiNames,
    pending,
    settlesAt,
  };
}
