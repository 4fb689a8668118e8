/**
 * chrome.webRequest, observe only, and only while the user has granted the optional `webRequest`
 * permission ("background capture"). Chromium routes every request of every page through the browser
 * process as soon as any loaded extension holds that permission, listeners or not (WebRequestAPI's
 * MayHaveProxies), which slows pages the extension never looks at (measured in docs/performance.md). So the
 * permission is optional and the listeners are added when it is granted.
 * 'extraHeaders' is what makes Chrome report the headers it otherwise hides from extensions; without it
 * DPoP proofs would be visible but some Authorization/Cookie lines not.
 * See https://developer.chrome.com/docs/extensions/reference/api/webRequest#life_cycle_of_requests
 *
 * Firefox has no 'extraHeaders' (its schema rejects the value, and addListener throws, losing every later
 * listener): it reports every header without being asked. The options are chosen per browser here, once.
 */
import { CAPTURE_WEB_REQUEST_URLS } from '../core/providers/capture.ts';
import { browser, type WebRequest } from './browser.ts';
import { isFirefox } from './target.ts';

export interface WrHeader {
  name: string;
  value?: string;
  binaryValue?: number[];
}

export type WebRequestEvent =
  | {
      kind: 'before';
      requestId: string;
      tabId: number;
      method: string;
      url: string;
      timeStamp: number;
      type: string;
      body?: { text?: string; base64?: string; form?: Record<string, string[]> };
    }
  | { kind: 'sendHeaders'; requestId: string; tabId: number; headers: WrHeader[] }
  | {
      kind: 'completed';
      requestId: string;
      tabId: number;
      status: number;
      statusLine?: string;
      headers: WrHeader[];
      timeStamp: number;
      fromCache: boolean;
    }
  | { kind: 'error'; requestId: string; tabId: number; error: string; timeStamp: number };

/**
 * The step-up APIs' paths, from the providers' capture data (src/core/providers/capture.ts). Requests outside them
 * still pass through Chromium's proxy, but no event is built or dispatched for them, and 'extraHeaders' (which makes
 * the network service wait on the browser for each request's headers) applies to these URLs only.
 */
export const WEB_REQUEST_URLS: readonly string[] = CAPTURE_WEB_REQUEST_URLS;
const FILTER: WebRequest.RequestFilter = { urls: [...WEB_REQUEST_URLS] };

type HeaderOption = 'requestHeaders' | 'responseHeaders';

/** `[option, 'extraHeaders']` in Chrome, `[option]` in Firefox. */
function headerOptions<T extends HeaderOption>(option: T): (T | 'extraHeaders')[] {
  return isFirefox() ? [option] : [option, 'extraHeaders'];
}

function bytesToBody(
  raw: WebRequest.UploadData[] | undefined,
): { text?: string; base64?: string } | undefined {
  if (!raw || raw.length === 0) return undefined;
  const chunks: Uint8Array[] = [];
  for (const part of raw) {
    if (part.bytes instanceof ArrayBuffer) chunks.push(new Uint8Array(part.bytes));
    // File uploads (part.file) are not step-up traffic; they are ignored on purpose.
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(all) };
  } catch {
    let binary = '';
    for (const byte of all) binary += String.fromCharCode(byte);
    return { base64: btoa(binary) };
  }
}

/**
 * True when the webRequest API is there: it appears with a grant of the optional permission, but a running
 * worker keeps it after a withdrawal, so changes are asked of permissions.contains
 * (platform/background-capture.ts).
 */
export function webRequestGranted(): boolean {
  // The polyfill's proxy may keep a stale wrapper after a revocation: ask the browser's own namespace.
  return (globalThis as { chrome?: { webRequest?: unknown } }).chrome?.webRequest !== undefined;
}

let stop: (() => void) | undefined;

/** True while the listeners of {@link observeWebRequests} are in place. */
export function isObservingWebRequests(): boolean {
  return stop !== undefined;
}

/**
 * Subscribes to the request life cycle of the step-up API URLs the extension has host permission for,
 * when the permission is granted; returns whether it is subscribed. At the service worker's top level, call
 * it synchronously so events that wake the worker are delivered; call it again when the permission arrives.
 */
export function observeWebRequests(listener: (event: WebRequestEvent) => void): boolean {
  if (stop) return true;
  if (!webRequestGranted()) return false;
  const api = browser.webRequest;
  const before = (d: WebRequest.OnBeforeRequestDetailsType) => {
    const body = d.requestBody?.raw
      ? bytesToBody(d.requestBody.raw)
      : d.requestBody?.formData
        ? { form: d.requestBody.formData as unknown as Record<string, string[]> }
        : undefined;
    listener({
      kind: 'before',
      requestId: d.requestId,
      tabId: d.tabId,
      method: d.method,
      url: d.url,
      timeStamp: d.timeStamp,
      type: d.type,
      ...(body ? { body } : {}),
    });
    return undefined;
  };
  const sendHeaders = (d: WebRequest.OnSendHeadersDetailsType) =>
    listener({
      kind: 'sendHeaders',
      requestId: d.requestId,
      tabId: d.tabId,
      headers: (d.requestHeaders ?? []) as WrHeader[],
    });
  const completed = (d: WebRequest.OnCompletedDetailsType) =>
    listener({
      kind: 'completed',
      requestId: d.requestId,
      tabId: d.tabId,
      status: d.statusCode,
      statusLine: d.statusLine,
      headers: (d.responseHeaders ?? []) as WrHeader[],
      timeStamp: d.timeStamp,
      fromCache: d.fromCache,
    });
  const failed = (d: WebRequest.OnErrorOccurredDetailsType) =>
    listener({
      kind: 'error',
      requestId: d.requestId,
      tabId: d.tabId,
      error: d.error,
      timeStamp: d.timeStamp,
    });
  api.onBeforeRequest.addListener(before, FILTER, ['requestBody']);
  api.onSendHeaders.addListener(sendHeaders, FILTER, headerOptions('requestHeaders'));
  api.onCompleted.addListener(completed, FILTER, headerOptions('responseHeaders'));
  api.onErrorOccurred.addListener(failed, FILTER);
  stop = () => {
    try {
      api.onBeforeRequest.removeListener(before);
      api.onSendHeaders.removeListener(sendHeaders);
      api.onCompleted.removeListener(completed);
      api.onErrorOccurred.removeListener(failed);
    } catch {
      // The API went with the permission: its listeners went with it.
    }
  };
  return true;
}

/** Drops the listeners added by {@link observeWebRequests} (the permission was withdrawn). */
export function stopObservingWebRequests(): void {
  const current = stop;
  stop = undefined;
  current?.();
}
