/**
 * What the analyser lends to a provider's model (Dynamic, RFC 9470): the shared stores and the finding log, so a
 * provider's step-ups become challenge lanes and grants of the one session model, without the provider module
 * reaching into the analyser's other state.
 */
import type { TokenDecodeResult } from '../tokens/types.ts';
import type { ChallengeStore } from './challenges.ts';
import type { FindingInput, FindingSlot } from './finding-log.ts';
import type { GrantStore } from './grants.ts';
import type { ExchangeToken } from './types.ts';

/** The mutable parts of an exchange under analysis that a provider model may fill in. */
export interface ExchangeDraft {
  readonly index: number;
  tokens: ExchangeToken[];
  errorCode: string | null;
  challengeKey: string | null;
  notes: string[];
}

/** The analyser's services, as a provider model sees them. */
export interface ProviderModelHost {
  readonly challenges: ChallengeStore;
  readonly grants: GrantStore;
  /** Raises a finding (see FindingLog.raise); a repeated `dedupeKey` is dropped. */
  raise(input: FindingInput, slot?: FindingSlot, dedupeKey?: string): void;
  /** Decodes a token through the analyser's cache. */
  decode(raw: string): TokenDecodeResult;
  /** Counts an exchange whose response body the model needed but the capture lacks. */
  countMissingResponseBody(): void;
}

/** Builds a provider's model on the analyser's services. */
export type ProviderModelFactory = (host: ProviderModelHost) => unknown;
