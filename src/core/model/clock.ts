/**
 * The model's clock: the latest time the traffic has shown, and the changes that fall due as it advances (a
 * challenge's `exp` passing, a grant's lifetime ending, a provider's own deadlines). A capture is judged by its own
 * time, so a file from yesterday does not read as "expired" today; the live panel's wall clock calls
 * {@link ModelClock.sweep} itself.
 */
import { formatEpochSeconds } from '../tokens/time.ts';
import type { ChallengeStore } from './challenges.ts';
import type { GrantStore } from './grants.ts';
import type { ProviderModel } from './provider-host.ts';

interface ClockServices {
  challenges: ChallengeStore;
  grants: GrantStore;
  /** The providers' models by provider id (filled once they are loaded). */
  models: ReadonlyMap<string, ProviderModel>;
  /** Called once per time-driven change, so the model's version moves. */
  changed(): void;
}

export class ModelClock {
  /** The latest end time seen in the traffic (epoch ms). */
  latest = 0;

  constructor(private readonly s: ClockServices) {}

  /** An exchange that started at `time` and ended at `endTime`. */
  tick(time: number, endTime: number): void {
    if (endTime > this.latest) this.latest = endTime;
    if (time > 0) this.sweep(time);
  }

  /** Applies the changes due at `now`: challenge expiry, providers' deadlines, grant expiry. */
  sweep(now: number): void {
    const { challenges, grants } = this.s;
    for (const { at, value: record } of challenges.expiries.popDue(now)) {
      if (record.status !== 'pending' || record.expiresAt !== at) continue;
      const waitingFor = record.currentStep ?? 'the next step';
      challenges.setStatus(
        record,
        'expired',
        `exp ${formatEpochSeconds(at / 1000)} passed before ${waitingFor} was done`,
      );
      challenges.event(record, 'expired', null, at, `expired while waiting for ${waitingFor}`);
      this.s.changed();
    }
    for (const model of this.s.models.values()) model.sweep?.(now);
    for (const { at, value: grant } of grants.expiries.popDue(now)) {
      if (grant.state !== 'active' || grant.expiresAt !== at) continue;
      grants.expire(grant);
      const record = grant.challengeKey !== null ? challenges.get(grant.challengeKey) : undefined;
      if (record !== undefined) {
        const detail = this.s.models.get(grant.provider)?.grantExpired?.(grant) ?? `${grant.scope} expired`;
        challenges.event(record, 'grant_expired', null, at, detail);
      }
      this.s.changed();
    }
  }
}
