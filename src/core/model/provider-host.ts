/**
 * What the engine lends to a provider's model, and what a provider's model offers the engine. A provider turns
 * its exchanges into lanes, grants and findings of the one session model through these services only, never by
 * reaching into the engine's other state.
 */
import type { ExchangeClassification } from '../providers/parts.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';
import type { AccessTokenStore } from './access-tokens.ts';
import type { AppTraffic } from './app-traffic.ts';
import type { ChallengeStore } from './challenges.ts';
import type { CorsPolicy } from './cors.ts';
import type { DpopSession, PendingDpop } from './dpop-session.ts';
import type { ExchangeFacts } from './exchange-facts.ts';
import type { FindingInput, FindingSlot } from './finding-log.ts';
import type { GrantRecord, GrantStore } from './grants.ts';
import type { TokenLedger } from './ledger.ts';
import type { ProofRequest } from './proofs.ts';
import type { ExchangeDraft } from './draft.ts';
import type { ConsumptionEvidence, TokenLocation } from './types.ts';

export type { ExchangeDraft } from './draft.ts';

/** The engine's services, as a provider model sees them. */
export interface ProviderModelHost {
  readonly challenges: ChallengeStore;
  readonly grants: GrantStore;
  readonly accessTokens: AccessTokenStore;
  /** Access tokens presented and issued, the grants they carry, their consumption and refusals. */
  readonly ledger: TokenLedger;
  /** Nonces, key continuity and jti replay per session lane. */
  readonly dpop: DpopSession;
  /** The app's own calls: grant consumption by protected calls, refusals, proofs sent to resource servers. */
  readonly appTraffic: AppTraffic;
  /** How long a completed challenge may wait for what completes it on the client (ms). */
  readonly completionGraceMs: number;
  /** Raises a finding (see FindingLog.raise); a repeated `dedupeKey` is dropped. */
  raise(input: FindingInput, slot?: FindingSlot, dedupeKey?: string): void;
  /** Decodes a token through the engine's cache. */
  decode(raw: string): TokenDecodeResult;
  /** Decodes a token found at `location`, records it on the exchange, and raises token.malformed if it is not a JWT. */
  readToken(d: ExchangeDraft, raw: string, location: TokenLocation, what: string): TokenDecodeResult;
  /** Counts an exchange whose response body the model needed but the capture lacks. */
  countMissingResponseBody(): void;
  /** Prepares the RFC 9449 check of the request's proof, or null when it has none and needs none. */
  prepareProof(request: ProofRequest): PendingDpop | null;
  /** Checks that a cross-origin page can read what the provider's SDK must read in the response. */
  checkCors(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification, policy: CorsPolicy): void;
}

/** A provider's handlers, built once per analyser by the provider's module. */
export interface ProviderModel {
  /** An exchange the provider classified. Returns its DPoP proof check, when there is one to run. */
  onExchange(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification): PendingDpop | null;
  /** An exchange no provider classified (the app's own API), after the ledger has seen its bearer token. */
  onUnclaimed?(d: ExchangeDraft, f: ExchangeFacts, token: TokenDecodeResult | undefined): void;
  /** Time-driven changes due at `now` (epoch ms), after challenge expiries and before grant expiries. */
  sweep?(now: number): void;
  /** The timeline line for a grant of this provider that expired by the clock. */
  grantExpired?(grant: GrantRecord): string;
  /** Scopes the provider's own endpoints consume, whatever the grant mode says; the app's calls never do. */
  readonly selfConsumedScopes?: ReadonlyMap<string, ConsumptionEvidence>;
}

/** Builds a provider's model on the engine's services. */
export type ProviderModelFactory = (host: ProviderModelHost) => ProviderModel;
