/**
 * RFC 9449 DPoP proof checks, as a verifying server would run them, plus the two places Prelude differs:
 * challenge proofs reuse the challenge token's `jti` on purpose and carry no nonce, and no proof carries `ath`.
 * One {@link DpopCheck} row per {@link DpopCheckId}, always in the same order, so the panel, the findings and a
 * diff of two reports line up.
 *
 * Cost: the analyser runs this over whole captures (10,000 exchanges with 3,361 proofs in `npm run bench`), so:
 * - imported keys, thumbprints, access-token facts and normalised URLs are cached (small bounded maps);
 * - the proof is decoded once here (or not at all when the caller passes its own decoding, `decoded`);
 * - the signature of an ECDSA or Ed25519 proof is checked with one `crypto.subtle.verify` on the signing input,
 *   with the key jose imported; jose's `compactVerify` (which re-splits and re-parses the header, copies the
 *   signing input and decodes the payload again after the check) remains the path for everything else;
 * - the access token's SHA-256 (`ath`) is only computed for proofs that carry an `ath` (Prelude's never do):
 *   it was one more WebCrypto round trip per proof.
 * Measured in one process against the previous version (CPU time, which the shared machine's load disturbs
 * far less than wall time; Node 20, 2-core x86-64 VM, the bench's 3,361 proofs from 20 device keys):
 * 142–149 → 122–124 µs per proof with 256 in flight, 216–231 → 174–185 µs awaited one by one.
 * What is left is mostly WebCrypto itself: in Node its argument normalisation and job set-up on the main thread
 * (~30 µs) besides the ECDSA arithmetic on the thread pool; in Chromium `verify` runs on the calling thread
 * (~160 µs per ES256 proof in the panel), so overlapping calls helps Node only.
 */
import {
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  errors,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { readAccessClaims } from '../tokens/claims.ts';
import { decodeCompactJws, decodeToken, stripAuthScheme } from '../tokens/decode.ts';
import { formatDuration, formatEpochSeconds } from '../tokens/time.ts';
import { normaliseHtu } from './htu.ts';
import type { CheckStatus, DpopCheck, DpopCheckId, DpopProofReport } from './types.ts';
import { REDACTED_SIGNATURE, type TokenDecodeResult } from '../tokens/types.ts';

/** What {@link checkDpopProof} needs to know about one request. */
export interface DpopCheckInput {
  /** Every value of the DPoP request header (0, 1 or several). */
  proofHeaders: string[];
  method: string;
  url: string;
  /** Epoch ms of the request. */
  requestTime: number;
  /** What the endpoint expects: 'session' proofs (random jti, server nonce) or Prelude 'challenge' proofs (jti = challenge token jti, no nonce). */
  flavour: 'session' | 'challenge' | 'unknown';
  /** Whether the endpoint requires a proof (missing proof then fails 'single_header'); default false. */
  required?: boolean;
  /** The latest DPoP-Nonce the server sent before this request; undefined when none was seen (nonce check n/a), null when the server never asked. */
  expectedNonce?: string | null;
  /** The access token presented with the proof (Authorization: Bearer/DPoP), for `ath` and `cnf.jkt`. */
  accessToken?: string;
  /**
   * The Authorization header was cut to size when its file was loaded: a token was presented but cannot be
   * read, so `ath` and `cnf.jkt` are not checked (rather than judged against "no token").
   */
  accessTokenTruncated?: boolean;
  /**
   * The DPoP header was cut to size when its file was loaded: a proof was sent but only its beginning is
   * known, so nothing is checked and no row fails (neither "missing" nor "malformed").
   */
  truncated?: boolean;
  /**
   * The first proof already decoded by the caller (`decodeCompactJws` of it), which saves decoding it again;
   * ignored unless its `raw` is exactly that proof.
   */
  decoded?: TokenDecodeResult;
  /** jti of the challenge token in the request body, for challenge proofs. */
  challengeTokenJti?: string;
  /** Thumbprint of the key used earlier in this session, for key continuity. */
  previousThumbprint?: string;
  /** jtis of session proofs already seen in this session, for replay detection. */
  seenJtis?: ReadonlySet<string>;
  /**
   * Acceptable iat distance from requestTime, seconds. Default: 300 s in the past and 60 s in the future. That is
   * wider than the few seconds RFC 9449 §11.1 suggests, because SDKs (Prelude's included) shift their clock by the
   * server's `Date` header and a capture's request time is itself approximate; a proof just outside the window is
   * a warning, one far outside (more than twice the window) a failure.
   */
  iatWindow?: { pastSeconds: number; futureSeconds: number };
}

/** The default {@link DpopCheckInput.iatWindow}. */
export const DEFAULT_IAT_WINDOW = { pastSeconds: 300, futureSeconds: 60 } as const;

/** Row order of every report: the order a verifier works in (RFC 9449 §4.3), then session-level checks. */
export const DPOP_CHECK_ORDER: readonly DpopCheckId[] = [
  'single_header',
  'well_formed',
  'typ',
  'alg',
  'signature',
  'no_private_key',
  'required_claims',
  'htm',
  'htu',
  'iat',
  'nonce',
  'ath',
  'cnf_jkt',
  'key_continuity',
  'jti_unique',
  'challenge_jti',
];

/** RFC 9449 section each check comes from. */
const SECTION: Record<DpopCheckId, string> = {
  single_header: '4.3',
  well_formed: '4.3',
  typ: '4.2',
  alg: '4.3',
  signature: '4.3',
  no_private_key: '4.3',
  required_claims: '4.2',
  htm: '4.3',
  htu: '4.3',
  iat: '4.3',
  nonce: '8',
  ath: '4.3',
  cnf_jkt: '6.1',
  key_continuity: '5',
  jti_unique: '11.1',
  challenge_jti: '4.2',
};

/** Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.2: "MUST NOT be none or an identifier for a symmetric algorithm"). */
const ASYMMETRIC_ALGS = new Set([
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
]);

/** JWK members that only a private (or symmetric) key has (RFC 7517/7518: EC/OKP `d`, RSA CRT values, oct `k`, AKP `priv`). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

/**
 * Runs every RFC 9449 check on the `DPoP` header(s) of one request. Never rejects: malformed or hostile input
 * gives failing rows, and an unexpected internal error gives a report whose `well_formed` row says so.
 */
export async function checkDpopProof(input: DpopCheckInput): Promise<DpopProofReport> {
  const flavour = isFlavour(input?.flavour) ? input.flavour : 'unknown';
  try {
    return await runChecks(input, flavour);
  } catch (error) {
    const rows = new Rows();
    rows.set('well_formed', 'warn', `the inspector could not finish checking this proof: ${describe(error)}`);
    return rows.report(flavour, undefined, undefined, 'not checked');
  }
}

/**
 * Checks many proofs with up to `concurrency` in flight, returning reports in input order. WebCrypto verifies
 * off the main thread, so overlapping the calls is about three times faster than awaiting them one by one (see
 * the measurements at the top of this file). Inputs are independent: derive `seenJtis` and
 * `previousThumbprint` for each before calling (for example from a first decode-only pass).
 */
export async function checkDpopProofs(
  inputs: readonly DpopCheckInput[],
  concurrency = 64,
): Promise<DpopProofReport[]> {
  const reports = new Array<DpopProofReport>(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      reports[index] = await checkDpopProof(inputs[index] as DpopCheckInput);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(concurrency) || 1, inputs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return reports;
}

/** The failing and warning rows of a report, in report order (for findings and badges). */
export function summariseDpop(report: DpopProofReport): { failed: DpopCheck[]; warned: DpopCheck[] } {
  return {
    failed: report.checks.filter((c) => c.status === 'fail'),
    warned: report.checks.filter((c) => c.status === 'warn'),
  };
}

/** Forgets cached keys and access-token facts (for benchmarks that want a cold start). */
export function resetDpopCaches(): void {
  keyCache.clear();
  accessTokenCache.clear();
  accessTokenHashCache.clear();
  htuCache.clear();
}

async function runChecks(
  input: DpopCheckInput,
  flavour: DpopProofReport['flavour'],
): Promise<DpopProofReport> {
  const rows = new Rows();
  const proofs = splitProofHeaders(input.proofHeaders);

  if (input.truncated === true) {
    rows.set(
      'single_header',
      'n/a',
      'the DPoP header was cut to size when the file was loaded: a proof was sent, but it cannot be checked',
    );
    return rows.report(
      flavour,
      proofs[0],
      undefined,
      'not checked: the proof was cut when the file was loaded',
    );
  }
  if (proofs.length === 0) {
    if (input.required === true) {
      rows.set(
        'single_header',
        'fail',
        'no DPoP header, but this endpoint requires a proof (expect missing_dpop_proof)',
      );
    } else rows.set('single_header', 'n/a', 'no DPoP header sent');
    return rows.report(flavour, undefined, undefined, 'no proof');
  }
  if (proofs.length > 1) {
    rows.set(
      'single_header',
      'fail',
      `${proofs.length} DPoP proofs in one request; a server accepts exactly one and rejects the request (the other rows check the first)`,
    );
  } else rows.set('single_header', 'pass', 'exactly one DPoP header');

  const raw = proofs[0] ?? '';
  const given = input.decoded;
  const decoded = given !== undefined && given.raw === raw && given.ok ? given : decodeCompactJws(raw);
  if (!decoded.ok) {
    rows.set('well_formed', 'fail', decoded.message);
    return rows.report(flavour, raw, undefined, 'not checked: the proof could not be decoded');
  }
  rows.set('well_formed', 'pass', 'a compact JWS whose payload is a JSON object');
  const { header, claims } = decoded;

  // typ (§4.2). Media types compare case-insensitively and may carry `application/` (RFC 7515 §4.1.9), but
  // many servers compare the exact string, so anything but the exact form is a warning.
  const typ = header['typ'];
  if (typ === 'dpop+jwt') rows.set('typ', 'pass', 'typ is dpop+jwt');
  else if (typeof typ === 'string' && /^(?:application\/)?dpop\+jwt$/i.test(typ)) {
    rows.set(
      'typ',
      'warn',
      `typ is "${typ}": equivalent to dpop+jwt, but servers comparing the exact string reject it`,
    );
  } else rows.set('typ', 'fail', `typ is ${quote(typ)} but must be dpop+jwt`);

  const alg = header['alg'];
  const algOk = typeof alg === 'string' && ASYMMETRIC_ALGS.has(alg);
  if (algOk) rows.set('alg', 'pass', `alg ${alg} is asymmetric`);
  else if (alg === 'none') rows.set('alg', 'fail', 'alg is none: the proof is unsigned');
  else if (typeof alg === 'string' && /^HS\d+$/.test(alg)) {
    rows.set('alg', 'fail', `alg ${alg} is symmetric (HMAC); a proof must be signed with an asymmetric key`);
  } else rows.set('alg', 'fail', `alg is ${quote(alg)}, not a known asymmetric JWS algorithm`);

  const jwk = isRecord(header['jwk']) ? header['jwk'] : undefined;
  if (jwk === undefined) {
    rows.set('no_private_key', 'n/a', 'no jwk in the header');
  } else {
    const leaked = PRIVATE_MEMBERS.filter((m) => jwk[m] !== undefined);
    if (leaked.length > 0) {
      rows.set(
        'no_private_key',
        'fail',
        `the header jwk carries private member${leaked.length > 1 ? 's' : ''} ${leaked.join(', ')}: the device's private key is exposed`,
      );
    } else rows.set('no_private_key', 'pass', 'the header jwk is a public key');
  }

  const key = jwk === undefined ? undefined : await resolveKey(jwk, algOk ? (alg as string) : undefined);
  const thumbprint = key?.thumbprint;

  if (!algOk)
    rows.set('signature', 'n/a', `not verified: alg ${quote(alg)} is not an acceptable proof algorithm`);
  else if (jwk === undefined) {
    rows.set(
      'signature',
      'fail',
      'no jwk in the header: a proof must carry its public key, so it cannot be verified',
    );
  } else if (key?.cryptoKey === undefined) {
    rows.set(
      'signature',
      'fail',
      `the header jwk cannot be used with ${alg as string}: ${key?.importError ?? 'unknown'}`,
    );
  } else if (raw.endsWith(`.${REDACTED_SIGNATURE}`)) {
    rows.set('signature', 'n/a', 'not verified: the signature was redacted when this log was exported');
  } else {
    const [status, detail] = await verifySignature(raw, header, key.cryptoKey, alg as string);
    rows.set('signature', status, detail);
  }

  checkRequiredClaims(rows, claims);
  checkHtm(rows, claims['htm'], input.method);
  checkHtu(rows, claims['htu'], input.url);
  checkIat(rows, claims['iat'], input.requestTime, input.iatWindow ?? DEFAULT_IAT_WINDOW);
  checkNonce(rows, claims['nonce'], input.expectedNonce, flavour);

  const accessToken = typeof input.accessToken === 'string' ? stripAuthScheme(input.accessToken.trim()) : '';
  const tokenFacts = accessToken ? accessTokenFacts(accessToken) : undefined;
  // The token's SHA-256 only matters when the proof carries an `ath` to compare it with (Prelude proofs never
  // do): hashing is a WebCrypto round trip, so it is not paid for the other proofs.
  const tokenHash =
    tokenFacts !== undefined && claims['ath'] !== undefined ? await accessTokenHash(accessToken) : undefined;
  checkAth(rows, claims['ath'], tokenFacts, tokenHash, flavour);
  checkCnfJkt(rows, tokenFacts, thumbprint);
  if (input.accessTokenTruncated === true && tokenFacts === undefined) {
    const cut = 'not checked: the access token was cut when the file was loaded';
    rows.set('ath', 'n/a', cut);
    rows.set('cnf_jkt', 'n/a', cut);
  }

  const previous = input.previousThumbprint;
  if (previous === undefined) rows.set('key_continuity', 'n/a', 'no earlier proof key in this session');
  else if (thumbprint === undefined)
    rows.set('key_continuity', 'n/a', 'the proof key thumbprint could not be computed');
  else if (previous === thumbprint)
    rows.set('key_continuity', 'pass', `same key as before (${short(thumbprint)})`);
  else {
    rows.set(
      'key_continuity',
      'fail',
      `key changed: ${short(thumbprint)} now, ${short(previous)} earlier in the session (expect dpop_key_mismatch)`,
    );
  }

  const jti = typeof claims['jti'] === 'string' && claims['jti'] !== '' ? claims['jti'] : undefined;
  if (flavour === 'challenge') {
    rows.set('jti_unique', 'n/a', "challenge proofs reuse the challenge token's jti by design");
    if (jti === undefined) rows.set('challenge_jti', 'n/a', 'no jti in the proof (see required_claims)');
    else if (input.challengeTokenJti === undefined) {
      rows.set('challenge_jti', 'n/a', 'no challenge token in the request body to compare the jti with');
    } else if (jti === input.challengeTokenJti) {
      rows.set('challenge_jti', 'pass', `jti equals the challenge token's jti (${jti})`);
    } else {
      rows.set(
        'challenge_jti',
        'fail',
        `jti is ${jti} but the challenge token's jti is ${input.challengeTokenJti}`,
      );
    }
  } else {
    rows.set('challenge_jti', 'n/a', 'not a challenge proof');
    if (jti === undefined) rows.set('jti_unique', 'n/a', 'no jti in the proof (see required_claims)');
    else if (input.seenJtis === undefined) rows.set('jti_unique', 'n/a', 'no earlier proofs to compare with');
    else if (input.seenJtis.has(jti)) {
      rows.set(
        'jti_unique',
        'fail',
        `jti ${jti} was already used by an earlier proof: a replay, or a retry that reused its proof`,
      );
    } else rows.set('jti_unique', 'pass', `jti ${jti} not seen before in this session`);
  }

  return rows.report(flavour, raw, thumbprint, 'not checked');
}

function checkRequiredClaims(rows: Rows, claims: Record<string, unknown>): void {
  const problems: string[] = [];
  const want = (name: string, ok: (v: unknown) => boolean, type: string): void => {
    const value = claims[name];
    if (value === undefined) problems.push(`${name} missing`);
    else if (!ok(value)) problems.push(`${name} is not ${type}`);
  };
  want('jti', (v) => typeof v === 'string' && v !== '', 'a non-empty string');
  want('htm', (v) => typeof v === 'string', 'a string');
  want('htu', (v) => typeof v === 'string', 'a string');
  want('iat', (v) => typeof v === 'number' && Number.isFinite(v), 'a number');
  if (problems.length === 0) rows.set('required_claims', 'pass', 'jti, htm, htu and iat are present');
  else rows.set('required_claims', 'fail', problems.join('; '));
}

function checkHtm(rows: Rows, htm: unknown, method: unknown): void {
  if (typeof htm !== 'string') return rows.set('htm', 'n/a', 'no htm (see required_claims)');
  const requestMethod = typeof method === 'string' ? method : '';
  if (htm === requestMethod) return rows.set('htm', 'pass', `htm ${htm} matches the request method`);
  if (htm.toUpperCase() === requestMethod.toUpperCase()) {
    // RFC 9110 §9.1: methods are case-sensitive, so a strict server rejects this even though it is "the same".
    return rows.set(
      'htm',
      'warn',
      `htm is "${htm}" but the request method is "${requestMethod}"; methods are case-sensitive`,
    );
  }
  rows.set('htm', 'fail', `htm is ${htm} but the request was ${requestMethod || 'of unknown method'}`);
}

/** The same endpoints come back on every proof of a capture: their normal forms are kept, not re-parsed. */
const htuCache = new Map<string, string | null>();

function normalisedHtu(url: string): string | null {
  let result = htuCache.get(url);
  if (result === undefined) {
    result = normaliseHtu(url);
    if (htuCache.size >= 512) htuCache.clear();
    htuCache.set(url, result);
  }
  return result;
}

function checkHtu(rows: Rows, htu: unknown, url: unknown): void {
  if (typeof htu !== 'string') return rows.set('htu', 'n/a', 'no htu (see required_claims)');
  const proofUri = normalisedHtu(htu);
  if (proofUri === null) return rows.set('htu', 'fail', `htu ${quote(htu)} is not an absolute http(s) URL`);
  const requestUri = typeof url === 'string' ? normalisedHtu(url) : null;
  if (requestUri === null) return rows.set('htu', 'n/a', `the request URL ${quote(url)} could not be parsed`);
  if (proofUri !== requestUri) {
    return rows.set('htu', 'fail', `htu is ${htu} but the request went to ${requestUri}`);
  }
  // §4.2 defines htu "without query and fragment parts"; real verifiers (Keycloak, Spring Security) compare the
  // claim with the query-less request URI, so a query in the claim makes them reject an otherwise matching proof.
  if (/[?#]/.test(htu)) {
    return rows.set('htu', 'fail', `htu ${htu} includes a query or fragment; it must be ${requestUri}`);
  }
  rows.set(
    'htu',
    'pass',
    htu === requestUri ? `htu matches ${requestUri}` : `htu matches ${requestUri} after normalisation`,
  );
}

function checkIat(
  rows: Rows,
  iat: unknown,
  requestTime: unknown,
  window: { pastSeconds: number; futureSeconds: number },
): void {
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    return rows.set('iat', 'n/a', 'no numeric iat (see required_claims)');
  if (typeof requestTime !== 'number' || !Number.isFinite(requestTime)) {
    return rows.set('iat', 'n/a', `iat is ${formatEpochSeconds(iat)}; the request time is unknown`);
  }
  const offsetMs = iat * 1000 - requestTime; // > 0: signed "after" the request, i.e. the client clock runs ahead
  const past = Math.max(0, window.pastSeconds) * 1000;
  const future = Math.max(0, window.futureSeconds) * 1000;
  const windowText = `window: ${window.pastSeconds} s before to ${window.futureSeconds} s after the request`;
  if (offsetMs >= -past && offsetMs <= future) {
    const where = offsetMs <= 0 ? `${formatDuration(-offsetMs)} before` : `${formatDuration(offsetMs)} after`;
    return rows.set('iat', 'pass', `iat is ${where} the request (${windowText})`);
  }
  if (offsetMs > future) {
    const status: CheckStatus = offsetMs > 2 * future ? 'fail' : 'warn';
    return rows.set(
      'iat',
      status,
      `iat is ${formatDuration(offsetMs)} after the request: the client clock runs ahead (${windowText})`,
    );
  }
  const status: CheckStatus = -offsetMs > 2 * past ? 'fail' : 'warn';
  rows.set(
    'iat',
    status,
    `iat is ${formatDuration(-offsetMs)} before the request: a stale or pre-made proof, or a slow client clock (${windowText})`,
  );
}

function checkNonce(
  rows: Rows,
  nonce: unknown,
  expected: string | null | undefined,
  flavour: DpopProofReport['flavour'],
): void {
  if (flavour === 'challenge') {
    return rows.set(
      'nonce',
      'n/a',
      nonce === undefined
        ? 'challenge proofs carry no nonce'
        : `challenge proofs need no nonce (this one has ${quote(nonce)})`,
    );
  }
  if (expected === undefined) {
    return rows.set(
      'nonce',
      'n/a',
      nonce === undefined
        ? 'no DPoP-Nonce seen before this request'
        : `nonce ${quote(nonce)}; no earlier DPoP-Nonce was seen to compare`,
    );
  }
  if (expected === null) {
    if (nonce === undefined)
      return rows.set('nonce', 'pass', 'the server has not asked for a nonce and the proof has none');
    return rows.set(
      'nonce',
      'warn',
      `the proof carries nonce ${quote(nonce)} but the server never sent a DPoP-Nonce`,
    );
  }
  if (nonce === expected)
    return rows.set('nonce', 'pass', `nonce matches the latest DPoP-Nonce (${expected})`);
  if (nonce === undefined) {
    return rows.set(
      'nonce',
      'fail',
      `no nonce, but the server sent DPoP-Nonce ${expected} (expect use_dpop_nonce)`,
    );
  }
  rows.set(
    'nonce',
    'fail',
    `stale nonce: ${quote(nonce)} but the latest DPoP-Nonce is ${expected} (expect use_dpop_nonce)`,
  );
}

function checkAth(
  rows: Rows,
  ath: unknown,
  token: AccessTokenFacts | undefined,
  tokenHash: string | undefined,
  flavour: DpopProofReport['flavour'],
): void {
  if (ath === undefined) {
    if (token !== undefined && flavour === 'unknown') {
      return rows.set(
        'ath',
        'warn',
        'an access token was presented but the proof has no ath (RFC 9449 §4.2 requires it)',
      );
    }
    return rows.set(
      'ath',
      'n/a',
      token === undefined ? 'no ath and no access token' : 'no ath (Prelude proofs never carry one)',
    );
  }
  if (token === undefined)
    return rows.set('ath', 'warn', 'the proof has an ath but no access token was presented');
  if (ath === tokenHash)
    return rows.set('ath', 'pass', 'ath is the SHA-256 hash of the presented access token');
  rows.set(
    'ath',
    'fail',
    `ath is ${quote(ath)} but the presented access token hashes to ${tokenHash ?? '?'}`,
  );
}

function checkCnfJkt(rows: Rows, token: AccessTokenFacts | undefined, thumbprint: string | undefined): void {
  if (token === undefined) return rows.set('cnf_jkt', 'n/a', 'no access token presented');
  if (token.cnfJkt === undefined) return rows.set('cnf_jkt', 'n/a', 'the access token has no cnf.jkt');
  if (thumbprint === undefined) {
    return rows.set(
      'cnf_jkt',
      'fail',
      `the access token is bound to ${token.cnfJkt} but the proof key has no usable thumbprint`,
    );
  }
  if (token.cnfJkt === thumbprint)
    return rows.set('cnf_jkt', 'pass', `cnf.jkt matches the proof key (${short(thumbprint)})`);
  rows.set(
    'cnf_jkt',
    'fail',
    `the access token is bound to key ${token.cnfJkt} but the proof is signed by ${thumbprint}`,
  );
}

const VERIFIES: [CheckStatus, string] = ['pass', 'verifies with the header jwk'];
const DOES_NOT_VERIFY: [CheckStatus, string] = [
  'fail',
  'does not verify with the header jwk: the proof was altered or signed by another key',
];

/**
 * WebCrypto parameters for the algorithms whose verification is a single `crypto.subtle.verify` over the JWS
 * signing input, with the key jose imported for that `alg`: the curve the key must be on (RFC 7518 §3.4, RFC 8037).
 */
const DIRECT_VERIFY: Readonly<Record<string, { params: AlgorithmIdentifier | EcdsaParams; curve?: string }>> =
  {
    ES256: { params: { name: 'ECDSA', hash: 'SHA-256' }, curve: 'P-256' },
    ES384: { params: { name: 'ECDSA', hash: 'SHA-384' }, curve: 'P-384' },
    ES512: { params: { name: 'ECDSA', hash: 'SHA-512' }, curve: 'P-521' },
    EdDSA: { params: { name: 'Ed25519' } },
    Ed25519: { params: { name: 'Ed25519' } },
  };

/** The characters of a base64url segment without padding (RFC 7515 §2). */
const BASE64URL_SEGMENT = /^[\w-]*$/;

/**
 * Verifies the signature of the compact JWS `raw` (already decoded into `header`) with `key`.
 *
 * Fast path: for the usual proof (ECDSA or Ed25519, no `crit`, no `b64`, plain base64url segments) this is one
 * `crypto.subtle.verify` on the signing input, the bytes before the last dot, and the signature decoded with
 * jose's base64url; the raw r||s signature of a JWS is exactly what WebCrypto's ECDSA expects (RFC 7518 §3.4).
 * That skips what `compactVerify` would redo here: splitting and re-parsing the header already decoded,
 * copying the signing input, and base64url-decoding the payload again after a successful check. Anything else
 * (RSA with its modulus-length rule, `crit`, `b64`, a key on another curve, an unusual encoding, a WebCrypto
 * error) goes through jose's `compactVerify`, which stays the reference and words every failure.
 */
async function verifySignature(
  raw: string,
  header: Record<string, unknown>,
  key: CryptoKey,
  alg: string,
): Promise<[CheckStatus, string]> {
  const direct = DIRECT_VERIFY[alg];
  if (
    direct !== undefined &&
    header['crit'] === undefined &&
    header['b64'] === undefined &&
    key.algorithm.name === (direct.curve === undefined ? 'Ed25519' : 'ECDSA') &&
    (direct.curve === undefined || (key.algorithm as EcKeyAlgorithm).namedCurve === direct.curve)
  ) {
    const dot = raw.lastIndexOf('.');
    const signature = raw.slice(dot + 1);
    const signingInput = raw.slice(0, dot);
    if (BASE64URL_SEGMENT.test(signature) && BASE64URL_SEGMENT.test(signingInput.replace('.', ''))) {
      try {
        const ok = await crypto.subtle.verify(
          direct.params,
          key,
          base64url.decode(signature) as Uint8Array<ArrayBuffer>,
          new TextEncoder().encode(signingInput),
        );
        return ok ? VERIFIES : DOES_NOT_VERIFY;
      } catch {
        // Let jose say what is wrong.
      }
    }
  }
  return verifyWithJose(raw, key, alg);
}

async function verifyWithJose(raw: string, key: CryptoKey, alg: string): Promise<[CheckStatus, string]> {
  try {
    await compactVerify(raw, key, { algorithms: [alg] });
    return VERIFIES;
  } catch (error) {
    const code = error instanceof errors.JOSEError ? error.code : undefined;
    switch (code) {
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return DOES_NOT_VERIFY;
      case 'ERR_JOSE_NOT_SUPPORTED':
        return ['warn', `${alg} cannot be verified in this runtime: ${describe(error)}`];
      default:
        return ['fail', `jose rejected the proof: ${describe(error)}`];
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Caches. One device key signs every proof of a session, so importing it (and hashing it for the thumbprint) once
// is most of the speed-up; the bound keeps a long capture with many keys from growing memory without limit.

interface KeyMaterial {
  thumbprint?: string;
  cryptoKey?: CryptoKey;
  importError?: string;
}

interface AccessTokenFacts {
  cnfJkt?: string;
}

/** A Map used as a least-recently-used cache: re-inserting on every hit keeps insertion order = recency. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }
  clear(): void {
    this.map.clear();
  }
}

const keyCache = new Lru<Promise<KeyMaterial>>(32);
// Sized above the number of devices a capture interleaves (the benchmark's 20-24): a cache smaller than the
// round-robin of live tokens misses on every look-up. An entry is the token string plus one short claim.
const accessTokenCache = new Lru<AccessTokenFacts>(64);
const accessTokenHashCache = new Lru<Promise<string>>(64);

/**
 * The public part of the header jwk, its thumbprint and (when `alg` is acceptable) a verification key. Cached
 * promises, so concurrent checks of proofs from one key share a single import.
 */
function resolveKey(jwk: Record<string, unknown>, alg: string | undefined): Promise<KeyMaterial> {
  const publicJwk: Record<string, unknown> = {};
  // Private members are dropped so a leaked private JWK still yields a verify key (that leak is its own row);
  // key_ops/ext describe the private key and would stop WebCrypto importing the public half.
  for (const [name, value] of Object.entries(jwk)) {
    if (!(PRIVATE_MEMBERS as readonly string[]).includes(name) && name !== 'key_ops' && name !== 'ext') {
      publicJwk[name] = value;
    }
  }
  const cacheKey = `${alg ?? ''}|${JSON.stringify(publicJwk)}`;
  let entry = keyCache.get(cacheKey);
  if (entry === undefined) {
    entry = loadKey(publicJwk as JWK, jwk['kty'], alg);
    keyCache.set(cacheKey, entry);
  }
  return entry;
}

async function loadKey(publicJwk: JWK, kty: unknown, alg: string | undefined): Promise<KeyMaterial> {
  const material: KeyMaterial = {};
  try {
    material.thumbprint = await calculateJwkThumbprint(publicJwk);
  } catch {
    // No thumbprint for a malformed jwk; the signature row reports why the key is unusable.
  }
  if (alg === undefined) return material;
  if (kty === 'oct') {
    material.importError = 'it is a symmetric key (kty oct)';
    return material;
  }
  try {
    const imported = await importJWK(publicJwk, alg);
    if (imported instanceof Uint8Array) material.importError = 'it is not an asymmetric public key';
    else material.cryptoKey = imported;
  } catch (error) {
    material.importError = describe(error);
  }
  return material;
}

function accessTokenFacts(token: string): AccessTokenFacts {
  let entry = accessTokenCache.get(token);
  if (entry === undefined) {
    const decoded = decodeToken(token);
    const cnfJkt = decoded.ok ? readAccessClaims(decoded.claims).cnfJkt : undefined;
    entry = cnfJkt === undefined ? {} : { cnfJkt };
    accessTokenCache.set(token, entry);
  }
  return entry;
}

/** base64url(SHA-256(token)), RFC 9449 §4.2 `ath`. */
function accessTokenHash(token: string): Promise<string> {
  let entry = accessTokenHashCache.get(token);
  if (entry === undefined) {
    entry = crypto.subtle
      .digest('SHA-256', new TextEncoder().encode(token))
      .then((digest) => base64url.encode(new Uint8Array(digest)));
    accessTokenHashCache.set(token, entry);
  }
  return entry;
}

// ---------------------------------------------------------------------------------------------------------------

/** Collects rows and fills the ones a path did not reach with `n/a`, in {@link DPOP_CHECK_ORDER}. */
class Rows {
  private readonly rows = new Map<DpopCheckId, DpopCheck>();
  set(id: DpopCheckId, status: CheckStatus, detail: string): void {
    this.rows.set(id, { id, status, section: SECTION[id], detail });
  }
  report(
    flavour: DpopProofReport['flavour'],
    raw: string | undefined,
    thumbprint: string | undefined,
    missingDetail: string,
  ): DpopProofReport {
    const checks = DPOP_CHECK_ORDER.map(
      (id) =>
        this.rows.get(id) ?? { id, status: 'n/a' as const, section: SECTION[id], detail: missingDetail },
    );
    const report: DpopProofReport = { flavour, checks };
    if (raw !== undefined) report.raw = raw;
    if (thumbprint !== undefined) report.thumbprint = thumbprint;
    return report;
  }
}

/**
 * The proofs in the header values. `fetch` and `Headers` merge repeated headers into one value joined by ", ",
 * and a compact JWS never contains a comma, so each comma-separated part counts as one proof (RFC 9449 §4.3
 * step 1: "not more than one DPoP HTTP request header field"). A present but empty header stays one empty proof,
 * which then fails `well_formed`.
 */
function splitProofHeaders(values: unknown): string[] {
  if (!Array.isArray(values)) return [];
  const parts = values
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(',').map((p) => p.trim()));
  const proofs = parts.filter((p) => p !== '');
  return proofs.length > 0 ? proofs : parts.length > 0 ? [''] : [];
}

function isFlavour(value: unknown): value is DpopProofReport['flavour'] {
  return value === 'session' || value === 'challenge' || value === 'unknown';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** A thumbprint shortened for one-line details; the full value is in the report's `thumbprint`. */
function short(thumbprint: string): string {
  return thumbprint.length > 12 ? `${thumbprint.slice(0, 12)}…` : thumbprint;
}

function describe(error: unknown): string {
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
