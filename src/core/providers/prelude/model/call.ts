/** One Session API exchange while it is analysed, and what the handlers share about it. */
import type { ChallengeRecord } from '../../../model/challenges.ts';
import type { ExchangeFacts } from '../../../model/exchange-facts.ts';
import type { ExchangeDraft } from '../../../model/provider-host.ts';
import type { AccessTokenVersion } from '../../../model/types.ts';
import type { ChallengeClaims } from '../../../tokens/claims.ts';
import type { ExchangeClassification } from '../../parts.ts';

/** Per-exchange working state of the handlers. */
export interface Ctx {
  d: ExchangeDraft;
  f: ExchangeFacts;
  cls: ExchangeClassification;
  index: number;
  time: number;
  req: Record<string, unknown> | undefined;
  res: Record<string, unknown> | undefined;
  /**
   * The session lane the request names (its refresh token, access token or challenge token; a login or refresh
   * also by the session its response names); undefined when it names none, and the proof's key then finds it.
   */
  lane: string | undefined;
  /** Lane the response establishes (a login or refresh names the session by the sid of the token it issues). */
  responseLane?: string;
  /** The access token the response issued, bound to the response's lane once it is known. */
  issuedToken?: string;
  isLogin: boolean;
  bearer?: AccessTokenVersion;
  challenge?: ChallengeRecord;
  challengeClaims?: ChallengeClaims;
  challengeJti?: string;
  /** A challenge token sent after its exp (by the capture clock). */
  expiredOnUse: boolean;
  /** The error code is explained by a more specific finding: no generic finding for the code. */
  explained: boolean;
}

/** Endpoints whose response body the model reads; a missing one is noted. */
export const READS_RESPONSE: ReadonlySet<string> = new Set([
  'login.otp.check',
  'login.finalize',
  'login.passkey.finish',
  'refresh',
  'stepup.request',
  'stepup.continue',
  'otp.check',
]);

export const LOGIN_ENDPOINTS: ReadonlySet<string> = new Set([
  'login.otp.check',
  'login.finalize',
  'login.passkey.finish',
]);

/** Grant modes of login challenges (not step-up lanes). */
export const LOGIN_GRANT_MODES: ReadonlySet<string> = new Set(['session-start', 'oauth-email-link']);

export function challengeRef(record: ChallengeRecord): { challengeKey: string; challengeId?: string } {
  return record.challengeId !== null
    ? { challengeKey: record.key, challengeId: record.challengeId }
    : { challengeKey: record.key };
}
