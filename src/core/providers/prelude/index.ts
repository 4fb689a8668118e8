/**
 * Recognises Prelude Session API traffic. Apps usually serve the API from a custom domain, so the API is
 * found by its path (`…/v1/session/…`) and the SDK's `X-SDK-User-Agent` header, never by host.
 */
import { bodyJsonObject, bodyText } from '../../http/body.ts';
import type { Body, Header, HttpExchange } from '../../http/exchange.ts';
import { getHeader, hasHeader, headerListContains } from '../../http/headers.ts';
import type { ExchangeClassification, ProviderModule } from '../types.ts';
import {
  PRELUDE_ENDPOINTS,
  matchPreludePath,
  type PreludeEndpoint,
  type PreludeEndpointKey,
} from './endpoints.ts';
import { preludeActions } from './actions/index.ts';
import * as preludeCapture from './capture.ts';
import { preludeSecrets } from './secrets.ts';
import { preludeTokenKinds } from './tokens.ts';
import { pathEnd } from '../../util.ts';

export { PRELUDE_ENDPOINTS, matchPreludePath } from './endpoints.ts';
export type { EndpointAuth, PreludeEndpoint, PreludeEndpointKey, PreludePathMatch } from './endpoints.ts';

const SESSION_PATH = '/v1/session';
const SESSION_MARKER = '/v1/session/';
const SIGNALS_ORIGIN = 'https://edge.prelude.dev';
const SIGNALS_PATH = '/v1/signals';
const ROOT_JWKS_PATH = '/.well-known/jwks.json';
const SDK_HEADER = 'x-sdk-user-agent';

/**
 * Whether the request carries the SDK's fingerprint header. A CORS preflight cannot carry it, but names it
 * in `Access-Control-Request-Headers`.
 */
function carriesSdkHeader(headers: readonly Header[]): boolean {
  return (
    hasHeader(headers, SDK_HEADER) ||
    headerListContains(headers, 'access-control-request-headers', SDK_HEADER)
  );
}

/**
 * Cheap pre-filter for the capture pipeline's hot path: true for every URL the adapter could classify
 * (and a few more). Uses `indexOf` only, no URL parsing. `headers` is optional because `onBeforeRequest`
 * has none yet.
 */
export function looksLikePreludeSession(url: string, headers?: readonly Header[]): boolean {
  if (typeof url !== 'string') return false;
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return false;
  const marker = url.indexOf(SESSION_MARKER, schemeEnd + 3);
  if (marker !== -1 && marker < pathEnd(url)) return true;
  if (url.startsWith(SIGNALS_ORIGIN + SIGNALS_PATH)) return true;
  return Array.isArray(headers) && carriesSdkHeader(headers);
}

interface SplitUrl {
  /** Scheme and authority, e.g. `https://auth.example.com`. */
  origin: string;
  /** Path without query or fragment; `''` for none. */
  path: string;
}

function splitUrl(url: string): SplitUrl | undefined {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return undefined;
  const end = pathEnd(url);
  let pathStart = url.indexOf('/', schemeEnd + 3);
  if (pathStart === -1 || pathStart > end) pathStart = end;
  return { origin: url.slice(0, pathStart), path: url.slice(pathStart, end) };
}

/** Trailing slashes carry no meaning for this API (`/refresh/` is `/refresh`). */
function trimSlashes(path: string): string {
  let stop = path.length;
  while (stop > 0 && path.charCodeAt(stop - 1) === 0x2f) stop -= 1;
  return path.slice(0, stop);
}

function classification(
  endpoint: PreludeEndpoint,
  apiBase: string,
  label: string = endpoint.label,
  key: PreludeEndpointKey = endpoint.key,
): ExchangeClassification {
  const auth = PRELUDE_ENDPOINTS[key].auth;
  return { provider: 'prelude', endpoint: key, label, apiBase, auth: { ...auth } };
}

function hasOwn(record: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/**
 * `POST /otp` serves both the step-up OTP (`challenge_token` in the body) and native Android's login OTP
 * (`identifier`). Without a readable body it is taken as the step-up call, the JS SDK's only use of it, and
 * the label says the guess.
 */
function classifyOtp(body: Body, apiBase: string): ExchangeClassification {
  const send = PRELUDE_ENDPOINTS['otp.send'];
  const login = PRELUDE_ENDPOINTS['otp.login'];
  if (body.kind === 'absent') return classification(send, apiBase, 'POST /otp (body not captured)');
  const json = bodyJsonObject(body);
  if (json) {
    if (hasOwn(json, 'challenge_token')) return classification(send, apiBase);
    if (hasOwn(json, 'identifier')) return classification(login, apiBase);
    return classification(send, apiBase, 'POST /otp (no challenge_token in body)');
  }
  // A truncated or oversized body still names its keys near the start.
  const text = bodyText(body) ?? '';
  if (text.includes('"challenge_token"')) return classification(send, apiBase);
  if (text.includes('"identifier"')) return classification(login, apiBase);
  return classification(send, apiBase, 'POST /otp (body unreadable)');
}

function unknownCall(method: string, subPath: string, apiBase: string, note = ''): ExchangeClassification {
  const path = subPath === '' ? '/' : subPath;
  return classification(PRELUDE_ENDPOINTS.unknown, apiBase, `${method} ${path}${note}`);
}

function preflight(headers: readonly Header[], subPath: string, apiBase: string): ExchangeClassification {
  const requested = getHeader(headers, 'access-control-request-method') ?? 'POST';
  const target = matchPreludePath(requested, subPath);
  const label =
    target && !target.methodMismatch ? `CORS preflight: ${target.endpoint.label}` : 'CORS preflight';
  return classification(PRELUDE_ENDPOINTS.preflight, apiBase, label);
}

function classifySessionCall(
  exchange: HttpExchange,
  headers: readonly Header[],
  subPath: string,
  apiBase: string,
): ExchangeClassification {
  const method = exchange.method.toUpperCase();
  if (method === 'OPTIONS') return preflight(headers, subPath, apiBase);
  const match = matchPreludePath(method, subPath);
  if (!match) return unknownCall(method, subPath, apiBase);
  if (match.methodMismatch)
    return unknownCall(method, subPath, apiBase, ` (expected ${match.endpoint.method})`);
  if (match.endpoint.key === 'otp.send') return classifyOtp(exchange.requestBody, apiBase);
  if (match.endpoint.key === 'login.oauth.authorize' && match.param !== undefined) {
    return classification(match.endpoint, apiBase, `${match.endpoint.label} (${match.param})`);
  }
  return classification(match.endpoint, apiBase);
}

function classifyPrelude(exchange: HttpExchange): ExchangeClassification | null {
  if (typeof exchange?.url !== 'string' || typeof exchange.method !== 'string') return null;
  const parts = splitUrl(exchange.url);
  if (!parts) return null;
  const headers = Array.isArray(exchange.requestHeaders) ? exchange.requestHeaders : [];

  const marker = parts.path.indexOf(SESSION_MARKER);
  if (marker !== -1) {
    const apiBase = parts.origin + parts.path.slice(0, marker + SESSION_PATH.length);
    const subPath = trimSlashes(parts.path.slice(marker + SESSION_PATH.length));
    return classifySessionCall(exchange, headers, subPath, apiBase);
  }
  const path = trimSlashes(parts.path);
  if (parts.origin === SIGNALS_ORIGIN && path === SIGNALS_PATH) {
    const apiBase = `${SIGNALS_ORIGIN}/v1`;
    const method = exchange.method.toUpperCase();
    if (method === 'OPTIONS') {
      return classification(
        PRELUDE_ENDPOINTS.preflight,
        apiBase,
        `CORS preflight: ${PRELUDE_ENDPOINTS.signals.label}`,
      );
    }
    if (method !== 'POST') return unknownCall(method, SIGNALS_PATH, apiBase, ' (expected POST)');
    return classification(PRELUDE_ENDPOINTS.signals, apiBase);
  }
  // Only the SDK's own fetch of the host-root JWKS counts: any site may serve that path.
  if (path === ROOT_JWKS_PATH && carriesSdkHeader(headers)) {
    return classifySessionCall(exchange, headers, ROOT_JWKS_PATH, parts.origin + SESSION_PATH);
  }
  return null;
}

/**
 * The Prelude Session API adapter. Classifies by method, path under `/v1/session` (any host, any prefix
 * before it) and, for `POST /otp`, the request body. Never throws.
 */
export const preludeProvider: ProviderModule<'prelude'> = {
  id: 'prelude',
  capture: preludeCapture,
  actions: preludeActions,
  // Loaded with the analyser, not with every view that only needs to classify or label.
  loadModel: () => import('./sdk-model.ts').then((m) => m.createSdkAwareModel),
  presentation: {
    label: 'Prelude',
    apiName: 'Prelude Session API',
    laneName: 'challengeId',
    showsRequestStatus: true,
    redeemsCompletion: true,
    terms: {
      sent: 'OTP',
      codeCheck: 'check',
      assertionCheck: 'continue',
      redeemed: 'refresh + step_up_token',
      redeemFailed: 'step-up refresh',
    },
  },
  tokenKinds: preludeTokenKinds,
  secrets: preludeSecrets,
  classify(exchange: HttpExchange): ExchangeClassification | null {
    try {
      return classifyPrelude(exchange);
    } catch {
      // Malformed exchanges (from a file or the page) must not break capture.
      return null;
    }
  },
};
