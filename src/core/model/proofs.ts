/**
 * Preparing a request's DPoP proof check: the one place a proof is read off an exchange, for a provider's API and
 * for a resource server alike. What the check compares the proof with (nonce, key continuity, jti replay) comes
 * from the session's DPoP context ({@link DpopSession}), read in exchange order so a batch can be verified later.
 */
import { DEFAULT_IAT_WINDOW } from '../dpop/check.ts';
import { clockExplainsIat } from '../dpop/claims.ts';
import { decodeCompactJws } from '../tokens/decode.ts';
import { publicJwk, type DpopSession, type PendingDpop } from './dpop-session.ts';
import { refusedProof, type ExchangeFacts, type RequestShape } from './exchange-facts.ts';
import type { ExchangeDraft } from './draft.ts';

/**
 * What the endpoint expects of a proof: an API's `session` proofs (server nonce, random jti, the session's key),
 * `challenge` proofs (jti bound to the challenge token, no nonce), `optional`/`none` (checked only when sent), or
 * `resource`: a resource server's, checked as plain RFC 9449 with jti replay per origin.
 */
export type ProofMode = 'session' | 'challenge' | 'none' | 'optional' | 'resource';

export interface ProofRequest {
  d: ExchangeDraft;
  f: ExchangeFacts;
  mode: ProofMode;
  /** Where jtis must be unique and nonces are issued: the API base, or the resource's origin. */
  scope: string;
  /**
   * The session lane the request names (nonces and key continuity): by its refresh token, access token or
   * challenge token, or the session its response names. Absent when it names none: an API's proof is then matched
   * to a session by its key (and has nothing to compare its key with); a resource's proof has no lane.
   */
  lane?: string;
  /** A login starts a session: no key baseline, and a nonce is compared only when the proof carries one. */
  isLogin?: boolean;
  /** `jti` of the challenge token a challenge proof must repeat. */
  challengeJti?: string;
  challengeKey?: string;
  challengeId?: string;
}

/** The first proof of the request's `DPoP` header lines (a list header may hold several). */
function firstProof(f: ExchangeFacts): string | undefined {
  return f.dpopHeaders
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .find((p) => p !== '');
}

export function requestShape(f: ExchangeFacts): RequestShape {
  return { method: f.method, url: f.url, body: f.requestBody };
}

/** Reads proofs off requests and prepares their checks against the session's DPoP context. */
export class ProofPreparer {
  /** Requests that carried a proof. */
  proofs = 0;

  constructor(private readonly dpop: DpopSession) {}

  prepare(request: ProofRequest): PendingDpop | null {
    const { d, f, mode } = request;
    if (f.dpopHeaders.length === 0 && mode !== 'session' && mode !== 'challenge') return null;
    const flavour = mode === 'challenge' ? 'challenge' : mode === 'resource' ? 'unknown' : 'session';
    const raw = firstProof(f);
    if (raw !== undefined) this.proofs += 1;
    const pending: PendingDpop = {
      index: d.index,
      input: {
        proofHeaders: f.dpopHeaders,
        method: f.method,
        url: f.url,
        requestTime: f.time,
        flavour,
        required: mode === 'session' || mode === 'challenge',
      },
      previousUse: null,
      resend: false,
    };
    // An API's cut proof is not checked at all; a resource's still reports what the token allows.
    if (!f.dpopTruncated || mode === 'resource') {
      if (f.bearer !== undefined) pending.input.accessToken = f.bearer;
      if (f.bearerTruncated) pending.input.accessTokenTruncated = true;
    }
    if (f.dpopTruncated) {
      // Nothing in a cut proof can be compared (nonce, jti, key): the check reports it as not checkable.
      pending.input.truncated = true;
      return pending;
    }
    let claims: Record<string, unknown> = {};
    if (raw !== undefined) {
      const decoded = decodeCompactJws(raw);
      d.tokens.push({ location: 'request.dpop', decoded });
      if (decoded.ok) {
        pending.input.decoded = decoded;
        claims = decoded.claims;
        if (mode !== 'resource') {
          const jwk = publicJwk(decoded.header['jwk']);
          if (jwk !== undefined) pending.proofJwk = jwk;
        }
      }
    }
    if (request.challengeKey !== undefined) pending.challengeKey = request.challengeKey;
    if (request.challengeId !== undefined) pending.challengeId = request.challengeId;
    const offset = this.dpop.serverClock.offsetFor(f);
    if (offset !== undefined) pending.input.clockOffset = offset;
    if (refusedProof(f, d.errorCode)) {
      pending.input.proofRefused = true;
      if (clockExplainsIat(claims['iat'], f.time, DEFAULT_IAT_WINDOW, offset))
        pending.refusalExplainedByClock = true;
    }
    const jwk = pending.proofJwk;
    const keyLane = jwk !== undefined ? this.dpop.laneOfKey(request.scope, jwk) : undefined;
    let lane = request.lane;
    let byKey = false;
    if (mode !== 'resource' && lane === undefined) {
      byKey = jwk !== undefined;
      lane =
        jwk !== undefined
          ? this.dpop.keyLane(request.scope, jwk)
          : this.dpop.laneKey(request.scope, undefined);
    }
    if (lane !== undefined) pending.lane = lane;
    if (flavour === 'challenge') {
      if (request.challengeJti !== undefined) pending.input.challengeTokenJti = request.challengeJti;
    } else if (raw !== undefined) {
      if (flavour === 'session' && lane !== undefined) {
        // A login starts a session: a device logging in for the first time has no nonce yet, and another
        // session's nonce says nothing about this one. Only a nonce the proof does carry is compared.
        const expected =
          request.isLogin === true && claims['nonce'] === undefined
            ? undefined
            : this.dpop.expectedNonce(lane, request.scope, f.time, claims['nonce'], keyLane);
        if (expected !== undefined) pending.input.expectedNonce = expected;
      }
      const jti = claims['jti'];
      if (typeof jti === 'string' && jti !== '') {
        const use = this.dpop.noteJti(request.scope, jti, {
          index: d.index,
          raw,
          request: requestShape(f),
          noResponse: f.noResponse,
        });
        pending.input.seenJtis = use.seenBefore ? new Set([jti]) : new Set();
        pending.previousUse = use.previousUse;
        pending.resend = use.resend;
      }
    }
    if (mode !== 'resource' && request.isLogin !== true && lane !== undefined && raw !== undefined) {
      if (byKey) {
        pending.input.keyContinuityNote =
          'the request names no session (no refresh token, access token or challenge token of a known session): it was matched to one by this key, so there is no earlier key to compare with';
      } else {
        const baseline = this.dpop.baseline(lane);
        if (baseline !== undefined) pending.baselineJwk = baseline;
      }
    }
    return pending;
  }
}
