/**
 * The finding codes and families every provider defines, as types only (from finding-rules.ts, whose list is
 * complete by construction). The engine's types need the codes without depending on the rules' texts or the
 * registry, so they come from here.
 */
import type { PROVIDER_FINDINGS } from './finding-rules.ts';

type AllFindings = (typeof PROVIDER_FINDINGS)[keyof typeof PROVIDER_FINDINGS];

/** Every code a provider's rules define. */
export type ProviderFindingCode = AllFindings['rules'][number]['code'];

/** Every family a provider adds. */
export type ProviderFindingFamilyId = AllFindings['families'][number]['family'];
