/**
 * DPoP proof rules (RFC 9449), with the places where step-up APIs commonly use DPoP differently from the RFC. A
 * provider's own DPoP rules (such as proofs bound to a challenge) are in its findings, under this family.
 */
import type { FindingRule } from './types.ts';

const rfc = (section: string): { label: string; url: string } => ({
  label: `RFC 9449 §${section}`,
  url: `https://www.rfc-editor.org/rfc/rfc9449.html#section-${section}`,
});

/** Every `dpop.*` rule. */
export const DPOP_RULES = [
  {
    code: 'dpop.missing',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP proof missing',
    explanation:
      'The endpoint needs a DPoP proof and the request carried no DPoP header. Session calls (/login/otp/check, ' +
      '/login/finalize, /refresh, /revoke) need a session proof; /otp/check and /stepup/continue need a challenge ' +
      'proof. An SDK leaves the header out when it has no device key for the domain (its IndexedDB store was ' +
      'cleared, a private window, or the key belongs to another domain), and the server answers missing_dpop_proof.',
    fix:
      'Make sure the SDK is initialised with the same `domain` for login and later calls, that IndexedDB is ' +
      'available, and that a proxy or fetch wrapper does not strip the DPoP header.',
    reference: rfc('4.1'),
  },
  {
    code: 'dpop.malformed',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP proof malformed',
    explanation:
      'The DPoP header is not a usable proof: more than one proof, not a compact JWS, a `typ` other than ' +
      '`dpop+jwt`, an `alg` that is `none` or symmetric, or one of jti/htm/htu/iat missing. A server rejects it ' +
      'with invalid_dpop_proof before looking at anything else.',
    fix:
      'Sign proofs with a JOSE library (typ dpop+jwt, an asymmetric alg such as ES256, the public jwk in the ' +
      'header) and send exactly one DPoP header per request.',
    reference: rfc('4.3'),
  },
  {
    code: 'dpop.signature_invalid',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP signature does not verify',
    explanation:
      'The proof signature does not verify with the public key in its own `jwk` header. Either the proof was ' +
      'altered after signing (a proxy rewriting it, a test fixture edited by hand) or it was signed with a ' +
      'different key than the one it advertises.',
    fix: 'Sign with the private key matching the `jwk` you put in the header, and never edit a proof after signing.',
    reference: rfc('4.3'),
  },
  {
    code: 'dpop.private_key_exposed',
    severity: 'error',
    family: 'dpop',
    title: 'Private key in the DPoP header',
    explanation:
      'The `jwk` in the proof header carries private members (`d`, or RSA `p`/`q`/…): the device private key is ' +
      'sent in clear on every request, so anyone who sees one request can impersonate the device. It usually ' +
      'comes from exporting the whole key pair (exportJWK(privateKey)) instead of the public key.',
    fix:
      'Put only the public key in the header (export the publicKey, or drop `d`); keep the private key ' +
      'non-extractable, as browser SDKs do.',
    reference: rfc('4.2'),
  },
  {
    code: 'dpop.htm_mismatch',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP htm does not match the method',
    explanation:
      'The proof `htm` claim names a different HTTP method than the request used (methods are case-sensitive). ' +
      'Typical cause: a proof made for one call reused for another, or a wrapper that changes the method.',
    fix: 'Sign a fresh proof for each request with htm set to the exact request method.',
    reference: rfc('4.3'),
  },
  {
    code: 'dpop.htu_mismatch',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP htu does not match the URL',
    explanation:
      'The proof `htu` claim is not the request URL (compared without query and fragment, after normalisation). ' +
      "Typical causes: a custom domain where the proof names the provider's default API host (or the " +
      'reverse), a reverse proxy rewriting the path, or a query string left in htu.',
    fix:
      'Build htu from the exact URL the request goes to, without query or fragment; with a custom domain, give ' +
      'the SDK that domain.',
    reference: rfc('4.3'),
  },
  {
    code: 'dpop.iat_skew',
    severity: 'warning',
    family: 'dpop',
    title: 'DPoP iat outside the acceptance window',
    explanation:
      'The proof `iat` is far from the time the request was sent: the device clock is wrong, or the proof was ' +
      'made in advance and sent later. Servers accept only a short window and reject the rest. The inspector ' +
      "allows 300 s before and 60 s after the request time, taken on the server's clock when the capture shows " +
      "it (each response's Date header, the iat of tokens the server issued), since that is the clock the server " +
      'judges by; the message says when the device clock is off, and by how much.',
    fix:
      'Sign proofs right before sending. Correct for clock skew with the server `Date` header (SDKs that do ' +
      'need the header exposed to the page) or use server nonces.',
    reference: rfc('11.1'),
  },
  {
    code: 'dpop.clock_skew',
    severity: 'error',
    family: 'dpop',
    title: 'Device clock off: the server refused the proof',
    explanation:
      "The server refused the proof (invalid_dpop_proof) and the device's clock explains it: the proof's `iat` " +
      "was fresh by the device's clock, but the device's clock is minutes off the server's, measured from what " +
      "the server wrote (each response's Date header, the iat of the tokens it issued), so by the server's clock " +
      'the proof was signed in the future or too long ago. A capture saved on that device carries the same error ' +
      'in its own times, which is why only the server-written times show it. Every proof from the device fails ' +
      'the same way until its clock or the SDK is corrected.',
    fix:
      "Set the device's clock right (turn on automatic time). In the client, sign `iat` on server time: read the " +
      "response's Date header (expose it with Access-Control-Expose-Headers for a cross-origin SDK) and shift " +
      'the clock by the difference, or rely on server nonces.',
    reference: rfc('11.1'),
  },
  {
    code: 'dpop.jti_reused',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP proof replayed (jti reused)',
    explanation:
      'A session proof reuses the `jti` of an earlier proof that the server had already answered, or the same ' +
      'jti appears in a different request. RFC 9449 §11.1 asks servers to reject a jti they have seen, so the ' +
      'second request fails. Challenge proofs are exempt: an API that binds them to the challenge sets their jti ' +
      'to the challenge token jti on purpose. A byte-identical resend after an attempt that got no response is ' +
      'reported as dpop.proof_resent instead.',
    fix: 'Sign a new proof (fresh random jti) for every request, including retries after an error response.',
    reference: rfc('11.1'),
  },
  {
    code: 'dpop.proof_resent',
    severity: 'info',
    family: 'dpop',
    title: 'Identical request re-sent after a stall',
    explanation:
      'The same request, with the same DPoP proof, was sent again after an earlier attempt got no response ' +
      '(network error or timeout). Some SDKs do this on purpose: one re-sends a stalled request up to 3 times ' +
      '(10, 20, 40 s). If the first attempt never reached the server this is harmless; if it did, a strict ' +
      'server treats the resend as a replay (RFC 9449 §11.1) and rejects it, so the retry cannot succeed.',
    fix:
      'Nothing to do when the retry succeeded. If it was rejected, the client should re-sign the proof for each ' +
      'attempt; report it to the SDK vendor.',
    reference: rfc('11.1'),
  },
  {
    code: 'dpop.nonce_stale',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP nonce missing or stale',
    explanation:
      'The server had handed out a DPoP-Nonce and the proof carries an older nonce, or none. The server answers ' +
      'use_dpop_nonce. Usual causes: the response header was not readable by the page (see ' +
      'cors.expose_headers_missing), two tabs racing on the same key, or a nonce cached from before a rotation.',
    fix:
      'Store the DPoP-Nonce of every response (errors included) and sign the next proof with it; on ' +
      'use_dpop_nonce retry once with the nonce from that response.',
    reference: rfc('8'),
  },
  {
    code: 'dpop.key_changed',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP key changed within the session',
    explanation:
      'This proof is signed by a different key than the one the server accepted earlier in the session. The ' +
      'refresh token and challenges are bound to the first key, so the server answers dpop_key_mismatch. ' +
      'Usual causes: IndexedDB cleared between calls, two SDK instances with different domains, or a second ' +
      'device replaying a stolen refresh token.',
    fix:
      'Keep one key per domain for the whole session (browser SDKs store it in IndexedDB); after a key loss, ' +
      'log in again instead of refreshing.',
    reference: rfc('5'),
  },
  {
    code: 'dpop.cnf_mismatch',
    severity: 'error',
    family: 'dpop',
    title: 'Access token bound to another key',
    explanation:
      'The access token carries `cnf.jkt` (the thumbprint of the key it is bound to) and the proof sent with it ' +
      'is signed by another key. A resource server checking the binding rejects the call. Not every provider ' +
      'binds its access tokens this way; this fires only when a token carries cnf.jkt.',
    fix: 'Present the access token only with proofs from the key it was issued to.',
    reference: rfc('6.1'),
  },
  {
    code: 'dpop.ath_mismatch',
    severity: 'error',
    family: 'dpop',
    title: 'DPoP ath does not match the access token',
    explanation:
      'The proof carries an `ath` (hash of the access token) that is not the SHA-256 of the access token sent ' +
      'with it: the proof was made for another token, often one cached before a refresh.',
    fix: 'Compute ath from the exact access token in the Authorization header of the same request.',
    reference: rfc('4.3'),
  },
] as const satisfies readonly FindingRule[];
