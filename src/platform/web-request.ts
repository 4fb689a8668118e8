/**
 * chrome.webRequest, observe only. 'extraHeaders' is what makes Chrome report the headers it otherwise
 * hides from extensions; without it DPoP proofs would be visible but some Authorization/Cookie lines not.
 * See https://developer.chrome.com/docs/extensions/reference/api/webRequest#life_cycle_of_requests
 *
 * Firefox has no 'extraHeaders' (its schema rejects the value, and addListener throws, losing every later
 * listener): it reports every header without being asked. The options are chosen per browser here, once.
 */
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

const FILTER: WebRequest.RequestFilter = { urls: ['<all_urls>'] };

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
 * Subscribes to the request life cycle for every URL the extension has host permission for; the caller
 * filters. Call synchronously at the service worker's top level so events that wake it are delivered.
 */
export function observeWebRequests(listener: (event: WebRequestEvent) => void): void {
  browser.webRequest.onBeforeRequest.addListener(
    (d) => {
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
    },
    FILTER,
    ['requestBody'],
  );
  browser.webRequest.onSendHeaders.addListener(
    (d) =>
      listener({
        kind: 'sendHeaders',
        requestId: d.requestId,
        tabId: d.tabId,
        headers: (d.requestHeaders ?? []) as WrHeader[],
      }),
    FILTER,
    headerOptions('requestHeaders'),
  );
  browser.webRequest.onCompleted.addListener(
    (d) =>
      listener({
        kind: 'completed',
        requestId: d.requestId,
        tabId: d.tabId,
        status: d.statusCode,
        statusLine: d.statusLine,
        headers: (d.responseHeaders ?? []) as WrHeader[],
        timeStamp: d.timeStamp,
        fromCache: d.fromCache,
      }),
    FILTER,
    headerOptions('responseHeaders'),
  );
  browser.webRequest.onErrorOccurred.addListener(
    (d) =>
      listener({
        kind: 'error',
        requestId: d.requestId,
        tabId: d.tabId,
        error: d.error,
        timeStamp: d.timeStamp,
      }),
    FILTER,
  );
}
