/**
 * What every action decision shares: the shape of the answer the panel shows (a disabled action says why, as the
 * button's tooltip), and what any provider's OTP rules read of a challenge.
 */
import type { Challenge, SessionModel } from '../model/types.ts';

/** Whether an action can run; a disabled action says why in words meant for the button's tooltip. */
export type ActionAvailability = { enabled: true } | { enabled: false; reason: string };

/** Whether "Send the OTP again" can run; when it can, what the request needs. */
export type OtpReplayAvailability =
  { enabled: true; apiBase: string; challengeToken: string } | { enabled: false; reason: string };

/** Whether "Retry the OTP" can run; when it can, where to send it. */
export type OtpRetryAvailability = { enabled: true; apiBase: string } | { enabled: false; reason: string };

export function disabled(reason: string): { enabled: false; reason: string } {
  return { enabled: false, reason };
}

/** Latest known expiry of a challenge in epoch ms: the challenge's, else its latest token's `exp`. */
export function challengeExpiry(challenge: Challenge): number | null {
  if (challenge.expiresAt !== null && Number.isFinite(challenge.expiresAt)) return challenge.expiresAt;
  const exp = challenge.tokens.at(-1)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
}

/**
 * The API base a challenge was talked to on: from the exchanges its tokens were seen on (latest first), else from
 * any exchange of the challenge. Null when none of them was classified.
 */
export function apiBaseOf(challenge: Challenge, model: SessionModel): string | null {
  const candidates: number[] = [];
  for (let i = challenge.tokens.length - 1; i >= 0; i -= 1)
    candidates.push(challenge.tokens[i]?.exchange ?? -1);
  for (const index of candidates) {
    const base = model.exchanges[index]?.classification?.apiBase;
    if (base) return base;
  }
  for (const analysed of model.exchanges) {
    if (analysed.challengeKey === challenge.key && analysed.classification?.apiBase) {
      return analysed.classification.apiBase;
    }
  }
  return null;
}
