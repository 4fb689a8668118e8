/**
 * The stateful side of DPoP checking: what a verifier remembers between requests. `checkDpopProof` (dpop/check.ts)
 * checks one proof given this context; this module keeps the context up to date as exchanges arrive.
 *
 * - **Lanes.** A capture can hold several sessions (a proxy recording two devices, two users in two tabs), and a
 *   proof is compared only with what its own session did. A request finds its session by what it sends: the
 *   refresh token (the lane that handed it out), the access token (the lane that issued it, else its `sid`), the
 *   challenge token (its `sid`, else the lane of the step-up that opened it); a login or refresh also by the
 *   session its response names. A session is `<apiBase>|<sid>` once its id is known; before that (a capture
 *   without response bodies) it is a lane of its own, named after the key its first proof was signed with. A
 *   request that names no session at all is matched to one by its proof's key, and then has nothing to compare
 *   its key with.
 * - **Nonces.** Every `DPoP-Nonce` response header, with the time it arrived. A proof must carry the latest nonce
 *   that had arrived when the request started (RFC 9449 §8); the one it replaced is tolerated for 250 ms, since
 *   a request signed just before a response landed is a race, not a bug.
 * - **Key continuity.** The key of the last proof the server accepted (2xx) in the lane. Logins start a new
 *   baseline; a successful /revoke ends it.
 * - **jti replay.** First use of each session-proof jti per API base; and the previous use, to tell a replay from
 *   the SDK re-sending a stalled request byte for byte.
 * - **The server's clock** ({@link ServerClock}), which a proof's `iat` is judged by.
 *
 * Everything here is synchronous, so `addMany` can prepare a whole batch in order and verify signatures later,
 * concurrently, with identical results.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { DpopCheckInput } from '../dpop/check.ts';
import { sameRequest, type RequestShape } from './exchange-facts.ts';
import { ServerClock } from './server-clock.ts';

/** How long the nonce a new one replaced is still accepted (ms). */
export const NONCE_RACE_MS = 250;
/** Nonces kept per lane. */
const NONCE_HISTORY = 8;
/** Token → lane entries kept (each map) before they are forgotten wholesale. */
const TOKEN_LANES_LIMIT = 50_000;

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
  /**
   * The server refused the proof (`invalid_dpop_proof`) and the device's clock explains it: the API's generic
   * finding for the refusal is left to `dpop.clock_skew`.
   */
  refusalExplainedByClock?: boolean;
  /**
   * The session lane the proof was judged in: the one the request named, else the one its key belongs to.
   * Absent for a resource server's proof.
   */
  lane?: string;
}

interface JtiUse {
  index: number;
  raw: string;
  request: RequestShape;
  noResponse: boolean;
}

/** What a DPoP verifier remembers between requests: nonces, bound keys, used jtis, which lane is whose. */
export class DpopSession {
  private readonly lanes = new Map<string, LaneState>();
  private readonly refreshLanes = new Map<string, string>();
  private readonly accessLanes = new Map<string, string>();
  /** `<apiBase>\0<key>` → the lane the key is bound to (the last that had a proof of it accepted, or named after it). */
  private readonly keyLanes = new Map<string, string>();
  /** Lane → its session id, for lanes named by one. */
  private readonly sids = new Map<string, string>();
  private unnamed = 0;
  private readonly jtiFirst = new Map<string, number>();
  private readonly jtiLast = new Map<string, JtiUse>();
  /** Per API base: nonce → lane, for the latest nonce of each lane (see {@link expectedNonce}). */
  private readonly latestOwners = new Map<string, Map<string, string>>();
  /** Per API base: every nonce a response handed out. */
  private readonly nonceSeen = new Map<string, Set<string>>();
  private readonly thumbprints = new Map<string, Promise<string | undefined>>();
  /** The server's clock, as the responses show it: what a proof's `iat` is judged by. */
  readonly serverClock = new ServerClock();

  /** The lane key for a session on `apiBase` (`<apiBase>|*` when the session id is unknown). */
  laneKey(apiBase: string, sid: string | undefined): string {
    if (sid === undefined || sid === '') return `${apiBase}|*`;
    const key = `${apiBase}|${sid}`;
    if (!this.sids.has(key)) this.sids.set(key, sid);
    return key;
  }

  /** The session id a lane is named by; undefined for a lane known only by its key, and for `*`. */
  sidOf(lane: string): string | undefined {
    return this.sids.get(lane);
  }

  /** The lane a refresh token was handed out in, when seen. */
  laneOfRefreshToken(refreshToken: string): string | undefined {
    return this.refreshLanes.get(refreshToken);
  }

  /** Remembers which lane a rotated refresh token (X-Refresh-Token response header) belongs to. */
  bindRefreshToken(refreshToken: string, lane: string): void {
    if (this.refreshLanes.size > TOKEN_LANES_LIMIT) this.refreshLanes.clear();
    this.refreshLanes.set(refreshToken, lane);
  }

  /** The lane an access token was issued in, when seen issued. */
  laneOfAccessToken(accessToken: string): string | undefined {
    return this.accessLanes.get(accessToken);
  }

  /** Remembers the lane whose response issued an access token. */
  bindAccessToken(accessToken: string, lane: string): void {
    if (this.accessLanes.size > TOKEN_LANES_LIMIT) this.accessLanes.clear();
    this.accessLanes.set(accessToken, lane);
  }

  /** The lane a proof key is bound to on `apiBase`, if any. */
  laneOfKey(apiBase: string, jwk: JWK): string | undefined {
    return this.keyLanes.get(`${apiBase}\u0000${keyId(jwk)}`);
  }

  /**
   * The lane of a request that names no session: the one its key is bound to, or a new lane named after the key
   * (a device whose login response was not captured is still one session, known by its key).
   */
  keyLane(apiBase: string, jwk: JWK): string {
    const key = `${apiBase}\u0000${keyId(jwk)}`;
    let lane = this.keyLanes.get(key);
    if (lane === undefined) {
      this.unnamed += 1;
      lane = `${apiBase}|\u0000key#${this.unnamed}`;
      this.bindKey(key, lane);
    }
    return lane;
  }

  private bindKey(key: string, lane: string): void {
    if (this.keyLanes.size > TOKEN_LANES_LIMIT) this.keyLanes.clear();
    this.keyLanes.set(key, lane);
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
   * undefined when no nonce had been seen (the check is then n/a). A lane that has no nonce yet (a session first
   * named by this request) takes the nonces of `keyLane`, the lane the proof's key is bound to: the SDK keeps its
   * nonce beside its key. Failing both, the `*` lane holds every session's nonces.
   */
  expectedNonce(
    lane: string,
    apiBase: string,
    time: number,
    proofNonce: unknown,
    keyLane?: string,
  ): string | undefined {
    const star = `${apiBase}|*`;
    let history = this.lanes.get(lane)?.nonces ?? [];
    if (history.length === 0 && keyLane !== undefined && keyLane !== lane)
      history = this.lanes.get(keyLane)?.nonces ?? [];
    let shared = lane === star;
    if (history.length === 0 && lane !== star) {
      history = this.lanes.get(star)?.nonces ?? [];
      shared = true;
    }
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
    // The `*` lane holds every session's nonces: a nonce that is the latest of some lane is as good as it gets,
    // and one no response of the capture handed out was handed out before it started, to a session it never named.
    if (shared && typeof proofNonce === 'string') {
      if (this.latestOwners.get(apiBase)?.has(proofNonce) === true) return proofNonce;
      if (this.nonceSeen.get(apiBase)?.has(proofNonce) !== true) return undefined;
    }
    return current.nonce;
  }

  /** Records a `DPoP-Nonce` response header that arrived at `at` in `lane` (and in the API base's `*` lane). */
  recordNonce(lane: string, apiBase: string, nonce: string, at: number): void {
    const star = `${apiBase}|*`;
    let seen = this.nonceSeen.get(apiBase);
    if (seen === undefined) {
      seen = new Set();
      this.nonceSeen.set(apiBase, seen);
    }
    if (seen.size > TOKEN_LANES_LIMIT) seen.clear();
    seen.add(nonce);
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

  /**
   * The server accepted a proof signed with `jwk` in `lane`: the lane is bound to it. Only that lane: the `*` lane
   * is every unnamed session at once, and comparing a proof with whichever device the server accepted last is
   * what made a multi-device capture's every logout read as a key change.
   */
  accept(lane: string, apiBase: string, jwk: JWK): void {
    this.lane(lane).accepted = jwk;
    this.bindKey(`${apiBase}\u0000${keyId(jwk)}`, lane);
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
    const key = keyId(jwk);
    let entry = this.thumbprints.get(key);
    if (entry === undefined) {
      entry = calculateJwkThumbprint(jwk).catch(() => undefined);
      if (this.thumbprints.size > 1024) this.thumbprints.clear();
      this.thumbprints.set(key, entry);
    }
    return entry;
  }
}

/** A public key's identity: its public members, which is what its RFC 7638 thumbprint hashes (no hashing here). */
const keyIds = new WeakMap<JWK, string>();
export function keyId(jwk: JWK): string {
  let id = keyIds.get(jwk);
  if (id === undefined) {
    id = JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e]);
    keyIds.set(jwk, id);
  }
  return id;
}

/**
 * The public members of a header `jwk` (private members, if a broken client sent them, are dropped). The same
 * header object gives the same result object (decoded headers are shared between a device's proofs, see
 * tokens/decode.ts), so the identity above is computed once per key rather than once per proof.
 */
export function publicJwk(value: unknown): JWK | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (publicJwks.has(value)) return publicJwks.get(value);
  const jwk = readPublicJwk(value);
  publicJwks.set(value, jwk);
  return jwk;
}

const publicJwks = new WeakMap<object, JWK | undefined>();

function readPublicJwk(value: object): JWK | undefined {
  const jwk: Record<string, unknown> = {};
  for (const name of ['kty', 'crv', 'x', 'y', 'n', 'e']) {
    const member = (value as Record<string, unknown>)[name];
    if (typeof member === 'string') jwk[name] = member;
  }
  return typeof jwk['kty'] === 'string' ? (jwk as JWK) : undefined;
}
