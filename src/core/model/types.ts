/**
 * The session model: what the analyser knows after reading a sequence of exchanges. These types are the panel's
 * data source and the input of the reports. Every object in a {@link SessionModel} is read-only for its
 * consumers; the analyser replaces an object instead of changing it, so a view can compare by reference.
 *
 * Indexes: `exchange` fields are 0-based positions in the order exchanges were added to the analyser (for a
 * file, the order of its usable entries). Times are epoch milliseconds unless a field says otherwise.
 */
import type { DpopProofReport } from '../dpop/types.ts';
import type { FindingCode } from '../findings/codes.ts';
import type { Severity } from '../findings/types.ts';
import type { HttpExchange } from '../http/exchange.ts';
import type { ExchangeClassification } from '../providers/parts.ts';
import type { ProviderId } from '../providers/ids.ts';
import type { ScopeDiff } from '../tokens/scopes.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';

/** Where on an exchange a token was found. */
export type TokenLocation =
  | 'request.authorization'
  | 'request.dpop'
  | 'request.body.challenge_token'
  | 'request.body.step_up_token'
  | 'request.body.verification_token'
  | 'response.body.challenge_token'
  | 'response.body.access_token';

/** A token seen on an exchange, decoded (never verified here; DPoP proofs are verified in `dpop`). */
export interface ExchangeToken {
  location: TokenLocation;
  decoded: TokenDecodeResult;
  /**
   * The exact header or body field, when `location` is the nearest general place rather than the field itself
   * (a provider's own token header read as `request.authorization`, a differently named token field in a response
   * read as `response.body.access_token`).
   */
  field?: string;
}

/** One exchange as the analyser understood it. Replaced (not mutated) when a later exchange adds a finding to it. */
export interface AnalyzedExchange {
  index: number;
  exchange: HttpExchange;
  /** Provider endpoint, or null for traffic no provider recognises (the app's own API, assets…). */
  classification: ExchangeClassification | null;
  tokens: readonly ExchangeToken[];
  /** RFC 9449 checklist of the request's DPoP proof; null when the request had none and needed none. */
  dpop: DpopProofReport | null;
  /** `code` of a provider error body (`{"code": "bad_check_code", …}`), or null. */
  errorCode: string | null;
  /** The step-up challenge this exchange belongs to, when any. */
  challengeKey: string | null;
  /** Ids of the findings that point at this exchange, in model order. */
  findingIds: readonly string[];
  /** What could not be checked on this exchange and why (e.g. "response body not captured"). */
  notes: readonly string[];
}

/** One occurrence of a catalogue rule. */
export interface Finding {
  /** Unique within a model and stable across re-analysis of the same input: `<exchange>:<code>[#n]`. */
  id: string;
  code: FindingCode;
  severity: Severity;
  /** The exchange it points at, or null when it concerns no single exchange. */
  exchange: number | null;
  /** What happened here, with the values involved. The catalogue rule has the general cause and fix. */
  message: string;
  /** Key of the challenge it concerns ({@link Challenge.key}), when any. */
  challengeKey?: string;
  /** `challenge_id` of that challenge, when known. */
  challengeId?: string;
  /** Other exchanges involved (the earlier use of a jti, the consuming call…). */
  related?: readonly number[];
}

/** Lifecycle of a step-up challenge. */
export type ChallengeStatus = 'pending' | 'completed' | 'blocked' | 'expired' | 'failed';

/** One step of a challenge as last seen, with where it was completed. */
export interface ChallengeStepState {
  key: string;
  order: number;
  done: boolean;
  /** Seconds the step may take (`expiration_duration`). */
  expirationDuration?: number;
  /** The exchange whose response first showed the step done. */
  doneAt?: number;
}

/** One version of a challenge token (each transition returns a new one, with a new jti). */
export interface ChallengeTokenVersion {
  /** Exchange the token was first seen on. */
  exchange: number;
  /** Where: the response of a transition, or a request that presented a version not seen before. */
  seenIn: 'response' | 'request';
  raw: string;
  jti?: string;
  currentStep?: string;
  /** Epoch seconds. */
  exp?: number;
  iat?: number;
}

/**
 * Kinds of challenge timeline events, the same for every provider (each provider's presentation words them):
 * `requested` (the step-up was asked for, or a resource answered with a challenge), `request_failed`/`blocked`,
 * `factor_sent|resent|send_failed` (a code sent to the user), `factor_verified|failed|unknown` (a factor presented:
 * see {@link ChallengeEvent.method}), `step_completed`, `completed` (every step done, or the elevated token or the
 * resource's 2xx came back), `redeemed`/`redeem_failed` (a completed challenge exchanged for its scope), `granted`/
 * `not_granted` (the next token does or does not carry the scope), `consumed`, `grant_expired`, `refused` (a reuse
 * after consumption), `expired` (the challenge's own expiry).
 */
export type ChallengeEventKind =
  | 'requested'
  | 'request_failed'
  | 'blocked'
  | 'factor_sent'
  | 'factor_resent'
  | 'factor_send_failed'
  | 'factor_verified'
  | 'factor_failed'
  | 'factor_unknown'
  | 'step_completed'
  | 'completed'
  | 'redeemed'
  | 'redeem_failed'
  | 'granted'
  | 'not_granted'
  | 'consumed'
  | 'grant_expired'
  | 'refused'
  | 'expired';

/** How a factor was presented: a one-time `code` the user typed, or an `assertion` (passkey, signature, token). */
export type FactorMethod = 'code' | 'assertion';

/** One entry of a challenge timeline. */
export interface ChallengeEvent {
  kind: ChallengeEventKind;
  /** For `factor_verified`, `factor_failed` and `factor_unknown`: how the factor was presented. */
  method?: FactorMethod;
  /** The exchange it comes from; null for time-driven events (expiry noticed by the clock). */
  exchange: number | null;
  time: number;
  /** One line for the timeline. */
  detail: string;
}

/** A step-up challenge (one lane of the timeline). */
export interface Challenge {
  /**
   * Unique key: `<provider>:<challenge_id>`, or `<provider>:request#<exchange>` while no challenge id is known.
   * A provider without challenge ids keys its lanes by what identifies them there (the call that opened the lane,
   * a verification id, a protected resource), with `#2`… for later ones (see the provider's model).
   */
  key: string;
  provider: ProviderId;
  /**
   * The provider's id of the challenge (a `challenge_id` claim, a verification id); null for a refused or blocked
   * request (no token issued), an uncaptured response, or a provider without one.
   */
  challengeId: string | null;
  scope: string | null;
  metadata: Readonly<Record<string, unknown>> | null;
  grantMode: string | null;
  status: ChallengeStatus;
  /** Why the status is what it is, in a few words (the error code, "current_step completed", …). */
  statusReason: string;
  /**
   * The status the provider reported for the request, as sent (its own vocabulary). The lane's `status` is the
   * inspector's reading of the challenge itself; this is kept for display.
   */
  providerStatus: string | null;
  currentStep: string | null;
  steps: readonly ChallengeStepState[];
  tokens: readonly ChallengeTokenVersion[];
  events: readonly ChallengeEvent[];
  /** One-time codes sent to the user, re-sends included. */
  codeSends: number;
  codeResends: number;
  /** Typed codes checked. */
  codeChecks: { failed: number; succeeded: number };
  sub: string | null;
  sid: string | null;
  /** The /stepup/request exchange, when seen. */
  requestedAt: number | null;
  /** Epoch ms from the latest token `exp`. */
  expiresAt: number | null;
  completedAt: number | null;
  /** The exchange that exchanged the completed challenge for its scope, where the provider has such a step. */
  redeemedBy: number | null;
  /** true: the next access token carried the scope; false: it did not; null: not known yet. */
  scopeGranted: boolean | null;
  /** Id of the grant this challenge produced. */
  grantId: string | null;
}

/** Where an access token version came from. */
export type AccessTokenSource = 'login' | 'refresh' | 'step_up_refresh' | 'presented';

/** One access token seen in the session, with how its scopes changed from the previous one. */
export interface AccessTokenVersion {
  /** Position in {@link SessionModel.accessTokens}. */
  id: number;
  exchange: number;
  source: AccessTokenSource;
  raw: string;
  /** Tokens of one session form a lane: `sid`, else `sub`, else `unknown`. */
  lane: string;
  sub?: string;
  sid?: string;
  iss?: string;
  /** Epoch seconds. */
  iat?: number;
  exp?: number;
  scopes: readonly string[];
  cnfJkt?: string;
  /** Previous version in the same lane, or null for the first. */
  previous: number | null;
  /** Scope change from the previous version of the lane; null for the first. */
  diff: ScopeDiff | null;
}

/** What happened to a grant. */
export type GrantState = 'active' | 'consumed' | 'expired';

/** How the analyser concluded a grant was consumed. */
export type ConsumptionEvidence =
  'password_reset' | 'passkey_registration' | 'protected_call' | 'dropped_from_token' | 'refused_later';

/** A scope granted to a session. */
export interface Grant {
  id: string;
  provider: ProviderId;
  scope: string;
  /**
   * The grant mode the provider states (`single-use`, `session-bound`, `multi-use`…); null when unknown.
   */
  mode: string | null;
  /** The challenge that produced it; null when the scope first appeared in a token without a seen challenge. */
  challengeKey: string | null;
  /** Access-token lane (session) the grant belongs to. */
  lane: string;
  grantedAt: number;
  /** The exchange whose access token first carried the scope. */
  grantedBy: number;
  /** Epoch ms, when a token says how long the grant lasts (`granted_for`, an elevated token's `exp`); null when unknown. */
  expiresAt: number | null;
  state: GrantState;
  /** The exchange that consumed it (single-use), when known. */
  consumedBy: number | null;
  consumedAt: number | null;
  consumption: ConsumptionEvidence | null;
  /** The first later exchange whose access token no longer carries the scope. */
  droppedBy: number | null;
  /** Later calls refused for lack of the scope after consumption. */
  reuseAttempts: readonly number[];
}

/** Counters for the report header and the panel's status bar. */
export interface ModelStats {
  exchanges: number;
  /** Exchanges a provider recognised. */
  providerExchanges: number;
  /** Exchanges whose response body was not captured although the endpoint has one to read. */
  withoutResponseBody: number;
  dpopProofs: number;
  findings: { error: number; warning: number; info: number };
  /**
   * How far the capturing device's clock is from the servers', measured from what they wrote (each response's
   * `Date`, the `iat` of tokens they issued); absent until one such time was seen.
   */
  clockOffset?: ClockOffset;
}

/**
 * The client–server clock offset of a capture. The capture's times and the proofs' `iat` come from the device's
 * clock; the server judges `iat` by its own.
 */
export interface ClockOffset {
  /** Client minus server (ms): positive when the device's clock runs ahead. A running median of the samples. */
  offsetMs: number;
  /** How far off the estimate may be (ms): a `Date` header's one-second resolution plus request durations. */
  uncertaintyMs: number;
  /** Server times it rests on. */
  samples: number;
  /**
   * Beyond what the measurement explains (at least 2 s, and twice the uncertainty): the reports and the panel
   * mention the offset only then.
   */
  notable: boolean;
}

/** The whole model at one version. */
export interface SessionModel {
  /** Increments whenever anything in the model changes. */
  version: number;
  /**
   * The clock statuses were evaluated at when this version was built (epoch ms): the `now` option, or the latest
   * time seen in the traffic. A snapshot is reused while nothing changes, so with a wall clock this can lag.
   */
  clock: number;
  exchanges: readonly AnalyzedExchange[];
  challenges: readonly Challenge[];
  accessTokens: readonly AccessTokenVersion[];
  grants: readonly Grant[];
  /** Sorted by exchange (findings without an exchange last), then in the order they were raised. */
  findings: readonly Finding[];
  stats: ModelStats;
}
