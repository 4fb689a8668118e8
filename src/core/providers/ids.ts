/**
 * The registered providers' ids: one per folder under src/core/providers, in the registry's order. Kept apart from
 * the registry so a type that names a provider (a lane's, a grant's) does not depend on every module; the registry
 * checks at compile time that its modules are exactly these.
 */
export const PROVIDER_IDS = ['prelude', 'dynamic', 'rfc9470'] as const;

/** The providers the inspector understands. */
export type ProviderId = (typeof PROVIDER_IDS)[number];
