/**
 * Writing exchanges as HAR 1.2. Lossless: what HAR cannot say (exchange id, sources, initiator, page-reported
 * mark, network error, exact timestamps, absent vs empty bodies, truncation) goes into a custom
 * `_stepupInspector` field on each entry (and on each header cut on import), so `parseHar(toHar(x))` deep-equals
 * `x`.
 */
import { droppedBodyNote } from './body.ts';
import type { Body, Header, HttpExchange } from './exchange.ts';
import type {
  Har,
  HarContent,
  HarCookie,
  HarEntry,
  HarNameValue,
  HarRequest,
  StepupInspectorBodyMeta,
  StepupInspectorEntryExtension,
} from './har-format.ts';
import { getHeader, getHeaderValues } from './headers.ts';

/** Written as `log.creator` unless the caller passes one; the panel passes the manifest version. */
export const DEFAULT_HAR_CREATOR: { name: string; version: string } = {
  name: 'Step-Up Inspector',
  version: '0.1.0',
};

/** Largest |epoch ms| a JS Date can hold (ECMA-262 §21.4.1.22). */
const MAX_DATE_MS = 8.64e15;

const utf8 = new TextEncoder();

function knownBodySize(body: Body): number | undefined {
  if (body.kind === 'absent') return undefined;
  if (body.size !== undefined) return body.size;
  if (body.truncated) return undefined;
  if (body.kind === 'text') return utf8.encode(body.text).length;
  const padding = body.base64.endsWith('==') ? 2 : body.base64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((body.base64.length * 3) / 4) - padding);
}

function bodyMeta(body: Body): StepupInspectorBodyMeta {
  const meta: StepupInspectorBodyMeta = { kind: body.kind };
  if (body.kind === 'absent') {
    if (body.dropped !== undefined) meta.dropped = { ...body.dropped };
    return meta;
  }
  if (body.mimeType !== undefined) meta.mimeType = body.mimeType;
  if (body.truncated !== undefined) meta.truncated = body.truncated;
  if (body.size !== undefined) meta.size = body.size;
  return meta;
}

function isoDate(epochMs: number): string {
  return new Date(Number.isFinite(epochMs) && Math.abs(epochMs) <= MAX_DATE_MS ? epochMs : 0).toISOString();
}

function queryStringOf(url: string): HarNameValue[] {
  if (!URL.canParse(url)) return [];
  return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
}

function splitCookiePair(pair: string): HarCookie | undefined {
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
  return name === '' ? undefined : { name, value: eq === -1 ? '' : pair.slice(eq + 1).trim() };
}

function requestCookies(headers: readonly Header[]): HarCookie[] {
  return getHeaderValues(headers, 'cookie')
    .flatMap((value) => value.split(';'))
    .map(splitCookiePair)
    .filter((cookie): cookie is HarCookie => cookie !== undefined);
}

function responseCookies(headers: readonly Header[]): HarCookie[] {
  // Only the name=value pair: attributes are still readable in the Set-Cookie header itself.
  return getHeaderValues(headers, 'set-cookie')
    .map((value) => splitCookiePair(value.split(';')[0] ?? ''))
    .filter((cookie): cookie is HarCookie => cookie !== undefined);
}

function copyHeaders(headers: readonly Header[]): HarNameValue[] {
  return headers.map(({ name, value, truncated }) =>
    truncated === true ? { name, value, _stepupInspector: { truncated: true } } : { name, value },
  );
}

function exchangeToEntry(exchange: HttpExchange): HarEntry {
  const { requestBody, responseBody } = exchange;
  const time =
    exchange.endedAt !== undefined && Number.isFinite(exchange.endedAt - exchange.startedAt)
      ? Math.max(0, exchange.endedAt - exchange.startedAt)
      : 0;

  const request: HarRequest = {
    method: exchange.method,
    url: exchange.url,
    httpVersion: '',
    cookies: requestCookies(exchange.requestHeaders),
    headers: copyHeaders(exchange.requestHeaders),
    queryString: queryStringOf(exchange.url),
    headersSize: -1,
    bodySize: knownBodySize(requestBody) ?? -1,
  };
  if (requestBody.kind !== 'absent') {
    request.postData = {
      mimeType: requestBody.mimeType ?? getHeader(exchange.requestHeaders, 'content-type') ?? '',
      text: requestBody.kind === 'text' ? requestBody.text : requestBody.base64,
    };
  } else if (requestBody.dropped !== undefined) {
    // HAR viewers show the note where the body would be; `_stepupInspector` says it is a note.
    request.postData = {
      mimeType: requestBody.dropped.mimeType ?? '',
      text: droppedBodyNote(requestBody.dropped),
    };
  }

  const content: HarContent = {
    size: knownBodySize(responseBody) ?? 0,
    mimeType:
      (responseBody.kind !== 'absent' ? responseBody.mimeType : undefined) ??
      getHeader(exchange.responseHeaders, 'content-type') ??
      '',
  };
  if (responseBody.kind === 'text') content.text = responseBody.text;
  if (responseBody.kind === 'absent' && responseBody.dropped !== undefined) {
    content.text = droppedBodyNote(responseBody.dropped);
    if (responseBody.dropped.mimeType !== undefined) content.mimeType = responseBody.dropped.mimeType;
  }
  if (responseBody.kind === 'base64') {
    content.text = responseBody.base64;
    content.encoding = 'base64';
  }

  const extension: StepupInspectorEntryExtension = {
    version: 1,
    id: exchange.id,
    sources: [...exchange.sources],
    startedAt: exchange.startedAt,
    requestBody: bodyMeta(requestBody),
    responseBody: bodyMeta(responseBody),
  };
  if (exchange.endedAt !== undefined) extension.endedAt = exchange.endedAt;
  if (exchange.error !== undefined) extension.error = exchange.error;
  if (exchange.initiator !== undefined) extension.initiator = exchange.initiator;
  if (exchange.pageReported !== undefined) extension.pageReported = exchange.pageReported;
  if (exchange.statusText === undefined) extension.noStatusText = true;

  return {
    startedDateTime: isoDate(exchange.startedAt),
    time,
    request,
    response: {
      status: exchange.status,
      statusText: exchange.statusText ?? '',
      httpVersion: '',
      cookies: responseCookies(exchange.responseHeaders),
      headers: copyHeaders(exchange.responseHeaders),
      content,
      redirectURL: getHeader(exchange.responseHeaders, 'location') ?? '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    // Only the total is known; putting it all in `wait` keeps the HAR rule "time = sum of timings".
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: time, receive: 0 },
    _stepupInspector: extension,
  };
}

/**
 * Writes exchanges as a HAR 1.2 document that DevTools, Firefox and HAR viewers open. Sizes the exchange does
 * not know are -1 (`httpVersion` is `''` for the same reason); `queryString` and cookies are derived from the
 * URL and headers. Everything else an exchange holds goes into `_stepupInspector` for a lossless
 * {@link parseHar}.
 */
export function toHar(
  exchanges: readonly HttpExchange[],
  options: { creator?: { name: string; version: string } } = {},
): Har {
  const creator = options.creator ?? DEFAULT_HAR_CREATOR;
  return {
    log: {
      version: '1.2',
      creator: { name: creator.name, version: creator.version },
      pages: [],
      entries: exchanges.map(exchangeToEntry),
    },
  };
}
