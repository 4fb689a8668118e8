/**
 * The providers the inspector recognises, tried in order: Prelude, Dynamic, RFC 9470. Adding one is one import and
 * one line in {@link PROVIDERS}, plus one in capture.ts (which the page hook bundles without the registry) and, for
 * token kinds, in token-kinds.ts (docs/adding-a-provider.md). The findings catalogue, the actions and the redactor
 * read the modules here.
 */
import type { HttpExchange } from '../http/exchange.ts';
import { dynamicProvider } from './dynamic/index.ts';
import { preludeProvider } from './prelude/index.ts';
import { rfc9470Provider } from './rfc9470/index.ts';
import type { ProviderId } from './ids.ts';
import type { ExchangeClassification, ProviderModule, ProviderSecrets } from './types.ts';

/** Registered providers. Order matters only if two could claim the same exchange: the first wins. */
export const PROVIDERS = [
  preludeProvider,
  dynamicProvider,
  // Last: it claims any host's step-up challenge, so the providers with their own contract go first.
  rfc9470Provider,
] as const satisfies readonly ProviderModule[];

export type { ProviderId } from './ids.ts';

/** Compile-time: the registered modules are exactly the ids of ids.ts, no more, no fewer. */
type Registered = (typeof PROVIDERS)[number]['id'];
const complete: [ProviderId] extends [Registered]
  ? [Registered] extends [ProviderId]
    ? true
    : never
  : never = true;
void complete;

const BY_ID: ReadonlyMap<string, ProviderModule> = new Map(PROVIDERS.map((p) => [p.id, p]));

/** The module of a provider id; undefined for an id read from a file that no module has. */
export function providerModule(id: string): ProviderModule | undefined {
  return BY_ID.get(id);
}

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
      // A provider's bug must not stop capture or hide the other providers.
    }
  }
  return null;
}

/** Every registered provider's secret fields, for the export redactor. */
export const PROVIDER_SECRETS: readonly ProviderSecrets[] = PROVIDERS.map((provider) => provider.secrets);
