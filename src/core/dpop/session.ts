/**
 * Checks that need the proofs before this one: the same key throughout the session (RFC 9449 §5), no `jti`
 * used twice (§11.1), and, for challenge-bound proofs, the `jti` they must share with their challenge token.
 */
import { short, type Rows } from './rows.ts';
import type { DpopProofReport } from './types.ts';

export function checkKeyContinuity(
  rows: Rows,
  previous: string | undefined,
  thumbprint: string | undefined,
  note?: string,
): void {
  if (previous === undefined)
    rows.set('key_continuity', 'n/a', note ?? 'no earlier proof key in this session');
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
}

/**
 * Sets `jti_unique` and `challenge_jti`. A challenge-bound proof reuses its challenge token's `jti` by design, so
 * it is compared with that token instead of with the session's earlier proofs.
 */
export function checkJti(
  rows: Rows,
  jtiClaim: unknown,
  flavour: DpopProofReport['flavour'],
  challengeTokenJti: string | undefined,
  seenJtis: ReadonlySet<string> | undefined,
): void {
  const jti = typeof jtiClaim === 'string' && jtiClaim !== '' ? jtiClaim : undefined;
  if (flavour === 'challenge') {
    rows.set('jti_unique', 'n/a', "challenge proofs reuse the challenge token's jti by design");
    if (jti === undefined) rows.set('challenge_jti', 'n/a', 'no jti in the proof (see required_claims)');
    else if (challengeTokenJti === undefined) {
      rows.set('challenge_jti', 'n/a', 'no challenge token in the request body to compare the jti with');
    } else if (jti === challengeTokenJti) {
      rows.set('challenge_jti', 'pass', `jti equals the challenge token's jti (${jti})`);
    } else {
      rows.set(
        'challenge_jti',
        'fail',
        `jti is ${jti} but the challenge token's jti is ${challengeTokenJti}`,
      );
    }
  } else {
    rows.set('challenge_jti', 'n/a', 'not a challenge proof');
    if (jti === undefined) rows.set('jti_unique', 'n/a', 'no jti in the proof (see required_claims)');
    else if (seenJtis === undefined) rows.set('jti_unique', 'n/a', 'no earlier proofs to compare with');
    else if (seenJtis.has(jti)) {
      rows.set(
        'jti_unique',
        'fail',
        `jti ${jti} was already used by an earlier proof: a replay, or a retry that reused its proof`,
      );
    } else rows.set('jti_unique', 'pass', `jti ${jti} not seen before in this session`);
  }
}
