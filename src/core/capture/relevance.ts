/**
 * Which requests the inspector keeps. Kept deliberately cheap and string-based: the page hook and the
 * service worker call it for every request of the inspected tab, and almost all of them are not ours.
 * The providers' APIs come from their capture data (src/core/providers/capture.ts); the OAuth signs of a step-up
 * (a bearer JWT, a Bearer or DPoP challenge, a DPoP proof) hold for any provider.
 */
import { API_PATH_MARKERS, API_URL_PREFIXES, RELATED_REQUEST_HEADERS } from '../providers/capture.ts';

/** True when the URL is a step-up provider API call (by path, so custom domains work). */
export function isStepUpApiUrl(url: string): boolean {
  for (const marker of API_PATH_MARKERS) {
    const at = url.indexOf(marker);
    // The marker must be in the path, not in a query string such as ?next=/v1/session/.
    if (at > 0) {
      const query = url.indexOf('?');
      if (query === -1 || at < query) return true;
    }
  }
  return API_URL_PREFIXES.some((prefix) => url.startsWith(prefix));
}

/**
 * True when a non-API request is still part of a step-up story: it presents a bearer JWT (an app's own
 * protected API using the granted scope), a DPoP proof or a header a provider ties to its step-up (such as an
 * elevated token), or it answered with a Bearer challenge (RFC 6750 and its step-up extension). Header names must
 * already be lower-case.
 */
export function isStepUpRelatedHeaders(
  requestHeaderNames: Iterable<string>,
  authorization: string | undefined,
  wwwAuthenticate: string | undefined,
): boolean {
  // Any Bearer/DPoP challenge counts, also after another scheme ("Basic realm=x, Bearer error=…").
  if (wwwAuthenticate !== undefined && /(^|[\s,])(bearer|dpop)(\s|$)/i.test(wwwAuthenticate)) return true;
  if (authorization !== undefined && /^(bearer|dpop) [\w-]+\.[\w-]+\.[\w-]*$/i.test(authorization.trim()))
    return true;
  for (const name of requestHeaderNames)
    if (name === 'dpop' || RELATED_REQUEST_HEADERS.includes(name)) return true;
  return false;
}
