/**
 * The facts the model reads off one exchange: parsed bodies, the Bearer token, DPoP headers, the error code,
 * times. Exchanges come from files and the page, so everything is read defensively: a malformed field reads as
 * absent, never as an exception.
 */
import { bodyJsonObject } from '../http/body.ts';
import type { Body, Header, HttpExchange } from '../http/exchange.ts';
import { isScheme, parseWwwAuthenticate, type AuthChallenge } from '../http/www-authenticate.ts';

/**
 * Case-insensitive look-ups over one header list, with each name lower-cased once. The analyser asks a dozen
 * questions of every exchange's headers; `headers.ts` would lower-case every name for each question.
 */
export class HeaderIndex {
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  /** Positions of headers cut to size on import; empty for nearly every exchange. */
  private readonly cut: number[] = [];

  constructor(headers: readonly Header[]) {
    for (const header of headers) {
      if (typeof header?.name !== 'string') continue;
      if (header.truncated === true) this.cut.push(this.names.length);
      this.names.push(header.name);
      this.values.push(typeof header.value === 'string' ? header.value : '');
    }
  }

  /** Whether a header called `lowerName` was cut to size on import, so its value is only a beginning. */
  truncated(lowerName: string): boolean {
    for (const i of this.cut) {
      const name = this.names[i] as string;
      if (name.length === lowerName.length && name.toLowerCase() === lowerName) return true;
    }
    return false;
  }

  /**
   * Position of the first header called `lowerName` at or after `from`. Names are compared by length first and
   * lower-cased only when needed: HTTP/2 captures already have lower-case names.
   */
  private find(lowerName: string, from: number): number {
    for (let i = from; i < this.names.length; i += 1) {
      const name = this.names[i] as string;
      if (name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName))
        return i;
    }
    return -1;
  }

  /** First value of `lowerName` (give it lower-case). */
  get(lowerName: string): string | undefined {
    const i = this.find(lowerName, 0);
    return i === -1 ? undefined : this.values[i];
  }

  has(lowerName: string): boolean {
    return this.find(lowerName, 0) !== -1;
  }

  /** Every value of `lowerName`, in order. */
  all(lowerName: string): string[] {
    const found: string[] = [];
    for (let i = this.find(lowerName, 0); i !== -1; i = this.find(lowerName, i + 1))
      found.push(this.values[i] as string);
    return found;
  }

  /**
   * The comma-separated tokens of every `lowerName` header, lower-cased (for Access-Control-Expose-Headers).
   * Same reading as `headerListContains` in headers.ts.
   */
  tokenList(lowerName: string): Set<string> {
    const tokens = new Set<string>();
    for (const value of this.all(lowerName))
      for (const item of value.split(',')) tokens.add(item.trim().toLowerCase());
    return tokens;
  }
}

/** What the analyser needs from an exchange, read once. */
export interface ExchangeFacts {
  method: string;
  url: string;
  /** Request start, epoch ms (0 when the exchange has no usable time). */
  time: number;
  /** Response end when known, else the start. */
  endTime: number;
  status: number;
  /** 2xx. */
  ok: boolean;
  /** No response arrived (status 0): network error, stall, abort. */
  noResponse: boolean;
  requestHeaders: readonly Header[];
  responseHeaders: readonly Header[];
  request: HeaderIndex;
  /** Built on first use: most traffic never needs its response headers looked at. */
  readonly response: HeaderIndex;
  requestBody: Body;
  responseBody: Body;
  /** Token from `Authorization: Bearer …` (or `DPoP …`), without the scheme; never from a cut header. */
  bearer: string | undefined;
  /**
   * The Authorization header was cut to size on import: a token was sent but cannot be read, which is not
   * the same as no token (`bearer` is undefined either way).
   */
  bearerTruncated: boolean;
  /** Every `DPoP` request header value. */
  dpopHeaders: string[];
  /** A DPoP header was cut to size on import: a proof was sent but cannot be checked. */
  dpopTruncated: boolean;
}

const ABSENT: Body = { kind: 'absent' };

function headerList(value: unknown): Header[] {
  return Array.isArray(value) ? (value as Header[]) : [];
}

function body(value: unknown): Body {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
    ? (value as Body)
    : ABSENT;
}

class Facts implements ExchangeFacts {
  readonly method: string;
  readonly url: string;
  readonly time: number;
  readonly endTime: number;
  readonly status: number;
  readonly ok: boolean;
  readonly noResponse: boolean;
  readonly requestHeaders: readonly Header[];
  readonly responseHeaders: readonly Header[];
  readonly request: HeaderIndex;
  readonly requestBody: Body;
  readonly responseBody: Body;
  readonly bearer: string | undefined;
  readonly bearerTruncated: boolean;
  readonly dpopHeaders: string[];
  readonly dpopTruncated: boolean;
  #response: HeaderIndex | undefined;

  constructor(exchange: HttpExchange) {
    const requestHeaders = headerList(exchange?.requestHeaders);
    const status =
      typeof exchange?.status === 'number' && Number.isFinite(exchange.status) ? exchange.status : 0;
    const time =
      typeof exchange?.startedAt === 'number' && Number.isFinite(exchange.startedAt) ? exchange.startedAt : 0;
    const ended = exchange?.endedAt;
    const request = new HeaderIndex(requestHeaders);
    const bearerTruncated = request.truncated('authorization');
    const authorization = bearerTruncated ? undefined : request.get('authorization');
    const scheme =
      typeof authorization === 'string' ? /^\s*(?:bearer|dpop)\s+(\S+)/i.exec(authorization) : null;
    this.method = typeof exchange?.method === 'string' ? exchange.method : '';
    this.url = typeof exchange?.url === 'string' ? exchange.url : '';
    this.time = time;
    this.endTime = typeof ended === 'number' && Number.isFinite(ended) ? ended : time;
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.noResponse = status === 0;
    this.requestHeaders = requestHeaders;
    this.responseHeaders = headerList(exchange?.responseHeaders);
    this.request = request;
    this.requestBody = body(exchange?.requestBody);
    this.responseBody = body(exchange?.responseBody);
    this.bearer = scheme?.[1];
    this.bearerTruncated = bearerTruncated;
    this.dpopHeaders = request.all('dpop');
    this.dpopTruncated = request.truncated('dpop');
  }

  get response(): HeaderIndex {
    this.#response ??= new HeaderIndex(this.responseHeaders);
    return this.#response;
  }
}

/** Reads the facts of an exchange. Never throws, whatever the object holds. */
export function readFacts(exchange: HttpExchange): ExchangeFacts {
  return new Facts(exchange);
}

/** Parses a JSON object body once per exchange (cached on the facts object's owner by the caller). */
export function jsonObject(b: Body): Record<string, unknown> | undefined {
  return b.kind === 'absent' ? undefined : bodyJsonObject(b);
}

/** A string field of a parsed body. */
export function stringField(record: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = record?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The error code of a response: the `code` field of a Session API error body, or the RFC 6750 `error` field
 * of an OAuth-style JSON error. Only for non-2xx responses.
 */
export function errorCodeOf(
  facts: ExchangeFacts,
  response: Record<string, unknown> | undefined,
): string | null {
  if (facts.ok || facts.noResponse) return null;
  const code = stringField(response, 'code') ?? stringField(response, 'error');
  return code !== undefined && code.length > 0 && code.length <= 100 ? code : null;
}

/**
 * RFC 6750 §3 parameters of the first `Bearer` (or `DPoP`, RFC 9449 §7.1) challenge of the `WWW-Authenticate`
 * lines, lower-cased names; undefined when there is none. Other schemes' parameters never leak in.
 */
export function bearerChallenge(headers: HeaderIndex): Record<string, string> | undefined {
  const challenge = firstTokenChallenge(headers);
  return challenge === undefined ? undefined : { ...challenge.params };
}

/** The first `Bearer` or `DPoP` challenge of the `WWW-Authenticate` lines, parsed. */
function firstTokenChallenge(headers: HeaderIndex): AuthChallenge | undefined {
  const values = headers.all('www-authenticate');
  if (values.length === 0) return undefined;
  return parseWwwAuthenticate(values).challenges.find((c) => isScheme(c, 'bearer') || isScheme(c, 'dpop'));
}

/** The origin (`scheme://host[:port]`) of an absolute URL, or undefined. */
export function originOf(url: string): string | undefined {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return undefined;
  const pathStart = url.indexOf('/', schemeEnd + 3);
  const raw = pathStart === -1 ? url : url.slice(0, pathStart);
  // Normalise case and default ports the way browsers serialise Origin.
  try {
    return new URL(raw).origin;
  } catch {
    return undefined;
  }
}

/** What makes two requests "the same request" (an SDK resend): method, URL and body. */
export interface RequestShape {
  method: string;
  url: string;
  body: Body;
}

/** True when two requests have the same method, URL and body bytes. */
export function sameRequest(a: RequestShape, b: RequestShape): boolean {
  if (a.method !== b.method || a.url !== b.url || a.body.kind !== b.body.kind) return false;
  if (a.body.kind === 'text' && b.body.kind === 'text') return a.body.text === b.body.text;
  if (a.body.kind === 'base64' && b.body.kind === 'base64') return a.body.base64 === b.body.base64;
  return true;
}

/**
 * Whether the server refused the request's DPoP proof: RFC 9449 §7.1's `invalid_dpop_proof`, in the error body
 * (`errorCode`, as the model read it) or in a `DPoP`/`Bearer` challenge of `WWW-Authenticate`.
 */
export function refusedProof(facts: ExchangeFacts, errorCode: string | null): boolean {
  if (facts.ok || facts.noResponse) return false;
  if (errorCode === 'invalid_dpop_proof') return true;
  return bearerChallenge(facts.response)?.['error'] === 'invalid_dpop_proof';
}
