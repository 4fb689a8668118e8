/** RFC 9449 proof checks: one row of the checklist the panel shows and the findings are derived from. */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'n/a';

export type DpopCheckId =
  | 'single_header'
  | 'well_formed'
  | 'typ'
  | 'alg'
  | 'signature'
  | 'no_private_key'
  | 'required_claims'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'nonce'
  | 'ath'
  | 'cnf_jkt'
  | 'key_continuity'
  | 'jti_unique'
  | 'challenge_jti';

export interface DpopCheck {
  id: DpopCheckId;
  status: CheckStatus;
  /** RFC 9449 section, e.g. "4.3". */
  section: string;
  /** One-line plain-words result, e.g. "htu is https://a/b but the request went to https://a/c". */
  detail: string;
}

export interface DpopProofReport {
  /** The raw proof, when there was one. */
  raw?: string;
  /** RFC 7638 SHA-256 thumbprint of the embedded public JWK, when it could be computed. */
  thumbprint?: string;
  /**
   * What the endpoint expects: a challenge-bound proof (jti = the challenge token's jti, no nonce), a session
   * proof (random jti, server nonce), or neither is known (a resource server's proof).
   */
  flavour: 'session' | 'challenge' | 'unknown';
  checks: DpopCheck[];
}
