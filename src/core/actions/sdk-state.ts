/**
 * What a provider's browser SDK keeps in the inspected page (localStorage caches, an IndexedDB database of DPoP keys
 * and refresh tokens), read on request by `src/panel/services/sdk-state.ts` and interpreted by the provider
 * (ProviderModule.actions.sdkState). The page can write anything into its own storage, and even replace the
 * functions that read it, so the snapshot is `unknown` until the provider has checked every field; the result is
 * page-reported data.
 *
 * Secrets stay where they are: the page-side reader returns the public DPoP key (never the private one, which
 * SDKs make non-extractable anyway) and only whether a refresh token is stored, never the token. The access and
 * challenge tokens are returned so they can be decoded, as the panel decodes captured ones.
 */
import { PROVIDERS, providerModule } from '../providers/registry.ts';
import type { ProviderId, ProviderSdkState } from '../providers/types.ts';

export type * from './sdk-types.ts';

/** The SDK state reader of a provider, or undefined when it has none. */
export function sdkStateOf(provider: string): ProviderSdkState | undefined {
  return providerModule(provider)?.actions?.sdkState;
}

/** Every provider that has an SDK state reader, in registry order (a page may run several SDKs). */
export function sdkStateReaders(): { provider: ProviderId; reader: ProviderSdkState }[] {
  return PROVIDERS.flatMap((module) =>
    module.actions?.sdkState ? [{ provider: module.id, reader: module.actions.sdkState }] : [],
  );
}
