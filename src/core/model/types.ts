/**
 * The session model: what the analyser knows after reading a sequence of exchanges. These types are the panel's
 * data source and the input of the reports. Every object in a {@link SessionModel} is read-only for its
 * consumers; the analyser replaces an object instead of changing it, so a view can compare by reference.
 *
 * Indexes: `exchange` fields are 0-based positions in the order exchanges were added to the analyser (for a
 * file, the order of its usable entries). Times are epoch milliseconds unless a field says otherwise.
 */
import type { DpopProofReport } from '../dpop/types.ts';
import type { FindingCode } from '../findings/catalogue.ts';
import type { Severity } from '../findings/types.ts';
import type { HttpExchange } from '../http/exchange.ts';
import type { ExchangeClassification, ProviderId } from '../providers/types.ts';
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
   * The exact header or body field, when `location` is the nearest general place rather than the field itself:
   * Dynamic's `x-dyn-elevated-access-token` header (location `request.authorization`) and `elevatedAccessToken`
   * response field (location `response.body.access_token`).
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
 * Kinds of challenge timeline events. Dynamic and RFC 9470 lanes reuse them: `requested` (Dynamic stepUp/check, or a
 * resource's 401/403 challenge), `otp_*` (Dynamic email/SMS OTP, TOTP and recovery codes), `continue_*` (Dynamic
 * passkey/wallet/social verification; RFC 9470: the next token checked against the challenge), `completed` (elevated
 * token issued; resource answered 2xx), `scope_*_in_access_token` (the elevated token's scope; a Dynamic protected
 * call sent without its token), `grant_*` (elevated token consumed, expired, reused).
 */
export type ChallengeEventKind =
  | 'requested'
  | 'request_failed'
  | 'blocked'
  | 'otp_sent'
  | 'otp_resent'
  | 'otp_send_failed'
  | 'otp_check_failed'
  | 'otp_check_passed'
  | 'otp_check_unknown'
  | 'continue_passed'
  | 'continue_failed'
  | 'continue_unknown'
  | 'step_completed'
  | 'completed'
  | 'refreshed_with_step_up'
  | 'step_up_refresh_failed'
  | 'scope_in_access_token'
  | 'scope_missing_in_access_token'
  | 'grant_consumed'
  | 'grant_expired'
  | 'grant_reuse_refused'
  | 'expired';

/** One entry of a challenge timeline. */
export interface ChallengeEvent {
  kind: ChallengeEventKind;
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
   * Dynamic: `dynamic:check#<exchange>` (from stepUp/check), else `dynamic:<verificationUUID>` or
   * `dynamic:verify#<exchange>`. RFC 9470: `rfc9470:<origin><path>` of the protected resource (`#2`… for later ones).
   */
  key: string;
  provider: ProviderId;
  /**
   * `challenge_id` claim; null for a refused or blocked request (no token issued) or an uncaptured response. Dynamic:
   * the latest OTP verificationUUID; RFC 9470: null.
   */
  challengeId: string | null;
  scope: string | null;
  metadata: Readonly<Record<string, unknown>> | null;
  grantMode: string | null;
  status: ChallengeStatus;
  /** Why the status is what it is, in a few words (the error code, "current_step completed", …). */
  statusReason: string;
  /**
   * `status` of the /stepup/request response as sent. Docs and native SDK read continue/review differently, so
   * the inspector decides from the token's `current_step` and keeps this for display.
   */
  requestStatus: string | null;
  currentStep: string | null;
  steps: readonly ChallengeStepState[];
  tokens: readonly ChallengeTokenVersion[];
  events: readonly ChallengeEvent[];
  otpSends: number;
  otpResends: number;
  otpChecks: { failed: number; succeeded: number };
  sub: string | null;
  sid: string | null;
  /** The /stepup/request exchange, when seen. */
  requestedAt: number | null;
  /** Epoch ms from the latest token `exp`. */
  expiresAt: number | null;
  completedAt: number | null;
  /** The /refresh that carried the completed token as step_up_token. */
  stepUpRefresh: number | null;
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
   * `grant_mode` of the challenge (`single-use`, `session-bound`, …; Dynamic: `single-use` or `multi-use` from the
   * elevated token's `singleUse`); null when unknown.
   */
  mode: string | null;
  /** The challenge that produced it; null when the scope first appeared in a token without a seen challenge. */
  challengeKey: string | null;
  /** Access-token lane (session) the grant belongs to. */
  lane: string;
  grantedAt: number;
  /** The exchange whose access token first carried the scope. */
  grantedBy: number;
  /** Epoch ms, from `granted_for` when a token says it (Dynamic: the elevated token's `exp`); null when unknown. */
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
