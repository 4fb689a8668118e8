import type { StepUpChallengeInfo } from '@prelude.so/js-sdk';
import { createStore } from './store.ts';

/** Which part of the page an event came from. */
export type FlowId =
  | 'login'
  | 'password'
  | 'session'
  | 'transfer'
  | 'reset'
  | 'kyc'
  | 'admin'
  | 'payments'
  | 'report'
  | 'dynamic'
  | 'oauth';

/** One `onChallenge` callback, as the SDK delivered it. */
export interface ChallengeEvent {
  seq: number;
  at: number;
  flow: FlowId;
  info: StepUpChallengeInfo;
}

/** One error shown to the user, with the class name the SDK threw. */
export interface ErrorEvent {
  seq: number;
  at: number;
  flow: FlowId;
  /** `Error.name`: the SDK's classes set it (`ScopeNotAllowedError`, `BadRequestError`…). */
  name: string;
  message: string;
  /** The API `code` when the demo itself made the call (the SDK does not expose it). */
  code?: string;
  status?: number;
}

/** The decoded claims of an access token, recorded after each `refresh()`. */
export interface TokenEvent {
  seq: number;
  at: number;
  flow: FlowId;
  /** What caused the refresh, e.g. "login", "step-up completed", "manual refresh". */
  reason: string;
  sub: string;
  sid: string;
  scopes: string[];
  exp?: number;
}

/** Everything the side panels list. Newest entries last. */
export interface Activity {
  challenges: ChallengeEvent[];
  errors: ErrorEvent[];
  tokens: TokenEvent[];
}

/** The page-wide activity log. */
export const activity = createStore<Activity>({ challenges: [], errors: [], tokens: [] });

let seq = 0;

/** Records one `onChallenge` callback. */
export function recordChallenge(flow: FlowId, info: StepUpChallengeInfo): void {
  const event: ChallengeEvent = { seq: ++seq, at: Date.now(), flow, info };
  activity.set((a) => ({ ...a, challenges: [...a.challenges, event] }));
}

/** Records a decoded access token. */
export function recordToken(
  flow: FlowId,
  reason: string,
  token: Omit<TokenEvent, 'seq' | 'at' | 'flow' | 'reason'>,
): void {
  const event: TokenEvent = { seq: ++seq, at: Date.now(), flow, reason, ...token };
  activity.set((a) => ({ ...a, tokens: [...a.tokens, event] }));
}

/** Error thrown by the demo's own calls (its backend, or the Session API endpoints the SDK 0.6.0 lacks). */
export class DemoApiError extends Error {
  override readonly name = 'DemoApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly wwwAuthenticate?: string,
  ) {
    super(message);
  }
}

/**
 * Records an error and returns the recorded event, so callers can show it inline too. `details` gives the API
 * code and status of errors that carry them (the Dynamic SDK's `APIError`).
 */
export function recordError(
  flow: FlowId,
  err: unknown,
  details: { code?: string; status?: number } = {},
): ErrorEvent {
  const event: ErrorEvent = {
    seq: ++seq,
    at: Date.now(),
    flow,
    name: err instanceof Error ? err.name : 'Error',
    message: err instanceof Error ? err.message : String(err),
  };
  if (err instanceof DemoApiError) {
    event.code = err.code;
    event.status = err.status;
  }
  if (details.code !== undefined) event.code = details.code;
  if (details.status !== undefined) event.status = details.status;
  activity.set((a) => ({ ...a, errors: [...a.errors, event] }));
  return event;
}

/** Empties the log (the "Clear" buttons). */
export function clearActivity(): void {
  activity.set({ challenges: [], errors: [], tokens: [] });
}
