/**
 * The panel's page actions: send the OTP again, retry it, and replay a captured request verbatim (the
 * replay-protection test). Each request is sent from the inspected page's main world with the page's own
 * `window.fetch`, so it carries the page's cookies and origin (as the SDK's would) and the page hook, when on,
 * sees it too. The result is recorded in the tab's log as an `inspector` exchange; the network capture of
 * the same request merges into it.
 *
 * Only ever run on a click: these are the only requests the inspector sends to an app's servers.
 */
import { otpActionsFor } from '../../core/actions/otp.ts';
import { exchangeFromPage, replayVerdict, verbatimRequest } from '../../core/actions/page-request.ts';
import type { PageRequest, PageResponse, Verdict, VerdictTone } from '../../core/actions/page-io.ts';
import { canReplayVerbatim } from '../../core/actions/rules.ts';
import type { HttpExchange } from '../../core/http/exchange.ts';
import { describe } from '../../core/util.ts';
import { runInPage } from '../../platform/page.ts';
import { sendToBackground } from '../../platform/runtime.ts';
import type { BackgroundReply } from '../../shared/messages.ts';

/** Outcome of an action. `ok: false` means nothing was sent (or the page could not be reached). */
export type ActionResult =
  | {
      ok: true;
      /** The exchange as the page saw it, also recorded in the log. */
      exchange: HttpExchange;
      verdict: string;
      tone: VerdictTone;
      /** Whether the log recorded it (the worker may be restarting; the result is still shown). */
      recorded: boolean;
      /** Replay only: captured headers not re-sent, and why. */
      skippedHeaders?: { name: string; reason: string }[];
    }
  | { ok: false; reason: string };

/**
 * Runs in the inspected page (serialised: it must not reference anything outside its own body). Sends one
 * request with the page's `window.fetch` and returns plain JSON. Exported so e2e tests can run it with
 * `page.evaluate` against the demo app.
 */
export async function pageReplayRequest(request: PageRequest): Promise<PageResponse> {
  const startedAt = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  try {
    const headers = new Headers();
    for (const pair of request.headers) {
      try {
        headers.append(pair[0], pair[1]);
      } catch {
        // A header fetch refuses is left out rather than failing the whole request.
      }
    }
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (request.body !== null && request.body.kind === 'text') body = request.body.text;
    if (request.body !== null && request.body.kind === 'base64') {
      const binary = atob(request.body.base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
      body = bytes;
    }
    const response = await window.fetch(request.url, {
      method: request.method,
      headers,
      body,
      credentials: 'include',
      mode: 'cors',
      cache: 'no-store',
      redirect: 'follow',
      signal: controller.signal,
    });
    const text = await response.text();
    const responseHeaders: [string, string][] = [];
    response.headers.forEach((value, name) => {
      responseHeaders.push([name, value]);
    });
    return {
      ok: true,
      status: response.status,
      statusText: response.statusText,
      headers: responseHeaders,
      body: text.length > request.maxBodyChars ? text.slice(0, request.maxBodyChars) : text,
      bodyTruncated: text.length > request.maxBodyChars,
      startedAt,
      endedAt: Date.now(),
    };
  } catch (error) {
    const aborted = controller.signal.aborted;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      ok: false,
      error: aborted
        ? `no answer within ${request.timeoutMs >= 1000 ? `${Math.round(request.timeoutMs / 1000)} s` : `${request.timeoutMs} ms`}`
        : message,
      startedAt,
      endedAt: Date.now(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Which challenge an OTP action is for: its provider builds the request and reads the answer. */
export interface OtpActionInput {
  provider: string;
  apiBase: string;
}

/** Sends the code of the challenge again from the page, as its provider's SDK would (ProviderOtpActions). */
export async function replayOtp(
  tabId: number,
  input: OtpActionInput & { challengeToken: string },
): Promise<ActionResult> {
  const otp = otpActionsFor(input);
  if (otp === undefined) return noOtpActions(input.provider);
  if (!isHttpUrl(input.apiBase))
    return { ok: false, reason: 'The Session API address is not an http(s) URL.' };
  if (typeof input.challengeToken !== 'string' || input.challengeToken.trim() === '') {
    return { ok: false, reason: 'There is no challenge token to send.' };
  }
  return send(tabId, otp.sendRequest(input.apiBase, input.challengeToken), otp.sendVerdict);
}

/** Asks the server to send the pending code again, from the page, as the challenge's provider does it. */
export async function retryOtp(tabId: number, input: OtpActionInput): Promise<ActionResult> {
  const otp = otpActionsFor(input);
  if (otp === undefined) return noOtpActions(input.provider);
  if (!isHttpUrl(input.apiBase))
    return { ok: false, reason: 'The Session API address is not an http(s) URL.' };
  return send(tabId, otp.retryRequest(input.apiBase), otp.retryVerdict);
}

// The lane offers these actions only for a provider that has them; an imported file may still name another.
function noOtpActions(provider: string): ActionResult {
  return { ok: false, reason: `Challenges of "${provider}" have no OTP actions.` };
}

/**
 * Re-sends a captured request as it was (method, URL, body, every header a page may set) to see whether the
 * server notices the replay. A refusal with a replay-protection error is the good outcome.
 */
export async function replayVerbatim(tabId: number, exchange: HttpExchange): Promise<ActionResult> {
  const allowed = canReplayVerbatim(exchange);
  if (!allowed.enabled) return { ok: false, reason: allowed.reason };
  const { request, skippedHeaders } = verbatimRequest(exchange);
  const result = await send(tabId, request, (replay) => replayVerdict(exchange, replay));
  return result.ok ? { ...result, skippedHeaders } : result;
}

async function send(
  tabId: number,
  request: PageRequest,
  verdictOf: (exchange: HttpExchange) => Verdict,
): Promise<ActionResult> {
  let response: unknown;
  try {
    response = await runInPage(tabId, pageReplayRequest, request);
  } catch (error) {
    return { ok: false, reason: `The page could not send the request: ${describe(error)}` };
  }
  if (!isPageResponse(response)) {
    return {
      ok: false,
      reason: 'The page answered with something unexpected (a script on the page may have interfered).',
    };
  }
  // What came back went through the page's fetch, which page code can wrap: mark it as page-reported.
  const exchange: HttpExchange = {
    ...exchangeFromPage(request, response, `inspector-${response.startedAt}`),
    pageReported: true,
  };
  const recorded = await record(tabId, exchange);
  const { verdict, tone } = verdictOf(exchange);
  return { ok: true, exchange, verdict, tone, recorded };
}

async function record(tabId: number, exchange: HttpExchange): Promise<boolean> {
  try {
    const reply = await sendToBackground<BackgroundReply>({
      v: 1,
      type: 'recordInspectorExchange',
      tabId,
      exchange,
    });
    return reply?.ok === true;
  } catch {
    return false;
  }
}

function isHttpUrl(value: unknown): value is string {
  return typeof value === 'string' && /^https?:\/\//i.test(value) && URL.canParse(value);
}

/** The page's answer is untrusted until checked field by field. */
function isPageResponse(value: unknown): value is PageResponse {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const times = typeof r['startedAt'] === 'number' && typeof r['endedAt'] === 'number';
  if (!times || !Number.isFinite(r['startedAt']) || !Number.isFinite(r['endedAt'])) return false;
  if (r['ok'] === false) return typeof r['error'] === 'string';
  return (
    r['ok'] === true &&
    typeof r['status'] === 'number' &&
    Number.isInteger(r['status']) &&
    (r['status'] as number) >= 0 &&
    (r['status'] as number) <= 999 &&
    typeof r['statusText'] === 'string' &&
    typeof r['body'] === 'string' &&
    typeof r['bodyTruncated'] === 'boolean' &&
    Array.isArray(r['headers']) &&
    (r['headers'] as unknown[]).every(
      (h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string',
    )
  );
}
