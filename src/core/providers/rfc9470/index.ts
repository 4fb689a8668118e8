/**
 * Recognises OAuth step-up traffic on any host: a resource server's 4xx answer whose `WWW-Authenticate` carries a
 * `Bearer`/`DPoP` challenge with `error="insufficient_user_authentication"` (RFC 9470 §3) or
 * `error="insufficient_scope"` (RFC 6750 §3.1), and token endpoint calls (`POST …/token` with a `grant_type`),
 * whose refreshes RFC 9470 §6.1 constrains.
 *
 * The resource's later calls (the retry with a new token) carry nothing that says so: the session model follows
 * them by URL once a challenge has been seen.
 */
import { bodyJsonObject, bodyText } from '../../http/body.ts';
import type { Body, Header, HttpExchange } from '../../http/exchange.ts';
import type { ExchangeClassification, ProviderModule } from '../types.ts';
import { mentionsStepUpError, readStepUpChallenge } from './challenge.ts';

export {
  describeStepUpChallenge,
  mentionsStepUpError,
  readStepUpChallenge,
  type StepUpChallenge,
  type StepUpChallengeRead,
  type StepUpError,
} from './challenge.ts';
import * as rfc9470Capture from './capture.ts';
import { rfc9470Secrets } from './secrets.ts';
import { pathEnd } from '../../util.ts';
export * from '../../http/www-authenticate.ts';

/** Stable endpoint keys of this adapter. */
export type Rfc9470EndpointKey =
  /** 4xx with `error="insufficient_user_authentication"`. */
  | 'resource.step_up'
  /** 4xx with `error="insufficient_scope"`. */
  | 'resource.insufficient_scope'
  /** 4xx whose `WWW-Authenticate` mentions a step-up error but does not parse as a Bearer/DPoP challenge. */
  | 'resource.malformed_challenge'
  /** Token endpoint, `grant_type=refresh_token`. */
  | 'token.refresh'
  /** Token endpoint, any other grant (the new token after a step-up, usually `authorization_code`). */
  | 'token.grant';

const AUTH_NONE: ExchangeClassification['auth'] = { dpop: 'optional', bearer: false, refreshToken: false };
const AUTH_RESOURCE: ExchangeClassification['auth'] = { dpop: 'optional', bearer: true, refreshToken: false };

const WWW_AUTHENTICATE = 'www-authenticate';
const TOKEN_SUFFIX = '/token';

/** Every `WWW-Authenticate` value (names compared by length first). */
function wwwAuthenticateValues(headers: readonly Header[]): string[] {
  const values: string[] = [];
  for (const header of headers) {
    const name = header?.name;
    if (
      typeof name === 'string' &&
      name.length === WWW_AUTHENTICATE.length &&
      name.toLowerCase() === WWW_AUTHENTICATE &&
      typeof header.value === 'string'
    )
      values.push(header.value);
  }
  return values;
}

export { resourceOf } from './resource.ts';

/** The `grant_type` of a token request (form-encoded or JSON body), if readable. */
export function grantTypeOf(body: Body): string | undefined {
  const json = bodyJsonObject(body);
  if (json !== undefined) {
    const value = json['grant_type'];
    return typeof value === 'string' ? value : undefined;
  }
  const text = bodyText(body);
  if (text === undefined) return undefined;
  const match = /(?:^|&)grant_type=([^&]*)/.exec(text.trim());
  if (!match) return undefined;
  try {
    return decodeURIComponent((match[1] ?? '').replace(/\+/g, ' '));
  } catch {
    return match[1];
  }
}

function classifyRfc9470(exchange: HttpExchange): ExchangeClassification | null {
  const url = exchange?.url;
  if (typeof url !== 'string' || typeof exchange.method !== 'string') return null;
  const status = exchange.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const responseHeaders = Array.isArray(exchange.responseHeaders) ? exchange.responseHeaders : [];
    const values = wwwAuthenticateValues(responseHeaders);
    if (values.length > 0 && mentionsStepUpError(values)) {
      const origin = originOf(url);
      const read = readStepUpChallenge(values);
      const method = exchange.method.toUpperCase();
      const path = url.slice(origin.length, pathEnd(url)) || '/';
      // The label says what kind of answer this is, never its error code: the exchanges table shows the one
      // reason the response gives (its body's code or the challenge's, errorReasonOf) in a column of its own.
      if (read.challenge === undefined) {
        return {
          provider: 'rfc9470',
          endpoint: 'resource.malformed_challenge',
          label: `Unreadable step-up challenge: ${method} ${path}`,
          apiBase: origin,
          auth: { ...AUTH_RESOURCE },
        };
      }
      const stepUp = read.challenge.error === 'insufficient_user_authentication';
      return {
        provider: 'rfc9470',
        endpoint: stepUp ? 'resource.step_up' : 'resource.insufficient_scope',
        label: `${stepUp ? 'Step-up challenge' : 'Scope challenge'}: ${method} ${path}`,
        apiBase: origin,
        auth: { ...AUTH_RESOURCE },
      };
    }
  }
  // Everything else: one backwards search before any parsing.
  if (url.lastIndexOf(TOKEN_SUFFIX) === -1) return null;
  const end = pathEnd(url);
  if (
    end > TOKEN_SUFFIX.length &&
    url.startsWith(TOKEN_SUFFIX, end - TOKEN_SUFFIX.length) &&
    exchange.method.toUpperCase() === 'POST'
  ) {
    const grant = grantTypeOf(exchange.requestBody);
    if (grant === undefined) return null;
    return {
      provider: 'rfc9470',
      endpoint: grant === 'refresh_token' ? 'token.refresh' : 'token.grant',
      label: `Token endpoint (grant_type=${grant.length > 60 ? `${grant.slice(0, 59)}…` : grant})`,
      apiBase: url.slice(0, end),
      auth: { ...AUTH_NONE },
    };
  }
  return null;
}

function originOf(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return '';
  const end = pathEnd(url);
  const slash = url.indexOf('/', schemeEnd + 3);
  return url.slice(0, slash === -1 || slash > end ? end : slash);
}

/**
 * The RFC 9470 / RFC 6750 adapter: step-up challenges from any resource server, and token endpoint calls.
 * Cheap for everything else (a status test, then a path suffix test). Never throws.
 */
export const rfc9470Provider: ProviderModule<'rfc9470'> = {
  id: 'rfc9470',
  capture: rfc9470Capture,
  // Loaded with the analyser, not with every view that only needs to classify or label.
  loadModel: () => import('./model.ts').then((m) => m.createRfc9470Model),
  presentation: {
    label: 'RFC 9470',
    apiName: 'OAuth step-up (RFC 9470)',
    laneName: 'key',
    showsRequestStatus: false,
    redeemsCompletion: false,
    terms: { assertionCheck: 'new token' },
  },
  tokenKinds: [],
  secrets: rfc9470Secrets,
  classify(exchange: HttpExchange): ExchangeClassification | null {
    try {
      return classifyRfc9470(exchange);
    } catch {
      return null;
    }
  },
};
