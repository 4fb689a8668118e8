/**
 * Step-up challenges, one lane each, keyed by `challenge_id` (several can run at once). A lane collects every
 * version of its challenge token, the steps as last seen, OTP sends and checks, and an ordered timeline. The
 * decision "what state is this challenge in" follows the token's `current_step`, not the request `status`.
 */
import type { ChallengeClaims } from '../tokens/claims.ts';
import type { ProviderId } from '../providers/types.ts';
import { TimeHeap } from './heap.ts';
import type {
  Challenge,
  ChallengeEvent,
  ChallengeEventKind,
  ChallengeStatus,
  ChallengeStepState,
  ChallengeTokenVersion,
} from './types.ts';

/** A challenge while the analyser works on it. */
export interface ChallengeRecord {
  key: string;
  provider: ProviderId;
  challengeId: string | null;
  scope: string | null;
  metadata: Record<string, unknown> | null;
  grantMode: string | null;
  status: ChallengeStatus;
  statusReason: string;
  requestStatus: string | null;
  currentStep: string | null;
  steps: ChallengeStepState[];
  tokens: ChallengeTokenVersion[];
  events: ChallengeEvent[];
  otpSends: number;
  otpResends: number;
  otpChecks: { failed: number; succeeded: number };
  sub: string | null;
  sid: string | null;
  requestedAt: number | null;
  expiresAt: number | null;
  completedAt: number | null;
  stepUpRefresh: number | null;
  scopeGranted: boolean | null;
  grantId: string | null;
  // Working state, not part of the public model.
  position: number;
  apiBase: string | null;
  /** `granted_for` seconds, when a token carries it ([GUESS]: only the hook response documents it). */
  grantedFor: number | null;
  /** The exchange whose token first said `completed`. */
  completionExchange: number | null;
  /** Completed, and no /refresh with its step_up_token attempted yet. */
  awaitingRefresh: boolean;
  /** Waiting for the next access token of its session to tell whether the scope was granted. */
  awaitingScope: boolean;
  readonly tokenRaws: Set<string>;
}

/** Session lane of a challenge, the same rule as access tokens: `sid`, else `sub`, else `unknown`. */
export function challengeLane(record: ChallengeRecord): string {
  return record.sid ?? record.sub ?? 'unknown';
}

/** Challenge lanes, indexed by key and challenge id, with the timers of pending expiries and refreshes. */
export class ChallengeStore {
  private readonly records: ChallengeRecord[] = [];
  private readonly frozen: Challenge[] = [];
  private readonly dirty = new Set<ChallengeRecord>();
  private cache: readonly Challenge[] | null = [];
  private readonly byKey = new Map<string, ChallengeRecord>();
  private readonly byChallengeId = new Map<string, ChallengeRecord>();
  /** Request lanes whose response body was not captured, waiting for a token to tell their challenge id. */
  private readonly unresolved: ChallengeRecord[] = [];
  /** Per API base, the challenge that last sent or checked an OTP (for the body-less /otp/retry). */
  private readonly lastOtp = new Map<string, ChallengeRecord>();
  /** Completed challenges waiting for their step-up refresh, per session lane. */
  readonly awaitingRefresh = new Set<ChallengeRecord>();
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
    const record: ChallengeRecord = {
      key,
      provider,
      challengeId,
      scope: null,
      metadata: null,
      grantMode: null,
      status: 'pending',
      statusReason: 'waiting for the first step',
      requestStatus: null,
      currentStep: null,
      steps: [],
      tokens: [],
      events: [],
      otpSends: 0,
      otpResends: 0,
      otpChecks: { failed: 0, succeeded: 0 },
      sub: null,
      sid: null,
      requestedAt: null,
      expiresAt: null,
      completedAt: null,
      stepUpRefresh: null,
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
   * same scope (or scope unknown), oldest first. Gives it the challenge id.
   */
  adopt(
    provider: ProviderId,
    apiBase: string,
    challengeId: string,
    scope: string | undefined,
  ): ChallengeRecord | undefined {
    const i = this.unresolved.findIndex(
      (r) =>
        r.provider === provider &&
        r.apiBase === apiBase &&
        (scope === undefined || r.scope === null || r.scope === scope),
    );
    const record = this.unresolved[i];
    if (record === undefined) return undefined;
    this.unresolved.splice(i, 1);
    record.challengeId = challengeId;
    this.byChallengeId.set(`${provider}:${challengeId}`, record);
    this.touch(record);
    return record;
  }

  setLastOtp(apiBase: string, record: ChallengeRecord): void {
    this.lastOtp.set(apiBase, record);
  }

  getLastOtp(apiBase: string): ChallengeRecord | undefined {
    return this.lastOtp.get(apiBase);
  }

  /** Adds a timeline event. */
  event(
    record: ChallengeRecord,
    kind: ChallengeEventKind,
    exchange: number | null,
    time: number,
    detail: string,
  ): void {
    record.events.push({ kind, exchange, time, detail });
    this.touch(record);
  }

  setStatus(record: ChallengeRecord, status: ChallengeStatus, reason: string): void {
    record.status = status;
    record.statusReason = reason;
    this.touch(record);
  }

  /**
   * Adds a token version (no-op for a token already seen). Updates steps and current step, records steps that
   * became done, and reports whether this version completed the challenge.
   */
  addVersion(
    record: ChallengeRecord,
    raw: string,
    claims: ChallengeClaims,
    grantedFor: number | undefined,
    exchange: number,
    time: number,
    seenIn: 'response' | 'request',
  ): { added: boolean; completedNow: boolean } {
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
    record.awaitingScope = true;
  }

  /** Takes (and forgets) the challenges waiting for an access token in `lane`. */
  takeAwaitingScope(lane: string): ChallengeRecord[] {
    const set = this.awaitingScope.get(lane);
    if (set === undefined) return [];
    this.awaitingScope.delete(lane);
    const records = [...set];
    for (const record of records) record.awaitingScope = false;
    return records;
  }

  /** Call after changing a record's fields directly. */
  touch(record: ChallengeRecord): void {
    this.dirty.add(record);
    this.cache = null;
  }

  /** All challenges, frozen; unchanged challenges keep their object. */
  list(): readonly Challenge[] {
    if (this.cache !== null) return this.cache;
    for (const record of this.dirty) this.frozen[record.position] = freeze(record);
    this.dirty.clear();
    this.cache = this.frozen.slice();
    return this.cache;
  }
}

function freeze(record: ChallengeRecord): Challenge {
  return {
    key: record.key,
    provider: record.provider,
    challengeId: record.challengeId,
    scope: record.scope,
    metadata: record.metadata === null ? null : { ...record.metadata },
    grantMode: record.grantMode,
    status: record.status,
    statusReason: record.statusReason,
    requestStatus: record.requestStatus,
    currentStep: record.currentStep,
    steps: record.steps.map((s) => ({ ...s })),
    tokens: record.tokens.slice(),
    events: record.events.slice(),
    otpSends: record.otpSends,
    otpResends: record.otpResends,
    otpChecks: { ...record.otpChecks },
    sub: record.sub,
    sid: record.sid,
    requestedAt: record.requestedAt,
    expiresAt: record.expiresAt,
    completedAt: record.completedAt,
    stepUpRefresh: record.stepUpRefresh,
    scopeGranted: record.scopeGranted,
    grantId: record.grantId,
  };
}
