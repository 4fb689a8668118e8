/**
 * The `htu` comparison of RFC 9449 §4.3 (check 9): the proof's `htu` must match the request's target URI,
 * ignoring query and fragment, after syntax- and scheme-based normalisation (RFC 3986 §6.2.2, §6.2.3).
 */

/** Unreserved characters (RFC 3986 §2.3): percent-encoding them is not significant (§6.2.2.2). */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Normalises an `htu` value or a request URL for comparison: scheme and host lower-cased, IDNs in punycode, the
 * default port dropped, dot segments resolved, an empty path made `/`, percent-encoding hex upper-cased and
 * percent-encoded unreserved characters decoded; query and fragment removed. The path is otherwise kept as is
 * (its case and any trailing slash are significant). Returns `null` for anything that is not an absolute
 * `http:`/`https:` URL, since DPoP only binds HTTP requests.
 */
export function normaliseHtu(url: string): string | null {
  if (typeof url !== 'string') return null;
  let parsed: URL;
  try {
    // The WHATWG parser does the RFC 3986 §6.2.3 scheme-based work (default port, empty path, host case).
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const userinfo =
    parsed.username || parsed.password
      ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
      : '';
  return `${parsed.protocol}//${userinfo}${parsed.host}${normalisePercentEncoding(parsed.pathname)}`;
}

/** Whether a proof's `htu` names the same resource as the request URL, per {@link normaliseHtu}. */
export function htuMatches(htu: string, requestUrl: string): boolean {
  const a = normaliseHtu(htu);
  return a !== null && a === normaliseHtu(requestUrl);
}

function normalisePercentEncoding(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
