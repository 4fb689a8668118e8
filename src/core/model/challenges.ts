/**
 * Step-up challenges, one lane each, keyed by `challenge_id` (several can run at once). A lane collects every
 * version of its challenge token, the steps as last seen, OTP sends and checks, and an ordered timeline. The
 * decision "what state is this challenge in" follows the token's `current_step`, not the request `status`.
 */
import type { ChallengeClaims } from '../tokens/claims.ts';
import type { ProviderId } from '../providers/ids.ts';
import { TimeHeap } from './heap.ts';
import type {
  Challenge,
  ChallengeEvent,
  ChallengeEventKind,
  ChallengeStatus,
  ChallengeStepState,
  ChallengeTokenVersion,
  FactorMethod,
} from './types.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A lane while the analyser works on it: the public fields, writable, plus working state. Only the store writes. */
interface LaneState extends Omit<
  Writable<Challenge>,
  'steps' | 'tokens' | 'events' | 'metadata' | 'codeChecks'
> {
  steps: ChallengeStepState[];
  tokens: ChallengeTokenVersion[];
  events: ChallengeEvent[];
  metadata: Record<string, unknown> | null;
  codeChecks: { failed: number; succeeded: number };
  position: number;
  apiBase: string | null;
  /** `granted_for` seconds, when a token carries it ([GUESS]: only the hook response documents it). */
  grantedFor: number | null;
  /** The exchange whose token first said `completed`. */
  completionExchange: number | null;
  /** Completed, and not yet exchanged for its scope. */
  awaitingRefresh: boolean;
  /** Waiting for the next access token of its session to tell whether the scope was granted. */
  awaitingScope: boolean;
  tokenRaws: Set<string>;
}

/** A lane as the models see it: read-only, changed only through {@link ChallengeStore}'s methods. */
export type ChallengeRecord = Readonly<
  Omit<LaneState, 'steps' | 'tokens' | 'events' | 'codeChecks' | 'tokenRaws' | 'metadata'>
> & {
  readonly steps: readonly ChallengeStepState[];
  readonly tokens: readonly ChallengeTokenVersion[];
  readonly events: readonly ChallengeEvent[];
  readonly codeChecks: Readonly<{ failed: number; succeeded: number }>;
  readonly tokenRaws: ReadonlySet<string>;
  readonly metadata: Readonly<Record<string, unknown>> | null;
};

/** The fields a model sets directly; status, counters, tokens and waits have their own methods. */
export type ChallengePatch = Partial<
  Pick<
    LaneState,
    | 'challengeId'
    | 'scope'
    | 'metadata'
    | 'grantMode'
    | 'providerStatus'
    | 'currentStep'
    | 'steps'
    | 'sub'
    | 'sid'
    | 'requestedAt'
    | 'expiresAt'
    | 'completedAt'
    | 'redeemedBy'
    | 'scopeGranted'
    | 'grantId'
    | 'apiBase'
    | 'completionExchange'
  >
>;

/** The store's own, writable view of a record it handed out. */
function w(record: ChallengeRecord): LaneState {
  return record as LaneState;
}

/** Session lane of a challenge, the same rule as access tokens: `sid`, else `sub`, else `unknown`. */
export function challengeLane(record: ChallengeRecord): string {
  return record.sid ?? record.sub ?? 'unknown';
}

/** Challenge lanes, indexed by key and challenge id, with the timers of pending expiries and refreshes. */
export class ChallengeStore {
  private readonly records: LaneState[] = [];
  private readonly frozen: Challenge[] = [];
  private readonly dirty = new Set<ChallengeRecord>();
  private cache: readonly Challenge[] | null = [];
  private readonly byKey = new Map<string, ChallengeRecord>();
  private readonly byChallengeId = new Map<string, ChallengeRecord>();
  /** Request lanes whose response body was not captured, waiting for a token to tell their challenge id. */
  private readonly unresolved: ChallengeRecord[] = [];
  /** Completed challenges not yet exchanged for their scope. */
  private readonly awaitingRefresh = new Set<ChallengeRecord>();
  /** Challenges waiting for the next access token of their lane, per lane. */
  private readonly awaitingScope = new Map<string, Set<ChallengeRecord>>();
  /** Pending challenges by expiry. */
  readonly expiries = new TimeHeap<ChallengeRecord>();
  /** Completed challenges by the time their step-up refresh is due. */
  readonly refreshDeadlines = new TimeHeap<ChallengeRecord>();

  get(key: string): ChallengeRecord | undefined {
    return this.byKey.get(key);
  }

  byId(provider: ProviderId, challengeId: string): ChallengeRecord | undefined {
    return this.byChallengeId.get(`${provider}:${challengeId}`);
  }

  /**
   * A new lane. `challengeId` null: a request lane (blocked, refused, or response not captured). `key` overrides
   * the usual `<provider>:<challenge_id>` key (providers without a challenge id key lanes by what identifies them);
   * a key already taken gets a `#2`, `#3`… suffix.
   */
  create(
    provider: ProviderId,
    challengeId: string | null,
    requestIndex: number | null,
    explicitKey?: string,
  ): ChallengeRecord {
    let key =
      explicitKey ??
      (challengeId !== null
        ? `${provider}:${challengeId}`
        : `${provider}:request#${requestIndex ?? this.records.length}`);
    if (explicitKey !== undefined) for (let n = 2; this.byKey.has(key); n += 1) key = `${explicitKey}#${n}`;
    const record: LaneState = {
      key,
      provider,
      challengeId,
      scope: null,
      metadata: null,
      grantMode: null,
      status: 'pending',
      statusReason: 'waiting for the first step',
      providerStatus: null,
      currentStep: null,
      steps: [],
      tokens: [],
      events: [],
      codeSends: 0,
      codeResends: 0,
      codeChecks: { failed: 0, succeeded: 0 },
      sub: null,
      sid: null,
      requestedAt: null,
      expiresAt: null,
      completedAt: null,
      redeemedBy: null,
      scopeGranted: null,
      grantId: null,
      position: this.records.length,
      apiBase: null,
      grantedFor: null,
      completionExchange: null,
      awaitingRefresh: false,
      awaitingScope: false,
      tokenRaws: new Set(),
    };
    this.records.push(record);
    this.frozen.push(freeze(record));
    this.byKey.set(key, record);
    if (challengeId !== null) this.byChallengeId.set(`${provider}:${challengeId}`, record);
    this.cache = null;
    return record;
  }

  /** Remembers a request lane whose challenge id is not known yet. */
  markUnresolved(record: ChallengeRecord): void {
    this.unresolved.push(record);
  }

  /**
   * The unresolved request lane that a newly seen challenge most likely belongs to: same provider and API base,
   * same scope (or scope unknown), same session when both name one (`sid`: several devices of one capture ask for
   * the same scope at once), oldest first. Gives it the challenge id.
   */
  adopt(
    provider: ProviderId,
    apiBase: string,
    challengeId: string,
    scope: string | undefined,
    sid?: string,
  ): ChallengeRecord | undefined {
    const i = this.unresolved.findIndex(
      (r) =>
        r.provider === provider &&
        r.apiBase === apiBase &&
        (scope === undefined || r.scope === null || r.scope === scope) &&
        (sid === undefined || r.sid === null || r.sid === sid),
    );
    const record = this.unresolved[i];
    if (record === undefined) return undefined;
    this.unresolved.splice(i, 1);
    w(record).challengeId = challengeId;
    this.byChallengeId.set(`${provider}:${challengeId}`, record);
    this.touch(record);
    return record;
  }

  /** Adds a timeline event. */
  event(
    record: ChallengeRecord,
    kind: ChallengeEventKind,
    exchange: number | null,
    time: number,
    detail: string,
    method?: FactorMethod,
  ): void {
    w(record).events.push(
      method === undefined ? { kind, exchange, time, detail } : { kind, method, exchange, time, detail },
    );
    this.touch(record);
  }

  setStatus(record: ChallengeRecord, status: ChallengeStatus, reason: string): void {
    const lane = w(record);
    lane.status = status;
    lane.statusReason = reason;
    this.touch(record);
  }

  /** Sets fields of a lane (see {@link ChallengePatch}). */
  update(record: ChallengeRecord, patch: ChallengePatch): void {
    Object.assign(w(record), patch);
    this.touch(record);
  }

  /** A code sent to the user (`resend`: again, for the same step): counted, and on the timeline. */
  codeSent(record: ChallengeRecord, resend: boolean, exchange: number, time: number, detail: string): void {
    const lane = w(record);
    lane.codeSends += 1;
    if (resend) lane.codeResends += 1;
    this.event(record, resend ? 'factor_resent' : 'factor_sent', exchange, time, detail);
  }

  /** A typed code checked. */
  countCheck(record: ChallengeRecord, passed: boolean): void {
    if (passed) w(record).codeChecks.succeeded += 1;
    else w(record).codeChecks.failed += 1;
    this.touch(record);
  }

  /** A token of the lane seen for the first time (no-op for one seen before); true when it was new. */
  addToken(record: ChallengeRecord, version: ChallengeTokenVersion): boolean {
    const lane = w(record);
    if (lane.tokenRaws.has(version.raw)) return false;
    lane.tokenRaws.add(version.raw);
    lane.tokens.push(version);
    this.touch(record);
    return true;
  }

  /** A completed lane waits to be exchanged for its scope until `deadline` (epoch ms). */
  awaitRefresh(record: ChallengeRecord, deadline: number): void {
    w(record).awaitingRefresh = true;
    this.awaitingRefresh.add(record);
    this.refreshDeadlines.push(deadline, record);
  }

  /** The lane was exchanged for its scope, or its wait was judged. */
  stopAwaitingRefresh(record: ChallengeRecord): void {
    w(record).awaitingRefresh = false;
    this.awaitingRefresh.delete(record);
  }

  /** Lanes waiting to be exchanged for their scope, oldest first (a copy: safe to change the waits meanwhile). */
  awaitingRefreshList(): ChallengeRecord[] {
    return [...this.awaitingRefresh];
  }

  /**
   * Adds a token version (no-op for a token already seen). Updates steps and current step, records steps that
   * became done, and reports whether this version completed the challenge.
   */
  addVersion(
    lane: ChallengeRecord,
    raw: string,
    claims: ChallengeClaims,
    grantedFor: number | undefined,
    exchange: number,
    time: number,
    seenIn: 'response' | 'request',
  ): { added: boolean; completedNow: boolean } {
    const record = w(lane);
    if (record.tokenRaws.has(raw)) return { added: false, completedNow: false };
    record.tokenRaws.add(raw);
    const version: ChallengeTokenVersion = { exchange, seenIn, raw };
    if (claims.jti !== undefined) version.jti = claims.jti;
    if (claims.currentStep !== undefined) version.currentStep = claims.currentStep;
    if (claims.exp !== undefined) version.exp = claims.exp;
    if (claims.iat !== undefined) version.iat = claims.iat;
    record.tokens.push(version);

    record.scope ??= claims.scopeRequested ?? null;
    record.grantMode ??= claims.grantMode ?? null;
    record.sub ??= claims.sub ?? null;
    record.sid ??= claims.sid ?? null;
    if (record.metadata === null && claims.metadata !== undefined) record.metadata = claims.metadata;
    if (grantedFor !== undefined) record.grantedFor = grantedFor;

    const before = new Map(record.steps.map((s) => [s.key, s]));
    record.steps = claims.steps.map((step) => {
      const previous = before.get(step.key);
      const state: ChallengeStepState = { key: step.key, order: step.order, done: step.done };
      if (step.expirationDuration !== undefined) state.expirationDuration = step.expirationDuration;
      if (step.done) {
        state.doneAt = previous?.doneAt ?? exchange;
        if (previous !== undefined && !previous.done) {
          record.events.push({ kind: 'step_completed', exchange, time, detail: `${step.key} done` });
        }
      }
      return state;
    });

    const wasCompleted = record.currentStep === 'completed';
    record.currentStep = claims.currentStep ?? record.currentStep;
    if (claims.exp !== undefined) {
      record.expiresAt = claims.exp * 1000;
      if (record.currentStep !== 'completed') this.expiries.push(record.expiresAt, record);
    }
    let completedNow = false;
    if (record.currentStep === 'completed') {
      if (!wasCompleted) {
        completedNow = true;
        record.completedAt = time;
        record.completionExchange = exchange;
        record.status = 'completed';
        record.statusReason = 'current_step is completed';
      }
    } else if (record.status === 'expired' || record.status === 'pending') {
      record.status = 'pending';
      record.statusReason =
        record.currentStep === null ? 'no current step' : `waiting for ${record.currentStep}`;
    }
    this.touch(record);
    return { added: true, completedNow };
  }

  /** Waits for the next access token of the challenge's lane to show whether the scope was granted. */
  awaitScope(record: ChallengeRecord): void {
    const lane = challengeLane(record);
    let set = this.awaitingScope.get(lane);
    if (set === undefined) {
      set = new Set();
      this.awaitingScope.set(lane, set);
    }
    set.add(record);
    w(record).awaitingScope = true;
  }

  /** Takes (and forgets) the challenges waiting for an access token in `lane`. */
  takeAwaitingScope(lane: string): ChallengeRecord[] {
    const set = this.awaitingScope.get(lane);
    if (set === undefined) return [];
    this.awaitingScope.delete(lane);
    const records = [...set];
    for (const record of records) w(record).awaitingScope = false;
    return records;
  }

  /** Marks a lane changed (its next snapshot is a new object). */
  private touch(record: ChallengeRecord): void {
    this.dirty.add(record);
    this.cache = null;
  }

  /** All challenges, frozen; unchanged challenges keep their object. */
  list(): readonly Challenge[] {
    if (this.cache !== null) return this.cache;
    for (const record of this.dirty) this.frozen[record.position] = freeze(w(record));
    this.dirty.clear();
    this.cache = this.frozen.slice();
    return this.cache;
  }
}

function freeze(record: LaneState): Challenge {
  return {
    key: record.key,
    provider: record.provider,
    challengeId: record.challengeId,
    scope: record.scope,
    metadata: record.metadata === null ? null : { ...record.metadata },
    grantMode: record.grantMode,
    status: record.status,
    statusReason: record.statusReason,
    providerStatus: record.providerStatus,
    currentStep: record.currentStep,
    steps: record.steps.map((s) => ({ ...s })),
    tokens: record.tokens.slice(),
    events: record.events.slice(),
    codeSends: record.codeSends,
    codeResends: record.codeResends,
    codeChecks: { ...record.codeChecks },
    sub: record.sub,
    sid: record.sid,
    requestedAt: record.requestedAt,
    expiresAt: record.expiresAt,
    completedAt: record.completedAt,
    redeemedBy: record.redeemedBy,
    scopeGranted: record.scopeGranted,
    grantId: record.grantId,
  };
}
