/**
 * Recognises Dynamic SDK API traffic. The SDK talks to `https://app.dynamicauth.com/api/v0/sdk/{environmentId}/…`,
 * but `apiBaseUrl` can move it to any host, so the API is found by its path and the SDK's `x-dyn-*` headers,
 * never by host alone. A request carrying `x-dyn-elevated-access-token` is a protected call wherever it goes.
 */
import type { Header, HttpExchange } from '../../http/exchange.ts';
import type { ExchangeClassification, ProviderModule } from '../types.ts';
import {
  DYNAMIC_AUTH,
  DYNAMIC_ENDPOINTS,
  matchDynamicPath,
  type DynamicEndpoint,
  type DynamicEndpointKey,
} from './endpoints.ts';

export { DYNAMIC_ENDPOINTS, matchDynamicPath } from './endpoints.ts';
export type {
  DynamicEndpoint,
  DynamicEndpointKey,
  DynamicEndpointRole,
  DynamicPathMatch,
} from './endpoints.ts';
import * as dynamicCapture from './capture.ts';
import { dynamicSecrets } from './secrets.ts';
import { dynamicTokenKinds } from './tokens.ts';
import { unseenWaasUse } from './waas.ts';

import { ELEVATED_TOKEN_HEADER } from './endpoints.ts';
import { pathEnd } from '../../util.ts';

export { ELEVATED_TOKEN_HEADER } from './endpoints.ts';

const SDK_MARKER = '/api/v0/sdk/';
/** With a custom `apiBaseUrl` the prefix may differ; `/sdk/<environment id>/` plus an `x-dyn-*` header still tells. */
const LOOSE_MARKER = '/sdk/';
const DYN_PREFIX = 'x-dyn-';

/** Whether a header called `lowerName` is present (names compared by length first: most are not). */
function hasNamed(headers: readonly Header[], lowerName: string): boolean {
  for (const header of headers) {
    const name = header?.name;
    if (typeof name === 'string' && name.length === lowerName.length && name.toLowerCase() === lowerName)
      return true;
  }
  return false;
}

/** Whether any request header is an `x-dyn-*` header, or a preflight asks for one. */
function carriesDynamicHeader(headers: readonly Header[]): boolean {
  for (const header of headers) {
    const name = header?.name;
    if (typeof name !== 'string') continue;
    if (name.length > DYN_PREFIX.length && name.slice(0, DYN_PREFIX.length).toLowerCase() === DYN_PREFIX)
      return true;
    if (
      name.length === 30 &&
      name.toLowerCase() === 'access-control-request-headers' &&
      typeof header.value === 'string' &&
      header.value.toLowerCase().includes(DYN_PREFIX)
    )
      return true;
  }
  return false;
}

/** `8-4-4-4-12` hex digits: Dynamic environment ids are UUIDs. */
function isUuid(segment: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment);
}

/**
 * Cheap pre-filter: true for every URL the adapter classifies by path (a request carrying an elevated token is
 * recognised by its header instead). `indexOf` only.
 */
export function looksLikeDynamicSdk(url: string): boolean {
  if (typeof url !== 'string') return false;
  const at = url.indexOf(SDK_MARKER);
  return at !== -1 && at < pathEnd(url);
}

function classification(
  endpoint: DynamicEndpoint,
  apiBase: string,
  label: string = endpoint.label,
): ExchangeClassification {
  return { provider: 'dynamic', endpoint: endpoint.key, label, apiBase, auth: { ...DYNAMIC_AUTH } };
}

function trimSlashes(path: string): string {
  let start = 0;
  let stop = path.length;
  while (start < stop && path.charCodeAt(start) === 0x2f) start += 1;
  while (stop > start && path.charCodeAt(stop - 1) === 0x2f) stop -= 1;
  return path.slice(start, stop);
}

function classifySdkCall(
  method: string,
  headers: readonly Header[],
  apiBase: string,
  subPath: string,
  elevated: boolean,
): ExchangeClassification {
  const upper = method.toUpperCase();
  if (upper === 'OPTIONS') {
    const asked = headers.find(
      (h) => typeof h?.name === 'string' && h.name.toLowerCase() === 'access-control-request-method',
    )?.value;
    const target = typeof asked === 'string' ? matchDynamicPath(asked, subPath) : undefined;
    const label =
      target && !target.methodMismatch ? `CORS preflight: ${target.endpoint.label}` : 'CORS preflight';
    return classification(DYNAMIC_ENDPOINTS.preflight, apiBase, label);
  }
  const match = matchDynamicPath(upper, subPath);
  const fallback: DynamicEndpointKey = elevated ? 'protected' : 'unknown';
  if (!match) {
    return classification(
      DYNAMIC_ENDPOINTS[fallback],
      apiBase,
      `${DYNAMIC_ENDPOINTS[fallback].label}: ${upper} ${subPath || '/'}`,
    );
  }
  if (match.methodMismatch) {
    return classification(
      DYNAMIC_ENDPOINTS[fallback],
      apiBase,
      `${upper} ${subPath} (expected ${match.endpoint.method})`,
    );
  }
  return classification(match.endpoint, apiBase);
}

function classifyDynamic(exchange: HttpExchange): ExchangeClassification | null {
  const url = exchange?.url;
  if (typeof url !== 'string' || typeof exchange.method !== 'string') return null;
  const headers = Array.isArray(exchange.requestHeaders) ? exchange.requestHeaders : [];
  // The hot path (traffic that is not Dynamic's) stops after two string searches and one header scan.
  let marker = url.indexOf(SDK_MARKER);
  const loose = marker === -1 ? url.indexOf(LOOSE_MARKER) : -1;
  const elevated = hasNamed(headers, ELEVATED_TOKEN_HEADER);
  if (marker === -1 && loose === -1 && !elevated) return null;

  const end = pathEnd(url);
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return null;
  let pathStart = url.indexOf('/', schemeEnd + 3);
  if (pathStart === -1 || pathStart > end) pathStart = end;
  if (marker !== -1 && (marker < pathStart || marker >= end)) marker = -1;

  let markerEnd = -1;
  if (marker !== -1) markerEnd = marker + SDK_MARKER.length;
  else if (loose !== -1 && loose >= pathStart && loose < end && carriesDynamicHeader(headers)) {
    const envEnd = url.indexOf('/', loose + LOOSE_MARKER.length);
    const env = url.slice(loose + LOOSE_MARKER.length, envEnd === -1 || envEnd > end ? end : envEnd);
    if (isUuid(env)) markerEnd = loose + LOOSE_MARKER.length;
  }
  if (markerEnd !== -1) {
    // `<environmentId>/<sub path>`: the environment is part of the API base.
    const rest = url.slice(markerEnd, end);
    const slash = rest.indexOf('/');
    const env = slash === -1 ? rest : rest.slice(0, slash);
    const apiBase = url.slice(0, markerEnd) + env;
    const subPath = slash === -1 ? '' : trimSlashes(rest.slice(slash));
    return classifySdkCall(exchange.method, headers, apiBase, subPath, elevated);
  }
  if (elevated) {
    const origin = url.slice(0, pathStart);
    const path = url.slice(pathStart, end) || '/';
    return classification(
      DYNAMIC_ENDPOINTS.protected,
      origin,
      `${DYNAMIC_ENDPOINTS.protected.label}: ${exchange.method.toUpperCase()} ${path}`,
    );
  }
  return null;
}

/**
 * The Dynamic adapter: `/api/v0/sdk/{environmentId}/…` on any host (or `/sdk/{uuid}/…` with an `x-dyn-*` header),
 * and any request carrying `x-dyn-elevated-access-token`. Never throws.
 */
export const dynamicProvider: ProviderModule<'dynamic'> = {
  id: 'dynamic',
  capture: dynamicCapture,
  // Loaded with the analyser, not with every view that only needs to classify or label.
  loadModel: () => import('./sdk-model.ts').then((m) => m.createSdkAwareModel),
  presentation: {
    label: 'Dynamic',
    apiName: 'Dynamic SDK API',
    laneName: 'key',
    showsRequestStatus: false,
    redeemsCompletion: false,
    terms: { sent: 'OTP', codeCheck: 'check', assertionCheck: 'verify' },
    unseenUse: unseenWaasUse,
  },
  tokenKinds: dynamicTokenKinds,
  secrets: dynamicSecrets,
  classify(exchange: HttpExchange): ExchangeClassification | null {
    try {
      return classifyDynamic(exchange);
    } catch {
      return null;
    }
  },
};
