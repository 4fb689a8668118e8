/**
 * The deadlines a challenge lane counts down to, and whether the panel needs its 1-second ticker at all
 * (it runs only while something shown is still counting down; an idle panel does no work).
 */
import type { AccessTokenVersion, Challenge, Grant, SessionModel } from '../../core/model/types.ts';
import { formatIsoTime } from '../../core/tokens/time.ts';

export interface Deadline {
  /** What runs out: `step verify_sms`, `challenge`, `grant transfer:write`, `access token`. */
  label: string;
  /** Epoch ms. */
  at: number;
  /** Raw value for the tooltip (the claim it comes from). */
  source: string;
}

/** When the current step of a pending challenge runs out: its start plus `expiration_duration`. */
export function stepDeadline(challenge: Challenge, model: SessionModel): Deadline | null {
  if (challenge.status !== 'pending' || !challenge.currentStep) return null;
  const step = challenge.steps.find((s) => s.key === challenge.currentStep);
  if (!step || step.expirationDuration === undefined) return null;
  // The step started when the step before it was done, or when the challenge was requested.
  const doneTimes = challenge.steps
    .filter((s) => s.order < step.order && s.doneAt !== undefined)
    .map(
      (s) =>
        model.exchanges[s.doneAt as number]?.exchange.endedAt ??
        model.exchanges[s.doneAt as number]?.exchange.startedAt,
    )
    .filter((t): t is number => typeof t === 'number');
  const requested =
    challenge.requestedAt === null
      ? challenge.events[0]?.time
      : (model.exchanges[challenge.requestedAt]?.exchange.endedAt ??
        model.exchanges[challenge.requestedAt]?.exchange.startedAt);
  const start = doneTimes.length > 0 ? Math.max(...doneTimes) : requested;
  if (start === undefined) return null;
  return {
    label: `step ${step.key}`,
    at: start + step.expirationDuration * 1000,
    source: `expiration_duration ${step.expirationDuration} s from ${formatIsoTime(start)}`,
  };
}

/** The grant a challenge produced, if any. */
export function grantOf(challenge: Challenge, model: SessionModel): Grant | undefined {
  return challenge.grantId === null ? undefined : model.grants.find((g) => g.id === challenge.grantId);
}

/** Every deadline a challenge lane shows: step, challenge `exp` (while pending), grant lifetime (while active). */
export function challengeDeadlines(challenge: Challenge, model: SessionModel): Deadline[] {
  const out: Deadline[] = [];
  const step = stepDeadline(challenge, model);
  if (step) out.push(step);
  if (challenge.status === 'pending' && challenge.expiresAt !== null) {
    out.push({
      label: 'challenge',
      at: challenge.expiresAt,
      source: `exp ${Math.floor(challenge.expiresAt / 1000)}`,
    });
  }
  const grant = grantOf(challenge, model);
  if (grant && grant.state === 'active' && grant.expiresAt !== null) {
    out.push({
      label: `grant ${grant.scope}`,
      at: grant.expiresAt,
      source: `expires ${formatIsoTime(grant.expiresAt)}`,
    });
  }
  return out;
}

/** The latest access token of a lane, whose `exp` the access lane counts down to. */
export function latestAccessToken(model: SessionModel, lane: string): AccessTokenVersion | undefined {
  let latest: AccessTokenVersion | undefined;
  for (const v of model.accessTokens) if (v.lane === lane) latest = v;
  return latest;
}

/** Every deadline the timeline shows for a model. */
export function modelDeadlines(model: SessionModel): number[] {
  const out: number[] = [];
  for (const c of model.challenges) for (const d of challengeDeadlines(c, model)) out.push(d.at);
  for (const lane of new Set(model.accessTokens.map((v) => v.lane))) {
    const exp = latestAccessToken(model, lane)?.exp;
    if (exp !== undefined) out.push(exp * 1000);
  }
  return out;
}

/** True while at least one deadline is still ahead: the ticker runs only then. */
export function needsTicker(deadlines: readonly number[], now: number): boolean {
  return deadlines.some((at) => at > now);
}
