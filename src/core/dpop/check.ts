/**
 * RFC 9449 DPoP proof checks for one request, as a verifying server would run them: this file runs them in a
 * verifier's order and collects one {@link DpopCheck} row per {@link DpopCheckId}, always in the same order, so
 * the panel, the findings and a diff of two reports line up. The checks are grouped by what they read: the JOSE
 * header (`header.ts`), the key and signature (`signature.ts`), the claims against the request and the server's
 * nonce (`claims.ts`), the binding to the access token (`token-binding.ts`) and the session's earlier proofs
 * (`session.ts`). Two kinds of proof depart from the generic rules on purpose: challenge-bound proofs (jti = the
 * challenge token's jti, no nonce), and proofs to an API whose contract has no `ath`.
 *
 * The analyser runs this over whole captures, so the work per proof is kept small (docs/performance.md, "Analysis:
 * DPoP proof checks"): keys, thumbprints, access-token facts and normalised URLs are cached in small bounded
 * maps; the proof is decoded once here, or not at all when the caller passes its own decoding (`decoded`); the
 * usual signature is one WebCrypto call; and the access token's SHA-256 is computed only for a proof that
 * carries an `ath` to compare it with.
 */
import { decodeCompactJws, stripAuthScheme } from '../tokens/decode.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';
import { isRecord } from '../util.ts';
import { checkHtm, checkHtu, checkIat, checkNonce, checkRequiredClaims, resetHtuCache } from './claims.ts';
import { checkAlg, checkNoPrivateKey, checkTyp } from './header.ts';
import { Rows } from './rows.ts';
import { checkJti, checkKeyContinuity } from './session.ts';
import {
  checkSignature,
  describeJoseError,
  resetKeyCache,
  resolveKey,
  type SignatureVerifier,
} from './signature.ts';
import {
  accessTokenFacts,
  accessTokenHash,
  checkAth,
  checkCnfJkt,
  resetAccessTokenCaches,
} from './token-binding.ts';
import type { DpopCheck, DpopProofReport } from './types.ts';

export { DPOP_CHECK_ORDER } from './rows.ts';

/** What {@link checkDpopProof} needs to know about one request. */
export interface DpopCheckInput {
  /** Every value of the DPoP request header (0, 1 or several). */
  proofHeaders: string[];
  method: string;
  url: string;
  /** Epoch ms of the request. */
  requestTime: number;
  /**
   * What the endpoint expects: 'session' proofs (random jti, server nonce) or challenge-bound 'challenge' proofs
   * (jti = the challenge token's jti, no nonce).
   */
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
  /**
   * Why there is no `previousThumbprint` to compare with, when the reason is not simply that the session had no
   * earlier proof (the request named no session and was matched to one by its key): the `key_continuity` detail.
   */
  keyContinuityNote?: string;
  /**
   * The device's clock against the server's at this request (client − server, ms), from the exchange's own `Date`
   * header or the capture's estimate: `iat` is judged against the server's time, which is what the server
   * compares it with, and a failure the offset explains is put down to the device's clock.
   */
  clockOffset?: { offsetMs: number; source: 'date' | 'estimate'; notable: boolean };
  /** The server answered `invalid_dpop_proof` (RFC 9449 §7.1): said in the `iat` detail when the clock explains it. */
  proofRefused?: boolean;
  /** jtis of session proofs already seen in this session, for replay detection. */
  seenJtis?: ReadonlySet<string>;
  /**
   * Acceptable iat distance from the request time (the server's, when `clockOffset` gives it), seconds. Default:
   * 300 s in the past and 60 s in the future. That is wider than the few seconds RFC 9449 §11.1 suggests, because
   * SDKs shift their clock by the server's `Date` header and a capture's request time is itself approximate; a
   * proof just outside the window is a warning, one far outside (more than twice the window) a failure.
   */
  iatWindow?: { pastSeconds: number; futureSeconds: number };
}

/** The default {@link DpopCheckInput.iatWindow}. */
export const DEFAULT_IAT_WINDOW = { pastSeconds: 300, futureSeconds: 60 } as const;

/**
 * Runs every RFC 9449 check on the `DPoP` header(s) of one request. Never rejects: malformed or hostile input
 * gives failing rows, and an unexpected internal error gives a report whose `well_formed` row says so.
 */
export async function checkDpopProof(
  input: DpopCheckInput,
  verifier?: SignatureVerifier,
): Promise<DpopProofReport> {
  const flavour = isFlavour(input?.flavour) ? input.flavour : 'unknown';
  try {
    return await runChecks(input, flavour, verifier);
  } catch (error) {
    const rows = new Rows();
    rows.set(
      'well_formed',
      'warn',
      `the inspector could not finish checking this proof: ${describeJoseError(error)}`,
    );
    return rows.report(flavour, undefined, undefined, 'not checked');
  }
}

/**
 * Checks many proofs with up to `concurrency` in flight, returning reports in input order. WebCrypto verifies
 * off the main thread in Node, so overlapping the calls beats awaiting them one by one (docs/performance.md).
 * Inputs are independent: derive `seenJtis` and `previousThumbprint` for each before calling (for example from
 * a first decode-only pass).
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
  resetKeyCache();
  resetAccessTokenCaches();
  resetHtuCache();
}

async function runChecks(
  input: DpopCheckInput,
  flavour: DpopProofReport['flavour'],
  verifier: SignatureVerifier | undefined,
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

  checkTyp(rows, header['typ']);
  const alg = checkAlg(rows, header['alg']);
  const jwk = isRecord(header['jwk']) ? header['jwk'] : undefined;
  checkNoPrivateKey(rows, jwk);
  const key = jwk === undefined ? undefined : await resolveKey(jwk, alg);
  const thumbprint = key?.thumbprint;
  await checkSignature(rows, raw, header, header['alg'], alg, key, verifier);

  checkRequiredClaims(rows, claims);
  checkHtm(rows, claims['htm'], input.method);
  checkHtu(rows, claims['htu'], input.url);
  checkIat(rows, claims['iat'], input.requestTime, input.iatWindow ?? DEFAULT_IAT_WINDOW, {
    ...(input.clockOffset !== undefined ? { offset: input.clockOffset } : {}),
    refused: input.proofRefused === true,
  });
  checkNonce(rows, claims['nonce'], input.expectedNonce, flavour);

  const accessToken = typeof input.accessToken === 'string' ? stripAuthScheme(input.accessToken.trim()) : '';
  const tokenFacts = accessToken ? accessTokenFacts(accessToken) : undefined;
  // Hashing is a WebCrypto round trip, worth paying only when the proof has an `ath` to compare it with.
  const tokenHash =
    tokenFacts !== undefined && claims['ath'] !== undefined ? await accessTokenHash(accessToken) : undefined;
  checkAth(rows, claims['ath'], tokenFacts, tokenHash, flavour);
  checkCnfJkt(rows, tokenFacts, thumbprint);
  if (input.accessTokenTruncated === true && tokenFacts === undefined) {
    const cut = 'not checked: the access token was cut when the file was loaded';
    rows.set('ath', 'n/a', cut);
    rows.set('cnf_jkt', 'n/a', cut);
  }

  checkKeyContinuity(rows, input.previousThumbprint, thumbprint, input.keyContinuityNote);
  checkJti(rows, claims['jti'], flavour, input.challengeTokenJti, input.seenJtis);

  return rows.report(flavour, raw, thumbprint, 'not checked');
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
