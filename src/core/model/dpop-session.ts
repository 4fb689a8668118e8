/**
 * The stateful side of DPoP checking: what a verifier remembers between requests. `checkDpopProof` (dpop/check.ts)
 * checks one proof given this context; this module keeps the context up to date as exchanges arrive.
 *
 * - **Lanes.** A capture can hold several sessions (a proxy recording two devices, two users in two tabs). Nonces
 *   and the key a session is bound to are tracked per lane: `<apiBase>|<sid>` when the session id is known
 *   (from the Bearer token, the challenge token, or the refresh token a login or refresh handed out), else
 *   `<apiBase>|*`, which is what a single-session capture without bodies falls back to.
 * - **Nonces.** Every `DPoP-Nonce` response header, with the time it arrived. A proof must carry the latest nonce
 *   that had arrived when the request started (RFC 9449 §8); the one it replaced is tolerated for 250 ms, since
 *   a request signed just before a response landed is a race, not a bug.
 * - **Key continuity.** The key of the last proof the server accepted (2xx) in the lane. Logins start a new
 *   baseline; a successful /revoke ends it.
 * - **jti replay.** First use of each session-proof jti per API base; and the previous use, to tell a replay from
 *   the SDK re-sending a stalled request byte for byte.
 *
 * Everything here is synchronous, so `addMany` can prepare a whole batch in order and verify signatures later,
 * concurrently, with identical results.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { DpopCheckInput } from '../dpop/check.ts';
import { sameRequest, type RequestShape } from './exchange-facts.ts';

/** How long the nonce a new one replaced is still accepted (ms). */
export const NONCE_RACE_MS = 250;
/** Nonces kept per lane. */
const NONCE_HISTORY = 8;

interface NonceEntry {
  nonce: string;
  at: number;
}

interface LaneState {
  nonces: NonceEntry[];
  /** Public JWK of the last proof the server accepted in this lane. */
  accepted?: JWK;
}

/** A proof check prepared in order, run later (possibly concurrently with others). */
export interface PendingDpop {
  index: number;
  input: DpopCheckInput;
  /** Public key the lane is bound to; resolved to a thumbprint right before the check. */
  baselineJwk?: JWK;
  /** The exchange that used this proof's jti before, when any. */
  previousUse: number | null;
  /** True when that earlier use was this very request (same proof, method, URL and body) and got no response. */
  resend: boolean;
  challengeKey?: string;
  challengeId?: string;
  /** The proof's public key, for the lane's key continuity once the server accepts it. */
  proofJwk?: JWK;
}

interface JtiUse {
  index: number;
  raw: string;
  request: RequestShape;
  noResponse: boolean;
}

/** What a DPoP verifier remembers between requests: nonces, bound keys, used jtis, refresh-token lanes. */
export class DpopSession {
  private readonly lanes = new Map<string, LaneState>();
  private readonly refreshLanes = new Map<string, string>();
  private readonly jtiFirst = new Map<string, number>();
  private readonly jtiLast = new Map<string, JtiUse>();
  /** Per API base: nonce → lane, for the latest nonce of each lane (see {@link expectedNonce}). */
  private readonly latestOwners = new Map<string, Map<string, string>>();
  private readonly thumbprints = new Map<string, Promise<string | undefined>>();

  /** The lane key for a session on `apiBase`. */
  laneKey(apiBase: string, sid: string | undefined): string {
    return sid === undefined || sid === '' ? `${apiBase}|*` : `${apiBase}|${sid}`;
  }

  /** The lane a refresh token was handed out in, when seen. */
  laneOfRefreshToken(refreshToken: string): string | undefined {
    return this.refreshLanes.get(refreshToken);
  }

  /** Remembers which lane a rotated refresh token (X-Refresh-Token response header) belongs to. */
  bindRefreshToken(refreshToken: string, lane: string): void {
    if (this.refreshLanes.size > 50_000) this.refreshLanes.clear();
    this.refreshLanes.set(refreshToken, lane);
  }

  private lane(key: string): LaneState {
    let state = this.lanes.get(key);
    if (state === undefined) {
      state = { nonces: [] };
      this.lanes.set(key, state);
    }
    return state;
  }

  /**
   * The nonce a session proof sent at `time` in `lane` should carry, for `checkDpopProof`'s `expectedNonce`:
   * undefined when no nonce had been seen (the check is then n/a).
   */
  expectedNonce(lane: string, apiBase: string, time: number, proofNonce: unknown): string | undefined {
    const star = `${apiBase}|*`;
    let history = this.lanes.get(lane)?.nonces ?? [];
    if (history.length === 0 && lane !== star) history = this.lanes.get(star)?.nonces ?? [];
    let latest = -1;
    for (let i = history.length - 1; i >= 0; i -= 1) {
      if ((history[i]?.at ?? Infinity) <= time) {
        latest = i;
        break;
      }
    }
    const current = history[latest];
    if (current === undefined) return undefined;
    if (proofNonce === current.nonce) return current.nonce;
    const replaced = history[latest - 1];
    if (replaced !== undefined && proofNonce === replaced.nonce && time - current.at <= NONCE_RACE_MS)
      return replaced.nonce;
    // Without a session id every session of the capture shares the `*` lane: a nonce that is the latest of
    // some lane is then as good as it gets.
    if (lane === star && typeof proofNonce === 'string' && this.latestOwners.get(apiBase)?.has(proofNonce)) {
      return proofNonce;
    }
    return current.nonce;
  }

  /** Records a `DPoP-Nonce` response header that arrived at `at` in `lane` (and in the API base's `*` lane). */
  recordNonce(lane: string, apiBase: string, nonce: string, at: number): void {
    const star = `${apiBase}|*`;
    for (const key of lane === star ? [star] : [lane, star]) {
      const history = this.lane(key).nonces;
      const previous = history.at(-1);
      if (previous?.nonce === nonce) continue;
      history.push({ nonce, at });
      if (history.length > NONCE_HISTORY) history.shift();
      if (key !== star) {
        let owners = this.latestOwners.get(apiBase);
        if (owners === undefined) {
          owners = new Map();
          this.latestOwners.set(apiBase, owners);
        }
        if (previous !== undefined && owners.get(previous.nonce) === key) owners.delete(previous.nonce);
        owners.set(nonce, key);
      }
    }
  }

  /** Public JWK of the key the lane is bound to. */
  baseline(lane: string): JWK | undefined {
    return this.lanes.get(lane)?.accepted;
  }

  /** The server accepted a proof signed with `jwk` in `lane` (and the `*` lane of its API base). */
  accept(lane: string, apiBase: string, jwk: JWK): void {
    this.lane(lane).accepted = jwk;
    const star = `${apiBase}|*`;
    if (lane !== star) this.lane(star).accepted = jwk;
  }

  /** The session ended (successful /revoke): the next login may bring a new key. */
  forgetKey(lane: string): void {
    const state = this.lanes.get(lane);
    if (state !== undefined) delete state.accepted;
  }

  /**
   * Notes a session proof's jti. Returns whether it was used before (for `seenJtis`) and by which exchange,
   * and whether this is a byte-identical resend of an attempt that got no response.
   */
  noteJti(
    scope: string,
    jti: string,
    use: JtiUse,
  ): { seenBefore: boolean; previousUse: number | null; resend: boolean } {
    const key = `${scope}\u0000${jti}`;
    const first = this.jtiFirst.get(key);
    const last = this.jtiLast.get(key);
    if (first === undefined) this.jtiFirst.set(key, use.index);
    this.jtiLast.set(key, use);
    if (last === undefined) return { seenBefore: false, previousUse: null, resend: false };
    const resend = last.noResponse && last.raw === use.raw && sameRequest(last.request, use.request);
    return { seenBefore: true, previousUse: last.index, resend };
  }

  /** RFC 7638 thumbprint of a public JWK, cached (a session has one or a few keys). */
  thumbprint(jwk: JWK): Promise<string | undefined> {
    const key = JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e]);
    let entry = this.thumbprints.get(key);
    if (entry === undefined) {
      entry = calculateJwkThumbprint(jwk).catch(() => undefined);
      if (this.thumbprints.size > 1024) this.thumbprints.clear();
      this.thumbprints.set(key, entry);
    }
    return entry;
  }
}

/** The public members of a header `jwk` (private members, if a broken client sent them, are dropped). */
export function publicJwk(value: unknown): JWK | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const jwk: Record<string, unknown> = {};
  for (const name of ['kty', 'crv', 'x', 'y', 'n', 'e']) {
    const member = (value as Record<string, unknown>)[name];
    if (typeof member === 'string') jwk[name] = member;
  }
  return typeof jwk['kty'] === 'string' ? (jwk as JWK) : undefined;
}
