/**
 * The one interface a protocol implements to be understood by the inspector. Everything the rest of the code
 * knows about a provider comes through a {@link ProviderModule} found in the registry (registry.ts): nothing
 * outside `src/core/providers/` names a provider.
 */
import type { OtpReplayAvailability, OtpRetryAvailability } from '../actions/availability.ts';
import type { PageRequest, Verdict } from '../actions/page-io.ts';
import type { SdkStateResult, SdkStorageKeys } from '../actions/sdk-types.ts';
import type { HttpExchange } from '../http/exchange.ts';
import type { ProviderModelFactory } from '../model/provider-host.ts';
import type { Challenge, SessionModel } from '../model/types.ts';
import type {
  ExchangeClassification,
  ProviderCapture,
  ProviderPresentation,
  ProviderSecrets,
  ProviderTokenKind,
} from './parts.ts';

export type { ProviderId } from './ids.ts';
export type * from './parts.ts';

/**
 * "Send the OTP again" and "Retry the OTP", for a provider whose challenges have one-time-code steps. The panel asks
 * `canReplay`/`canRetry` on every render (cheap, pure, never throwing) and, on a click, sends the request built here
 * from the page and reads the answer with the verdict.
 */
export interface ProviderOtpActions {
  /** Whether sending the code again makes sense for `challenge` at `now` (epoch ms); when it does, what to send. */
  canReplay(challenge: Challenge, model: SessionModel, now: number): OtpReplayAvailability;
  /** Whether asking the server to re-send the pending code makes sense. */
  canRetry(challenge: Challenge, model: SessionModel, now: number): OtpRetryAvailability;
  sendRequest(apiBase: string, challengeToken: string): PageRequest;
  retryRequest(apiBase: string): PageRequest;
  sendVerdict(exchange: HttpExchange): Verdict;
  retryVerdict(exchange: HttpExchange): Verdict;
}

/**
 * The provider's SDK state in the inspected page ("Read SDK state"): where the page-side reader looks, and how
 * what it returned is read.
 */
export interface ProviderSdkState {
  /** What the page-side reader reads, as plain data it can be handed (it runs serialised in the page). */
  storage: SdkStorageKeys;
  /** Checks and interprets the reader's snapshot (`unknown`: the page wrote it). Never rejects. */
  interpret(raw: unknown, nowMs: number): Promise<SdkStateResult>;
}

/** What the panel's page actions can do with this provider's traffic; a provider without them has none. */
export interface ProviderActions {
  otp?: ProviderOtpActions;
  sdkState?: ProviderSdkState;
}

/**
 * One module per protocol: see docs/adding-a-provider.md. Its findings (rules and their texts) are not part of it:
 * they are listed by id in finding-rules.ts, which only the catalogue reads.
 */
export interface ProviderModule<Id extends string = string> {
  id: Id;
  /** Cheap: called for every exchange. Returns null when the exchange is not this provider's. Never throws. */
  classify(exchange: HttpExchange): ExchangeClassification | null;
  /** The fields of this provider's wire format that hold secrets (see {@link ProviderSecrets}). */
  secrets: ProviderSecrets;
  presentation: ProviderPresentation;
  /**
   * Loads the provider's model: the handlers that turn its exchanges into lanes, grants and findings. Loaded on
   * demand, so what only classifies or labels exchanges (the panel's first paint, capture) does not carry it.
   */
  loadModel(): Promise<ProviderModelFactory>;
  tokenKinds: readonly ProviderTokenKind[];
  capture: ProviderCapture;
  /** The panel's actions on this provider's challenges and SDK, when it has any. */
  actions?: ProviderActions;
}
