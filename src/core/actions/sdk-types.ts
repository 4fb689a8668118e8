/**
 * What a provider's SDK-state reader takes and gives: the storage names it reads in the page, the snapshot the page
 * function returns, and the interpreted state the panel shows. Types only, so a provider's reader and the
 * dispatcher (sdk-state.ts) can share them without depending on each other.
 */
import type { JWK } from 'jose';
import type { TokenDecodeResult } from '../tokens/types.ts';

/**
 * Where the page-side reader looks: handed to it as its argument, as it runs serialised in the page. An empty
 * prefix or database name is one the SDK does not have: the reader reads nothing for it (an empty prefix would
 * otherwise match every localStorage key).
 */
export interface SdkStorageKeys {
  /** localStorage key prefix of the SDK's access-token cache. */
  accessTokenPrefix: string;
  /** localStorage key prefix of its cache of step-ups in progress. */
  stepUpPrefix: string;
  /** Its IndexedDB database, and the stores of DPoP keys and refresh tokens in it. */
  database: string;
  dpopKeysStore: string;
  refreshTokensStore: string;
}

/** A `dpop_keys` record as the page-side reader returns it (public half only). */
export interface PageDpopKey {
  domain: string;
  /** `crypto.subtle.exportKey('jwk', publicKey)`, or null when the export failed. */
  publicJwk: Record<string, unknown> | null;
  publicKeyError?: string;
  nonce: string | null;
  /** The private CryptoKey's `extractable` flag (SDKs set false), null when there is no CryptoKey. */
  privateKeyExtractable: boolean | null;
}

/** A `refresh_tokens` record as the page-side reader returns it: never the token itself. */
export interface PageRefreshToken {
  domain: string;
  present: boolean;
  expiresAt: string | number | null;
}

/** What the page-side reader returns. Plain JSON, checked by the provider's reader (ProviderSdkState.interpret). */
export interface PageSdkSnapshot {
  origin: string;
  storage: { ok: true; entries: { key: string; value: string }[] } | { ok: false; error: string };
  indexedDb:
    | { status: 'absent' }
    | { status: 'unsupported' }
    | { status: 'error'; error: string }
    | {
        status: 'ok';
        version: number;
        stores: string[];
        dpopKeys: PageDpopKey[];
        refreshTokens: PageRefreshToken[];
        errors: string[];
      };
}

/** An access token cached by the SDK in localStorage. */
export interface SdkAccessTokenEntry {
  storageKey: string;
  appId: string | null;
  /** The raw token: a secret, shown in the panel only. */
  token: string | null;
  decoded: TokenDecodeResult | null;
  /** Cache expiry, epoch seconds (the SDK's `expiresAt`). */
  expiresAt: number | null;
  expired: boolean;
  /** Why the entry could not be read fully, when it could not. */
  problem?: string;
}

/** A challenge token cached by the SDK while a step-up is in progress. */
export interface SdkChallengeEntry {
  storageKey: string;
  challengeId: string;
  token: string | null;
  decoded: TokenDecodeResult | null;
  /** Epoch seconds. */
  expiresAt: number | null;
  expired: boolean;
  problem?: string;
}

/** The SDK's DPoP key for one domain. */
export interface SdkDpopKey {
  domain: string;
  publicJwk: JWK | null;
  /** RFC 7638 SHA-256 thumbprint of the public key: compare with proofs in the log and `cnf.jkt`. */
  thumbprint: string | null;
  /** The stored DPoP-Nonce the next session proof will carry; null when none. */
  nonce: string | null;
  privateKeyExtractable: boolean | null;
  problem?: string;
}

/** Whether a refresh token is stored for a domain (the token itself is never read out of the page). */
export interface SdkRefreshTokenInfo {
  domain: string;
  present: boolean;
  /** As stored (the `X-Refresh-Token-Expires-At` header value); null when empty. */
  expiresAt: string | number | null;
}

/** The SDK state of the inspected page, as the page reported it. */
export interface SdkState {
  origin: string;
  accessTokens: SdkAccessTokenEntry[];
  challenges: SdkChallengeEntry[];
  /** `absent`: the page never created the database (no SDK session on this origin), nothing was created. */
  indexedDb: 'present' | 'absent' | 'unsupported' | 'error';
  dpopKeys: SdkDpopKey[];
  refreshTokens: SdkRefreshTokenInfo[];
  /** Readable remarks: what was not found, what failed, and what looks wrong. */
  notes: string[];
}

/** Outcome of reading the SDK state. */
export type SdkStateResult = { ok: true; state: SdkState } | { ok: false; reason: string };
