/**
 * The pure half of the panel's page actions (send the OTP again, retry it, replay a captured request): what to
 * ask the page to send, how to turn what it answered into an exchange, and what the answer means. The other
 * half, the function that runs `fetch` inside the page, is `src/panel/services/actions.ts`; the two talk in
 * plain JSON ({@link PageRequest}, {@link PageResponse}, in page-io.ts) because that function is serialised into
 * the page.
 * The verbatim replay is the same for every provider; the OTP requests and verdicts are the challenge's provider's
 * (otp.ts finds them).
 */
import type { Body, Header, HttpExchange } from '../http/exchange.ts';
import { FORBIDDEN_REQUEST_HEADERS, getHeader } from '../http/headers.ts';
import {
  PAGE_REQUEST_TIMEOUT_MS,
  PAGE_RESPONSE_MAX_CHARS,
  noResponseVerdict,
  refusalSummary,
  responseErrorCode,
  type PageRequest,
  type PageResponse,
  type Verdict,
} from './page-io.ts';

const METHOD_OVERRIDE_HEADERS: ReadonlySet<string> = new Set([
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A captured request rebuilt for the page, and the headers left out with why. */
export interface VerbatimRequest {
  request: PageRequest;
  /** Headers not re-sent: the browser sets them (Cookie, Origin, Host…), or fetch would refuse them. */
  skippedHeaders: { name: string; reason: string }[];
}

/**
 * The captured request as the page can re-send it: same method, URL, body, and every header a page may set.
 * Cookies are not copied: the page's own cookies go with the request (`credentials: 'include'`), which is what
 * a replay by a script on the page would send.
 */
export function verbatimRequest(exchange: HttpExchange): VerbatimRequest {
  const headers: [string, string][] = [];
  const skippedHeaders: { name: string; reason: string }[] = [];
  for (const header of exchange.requestHeaders) {
    const name = header?.name;
    const value = header?.value;
    if (typeof name !== 'string' || typeof value !== 'string') continue;
    const reason = headerSkipReason(name, value);
    if (reason === undefined) headers.push([name, value]);
    else skippedHeaders.push({ name, reason });
  }
  const body = exchange.requestBody;
  return {
    request: {
      method: exchange.method,
      url: exchange.url,
      headers,
      body:
        body.kind === 'text'
          ? { kind: 'text', text: body.text }
          : body.kind === 'base64'
            ? { kind: 'base64', base64: body.base64 }
            : null,
      timeoutMs: PAGE_REQUEST_TIMEOUT_MS,
      maxBodyChars: PAGE_RESPONSE_MAX_CHARS,
    },
    skippedHeaders,
  };
}

function headerSkipReason(name: string, value: string): string | undefined {
  const lower = name.toLowerCase();
  if (name.startsWith(':')) return 'an HTTP/2 pseudo-header, set by the browser';
  if (!HEADER_NAME.test(name)) return 'not a valid header name';
  if (FORBIDDEN_REQUEST_HEADERS.has(lower)) {
    return lower === 'cookie'
      ? "the browser sends the page's own cookies"
      : 'set by the browser, not by pages';
  }
  if (lower.startsWith('sec-') || lower.startsWith('proxy-')) return 'set by the browser, not by pages';
  if (METHOD_OVERRIDE_HEADERS.has(lower) && /\b(?:CONNECT|TRACE|TRACK)\b/i.test(value)) {
    return 'overrides the method with one fetch forbids';
  }
  // fetch only takes ByteString values (no character above U+00FF).
  for (let i = 0; i < value.length; i += 1)
    if (value.charCodeAt(i) > 0xff) return 'a value fetch cannot send';
  return undefined;
}

/**
 * The exchange to record for a request the page sent on the inspector's behalf: initiator `inspector`, source
 * `inspector`. `id` is a placeholder: the service worker assigns the log's own.
 */
export function exchangeFromPage(
  request: PageRequest,
  response: PageResponse,
  id = 'inspector',
): HttpExchange {
  const requestHeaders: Header[] = request.headers.map(([name, value]) => ({ name, value }));
  const requestMime = getHeader(requestHeaders, 'content-type');
  const requestBody: Body =
    request.body === null
      ? { kind: 'absent' }
      : request.body.kind === 'text'
        ? withMime({ kind: 'text', text: request.body.text }, requestMime)
        : withMime({ kind: 'base64', base64: request.body.base64 }, requestMime);

  const exchange: HttpExchange = {
    id,
    method: request.method,
    url: request.url,
    requestHeaders,
    requestBody,
    status: 0,
    responseHeaders: [],
    responseBody: { kind: 'absent' },
    startedAt: response.startedAt,
    endedAt: response.endedAt,
    sources: ['inspector'],
    initiator: 'inspector',
  };
  if (!response.ok) {
    exchange.error = response.error.slice(0, 4096);
    return exchange;
  }
  exchange.status = response.status;
  exchange.statusText = response.statusText.slice(0, 4096);
  exchange.responseHeaders = response.headers.map(([name, value]) => ({ name, value }));
  const responseBody = withMime(
    { kind: 'text', text: response.body },
    getHeader(exchange.responseHeaders, 'content-type'),
  );
  if (response.bodyTruncated && responseBody.kind === 'text') responseBody.truncated = true;
  exchange.responseBody = responseBody;
  return exchange;
}

function withMime(body: Body, mimeType: string | undefined): Body {
  return mimeType === undefined || body.kind === 'absent' ? body : { ...body, mimeType };
}

// ---------------------------------------------------------------------------------------------------------------
// Verdicts

/**
 * Error codes that mean "this request was already used": refusing a replay with one of them is replay
 * protection working. DPoP (RFC 9449 §11.1: jti, nonce), step-up APIs' single-use tokens and challenge advance,
 * OAuth's refresh-token reuse.
 */
const REPLAY_REFUSAL_CODES: ReadonlySet<string> = new Set([
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'dpop_key_mismatch',
  'token_reused',
  'invalid_challenge_token',
  'expired_challenge_token',
  'token_mismatch',
  'step_not_found',
  'invalid_verification_token',
  'invalid_grant',
  'invalid_token',
]);

function isReplayRefusal(code: string): boolean {
  // A missing proof is not a replay defence: the proof did not arrive at all.
  if (code === 'missing_dpop_proof') return false;
  return REPLAY_REFUSAL_CODES.has(code) || /dpop|jti|nonce|replay|reuse/i.test(code);
}

/**
 * Reads the answer to a verbatim replay of `original`. The replay is a replay-protection test, so a refusal
 * naming a replay defence is the good outcome and an acceptance is the warning.
 */
export function replayVerdict(original: HttpExchange, replay: HttpExchange): Verdict {
  if (replay.status === 0) return noResponseVerdict(replay);
  const hadProof = getHeader(original.requestHeaders, 'dpop') !== undefined;
  const code = responseErrorCode(replay);
  if (replay.status >= 200 && replay.status < 300) {
    return {
      tone: 'warning',
      verdict:
        `Server accepted a replayed request (${replay.status}): ` +
        (hadProof
          ? 'the same DPoP proof was accepted twice, so anyone who captures a request can send it again ' +
            'within the proof lifetime. RFC 9449 §11.1 asks servers to reject a jti they have seen.'
          : 'the request carries no DPoP proof or other one-time value, so nothing stops a captured copy from ' +
            'being sent again. That is expected for reads, not for state-changing calls.'),
    };
  }
  if (replay.status >= 400 && replay.status < 500 && code !== undefined && isReplayRefusal(code)) {
    return { tone: 'good', verdict: `Server refused the replay (${code}): replay protection works.` };
  }
  if (code === 'missing_dpop_proof' && hadProof) {
    return {
      tone: 'neutral',
      verdict:
        'Server answered missing_dpop_proof although the replay carried the captured DPoP header: something ' +
        'between the page and the server (a proxy, a fetch wrapper) dropped it, so the test says nothing.',
    };
  }
  if (replay.status >= 400 && replay.status < 500) {
    return {
      tone: 'neutral',
      verdict:
        `Server refused the replay (${refusalSummary(replay, code)}), but not with a replay-protection error: it may ` +
        'have refused it for another reason (expired token, missing cookie, validation), so this does not show ' +
        'whether replays are detected.',
    };
  }
  if (replay.status >= 500) {
    return {
      tone: 'bad',
      verdict: `Server error on the replay (${refusalSummary(replay, code)}): a server should refuse a replay cleanly with a 4xx.`,
    };
  }
  return {
    tone: 'neutral',
    verdict: `The replay got ${replay.status} ${replay.statusText ?? ''}`.trim() + '.',
  };
}
