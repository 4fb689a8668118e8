/**
 * The request log: every Session API request served (CORS preflights included, `/__emulator/*` excluded),
 * so tests and the demo can compare what the inspector captured with what the server saw.
 */

/** One served request. */
export interface RecordedRequest {
  /** Epoch ms when it arrived. */
  at: number;
  method: string;
  /** Path with query string. */
  path: string;
  /** HTTP status sent; 0 when the connection was dropped by a `network_drop` fault. */
  status: number;
  /** The error `code`, for error answers (`network_drop` for dropped connections). */
  code?: string;
  /** The raw `DPoP` request header. */
  dpop?: string;
  /** The request body (JSON when it parsed; `password` fields redacted). */
  body?: unknown;
  /** The response body sent (JSON), absent for 204. */
  responseBody?: unknown;
  /** The `Origin` request header. */
  origin?: string;
  /** Milliseconds spent serving it (injected delays included). */
  durationMs?: number;
  /** Ids of the faults that fired on it. */
  faults?: string[];
}

/** How many requests are kept; older ones are dropped so a long demo does not grow without bound. */
export const MAX_RECORDED = 5_000;

/** Appends to the live array, dropping the oldest entries past {@link MAX_RECORDED}. */
export function record(log: RecordedRequest[], entry: RecordedRequest): void {
  log.push(entry);
  if (log.length > MAX_RECORDED) log.splice(0, log.length - MAX_RECORDED);
}

/** A copy of a JSON value with every `password` field replaced by `"[redacted]"`. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = /password/i.test(k) && typeof v === 'string' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
