import type { ProviderTokenKindId } from '../providers/token-kinds.ts';

/** Decoded JWT/JWS shapes and the typed errors decoding can produce. Decoding never verifies a signature. */

/** `dpop-proof` and `generic-jwt` are the protocol's own; every other kind is a provider's (its `tokens.ts`). */
export type TokenKind = 'dpop-proof' | 'generic-jwt' | ProviderTokenKindId;

export type TokenDecodeErrorCode =
  'empty' | 'not_compact_jws' | 'invalid_header' | 'invalid_payload' | 'payload_not_object' | 'too_large';

/** Returned (never thrown) when a string cannot be decoded as a compact JWS with a JSON payload. */
export interface TokenDecodeError {
  ok: false;
  code: TokenDecodeErrorCode;
  /** Plain-words explanation for the UI. */
  message: string;
  /** The input, cut to a safe length for display. */
  raw: string;
}

export interface DecodedToken {
  ok: true;
  raw: string;
  kind: TokenKind;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Base64url signature segment as captured (shown, redacted on export). */
  signature: string;
}

export type TokenDecodeResult = DecodedToken | TokenDecodeError;

/**
 * The signature segment redacted exports put in place of a real one: the token still decodes, but can be
 * neither replayed nor verified, and checks that need the signature say so instead of failing.
 */
export const REDACTED_SIGNATURE = 'REDACTED';
