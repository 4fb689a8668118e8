import type { HttpExchange } from '../http/exchange.ts';
import type { ExchangeToken } from './types.ts';

/** The mutable parts of an exchange under analysis that a provider model may fill in. */
export interface ExchangeDraft {
  readonly index: number;
  readonly exchange: HttpExchange;
  tokens: ExchangeToken[];
  errorCode: string | null;
  challengeKey: string | null;
  notes: string[];
}
