/**
 * What a token kind means, for views and reports: its label and its role. Provider kinds come from their
 * provider's module; the two kinds below are the protocol's own.
 */
import { PROVIDER_TOKEN_KINDS } from '../providers/token-kinds.ts';
import type { TokenRole } from '../providers/parts.ts';
import type { TokenKind } from './types.ts';

export type { TokenRole } from '../providers/parts.ts';

const LABELS: ReadonlyMap<string, string> = new Map([
  ['dpop-proof', 'DPoP proof (RFC 9449)'],
  ['generic-jwt', 'JWT'],
  ...PROVIDER_TOKEN_KINDS.map((k): [string, string] => [k.kind, k.label]),
]);
const ROLES: ReadonlyMap<string, TokenRole> = new Map(PROVIDER_TOKEN_KINDS.map((k) => [k.kind, k.role]));

/** A label for any kind; an unknown one (from a file) reads as itself. */
export function tokenKindLabel(kind: TokenKind | string): string {
  return LABELS.get(kind) ?? kind;
}

/** The role of a provider's token kind; null for DPoP proofs, plain JWTs and unknown kinds. */
export function tokenRole(kind: TokenKind | string): TokenRole | null {
  return ROLES.get(kind) ?? null;
}
