/**
 * CORS for a credentialed cross-origin API: the SDK calls with `mode: "cors"` and `credentials: "include"`
 * from the app's origin, so the origin must be reflected (never `*`) and the response headers the SDK reads
 * must be exposed, or `fetch` hides them from it.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Response headers the SDK reads (`DPoP-Nonce`, the rotated refresh token, `Date` for clock skew). */
export const EXPOSED_HEADERS = 'DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date';

const DEFAULT_ALLOWED_HEADERS =
  'Content-Type, Accept, Authorization, DPoP, X-Refresh-Token, X-SDK-User-Agent';
const DEFAULT_ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';

/** Headers for an actual (non-preflight) response. */
export function corsHeaders(
  request: IncomingHttpHeaders,
  options: { exposeHeaders: boolean },
): Record<string, string> {
  const headers: Record<string, string> = { Vary: 'Origin' };
  const origin = request.origin;
  if (typeof origin === 'string' && origin !== '') {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Credentials'] = 'true';
  }
  if (options.exposeHeaders) headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
  return headers;
}

/** Headers for a preflight (`OPTIONS`) response: reflect what the browser asks for. */
export function preflightHeaders(request: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {
    ...corsHeaders(request, { exposeHeaders: true }),
    Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'Access-Control-Max-Age': '600',
  };
  const method = request['access-control-request-method'];
  headers['Access-Control-Allow-Methods'] =
    typeof method === 'string' && method !== '' ? method : DEFAULT_ALLOWED_METHODS;
  const requested = request['access-control-request-headers'];
  headers['Access-Control-Allow-Headers'] =
    typeof requested === 'string' && requested !== '' ? requested : DEFAULT_ALLOWED_HEADERS;
  // Chromium's Private Network Access preflight, for pages on a public address calling this local server.
  if (request['access-control-request-private-network'] === 'true') {
    headers['Access-Control-Allow-Private-Network'] = 'true';
  }
  return headers;
}
