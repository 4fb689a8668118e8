/**
 * Small HTTP plumbing for handlers: the request as handlers see it, bounded body reading, cookies, and the
 * result shape handlers return.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ApiError } from './errors.ts';

/** Request bodies above this are refused with `bad_request` (413). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request, parsed. */
export interface EmulatorRequest {
  method: string;
  /** Path without the query string. */
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  cookies: Record<string, string>;
  /** Raw body text ('' when none). */
  rawBody: string;
  /** The body parsed as JSON, or `undefined` when empty. Invalid JSON was already refused. */
  body: unknown;
  /** Path parameters captured by the route. */
  params: Record<string, string>;
  /** The remote address, for `/me/list`. */
  remoteAddress: string;
  /** Headers a handler wants on the response whatever the outcome (e.g. a rotated `DPoP-Nonce`). */
  responseHeaders: Record<string, string>;
  /** `Set-Cookie` values to send whatever the outcome. */
  setCookies: string[];
  /** Ids of the faults that fired while serving it (recorded in the request log). */
  firedFaults: string[];
}

/** What a handler returns on success. A missing body means 204. */
export interface HandlerResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Reads the body, up to {@link MAX_BODY_BYTES}. Throws `bad_request` (413) when larger; the rest of the
 * upload is drained, not buffered.
 */
export async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    req.resume();
    throw new ApiError('bad_request', `Request body exceeds ${MAX_BODY_BYTES} bytes`, { status: 413 });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(buffer);
    }
  } catch {
    // The client went away mid-upload; nobody will read the answer.
    throw new ApiError('bad_request', 'Request body incomplete: the connection was closed');
  }
  if (tooLarge)
    throw new ApiError('bad_request', `Request body exceeds ${MAX_BODY_BYTES} bytes`, { status: 413 });
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a body as JSON; empty → `undefined`; invalid → `bad_request`. */
export function parseJsonBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ApiError('bad_request', 'Request body is not valid JSON');
  }
}

/** The body as a JSON object (an empty body counts as `{}`); anything else → `bad_request`. */
export function objectBody(req: EmulatorRequest): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw new ApiError('bad_request', 'Request body must be a JSON object');
  }
  return req.body as Record<string, unknown>;
}

/** A required string field. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
  options: { max?: number } = {},
): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new ApiError('bad_request', `${name} is required and must be a string`);
  if (value.length > (options.max ?? 4096)) throw new ApiError('bad_request', `${name} is too long`);
  return value;
}

/** Parses a `Cookie` header. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

/**
 * A `Set-Cookie` value for the Session API: cross-site (the app's origin differs from the API's), so
 * `SameSite=None; Secure`, and `HttpOnly` because only the server reads them.
 */
export function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/v1/session; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=None`;
}

/** The single value of a header (first one when repeated). */
export function header(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
