/**
 * Checks of the proof's claims against the request (RFC 9449 §4.2 required claims; §4.3 steps 8, 9 and 11:
 * `htm`, `htu`, `iat`) and against the server's latest nonce (§8).
 */
import { describeOffset, formatOffset } from './offset.ts';
import { formatDuration, formatEpochSeconds } from '../tokens/time.ts';
import { normaliseHtu } from './htu.ts';
import { quote, type Rows } from './rows.ts';
import type { CheckStatus, DpopProofReport } from './types.ts';

export function checkRequiredClaims(rows: Rows, claims: Record<string, unknown>): void {
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

export function checkHtm(rows: Rows, htm: unknown, method: unknown): void {
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

/** Forgets normalised URLs (for benchmarks that want a cold start). */
export function resetHtuCache(): void {
  htuCache.clear();
}

function normalisedHtu(url: string): string | null {
  let result = htuCache.get(url);
  if (result === undefined) {
    result = normaliseHtu(url);
    if (htuCache.size >= 512) htuCache.clear();
    htuCache.set(url, result);
  }
  return result;
}

export function checkHtu(rows: Rows, htu: unknown, url: unknown): void {
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

/** The server's clock at the request, for {@link checkIat}. */
export interface IatClock {
  /** Client − server (ms), from the exchange's own `Date` or the capture's estimate. */
  offset?: { offsetMs: number; source: 'date' | 'estimate'; notable: boolean };
  /** The server answered `invalid_dpop_proof`. */
  refused: boolean;
}

/**
 * Whether the device's clock, not the proof, puts `iat` out of the window: the offset (client − server) is beyond
 * what the measurement explains, and the proof is fresh by the device's clock but not by the server's.
 */
export function clockExplainsIat(
  iat: unknown,
  requestTime: number,
  window: { pastSeconds: number; futureSeconds: number },
  offset: IatClock['offset'],
): boolean {
  if (offset === undefined || !offset.notable || typeof iat !== 'number' || !Number.isFinite(iat))
    return false;
  const inWindow = windowTest(window);
  const clientOffsetMs = iat * 1000 - requestTime;
  return inWindow(clientOffsetMs) && !inWindow(clientOffsetMs + offset.offsetMs);
}

function windowTest(window: { pastSeconds: number; futureSeconds: number }): (ms: number) => boolean {
  const past = Math.max(0, window.pastSeconds) * 1000;
  const future = Math.max(0, window.futureSeconds) * 1000;
  return (ms) => ms >= -past && ms <= future;
}

/**
 * `iat` against the request time. The server judges it by its own clock, so when the server's time is known
 * (`clock.offset`) the request time is taken on the server's clock; a proof that is fresh by the device's clock and
 * stale or early by the server's is put down to the device's clock (`clockSkew` on the row).
 */
export function checkIat(
  rows: Rows,
  iat: unknown,
  requestTime: unknown,
  window: { pastSeconds: number; futureSeconds: number },
  clock: IatClock = { refused: false },
): void {
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    return rows.set('iat', 'n/a', 'no numeric iat (see required_claims)');
  if (typeof requestTime !== 'number' || !Number.isFinite(requestTime)) {
    return rows.set('iat', 'n/a', `iat is ${formatEpochSeconds(iat)}; the request time is unknown`);
  }
  const past = Math.max(0, window.pastSeconds) * 1000;
  const future = Math.max(0, window.futureSeconds) * 1000;
  const inWindow = windowTest(window);
  const offset = clock.offset;
  const notable = offset !== undefined && offset.notable;
  // > 0: signed "after" the request, i.e. the signing clock runs ahead of the one it is judged by.
  const clientOffsetMs = iat * 1000 - requestTime;
  const offsetMs = offset !== undefined ? clientOffsetMs + offset.offsetMs : clientOffsetMs;
  const reference = notable ? "the server's time at the request" : 'the request';
  const windowText = `window: ${window.pastSeconds} s before to ${window.futureSeconds} s after ${reference}`;
  const device = notable
    ? `this device's clock runs ${describeOffset(offset.offsetMs)} the server (${offset.source === 'date' ? "this response's Date header" : "the capture's Date headers"})`
    : '';
  if (inWindow(offsetMs)) {
    const where = offsetMs <= 0 ? `${formatDuration(-offsetMs)} before` : `${formatDuration(offsetMs)} after`;
    return rows.set(
      'iat',
      'pass',
      `iat is ${where} ${reference} (${windowText})${notable ? `; ${device}, and the proof was signed on the server's time` : ''}`,
    );
  }
  const ahead = offsetMs > future;
  const status: CheckStatus = (ahead ? offsetMs > 2 * future : -offsetMs > 2 * past) ? 'fail' : 'warn';
  const distance = `iat is ${formatDuration(Math.abs(offsetMs))} ${ahead ? 'after' : 'before'} ${reference}`;
  if (notable && clockExplainsIat(iat, requestTime, window, offset)) {
    // Fresh by the device's clock, out of the window by the server's: the clock, not the proof.
    const outcome = clock.refused
      ? 'the server refused the proof (invalid_dpop_proof)'
      : 'a server that judges iat by its own clock refuses it';
    return rows.set(
      'iat',
      status,
      `${device}: iat is ${formatOffset(offsetMs)} ${ahead ? 'after' : 'before'} the server's time at the request, outside the window of ${window.pastSeconds} s before to ${window.futureSeconds} s after, though fresh by the device's clock; ${outcome}`,
      { clockSkew: { offsetMs: offset.offsetMs, refused: clock.refused } },
    );
  }
  const why = ahead ? 'the client clock runs ahead' : 'a stale or pre-made proof, or a slow client clock';
  rows.set('iat', status, `${distance}: ${why} (${windowText})${notable ? `; ${device}` : ''}`);
}

export function checkNonce(
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
