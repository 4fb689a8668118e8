/**
 * The finding codes and families every provider defines, as types only. The catalogue reads the rules from the
 * registry at run time; the engine's types need the codes without depending on the registry (and through it on
 * every module), so they come from here. A provider missing from this list cannot raise its codes: the engine's
 * `raise` would not accept them, so the omission fails to compile.
 */
import type { dynamicFindings } from './dynamic/findings.ts';
import type { preludeFindings } from './prelude/findings.ts';
import type { rfc9470Findings } from './rfc9470/findings.ts';

type AllFindings = typeof preludeFindings | typeof dynamicFindings | typeof rfc9470Findings;

/** Every code a provider's rules define. */
export type ProviderFindingCode = AllFindings['rules'][number]['code'];

/** Every family a provider adds. */
export type ProviderFindingFamilyId = AllFindings['families'][number]['family'];
