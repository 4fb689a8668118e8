/**
 * The plain parts of a provider module: what an exchange is, where secrets are, how lanes are shown, token kinds,
 * findings, capture patterns. They depend on nothing but the provider ids and the finding rule's shape, so the
 * engine's types, token decoding and the page hook can use them without reaching the whole module (types.ts).
 */
import type { FindingRule } from '../findings/types.ts';
import type { ProviderId } from './ids.ts';

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
  /** Whether a completed challenge must still be exchanged for its scope ("completed, not exchanged yet"). */
  redeemsCompletion: boolean;
  /** The provider's words for timeline marks, where they read better than the generic ones. */
  terms?: Partial<MarkTerms>;
  /**
   * Where a grant of `scope` is used out of the capture's sight (a call the provider's own iframe makes): the
   * sentence the panel and the reports show for such a grant while no use of it is in the capture, so that it does
   * not read as unused. Undefined for a scope whose use the capture would show.
   */
  unseenUse?(scope: string): string | undefined;
}

/** Words of the timeline's marks (see `src/panel/timeline/marks.ts` for the generic ones). */
export interface MarkTerms {
  /** What is sent to the user: "OTP". */
  sent: string;
  /** Checking a typed code: "check". */
  codeCheck: string;
  /** Presenting any other factor: "continue", "verify". */
  assertionCheck: string;
  /** A completed challenge exchanged for its scope: "refresh + step_up_token". */
  redeemed: string;
  /** The same, failing: "step-up refresh". */
  redeemFailed: string;
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

/** A section of docs/findings.md (and a filter of the panel) that a provider adds. */
export interface ProviderFindingFamily {
  /** The prefix of its codes, e.g. `prelude` for `prelude.bad_check_code`. */
  family: string;
  heading: string;
}

/**
 * The findings a provider defines. Its rules are listed in its own families, after the core's, or in one of the
 * core's (`CoreFindingFamily`) when they are about a step-up concept the core already has a section for, such as a
 * challenge or a DPoP proof.
 */
export interface ProviderFindings {
  /** Its own families, in docs order. */
  families: readonly ProviderFindingFamily[];
  /** Every rule it defines, in docs order within each family. */
  rules: readonly FindingRule[];
}

/**
 * Which requests are the provider's, as plain data: the page hook bundles it, so it must stay free of code and of
 * the rest of the module. A provider's capture.ts exports each field as its own constant and the module namespace
 * is the ProviderCapture, so a bundle keeps only the fields it reads (the page hook reads two).
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
