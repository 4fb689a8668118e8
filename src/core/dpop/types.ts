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
  /**
   * On `iat` only: the proof is fresh by the device's clock and fails by the server's, so the device's clock is
   * the cause. `offsetMs` is client − server; `refused` says the server answered `invalid_dpop_proof`.
   */
  clockSkew?: { offsetMs: number; refused: boolean };
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
