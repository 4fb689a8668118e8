/**
 * Grants: a scope a session holds after a step-up, and what happened to it. Indexed by session lane and scope, so
 * the Bearer token of an app call finds the grants it carries in O(scopes).
 *
 * Single-use consumption is inferred from traffic (no provider reports it to the browser): a successful call of
 * a provider endpoint that consumes a reserved scope (`ProviderModel.selfConsumedScopes`), or any successful
 * call of the app's own API presenting an access token that carries the scope; confirmed when a later access
 * token no longer carries it; and a later refusal (`insufficient_scope` / `token_reused`) of the same scope after
 * a consumption is a reuse.
 */
import type { ProviderId } from '../providers/ids.ts';
import { TimeHeap } from './heap.ts';
import type { ConsumptionEvidence, Grant } from './types.ts';

/** A grant while the analyser works on it: the public fields plus working state. Only the store writes. */
interface GrantState extends Omit<Grant, 'reuseAttempts'> {
  reuseAttempts: number[];
  /** Single-use: the mode says so, or the scope is one a provider's own endpoints consume. */
  singleUse: boolean;
  /** `grant.still_present_after_consumption` was raised already. */
  stillPresentReported: boolean;
}

/** A grant as the models see it: read-only, changed only through {@link GrantStore}'s methods. */
export type GrantRecord = Readonly<Omit<GrantState, 'reuseAttempts'>> & {
  readonly reuseAttempts: readonly number[];
};

/** The store's own, writable view of a record it handed out. */
function w(grant: GrantRecord): GrantState {
  return grant as GrantState;
}

/** What {@link GrantStore.create} needs. */
export interface NewGrant {
  provider: ProviderId;
  scope: string;
  mode: string | null;
  challengeKey: string | null;
  lane: string;
  grantedAt: number;
  grantedBy: number;
  expiresAt: number | null;
}

/** Grants, indexed by session lane and scope (active and latest consumed). */
export class GrantStore {
  private readonly records: GrantState[] = [];
  private readonly frozen: Grant[] = [];
  private readonly dirty = new Set<number>();
  private cache: readonly Grant[] | null = [];
  private readonly active = new Map<string, GrantRecord>();
  private readonly consumed = new Map<string, GrantRecord>();
  /** Active grants with a known expiry, by expiry time. */
  readonly expiries = new TimeHeap<GrantRecord>();

  /** `isSelfConsumed`: whether a provider's own endpoints consume the scope, whatever the grant mode says. */
  constructor(private readonly isSelfConsumed: (scope: string) => boolean) {}

  private static key(lane: string, scope: string): string {
    return `${lane}\u0000${scope}`;
  }

  /** The active grant of `scope` in a lane. */
  activeFor(lane: string, scope: string): GrantRecord | undefined {
    return this.active.get(GrantStore.key(lane, scope));
  }

  /** The latest consumed grant of `scope` in a lane. */
  consumedFor(lane: string, scope: string): GrantRecord | undefined {
    return this.consumed.get(GrantStore.key(lane, scope));
  }

  /** Records a grant; an active grant of the same scope in the lane is superseded (marked expired). */
  create(input: NewGrant): { grant: GrantRecord; superseded: GrantRecord | undefined } {
    const key = GrantStore.key(input.lane, input.scope);
    const superseded = this.active.get(key);
    if (superseded !== undefined) this.expire(superseded);
    const grant: GrantState = {
      id: `g${this.records.length + 1}`,
      ...input,
      state: 'active',
      consumedBy: null,
      consumedAt: null,
      consumption: null,
      droppedBy: null,
      reuseAttempts: [],
      singleUse: input.mode === 'single-use' || (input.mode === null && this.isSelfConsumed(input.scope)),
      stillPresentReported: false,
    };
    this.records.push(grant);
    this.frozen.push(freeze(grant));
    this.cache = null;
    this.active.set(key, grant);
    if (grant.expiresAt !== null) this.expiries.push(grant.expiresAt, grant);
    return { grant, superseded };
  }

  /** Marks a grant consumed. */
  consume(grant: GrantRecord, evidence: ConsumptionEvidence, exchange: number | null, time: number): void {
    const key = GrantStore.key(grant.lane, grant.scope);
    if (this.active.get(key) === grant) this.active.delete(key);
    Object.assign(w(grant), {
      state: 'consumed',
      consumption: evidence,
      consumedBy: exchange,
      consumedAt: time,
    });
    this.consumed.set(key, grant);
    this.touch(grant);
  }

  /** Marks a grant expired (time passed, superseded, or the scope left the access token). */
  expire(grant: GrantRecord): void {
    const key = GrantStore.key(grant.lane, grant.scope);
    if (this.active.get(key) === grant) this.active.delete(key);
    w(grant).state = 'expired';
    this.touch(grant);
  }

  /** The first later access token without the grant's scope. */
  markDropped(grant: GrantRecord, exchange: number): void {
    w(grant).droppedBy = exchange;
    this.touch(grant);
  }

  /** `grant.still_present_after_consumption` is raised once per grant. */
  markStillPresentReported(grant: GrantRecord): void {
    w(grant).stillPresentReported = true;
  }

  /** A call refused for lack of the scope after the grant was consumed. */
  noteReuse(grant: GrantRecord, exchange: number): void {
    w(grant).reuseAttempts.push(exchange);
    this.touch(grant);
  }

  /** Marks a grant changed (its next snapshot is a new object). */
  private touch(grant: GrantRecord): void {
    const index = Number(grant.id.slice(1)) - 1;
    this.dirty.add(index);
    this.cache = null;
  }

  /** All grants, frozen; unchanged grants keep their object. */
  list(): readonly Grant[] {
    if (this.cache !== null) return this.cache;
    for (const index of this.dirty) {
      const record = this.records[index];
      if (record !== undefined) this.frozen[index] = freeze(record);
    }
    this.dirty.clear();
    this.cache = this.frozen.slice();
    return this.cache;
  }
}

function freeze(record: GrantState): Grant {
  return {
    id: record.id,
    provider: record.provider,
    scope: record.scope,
    mode: record.mode,
    challengeKey: record.challengeKey,
    lane: record.lane,
    grantedAt: record.grantedAt,
    grantedBy: record.grantedBy,
    expiresAt: record.expiresAt,
    state: record.state,
    consumedBy: record.consumedBy,
    consumedAt: record.consumedAt,
    consumption: record.consumption,
    droppedBy: record.droppedBy,
    reuseAttempts: record.reuseAttempts.slice(),
  };
}
