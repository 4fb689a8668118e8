/**
 * What the panel's page actions exchange with the inspected page, and the reading of an answer that every action's
 * verdict shares. The page-side function (src/panel/services/actions.ts) is serialised into the page, so the two
 * talk in plain JSON ({@link PageRequest}, {@link PageResponse}). Providers build their own requests and verdicts
 * from these (ProviderOtpActions).
 */
import { bodyJsonObject } from '../http/body.ts';
import type { HttpExchange } from '../http/exchange.ts';
import { getHeaderValues } from '../http/headers.ts';

/** What the page-side function sends. Plain JSON. */
export interface PageRequest {
  method: string;
  url: string;
  /** Name/value pairs, in order; repeated names are appended. */
  headers: [string, string][];
  body: { kind: 'text'; text: string } | { kind: 'base64'; base64: string } | null;
  /** The page aborts the request after this many ms (runInPage gives up at 30 s). */
  timeoutMs: number;
  /** Longest response text kept, in characters; longer bodies are cut and marked. */
  maxBodyChars: number;
}

/**
 * What the page-side function answers. Plain JSON. Response headers are the ones the page may read: for a
 * cross-origin request only CORS-safelisted and exposed ones (webRequest's capture of the same request has
 * them all, and the two merge in the log).
 */
export type PageResponse =
  | {
      ok: true;
      status: number;
      statusText: string;
      headers: [string, string][];
      body: string;
      bodyTruncated: boolean;
      startedAt: number;
      endedAt: number;
    }
  | { ok: false; error: string; startedAt: number; endedAt: number };

/** How a verdict should look: good news, a warning, a failure, or plain information. */
export type VerdictTone = 'good' | 'warning' | 'bad' | 'neutral';

/** A plain-words reading of an action's outcome. */
export interface Verdict {
  verdict: string;
  tone: VerdictTone;
}

/** Default time the page waits for an answer. */
export const PAGE_REQUEST_TIMEOUT_MS = 20_000;
/** Response text kept from a page request; the same cap as the capture store's. */
export const PAGE_RESPONSE_MAX_CHARS = 256 * 1024;

/**
 * The error code of a response: `code` or `error` (OAuth style) in the body, or the `error` parameter of
 * `WWW-Authenticate`.
 */
export function responseErrorCode(exchange: HttpExchange): string | undefined {
  const body = bodyJsonObject(exchange.responseBody);
  for (const field of ['code', 'error']) {
    const value = body?.[field];
    if (typeof value === 'string' && value !== '' && value.length <= 100) return value;
  }
  for (const challenge of getHeaderValues(exchange.responseHeaders, 'www-authenticate')) {
    const match = /\berror\s*=\s*"?([A-Za-z0-9_.-]+)"?/.exec(challenge ?? '');
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function responseMessage(exchange: HttpExchange): string | undefined {
  const message = bodyJsonObject(exchange.responseBody)?.['message'];
  return typeof message === 'string' && message.trim() !== '' ? message.trim().slice(0, 200) : undefined;
}

/** The verdict on a request that got no answer, whatever the action. */
export function noResponseVerdict(exchange: HttpExchange): Verdict {
  const error = exchange.error ?? 'no response';
  return {
    tone: 'bad',
    verdict:
      `No response (${error}). Usually CORS (the server does not allow the page's origin, or a header the ` +
      'request carries), a network error, a timeout or a blocking extension. The request may still have reached ' +
      'the server: look for it in the log, where the network capture shows what the page could not.',
  };
}

/** How a refusal reads in a verdict: the status, the error code and the server's message when it gave one. */
export function refusalSummary(exchange: HttpExchange, code: string | undefined): string {
  const message = responseMessage(exchange);
  return `${exchange.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}
