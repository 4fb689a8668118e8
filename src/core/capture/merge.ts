/**
 * Merging the views several capture sources have of one request. The service worker's webRequest sees
 * every header but no response body; the DevTools network API and the page hook see bodies but, for the
 * hook, only what the page let it see. One exchange per real request, with the best of each.
 */
import type { Body, Header, HttpExchange } from '../http/exchange.ts';

/** How far apart two sources may date the same request. Real SDK retries are ≥ 10 s apart (its timeout). */
export const MERGE_WINDOW_MS = 3_000;

function headerValue(headers: Header[], lowerName: string): string | undefined {
  for (const h of headers) if (h.name.toLowerCase() === lowerName) return h.value;
  return undefined;
}

function bodyKey(body: Body): string | undefined {
  if (body.kind === 'text') return body.truncated ? undefined : body.text;
  if (body.kind === 'base64') return body.truncated ? undefined : body.base64;
  return undefined;
}

/**
 * Whether `incoming` describes the same request as `existing`. Never true for two captures by the same
 * source: a source that saw two requests saw two requests (the SDK re-sends identical ones after a stall).
 */
export function isSameRequest(existing: HttpExchange, incoming: HttpExchange): boolean {
  if (existing.method !== incoming.method || existing.url !== incoming.url) return false;
  for (const s of incoming.sources) if (existing.sources.includes(s)) return false;
  if (Math.abs(existing.startedAt - incoming.startedAt) > MERGE_WINDOW_MS) return false;
  // A DPoP proof is unique per request (random jti, iat): when both sides saw one, it decides.
  const a = headerValue(existing.requestHeaders, 'dpop');
  const b = headerValue(incoming.requestHeaders, 'dpop');
  if (a !== undefined && b !== undefined) return a === b;
  const ka = bodyKey(existing.requestBody);
  const kb = bodyKey(incoming.requestBody);
  if (ka !== undefined && kb !== undefined && ka !== kb) return false;
  // Both finished: statuses must agree (0 means "no response seen by that source", which can happen).
  if (existing.status !== 0 && incoming.status !== 0 && existing.status !== incoming.status) return false;
  return true;
}

/** Index of the capture in `log` that `incoming` belongs to, searching newest first; -1 when none. */
export function findMergeTarget(log: readonly HttpExchange[], incoming: HttpExchange): number {
  for (let i = log.length - 1; i >= 0; i -= 1) {
    const candidate = log[i];
    if (candidate === undefined) continue;
    if (incoming.startedAt - candidate.startedAt > MERGE_WINDOW_MS * 20) break;
    if (isSameRequest(candidate, incoming)) return i;
  }
  return -1;
}

function better(a: Body, b: Body): Body {
  if (a.kind === 'absent') return b;
  if (b.kind === 'absent') return a;
  if (a.truncated && !b.truncated) return b;
  return a;
}

/** Union of header lists: the first list wins on conflicts, names compared case-insensitively. */
function unionHeaders(primary: Header[], secondary: Header[]): Header[] {
  if (primary.length === 0) return secondary;
  const seen = new Set(primary.map((h) => h.name.toLowerCase()));
  const extra = secondary.filter((h) => !seen.has(h.name.toLowerCase()));
  return extra.length === 0 ? primary : [...primary, ...extra];
}

/**
 * The best of both captures. webRequest headers are the ones actually sent (including those added by the
 * browser), so they lead; bodies come from whoever has a complete one. Page-reported data stays marked.
 */
export function mergeExchanges(existing: HttpExchange, incoming: HttpExchange): HttpExchange {
  const [lead, other] = incoming.sources.includes('webrequest') ? [incoming, existing] : [existing, incoming];
  const status = lead.status !== 0 ? lead.status : other.status;
  const merged: HttpExchange = {
    id: existing.id,
    method: existing.method,
    url: existing.url,
    requestHeaders: unionHeaders(lead.requestHeaders, other.requestHeaders),
    requestBody: better(lead.requestBody, other.requestBody),
    status,
    responseHeaders: unionHeaders(lead.responseHeaders, other.responseHeaders),
    responseBody: better(lead.responseBody, other.responseBody),
    startedAt: Math.min(existing.startedAt, incoming.startedAt),
    sources: [...existing.sources, ...incoming.sources.filter((s) => !existing.sources.includes(s))],
  };
  const statusText = lead.statusText ?? other.statusText;
  if (statusText !== undefined) merged.statusText = statusText;
  const endedAt = lead.endedAt ?? other.endedAt;
  if (endedAt !== undefined) merged.endedAt = endedAt;
  const error = status === 0 ? (lead.error ?? other.error) : undefined;
  if (error !== undefined) merged.error = error;
  // A request the inspector sent is the inspector's even when webRequest saw it first as page traffic.
  const initiator =
    existing.initiator === 'inspector' || incoming.initiator === 'inspector'
      ? 'inspector'
      : (existing.initiator ?? incoming.initiator);
  if (initiator !== undefined) merged.initiator = initiator;
  if (existing.pageReported || incoming.pageReported) merged.pageReported = true;
  return merged;
}

/** Caps a body to `maxChars` characters, marking it truncated and keeping its original size. */
export function capBody(body: Body, maxChars: number): { body: Body; truncated: boolean } {
  if (body.kind === 'text' && body.text.length > maxChars) {
    return {
      body: {
        ...body,
        text: body.text.slice(0, maxChars),
        truncated: true,
        size: body.size ?? body.text.length,
      },
      truncated: true,
    };
  }
  if (body.kind === 'base64' && body.base64.length > maxChars) {
    const size = body.size ?? Math.floor((body.base64.length * 3) / 4);
    return {
      body: { ...body, base64: body.base64.slice(0, maxChars - (maxChars % 4)), truncated: true, size },
      truncated: true,
    };
  }
  return { body, truncated: false };
}
