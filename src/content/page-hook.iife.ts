/**
 * The page hook, injected into the MAIN world at document_start of every frame of the loopback origins (on by
 * default; each can be switched off) and of the origins the user opted in, so that step-up traffic is captured
 * with bodies while DevTools is closed. It runs on every fetch of the page: anything that is not step-up
 * traffic must pass through with one string search and no allocation (the bench measures it:
 * docs/performance.md).
 * It reads copies (Response.clone) and never changes what the page sends or receives. Told to stand down by
 * its relay (an origin switched off that the browser could not leave out), it captures nothing more.
 *
 * What it captured waits in a queue and goes to the isolated relay once the page has been quiet for QUIET_MS
 * (at most MAX_WAIT_MS after the first), in an idle moment of the page's main thread, and at once when the
 * page is hidden or unloads. Each exchange goes as a synchronous DOM event whose detail is its JSON: the relay
 * handles it before dispatchEvent returns, so nothing is left behind in a message queue when the page goes.
 */
import { isStepUpApiUrl } from '../core/capture/relevance.ts';
import { HOOK_EVENT, HOOK_OFF_EVENT, MAX_PAGE_BATCH } from '../shared/messages.ts';

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

const QUIET_MS = 10;
const MAX_WAIT_MS = 100;
/** How long a busy page may hold a due batch back. */
const IDLE_TIMEOUT_MS = 50;

// Taken at document_start, before the page's scripts could replace them.
const doc = document;
const dispatch = EventTarget.prototype.dispatchEvent;
const Custom = CustomEvent;
const stringify = JSON.stringify;
const later = setTimeout;
const cancel = clearTimeout;
const whenIdle: (run: () => void) => void = w.requestIdleCallback
  ? (run) => w.requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS })
  : (run) => later(run, 0);

/** Exchanges to send, built when sent (the work waits for an idle moment too). */
let queue: (() => Record<string, unknown>)[] = [];
let firstAt = 0;
let lastAt = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let waitingForIdle = false;
let off = false;

function flush(): void {
  if (timer !== undefined) cancel(timer);
  timer = undefined;
  waitingForIdle = false;
  const builds = queue;
  queue = [];
  for (const build of builds) {
    let detail: string;
    try {
      detail = stringify({ v: 1, exchange: build() });
    } catch {
      continue; // a body that cannot be serialised is not worth losing the others for
    }
    dispatch.call(doc, new Custom(HOOK_EVENT, { detail }));
  }
}

/** Arms one timer per burst (not one per exchange): when it fires early, it waits out the rest. */
function wake(): void {
  timer = undefined;
  const now = Date.now();
  const due = Math.min(lastAt + QUIET_MS, firstAt + MAX_WAIT_MS);
  if (now < due) {
    timer = later(wake, due - now);
    return;
  }
  waitingForIdle = true;
  whenIdle(() => {
    if (waitingForIdle) flush();
  });
}

function post(build: () => Record<string, unknown>): void {
  if (off) return;
  lastAt = Date.now();
  if (queue.length === 0) firstAt = lastAt;
  queue.push(build);
  if (queue.length >= MAX_PAGE_BATCH) return flush();
  if (timer === undefined && !waitingForIdle) timer = later(wake, QUIET_MS);
}

w.addEventListener('pagehide', flush);
doc.addEventListener(HOOK_OFF_EVENT, () => {
  off = true;
  queue = [];
});
doc.addEventListener('visibilitychange', () => {
  if (doc.visibilityState === 'hidden') flush();
});

function bearer(auth: string | null | undefined): boolean {
  return auth != null && BEARER_JWT.test(auth.trim());
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

/** The URL as fetch and XHR resolve it: against the document's base URL. */
function absolute(url: string): string {
  try {
    return new URL(url, doc.baseURI).href;
  } catch {
    return url;
  }
}

/** Shared by every exchange without a body: only ever serialised. */
const absent: Bdy = { kind: 'absent' };

function bodyOf(body: unknown): Bdy {
  return typeof body === 'string' || body instanceof URLSearchParams ? text(String(body)) : absent;
}

if (!w.__stepupHook) {
  w.__stepupHook = true;
  const originalFetch = w.fetch;

  w.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    if (off) return originalFetch.call(this, input, init);
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
    const startedAt = Date.now();
    // A Request's body is gone once sent: its copy must be taken first.
    const requestCopy =
      init?.body === undefined && input instanceof Request && input.body ? input.clone().text() : null;
    const result = originalFetch.call(this, input, init);
    // Everything else is read when the exchange is built, in an idle moment: right after a fetch call even
    // `new Headers` and `new URL` are a measurable cost (docs/performance.md). A Headers object may be reused
    // and changed by the page, so that one is copied now; a record or a list is what SDKs build per request.
    const copied = initHeaders instanceof Headers ? list(initHeaders) : undefined;
    const base = () => {
      let requestHeaders: Hdr[];
      try {
        requestHeaders =
          copied ?? list(new Headers(initHeaders ?? (input instanceof Request ? input.headers : undefined)));
      } catch {
        requestHeaders = []; // headers fetch refused: the promise it returned says why
      }
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      return { method, url: absolute(url), requestHeaders, startedAt };
    };
    // When the response arrives only the clone is made (it must precede the page's own read of the body,
    // and does: this reaction was attached first); the exchange is built and sent later, when the page is idle.
    void (async () => {
      let response: Response | undefined;
      let failure: unknown;
      let responseText: string | undefined;
      try {
        response = await result;
        responseText = await response.clone().text();
      } catch (error) {
        // A failed fetch; or a body already used, or unreadable: then headers and status only.
        if (!response) failure = error;
      }
      const endedAt = Date.now();
      const requestText = requestCopy ? await requestCopy.catch(() => '') : undefined;
      post(() => ({
        ...base(),
        requestBody: requestText !== undefined ? text(requestText) : bodyOf(init?.body),
        status: response?.status ?? 0,
        statusText: response?.statusText,
        responseHeaders: response ? list(response.headers) : [],
        responseBody: responseText === undefined ? absent : text(responseText),
        endedAt,
        ...(response ? {} : { error: String(failure) }),
      }));
    })();
    return result;
  };

  const XHR = XMLHttpRequest.prototype;
  const open = XHR.open;
  const setHeader = XHR.setRequestHeader;
  const send = XHR.send;
  type Tracked = XMLHttpRequest & { __stepup?: { method: string; url: string; headers: Hdr[] } };

  XHR.open = function (this: Tracked, method: string, url: string | URL, ...rest: unknown[]) {
    this.__stepup = { method: method.toUpperCase(), url: String(url), headers: [] };
    return (open as (...args: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof XHR.open;

  XHR.setRequestHeader = function (this: Tracked, name: string, value: string) {
    this.__stepup?.headers.push({ name, value });
    return setHeader.call(this, name, value);
  };

  XHR.send = function (this: Tracked, body?: Document | XMLHttpRequestBodyInit | null) {
    const info = this.__stepup;
    const auth = info?.headers.find((h) => h.name.toLowerCase() === 'authorization')?.value;
    if (info && !off && (isStepUpApiUrl(info.url) || bearer(auth))) {
      const startedAt = Date.now();
      const requestBody = bodyOf(body);
      this.addEventListener('loadend', () => {
        const endedAt = Date.now();
        let responseText: string | undefined;
        try {
          responseText =
            this.responseType === '' || this.responseType === 'text'
              ? this.responseText
              : this.responseType === 'json'
                ? stringify(this.response)
                : undefined;
        } catch {
          responseText = undefined;
        }
        // One `name: value` line per header, each ended by CRLF (the XHR standard's own format).
        const responseHeaders = this.getAllResponseHeaders()
          .split('\r\n')
          .filter(Boolean)
          .map((line) => {
            const at = line.indexOf(':');
            return { name: line.slice(0, at), value: line.slice(at + 2) };
          });
        post(() => ({
          method: info.method,
          url: absolute(info.url),
          requestHeaders: info.headers,
          requestBody,
          status: this.status,
          statusText: this.statusText,
          responseHeaders,
          responseBody: responseText === undefined ? absent : text(responseText),
          startedAt,
          endedAt,
          ...(this.status === 0 ? { error: 'XMLHttpRequest failed' } : {}),
        }));
      });
    }
    return send.call(this, body);
  };
}
