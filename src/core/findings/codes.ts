/**
 * The finding codes and families, as types: the core's and every provider's. Kept apart from the catalogue, which
 * reads the registry, so the session model's types do not depend on every provider module.
 */
import type { ProviderFindingCode, ProviderFindingFamilyId } from '../providers/finding-codes.ts';
import type { CORS_RULES } from './cors.ts';
import type { DPOP_RULES } from './dpop.ts';
import type { INSPECTOR_RULES } from './inspector.ts';
import type { TOKEN_RULES } from './token.ts';
import type { CoreFindingFamily } from './types.ts';

type CoreRules = typeof DPOP_RULES | typeof CORS_RULES | typeof TOKEN_RULES | typeof INSPECTOR_RULES;

/** Every finding code the analyser can raise: the core's and every registered provider's. */
export type FindingCode = CoreRules[number]['code'] | ProviderFindingCode;

/** Every family: the core's and those the providers add. */
export type FindingFamily = CoreFindingFamily | ProviderFindingFamilyId;
