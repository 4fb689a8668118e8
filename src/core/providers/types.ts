/**
 * The one interface a protocol implements to be understood by the inspector. Everything the rest of the code
 * knows about a provider comes through a {@link ProviderModule} found in the registry (registry.ts): nothing
 * outside `src/core/providers/` names a provider.
 */
import type { FindingRule } from '../findings/types.ts';
import type { HttpExchange } from '../http/exchange.ts';
import type { ProviderModelFactory } from '../model/provider-host.ts';
import type { ProviderId } from './registry.ts';

export type { ProviderId } from './registry.ts';

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

/** How a provider's lanes and tokens are shown (panel and text report). */
export interface ProviderPresentation {
  /** Short name for lane badges and report headings: "Prelude". */
  label: string;
  /** The API as a user would call it, for empty-state hints: "Prelude Session API". */
  apiName: string;
  /**
   * What names a lane: its `challengeId` (a missing one reads "(no challenge id)", a missing scope "?") or its
   * `key` (the provider has no challenge id of its own).
   */
  laneName: 'challengeId' | 'key';
  /** Whether the provider reports its own request status, shown beside the state the inspector derived. */
  showsRequestStatus: boolean;
}

/** What a token is for, whoever issued it: views pick how to show a token by its role, never by its kind. */
export type TokenRole = 'access' | 'challenge' | 'verification' | 'elevated' | 'session';

/**
 * A kind of token a provider issues, recognised from header and claims alone. Rules of every provider are tried
 * together by ascending `rank` (first match wins), because providers' shapes overlap: a rule that is a special
 * case of another provider's must come first.
 */
export interface ProviderTokenKind {
  /** Stable id, e.g. `prelude-access`: it appears in reports and exports. */
  kind: string;
  /** For the token inspector: "Prelude access token". */
  label: string;
  role: TokenRole;
  rank: number;
  matches(header: Record<string, unknown>, claims: Record<string, unknown>): boolean;
}

/**
 * Which requests are the provider's, as plain data: the page hook bundles it, so it must stay free of code and of
 * the rest of the module.
 */
export interface ProviderCapture {
  /** Markers that, in a URL's path (not its query), make the request an API call on any host. */
  pathMarkers: readonly string[];
  /** URL prefixes of endpoints on fixed hosts. */
  urlPrefixes: readonly string[];
  /** Request header names (lower case) that make any request part of a step-up story. */
  relatedRequestHeaders: readonly string[];
  /** Hosted API host patterns background capture asks for (the manifest's optional host permissions). */
  hostPermissions: readonly string[];
  /** webRequest URL filter patterns. */
  webRequestUrls: readonly string[];
}

/** One module per protocol: see docs/adding-a-provider.md. */
export interface ProviderModule<Id extends string = string> {
  id: Id;
  /** Cheap: called for every exchange. Returns null when the exchange is not this provider's. Never throws. */
  classify(exchange: HttpExchange): ExchangeClassification | null;
  /** The fields of this provider's wire format that hold secrets (see {@link ProviderSecrets}). */
  secrets: ProviderSecrets;
  presentation: ProviderPresentation;
  /** The findings only this provider raises, with the heading of their family in docs/findings.md. */
  findings: { family: string; heading: string; rules: readonly FindingRule[] };
  /** Builds the provider's model: handlers that turn its exchanges into lanes, grants and findings. */
  createModel: ProviderModelFactory;
  tokenKinds: readonly ProviderTokenKind[];
  capture: ProviderCapture;
}

/**
 * The part of a {@link ProviderModule} every provider already has while the modules are being assembled.
 * Transitional: removed once each provider exports a whole module.
 */
export type ProviderAdapter<Id extends string = string> = Pick<
  ProviderModule<Id>,
  'id' | 'classify' | 'secrets' | 'createModel'
> &
  Partial<ProviderModule<Id>>;
