/**
 * The opt-in page hook, injected into the MAIN world at document_start of sites the user chose, so that
 * step-up traffic is captured with bodies before DevTools is opened. It runs on every fetch of the page:
 * anything that is not step-up traffic must pass through with one string search and no allocation (the
 * bench measures it: docs/performance.md).
 * It reads copies (Response.clone) and never changes what the page sends or receives.
 */
import { isStepUpApiUrl } from '../core/capture/relevance.ts';
import { HOOK_MESSAGE_TAG } from '../shared/messages.ts';

type Hdr = { name: string; value: string };
type Bdy = { kind: 'absent' } | { kind: 'text'; text: string; truncated?: boolean; size?: number };

const MAX_BODY = 256 * 1024;
const BEARER_JWT = /^(bearer|dpop) [\w-]+\.[\w-]+\.[\w-]*$/i;
const w = window as Window & { __stepupHook?: boolean };

function text(value: string): Bdy {
  return value.length > MAX_BODY
    ? { kind: 'text', text: value.slice(0, MAX_BODY), truncated: true, size: value.length }
    : { kind: 'text', text: value };
}

function list(headers: Headers): Hdr[] {
  const out: Hdr[] = [];
  headers.forEach((value, name) => out.push({ name, value }));
  return out;
}

/** A document's origin never changes: read it once. */
const target = w.location.origin === 'null' ? '*' : w.location.origin;

function post(exchange: Record<string, unknown>): void {
  w.postMessage({ tag: HOOK_MESSAGE_TAG, v: 1, exchange }, target);
}

function bearer(auth: string | null | undefined): boolean {
  return auth != null && BEARER_JWT.test(auth.trim());
}

function relevant(url: string, auth: string | null | undefined): boolean {
  return isStepUpApiUrl(url) || bearer(auth);
}

/**
 * The Authorization value of fetch's `init.headers` (a Headers, a record or a list of pairs), found without
 * building a Headers object: null when there is none. Throws on shapes Headers would refuse.
 */
function authOf(headers: HeadersInit): string | null {
  if (headers instanceof Headers) return headers.get('authorization');
  if (Array.isArray(headers)) {
    for (const [name, value] of headers)
      if (String(name).toLowerCase() === 'authorization') return String(value);
    return null;
  }
  for (const name in headers)
    if (name.toLowerCase() === 'authorization') return String((headers as Record<string, string>)[name]);
  return null;
}

function absolute(url: string): string {
  try {
    return new URL(url, w.location.href).href;
  } catch {
    return url;
  }
}

function bodyOf(body: unknown): Bdy {
  if (typeof body === 'string') return text(body);
  if (body instanceof URLSearchParams) return text(body.toString());
  return { kind: 'absent' };
}

if (!w.__stepupHook) {
  w.__stepupHook = true;
  const originalFetch = w.fetch;

  w.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const initHeaders = init?.headers;
    // Fast path: no step-up marker in the URL and no bearer JWT in the Authorization header, if any; found
    // with a string search and a look at the given headers, no allocation.
    if (!isStepUpApiUrl(url)) {
      let auth: string | null;
      try {
        auth =
          initHeaders != null
            ? authOf(initHeaders)
            : input instanceof Request
              ? input.headers.get('authorization')
              : null;
      } catch {
        auth = null; // headers fetch itself will refuse: let it
      }
      if (!bearer(auth)) return originalFetch.call(this, input, init);
    }
    const headers = new Headers(initHeaders ?? (input instanceof Request ? input.headers : undefined));
    if (!relevant(url, headers.get('authorization'))) return originalFetch.call(this, input, init);

    const startedAt = Date.now();
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const requestCopy =
      init?.body === undefined && input instanceof Request && input.body ? input.clone().text() : null;
    const result = originalFetch.call(this, input, init);
    const base = { method, url: absolute(url), requestHeaders: list(headers), startedAt };
    void (async () => {
      const requestBody = requestCopy ? text(await requestCopy.catch(() => '')) : bodyOf(init?.body);
      try {
        const response = await result;
        const responseText = await response
          .clone()
          .text()
          .catch(() => undefined);
        post({
          ...base,
          requestBody,
          status: response.status,
          statusText: response.statusText,
          responseHeaders: list(response.headers),
          responseBody: responseText === undefined ? { kind: 'absent' } : text(responseText),
          endedAt: Date.now(),
        });
      } catch (error) {
        post({
          ...base,
          requestBody,
          status: 0,
          responseHeaders: [],
          responseBody: { kind: 'absent' },
          endedAt: Date.now(),
          error: String(error),
        });
      }
    })();
    return result;
  };

  const XHR = XMLHttpRequest.prototype;
  const open = XHR.open;
  const setHeader = XHR.setRequestHeader;
  const send = XHR.send;
  type Tracked = XMLHttpRequest & { __stepup?: { method: string; url: string; headers: Hdr[] } };

  XHR.open = function (this: Tracked, method: string, url: string | URL, ...rest: unknown[]) {
    const href = String(url);
    this.__stepup = { method: method.toUpperCase(), url: href, headers: [] };
    return (open as (...args: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof XHR.open;

  XHR.setRequestHeader = function (this: Tracked, name: string, value: string) {
    this.__stepup?.headers.push({ name, value });
    return setHeader.call(this, name, value);
  };

  XHR.send = function (this: Tracked, body?: Document | XMLHttpRequestBodyInit | null) {
    const info = this.__stepup;
    const auth = info?.headers.find((h) => h.name.toLowerCase() === 'authorization')?.value;
    if (info && relevant(info.url, auth)) {
      const startedAt = Date.now();
      const requestBody = bodyOf(body);
      this.addEventListener('loadend', () => {
        let responseText: string | undefined;
        try {
          responseText =
            this.responseType === '' || this.responseType === 'text'
              ? this.responseText
              : this.responseType === 'json'
                ? JSON.stringify(this.response)
                : undefined;
        } catch {
          responseText = undefined;
        }
        const responseHeaders = this.getAllResponseHeaders()
          .trim()
          .split(/[\r\n]+/)
          .filter(Boolean)
          .map((line) => {
            const at = line.indexOf(':');
            return { name: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
          });
        post({
          method: info.method,
          url: absolute(info.url),
          requestHeaders: info.headers,
          requestBody,
          status: this.status,
          statusText: this.statusText,
          responseHeaders,
          responseBody: responseText === undefined ? { kind: 'absent' } : text(responseText),
          startedAt,
          endedAt: Date.now(),
          ...(this.status === 0 ? { error: 'XMLHttpRequest failed' } : {}),
        });
      });
    }
    return send.call(this, body);
  };
}
