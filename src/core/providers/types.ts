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
  /** The fields of this provider's wire format that hold secrets (see {@link ProviderSecrets}). */
  secrets: ProviderSecrets;
}

/**
 * Where a provider's traffic carries secrets, for the export redactor. Names are compared case- and
 * separator-insensitively (`verification_token`, `verificationToken` and `Verification-Token` are one name), in
 * JSON bodies, form and query parameters and headers alike. The redactor also applies generic rules (common key
 * names, token shapes, entropy), so a provider lists what is specific to its wire format, or what must hold even
 * where the generic rules would keep a value.
 */
export interface ProviderSecrets {
  /** One-time codes the user types (string or number). */
  otpKeys: readonly string[];
  /** Tokens: a JWS keeps header and claims with its signature replaced; anything else is replaced whole. */
  tokenKeys: readonly string[];
  /** Refresh tokens: replaced by a stable marker, so a rotation still reads as one. */
  refreshKeys: readonly string[];
  /** Passwords, keys and other secrets replaced whole. */
  passwordKeys: readonly string[];
  /** Values that name a person (masked to a hint). */
  identifierKeys: readonly string[];
}
