/**
 * Every provider's token kinds, in the order they are tried. Kept apart from the registry so token decoding
 * (used everywhere, also in the page-facing bundles) does not pull in the providers' models.
 */
import { dynamicTokenKinds } from './dynamic/tokens.ts';
import { preludeTokenKinds } from './prelude/tokens.ts';
import type { ProviderTokenKind } from './parts.ts';

const BY_PROVIDER = { prelude: preludeTokenKinds, dynamic: dynamicTokenKinds } as const;
const ALL = [...preludeTokenKinds, ...dynamicTokenKinds] as const;

/** A token kind some provider defines, e.g. `prelude-access`. */
export type ProviderTokenKindId = (typeof ALL)[number]['kind'];

/** By ascending rank: the first that matches names the token. */
export const PROVIDER_TOKEN_KINDS: readonly ProviderTokenKind[] = [...ALL].sort((a, b) => a.rank - b.rank);

const PROVIDER_OF: ReadonlyMap<string, keyof typeof BY_PROVIDER> = new Map(
  Object.entries(BY_PROVIDER).flatMap(([id, kinds]) =>
    kinds.map((k): [string, keyof typeof BY_PROVIDER] => [k.kind, id as keyof typeof BY_PROVIDER]),
  ),
);

/** The provider that issues tokens of `kind`; undefined for the protocol's own kinds and unknown ones. */
export function tokenKindProvider(kind: string): keyof typeof BY_PROVIDER | undefined {
  return PROVIDER_OF.get(kind);
}
