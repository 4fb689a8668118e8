/**
 * Fetching a Session API's public JWKS to verify a token's signature, when the user clicks "Verify
 * signature". This is the only request the panel makes on its own: a credential-less GET of a public key set
 * from the extension's origin. The token itself is never sent anywhere; it is checked here, in the panel.
 */
import { jwksUrlFor, verifyWithJwks, type JwksVerifyResult } from '../../core/export/jwks.ts';
import { describe } from '../../core/util.ts';

/** One JWKS location tried, and what happened. */
export interface JwksFetchAttempt {
  url: string;
  outcome: string;
}

/**
 * The verification result with where the keys came from, or `fetch_failed` when no location gave a usable
 * key set.
 */
export type FetchJwksVerifyResult =
  | (JwksVerifyResult & { jwksUrl: string; attempts: JwksFetchAttempt[] })
  | { status: 'fetch_failed'; message: string; jwksUrl: null; attempts: JwksFetchAttempt[] };

/** Largest JWKS accepted, in characters: real ones are a few KB. */
const MAX_JWKS_CHARS = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

type Fetched = { ok: true; jwks: unknown } | { ok: false; outcome: string };

async function fetchJwks(url: string): Promise<Fetched> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method: 'GET',
      // No cookies, no referrer: a public key set needs neither, and the app's session stays out of it.
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: controller.signal,
    });
    if (!response.ok) return { ok: false, outcome: `HTTP ${response.status}` };
    const text = await response.text();
    if (text.length > MAX_JWKS_CHARS) return { ok: false, outcome: 'the response is too large to be a JWKS' };
    try {
      return { ok: true, jwks: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, outcome: 'the response is not JSON' };
    }
  } catch (error) {
    if (controller.signal.aborted)
      return { ok: false, outcome: `no answer within ${FETCH_TIMEOUT_MS / 1000} s` };
    const message = describe(error);
    return {
      ok: false,
      outcome:
        `could not be fetched (${message}): the host is unreachable, or it does not allow the extension to ` +
        'read it (CORS); granting the extension access to the site lifts the CORS check',
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fetches the JWKS of `apiBase` (the session domain's `/.well-known/jwks.json`, then the API base's) and
 * verifies `token`'s signature with it. A location that fails, or whose set has no matching key, is followed
 * by the next one. Never rejects.
 */
export async function fetchJwksAndVerify(token: string, apiBase: string): Promise<FetchJwksVerifyResult> {
  const urls = jwksUrlFor(apiBase);
  const attempts: JwksFetchAttempt[] = [];
  if (urls.length === 0) {
    return {
      status: 'fetch_failed',
      message: `No JWKS location is known: "${apiBase}" is not an http(s) URL.`,
      jwksUrl: null,
      attempts,
    };
  }
  // A token that cannot be verified with any key set (malformed, redacted, alg none/HMAC) costs no request.
  const precheck = await verifyWithJwks(token, { keys: [] });
  if (
    precheck.status === 'malformed' ||
    precheck.status === 'redacted' ||
    precheck.status === 'unsupported_alg'
  ) {
    return { ...precheck, jwksUrl: urls[0] ?? '', attempts };
  }
  let fallback: (JwksVerifyResult & { jwksUrl: string }) | undefined;
  for (const url of urls) {
    const fetched = await fetchJwks(url);
    if (!fetched.ok) {
      attempts.push({ url, outcome: fetched.outcome });
      continue;
    }
    const result = await verifyWithJwks(token, fetched.jwks);
    attempts.push({ url, outcome: result.status });
    // A token problem does not depend on where the keys came from: no point trying the next location.
    if (
      result.status === 'malformed' ||
      result.status === 'redacted' ||
      result.status === 'unsupported_alg'
    ) {
      return { ...result, jwksUrl: url, attempts };
    }
    if (result.status === 'verified' || result.status === 'invalid_signature') {
      return { ...result, jwksUrl: url, attempts };
    }
    fallback ??= { ...result, jwksUrl: url };
  }
  if (fallback !== undefined) return { ...fallback, attempts };
  return {
    status: 'fetch_failed',
    message: `No key set could be fetched: ${attempts.map((a) => `${a.url}: ${a.outcome}`).join('; ')}.`,
    jwksUrl: null,
    attempts,
  };
}
