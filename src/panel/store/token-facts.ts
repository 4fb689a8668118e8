/** What the token inspector shows beside a decoded token, read from the session model. */
import type {
  AccessTokenVersion,
  AnalyzedExchange,
  ExchangeToken,
  SessionModel,
  TokenLocation,
} from '../../core/model/types.ts';
import {
  checkVerificationToken,
  readChallengeClaims,
  readVerificationClaims,
  type VerificationCheck,
} from '../../core/tokens/claims.ts';
import { tokenRole } from '../../core/tokens/kinds.ts';

const LOCATION_TITLES: Record<TokenLocation, string> = {
  'request.authorization': 'Authorization',
  'request.dpop': 'DPoP proof',
  'request.body.challenge_token': 'challenge_token (sent)',
  'request.body.step_up_token': 'step_up_token (sent)',
  'request.body.verification_token': 'verification_token (sent)',
  'response.body.challenge_token': 'challenge_token (received)',
  'response.body.access_token': 'access_token (received)',
};

export function locationTitle(location: TokenLocation): string {
  return LOCATION_TITLES[location] ?? location;
}

/** The token at a location (the nth one there), or the first token of the exchange. */
export function pickToken(
  analyzed: AnalyzedExchange,
  wanted: { location: TokenLocation; nth: number } | null,
): { token: ExchangeToken; location: TokenLocation; nth: number } | null {
  if (wanted) {
    const same = analyzed.tokens.filter((t) => t.location === wanted.location);
    const token = same[wanted.nth] ?? same[0];
    if (token) return { token, location: wanted.location, nth: same.indexOf(token) };
  }
  const first = analyzed.tokens[0];
  return first ? { token: first, location: first.location, nth: 0 } : null;
}

/** The access-token version of the model with this exact token string. */
export function accessVersionFor(model: SessionModel | null, raw: string): AccessTokenVersion | undefined {
  return model?.accessTokens.find((v) => v.raw === raw);
}

/**
 * The checks a verification token sent on `/stepup/continue` must pass against the challenge token sent with
 * it (the server's rules): sub, challenge_id, key = current_step, status, exp/nbf at the request time, and
 * its jti not used by an earlier verification token of the session.
 */
export function verificationChecksFor(
  model: SessionModel | null,
  analyzed: AnalyzedExchange,
  token: ExchangeToken,
): VerificationCheck[] | null {
  if (!token.decoded.ok || tokenRole(token.decoded.kind) !== 'verification') return null;
  const challenge = analyzed.tokens.find((t) => t.location === 'request.body.challenge_token');
  const challengeClaims = challenge?.decoded.ok
    ? readChallengeClaims(challenge.decoded.claims)
    : { steps: [] };
  const seen = new Set<string>();
  for (const earlier of model?.exchanges.slice(0, analyzed.index) ?? []) {
    for (const t of earlier.tokens) {
      if (t.location !== 'request.body.verification_token' || !t.decoded.ok) continue;
      const jti = t.decoded.claims['jti'];
      if (typeof jti === 'string') seen.add(jti);
    }
  }
  return checkVerificationToken(
    readVerificationClaims(token.decoded.claims),
    challengeClaims,
    analyzed.exchange.startedAt,
    seen,
  );
}

/** Time claims shown as human times. */
export const TIME_CLAIMS: ReadonlySet<string> = new Set(['exp', 'iat', 'nbf', 'auth_time']);
