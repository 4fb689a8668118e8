/**
 * The unit everything in the inspector works on: one HTTP request and its response, as captured by one or
 * more sources (the service worker's webRequest, the DevTools network API, the page hook, a HAR file,
 * or the inspector's own replay).
 */

/** Where a piece of an exchange was seen. Several sources may contribute to one exchange. */
export type ExchangeSource = 'webrequest' | 'devtools' | 'page-hook' | 'har' | 'import' | 'inspector';

/** One header line. Order and case are kept as captured; look-ups go through `headers.ts`. */
export interface Header {
  name: string;
  value: string;
  /**
   * The value was cut to a size limit when a file was loaded: what is left is its beginning, so a token in it
   * cannot be read or checked.
   */
  truncated?: boolean;
}

/**
 * A request or response body. `absent` means no source could see it (webRequest never sees response bodies),
 * which is different from an empty body (`text` with `text: ''`).
 */
export type Body =
  | { kind: 'absent'; dropped?: DroppedBody }
  | { kind: 'text'; text: string; mimeType?: string; truncated?: boolean; size?: number }
  | { kind: 'base64'; base64: string; mimeType?: string; truncated?: boolean; size?: number };

/**
 * A body a redacted export left out because the redactor could not read all of it (not UTF-8, binary,
 * truncated, a multipart it could not walk, malformed JSON): only its type, size and the reason remain.
 */
export interface DroppedBody {
  reason: string;
  mimeType?: string;
  /** Size in bytes of the body that was dropped. */
  size?: number;
}

export interface HttpExchange {
  /** Stable identifier, unique within one log. */
  id: string;
  method: string;
  /** Absolute URL including query string. */
  url: string;
  requestHeaders: Header[];
  requestBody: Body;
  /** HTTP status; 0 when no response arrived (network error, blocked, aborted). */
  status: number;
  statusText?: string;
  responseHeaders: Header[];
  responseBody: Body;
  /** Epoch milliseconds when the request started. */
  startedAt: number;
  /** Epoch milliseconds when the response finished, when known. */
  endedAt?: number;
  /** Network-level failure text (e.g. `net::ERR_CONNECTION_REFUSED`), when status is 0. */
  error?: string;
  sources: ExchangeSource[];
  /** Who sent it: the inspected page, or the inspector's replay/retry buttons. */
  initiator?: 'page' | 'inspector';
  /**
   * True when any part came from the page hook: code the page controls could have shaped it, so views mark it
   * and nothing is ever triggered from it alone.
   */
  pageReported?: boolean;
}
