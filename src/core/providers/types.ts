import type { HttpExchange } from '../http/exchange.ts';

/** Providers the inspector understands. A new one is a folder under providers/ plus one registration line. */
export type ProviderId = 'prelude' | 'dynamic' | 'rfc9470';

/**
 * What an exchange is, as far as its provider can tell from method, path, headers and body.
 * `endpoint` is a stable key such as `stepup.request` or `otp.check`; `label` is for display.
 */
export interface ExchangeClassification {
  provider: ProviderId;
  endpoint: string;
  label: string;
  /** Base URL of the API (e.g. `https://demo.session.prelude.dev/v1/session`). */
  apiBase: string;
  /** How this endpoint authenticates, per the provider's contract (for `dpop.missing` and friends). */
  auth: {
    dpop: 'session' | 'challenge' | 'none' | 'optional';
    bearer: boolean;
    refreshToken: boolean;
  };
}

export interface ProviderAdapter {
  id: ProviderId;
  /** Cheap: called for every exchange. Returns null when the exchange is not this provider's. */
  classify(exchange: HttpExchange): ExchangeClassification | null;
}
