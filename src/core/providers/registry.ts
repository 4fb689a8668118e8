/**
 * The providers the inspector recognises, tried in order. Adding one (Dynamic, RFC 9470) is one import and
 * one line in {@link PROVIDERS}.
 */
import type { HttpExchange } from '../http/exchange.ts';
import { preludeAdapter } from './prelude/index.ts';
import type { ExchangeClassification, ProviderAdapter } from './types.ts';

/** Registered adapters. Order matters only if two could claim the same exchange: the first wins. */
export const PROVIDERS: readonly ProviderAdapter[] = [preludeAdapter];

/**
 * What `exchange` is, according to the first provider that recognises it, or `null` for traffic no
 * provider knows. Never throws: an adapter failing on odd input counts as "not recognised".
 */
export function classifyExchange(exchange: HttpExchange): ExchangeClassification | null {
  for (const provider of PROVIDERS) {
    try {
      const result = provider.classify(exchange);
      if (result) return result;
    } catch {
      // An adapter bug must not stop capture or hide the other providers.
    }
  }
  return null;
}
