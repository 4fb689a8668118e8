/**
 * Every provider's findings (families and rules, with their cause and fix texts), by provider id. Kept apart from
 * the modules: what only classifies and labels exchanges (the registry, capture, the panel's first paint) has no use
 * for the rules' texts, while the catalogue, loaded with the analyser and with the views that explain findings,
 * reads them here. Keyed by id, so a registered provider without an entry fails to compile.
 */
import { dynamicFindings } from './dynamic/findings.ts';
import type { ProviderId } from './ids.ts';
import type { ProviderFindings } from './parts.ts';
import { preludeFindings } from './prelude/findings.ts';
import { rfc9470Findings } from './rfc9470/findings.ts';

export const PROVIDER_FINDINGS = {
  prelude: preludeFindings,
  dynamic: dynamicFindings,
  rfc9470: rfc9470Findings,
} as const satisfies Record<ProviderId, ProviderFindings>;
