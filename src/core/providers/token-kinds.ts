/**
 * Every provider's token kinds, in the order they are tried. Kept apart from the registry so token decoding
 * (used everywhere, also in the page-facing bundles) does not pull in the providers' models.
 */
import { dynamicTokenKinds } from './dynamic/tokens.ts';
import { preludeTokenKinds } from './prelude/tokens.ts';
import type { ProviderTokenKind } from './types.ts';

const ALL = [...preludeTokenKinds, ...dynamicTokenKinds] as const;

/** A token kind some provider defines, e.g. `prelude-access`. */
export type ProviderTokenKindId = (typeof ALL)[number]['kind'];

/** By ascending rank: the first that matches names the token. */
export const PROVIDER_TOKEN_KINDS: readonly ProviderTokenKind[] = [...ALL].sort((a, b) => a.rank - b.rank);
