/**
 * Header look-ups over captured header lists. Captures keep names in the case and order they were seen
 * (HTTP/2 lower-cases them, HTTP/1.1 proxies may not), so every look-up here is case-insensitive.
 */
import type { Header } from './exchange.ts';

/**
 * The value of the first header called `name` (case-insensitive), or `undefined` when there is none.
 * Tolerates malformed entries (non-string names) because header lists can come from imported files.
 */
export function getHeader(headers: readonly Header[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const header of headers) {
    if (typeof header?.name === 'string' && header.name.toLowerCase() === wanted) return header.value;
  }
  return undefined;
}

/**
 * Every value of the headers called `name` (case-insensitive), in capture order. Values are not split on
 * commas: `Set-Cookie` and `WWW-Authenticate` carry commas inside single values.
 */
export function getHeaderValues(headers: readonly Header[], name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const header of headers) {
    if (typeof header?.name === 'string' && header.name.toLowerCase() === wanted) values.push(header.value);
  }
  return values;
}

/** True when at least one header is called `name` (case-insensitive), even with an empty value. */
export function hasHeader(headers: readonly Header[], name: string): boolean {
  return getHeader(headers, name) !== undefined;
}

/** Options for {@link headerListContains}. */
export interface HeaderListOptions {
  /**
   * Whether the request was sent with credentials (cookies, `credentials: "include"`). Defaults to `true`
   * because the SDKs whose calls are checked send nearly all of them with credentials; a caller passes `false`
   * for the exceptions its provider documents.
   */
  credentials?: boolean;
}

/**
 * True when the comma-separated token list in the `headerName` headers (all lines together, as the Fetch
 * spec combines them) names `token`, case-insensitively. Meant for `Access-Control-Expose-Headers`,
 * `Access-Control-Allow-Headers` and `Vary`.
 *
 * A `*` entry matches every token only for requests without credentials: for credentialed requests the
 * Fetch standard reads `*` as a header literally called "*" (Fetch §3.2.3 "CORS protocol and
 * credentials"), so a server that answers a credentialed call with `Access-Control-Expose-Headers: *`
 * still hides `DPoP-Nonce` from the page. Pass `{ credentials: false }` for non-credentialed requests.
 */
export function headerListContains(
  headers: readonly Header[],
  headerName: string,
  token: string,
  options: HeaderListOptions = {},
): boolean {
  const credentials = options.credentials ?? true;
  const wanted = token.trim().toLowerCase();
  for (const value of getHeaderValues(headers, headerName)) {
    if (typeof value !== 'string') continue;
    for (const item of value.split(',')) {
      const candidate = item.trim().toLowerCase();
      if (candidate === wanted) return true;
      if (candidate === '*' && !credentials) return true;
    }
  }
  return false;
}

/**
 * Request headers a page cannot set (Fetch standard, "forbidden request-header": `fetch` drops them silently or
 * the browser sets its own), plus `User-Agent`, which Chrome still ignores. Lower case.
 */
export const FORBIDDEN_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'access-control-request-private-network',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'via',
]);

/** Whether a page's `fetch` can send a header of this (lower-case) name: not forbidden, not `Sec-`/`Proxy-`. */
export function isForbiddenRequestHeader(lowerName: string): boolean {
  return (
    lowerName.startsWith(':') ||
    lowerName.startsWith('proxy-') ||
    lowerName.startsWith('sec-') ||
    FORBIDDEN_REQUEST_HEADERS.has(lowerName)
  );
}
