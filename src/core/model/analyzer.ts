/**
 * The incremental session analyser. Exchanges are added one at a time (live capture) or in bulk (a file);
 * each add updates the model in place: per-exchange work plus O(1)/O(log n) index look-ups (by challenge id,
 * token string, jti), never a rescan of earlier exchanges. `snapshot()` hands out an immutable
 * {@link SessionModel} that reuses every object that did not change.
 *
 * Processing one exchange has two parts:
 * 1. `prepare` (synchronous): classify, read bodies and tokens, update challenges, access tokens, grants and the
 *    DPoP context, and compute the inputs of the DPoP proof check;
 * 2. the proof check itself (asynchronous: signature verification), whose report only adds findings.
 * `add` runs them back to back; `addMany` prepares a batch in order, verifies its proofs concurrently, then
 * applies the reports in order. Nothing in part 1 depends on part 2, and findings are kept in a canonical
 * order, so both give the same model.
 */
import { checkDpopProof } from '../dpop/check.ts';
import type { DpopProofReport } from '../dpop/types.ts';
import { preludeFindingCode } from '../findings/catalogue.ts';
import type { HttpExchange } from '../http/exchange.ts';
import { classifyExchange } from '../providers/registry.ts';
import type { ExchangeClassification } from '../providers/types.ts';
import {
  checkVerificationToken,
  readChallengeClaims,
  readVerificationClaims,
  type ChallengeClaims,
} from '../tokens/claims.ts';
import { decodeCompactJws, decodeToken } from '../tokens/decode.ts';
import { parseScopes } from '../tokens/scopes.ts';
import { formatDuration, formatEpochSeconds } from '../tokens/time.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';
import { AccessTokenStore } from './access-tokens.ts';
import { ChallengeStore, type ChallengeRecord } from './challenges.ts';
import { dpopFindings } from './dpop-findings.ts';
import { DynamicModel } from './dynamic.ts';
import { DpopSession, publicJwk, type PendingDpop } from './dpop-session.ts';
import {
  bearerChallenge,
  errorCodeOf,
  jsonObject,
  originOf,
  readFacts,
  sameRequest,
  stringField,
  type ExchangeFacts,
  type HeaderIndex,
  type RequestShape,
} from './exchange-facts.ts';
import { FindingLog, type FindingInput, type FindingSlot } from './finding-log.ts';
import { CONSUMED_BY_PRELUDE, GrantStore, type GrantRecord } from './grants.ts';
import type { ProviderModelHost } from './provider-host.ts';
import { Rfc9470Model } from './rfc9470.ts';
import type {
  AccessTokenVersion,
  AnalyzedExchange,
  ConsumptionEvidence,
  ExchangeToken,
  SessionModel,
  TokenLocation,
} from './types.ts';

/** Options of {@link createAnalyzer}. */
export interface AnalyzerOptions {
  /**
   * The clock statuses are computed at (epoch ms), read at each `snapshot()`. Leave it out to use the latest
   * time seen in the traffic (right for files: a capture from yesterday is not "expired" today); the live panel
   * passes `Date.now` so pending challenges expire while the user watches.
   */
  now?: () => number;
  /**
   * How long after a challenge completes the /refresh with its step_up_token may take before
   * `challenge.completed_without_refresh` is raised (ms). Default 30 000: the SDK sends it at once, and a stalled
   * attempt still shows up as an exchange.
   */
  completionGraceMs?: number;
  /** Exchanges per batch in `addMany` (their proofs are verified concurrently). Default 256. */
  batchSize?: number;
}

/** The incremental analyser. */
export interface Analyzer {
  /** Increments with every change to the model. */
  readonly version: number;
  /**
   * Adds one exchange. Adds are serialised: call it without awaiting, in capture order, and the model sees them
   * in that order. Never rejects.
   */
  add(exchange: HttpExchange): Promise<void>;
  /** Adds many exchanges in order, verifying DPoP signatures concurrently. Same result as sequential adds. */
  addMany(exchanges: Iterable<HttpExchange>): Promise<void>;
  /**
   * The model now. Cheap: unchanged challenges, grants, tokens and exchanges are the same objects as in the
   * previous snapshot, and the same snapshot object is returned while nothing changed. Taken while an
   * `addMany` batch is in flight, challenges may already reflect exchanges not yet in `exchanges`.
   */
  snapshot(): SessionModel;
  /** Calls `listener` with the new version after each applied add (once per batch for `addMany`). */
  subscribe(listener: (version: number) => void): () => void;
  /** Resolves when every add queued so far has been applied. */
  idle(): Promise<void>;
}

/** Creates an empty analyser. */
export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  return new SessionAnalyzer(options);
}

/** Analyses a whole capture (the CLI's entry point). */
export async function analyse(
  exchanges: Iterable<HttpExchange>,
  options: AnalyzerOptions = {},
): Promise<SessionModel> {
  const analyzer = createAnalyzer(options);
  await analyzer.addMany(exchanges);
  return analyzer.snapshot();
}

/** Endpoints whose response body the model reads; a missing one is noted. */
const READS_RESPONSE: ReadonlySet<string> = new Set([
  'login.otp.check',
  'login.finalize',
  'login.passkey.finish',
  'refresh',
  'stepup.request',
  'stepup.continue',
  'otp.check',
]);
const LOGIN_ENDPOINTS: ReadonlySet<string> = new Set([
  'login.otp.check',
  'login.finalize',
  'login.passkey.finish',
]);
/** Grant modes of login challenges (not step-up lanes). */
const LOGIN_GRANT_MODES: ReadonlySet<string> = new Set(['session-start', 'oauth-email-link']);
const REFUSAL_CODES: ReadonlySet<string> = new Set(['insufficient_scope', 'token_reused']);
const DECODE_CACHE_LIMIT = 20_000;
/** A plain /refresh this long after a completion, with no step-up refresh yet, means the step-up refresh was skipped. */
const PLAIN_REFRESH_GRACE_MS = 2_000;

/** Mutable form of an exchange while it is being analysed. */
interface Draft {
  index: number;
  exchange: HttpExchange;
  classification: ExchangeClassification | null;
  tokens: ExchangeToken[];
  dpop: DpopProofReport | null;
  errorCode: string | null;
  challengeKey: string | null;
  notes: string[];
}

/** Per-exchange working state of the handlers. */
interface Ctx {
  d: Draft;
  f: ExchangeFacts;
  cls: ExchangeClassification;
  index: number;
  time: number;
  req: Record<string, unknown> | undefined;
  res: Record<string, unknown> | undefined;
  /** DPoP lane the request belongs to. */
  lane: string;
  /** Lane the response establishes (a login names the session). */
  responseLane?: string;
  isLogin: boolean;
  bearer?: AccessTokenVersion;
  challenge?: ChallengeRecord;
  challengeClaims?: ChallengeClaims;
  challengeJti?: string;
  /** A challenge token sent after its exp (by the capture clock). */
  expiredOnUse: boolean;
  /** The error code is explained by a more specific finding: no generic `prelude.<code>`. */
  explained: boolean;
  proofJwk?: ReturnType<typeof publicJwk>;
  proofFlavour?: 'session' | 'challenge' | 'unknown';
}

class SessionAnalyzer implements Analyzer {
  private readonly options: Required<Pick<AnalyzerOptions, 'completionGraceMs' | 'batchSize'>> &
    AnalyzerOptions;
  private readonly exchanges: AnalyzedExchange[] = [];
  private readonly drafts = new Map<number, Draft>();
  private nextIndex = 0;
  private readonly findings = new FindingLog();
  private readonly challenges = new ChallengeStore();
  private readonly tokens = new AccessTokenStore();
  private readonly grants = new GrantStore();
  private readonly dpop = new DpopSession();
  private readonly decodeCache = new Map<string, TokenDecodeResult>();
  /** What the Dynamic and RFC 9470 models may use of the analyser. */
  private readonly host: ProviderModelHost = {
    challenges: this.challenges,
    grants: this.grants,
    raise: (input, slot, dedupeKey) => this.raise(input, slot, dedupeKey),
    decode: (raw) => this.decode(raw),
    countMissingResponseBody: () => {
      this.stats.withoutResponseBody += 1;
    },
  };
  private readonly dynamic = new DynamicModel(this.host);
  private readonly rfc9470 = new Rfc9470Model(this.host);
  private readonly verificationJtis = new Map<
    string,
    { index: number; request: RequestShape; noResponse: boolean }
  >();
  /** `<lane>|<endpoint>` → the last answer there was use_dpop_nonce. */
  private readonly nonceDemands = new Map<string, boolean>();
  private readonly apiOrigins = new Map<string, string | undefined>();
  /** Most recently consumed grant, for refusals whose token and scope are both unknown. */
  private lastConsumed: GrantRecord | undefined;
  private logClock = 0;
  private stats = { providerExchanges: 0, withoutResponseBody: 0, dpopProofs: 0 };
  private versionCounter = 0;
  private exchangesCache: readonly AnalyzedExchange[] | null = [];
  private lastSnapshot: SessionModel | undefined;
  private readonly listeners = new Set<(version: number) => void>();
  private queue: Promise<void> = Promise.resolve();

  constructor(options: AnalyzerOptions) {
    this.options = { completionGraceMs: 30_000, batchSize: 256, ...options };
  }

  get version(): number {
    return this.versionCounter;
  }

  add(exchange: HttpExchange): Promise<void> {
    // Arrows passed straight to then() stay anonymous: no per-call naming cost under keep-names transpilers.
    this.queue = this.queue.then(
      () => this.addNow(exchange),
      () => this.addNow(exchange),
    );
    return this.queue;
  }

  private async addNow(exchange: HttpExchange): Promise<void> {
    const index = this.nextIndex;
    const pending = this.prepare(exchange);
    if (pending !== null) this.applyDpop(pending, await this.runCheck(pending));
    this.finalise(index);
    this.notify();
  }

  addMany(exchanges: Iterable<HttpExchange>): Promise<void> {
    type Batch = {
      items: { index: number; pending: PendingDpop | null }[];
      reports: Promise<(DpopProofReport | null)[]>;
    };
    const run = async (): Promise<void> => {
      // Pipelined: batch k's proofs are verified (WebCrypto runs off the main thread) while batch k+1 is
      // prepared; reports are then applied strictly in order, so the result equals sequential adds.
      let inFlight: Batch | undefined;
      let items: Batch['items'] = [];
      const settle = async (batch: Batch): Promise<void> => {
        const reports = await batch.reports;
        batch.items.forEach((item, i) => {
          const report = reports[i];
          if (item.pending !== null && report != null) this.applyDpop(item.pending, report);
          this.finalise(item.index);
        });
        this.notify();
      };
      const launch = async (): Promise<void> => {
        const batch: Batch = {
          items,
          reports: Promise.all(
            items.map((item) => (item.pending === null ? null : this.runCheck(item.pending))),
          ),
        };
        items = [];
        if (inFlight !== undefined) await settle(inFlight);
        inFlight = batch;
        // One macrotask turn lets every check of the batch reach its signature verification before the
        // next batch is prepared synchronously.
        await yieldToEventLoop();
      };
      for (const exchange of exchanges) {
        items.push({ index: this.nextIndex, pending: this.prepare(exchange) });
        if (items.length >= this.options.batchSize) await launch();
      }
      if (items.length > 0) await launch();
      if (inFlight !== undefined) await settle(inFlight);
    };
    this.queue = this.queue.then(run, run);
    return this.queue;
  }

  idle(): Promise<void> {
    return this.queue;
  }

  subscribe(listener: (version: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): SessionModel {
    const clock = this.options.now !== undefined ? this.options.now() : this.logClock;
    if (this.options.now !== undefined && Number.isFinite(clock)) this.sweep(clock);
    const last = this.lastSnapshot;
    if (last !== undefined && last.version === this.versionCounter) return last;
    if (this.exchangesCache === null) this.exchangesCache = this.exchanges.slice();
    const findings = this.findings.list();
    const model: SessionModel = {
      version: this.versionCounter,
      clock,
      exchanges: this.exchangesCache,
      challenges: this.challenges.list(),
      accessTokens: this.tokens.list(),
      grants: this.grants.list(),
      findings,
      stats: {
        exchanges: this.exchanges.length,
        providerExchanges: this.stats.providerExchanges,
        withoutResponseBody: this.stats.withoutResponseBody,
        dpopProofs: this.stats.dpopProofs,
        findings: { ...this.findings.counts },
      },
    };
    this.lastSnapshot = model;
    return model;
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.versionCounter);
      } catch {
        // A failing view must not stop the analysis.
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Per-exchange pipeline

  private prepare(exchange: HttpExchange): PendingDpop | null {
    const index = this.nextIndex;
    this.nextIndex += 1;
    const draft: Draft = {
      index,
      exchange,
      classification: null,
      tokens: [],
      dpop: null,
      errorCode: null,
      challengeKey: null,
      notes: [],
    };
    this.drafts.set(index, draft);
    try {
      return this.analyse(draft);
    } catch (error) {
      this.raise({
        code: 'inspector.analysis_failed',
        exchange: index,
        message: `Analysis of this exchange stopped early: ${describe(error)}`,
      });
      return null;
    }
  }

  private async runCheck(pending: PendingDpop): Promise<DpopProofReport> {
    try {
      const input =
        pending.baselineJwk === undefined
          ? pending.input
          : { ...pending.input, previousThumbprint: await this.dpop.thumbprint(pending.baselineJwk) };
      return await checkDpopProof(input);
    } catch (error) {
      // checkDpopProof never rejects; this is for the thumbprint cache and future changes.
      return {
        flavour: pending.input.flavour,
        checks: [{ id: 'well_formed', status: 'warn', section: '4.3', detail: describe(error) }],
      };
    }
  }

  private finalise(index: number): void {
    const draft = this.drafts.get(index);
    if (draft === undefined) return;
    this.drafts.delete(index);
    const analysed: AnalyzedExchange = {
      index,
      exchange: draft.exchange,
      classification: draft.classification,
      tokens: draft.tokens,
      dpop: draft.dpop,
      errorCode: draft.errorCode,
      challengeKey: draft.challengeKey,
      findingIds: this.findings.finalise(index),
      notes: draft.notes,
    };
    this.exchanges[index] = analysed;
    this.exchangesCache = null;
    this.versionCounter += 1;
  }

  private raise(input: FindingInput, slot: FindingSlot = 'other', dedupeKey?: string): void {
    const raised = this.findings.raise(input, slot, dedupeKey);
    if (raised === null) return;
    this.versionCounter += 1;
    if (raised.retro && input.exchange !== null) {
      const old = this.exchanges[input.exchange];
      if (old !== undefined) {
        this.exchanges[input.exchange] = { ...old, findingIds: [...old.findingIds, raised.finding.id] };
        this.exchangesCache = null;
      }
    }
  }

  private decode(raw: string): TokenDecodeResult {
    let result = this.decodeCache.get(raw);
    if (result === undefined) {
      result = decodeToken(raw);
      if (this.decodeCache.size >= DECODE_CACHE_LIMIT) this.decodeCache.clear();
      this.decodeCache.set(raw, result);
    }
    return result;
  }

  /** Decodes a token found at `location`, records it on the exchange, and raises token.malformed if it is not a JWT. */
  private token(
    ctx: { d: Draft; index: number },
    raw: string,
    location: TokenLocation,
    what: string,
  ): TokenDecodeResult {
    const decoded = this.decode(raw);
    ctx.d.tokens.push({ location, decoded });
    if (!decoded.ok) {
      this.raise({ code: 'token.malformed', exchange: ctx.index, message: `${what}: ${decoded.message}` });
    }
    return decoded;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Clock

  private tick(time: number, endTime: number): void {
    if (endTime > this.logClock) this.logClock = endTime;
    if (time > 0) this.sweep(time);
  }

  /** Applies time-driven changes due at `now`: challenge expiry, missing step-up refreshes, grant expiry. */
  private sweep(now: number): void {
    for (const { at, value: record } of this.challenges.expiries.popDue(now)) {
      if (record.status !== 'pending' || record.expiresAt !== at) continue;
      this.challenges.setStatus(
        record,
        'expired',
        `exp ${formatEpochSeconds(at / 1000)} passed before ${record.currentStep ?? 'the next step'} was done`,
      );
      this.challenges.event(
        record,
        'expired',
        null,
        at,
        `expired while waiting for ${record.currentStep ?? 'the next step'}`,
      );
      this.versionCounter += 1;
    }
    for (const { value: record } of this.challenges.refreshDeadlines.popDue(now)) {
      if (!record.awaitingRefresh) continue;
      this.missedRefresh(
        record,
        `no /refresh carried it as step_up_token within ${formatDuration(this.options.completionGraceMs)}, so the access token did not get the scope`,
      );
    }
    for (const { at, value: grant } of this.grants.expiries.popDue(now)) {
      if (grant.state !== 'active' || grant.expiresAt !== at) continue;
      this.grants.expire(grant);
      this.challengeEvent(
        grant.challengeKey,
        'grant_expired',
        null,
        at,
        grant.provider === 'dynamic'
          ? `elevated token (${grant.scope}) expired: exp passed`
          : `${grant.scope} expired (granted_for elapsed)`,
      );
      this.versionCounter += 1;
    }
  }

  private missedRefresh(record: ChallengeRecord, why: string): void {
    record.awaitingRefresh = false;
    this.challenges.awaitingRefresh.delete(record);
    this.raise({
      code: 'challenge.completed_without_refresh',
      exchange: record.completionExchange,
      message: `Challenge ${record.challengeId ?? record.key} (${record.scope ?? 'scope unknown'}) completed here, but ${why}.`,
      challengeKey: record.key,
      ...(record.challengeId !== null ? { challengeId: record.challengeId } : {}),
    });
  }

  private challengeEvent(
    key: string | null,
    kind: Parameters<ChallengeStore['event']>[1],
    exchange: number | null,
    time: number,
    detail: string,
  ): void {
    if (key === null) return;
    const record = this.challenges.get(key);
    if (record !== undefined) this.challenges.event(record, kind, exchange, time, detail);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Dispatch

  private analyse(d: Draft): PendingDpop | null {
    const f = readFacts(d.exchange);
    // A cut token is unknown, not absent and not malformed: say so instead of reporting on it.
    if (f.dpopTruncated)
      d.notes.push(
        'The DPoP header was cut to size when the file was loaded: the proof could not be checked.',
      );
    if (f.bearerTruncated) {
      d.notes.push(
        'The Authorization header was cut to size when the file was loaded: its token could not be read.',
      );
    }
    this.tick(f.time, f.endTime);
    const cls = classifyExchange(d.exchange);
    d.classification = cls;
    if (cls === null) return this.onOtherTraffic(d, f, null);
    this.stats.providerExchanges += 1;
    if (cls.provider === 'dynamic') {
      this.dynamic.onExchange(d, f, cls);
      return null;
    }
    // A resource's step-up challenge is app traffic too (grants, DPoP to a resource server): same path.
    if (cls.provider === 'rfc9470') return this.onOtherTraffic(d, f, cls);
    if (cls.provider !== 'prelude') return null;
    if (cls.endpoint === 'preflight') return null;

    const ctx: Ctx = {
      d,
      f,
      cls,
      index: d.index,
      time: f.time,
      req: jsonObject(f.requestBody),
      res: jsonObject(f.responseBody),
      lane: this.dpop.laneKey(cls.apiBase, undefined),
      isLogin: LOGIN_ENDPOINTS.has(cls.endpoint),
      expiredOnUse: false,
      explained: false,
    };
    d.errorCode = errorCodeOf(f, ctx.res);
    if (f.noResponse) {
      d.notes.push(
        `No response${f.ok ? '' : d.exchange.error ? ` (${d.exchange.error})` : ''}: the outcome is unknown.`,
      );
    } else if (f.responseBody.kind === 'absent' && READS_RESPONSE.has(cls.endpoint)) {
      d.notes.push('Response body not captured: tokens and error codes in it could not be checked.');
      this.stats.withoutResponseBody += 1;
    }
    if (f.bearer !== undefined) this.presented(ctx, f.bearer, true);
    if (ctx.bearer?.sid !== undefined) ctx.lane = this.dpop.laneKey(cls.apiBase, ctx.bearer.sid);

    switch (cls.endpoint) {
      case 'login.otp.check':
      case 'login.finalize':
      case 'login.passkey.finish':
        this.onLogin(ctx);
        break;
      case 'login.password':
      case 'login.signup': {
        const raw = stringField(ctx.res, 'challenge_token');
        if (raw !== undefined)
          this.token(ctx, raw, 'response.body.challenge_token', 'challenge_token in the response');
        break;
      }
      case 'refresh':
        this.onRefresh(ctx);
        break;
      case 'stepup.request':
        this.onStepUpRequest(ctx);
        break;
      case 'otp.send':
        this.onOtpSend(ctx);
        break;
      case 'otp.retry':
        this.onOtpRetry(ctx);
        break;
      case 'otp.check':
        this.onChallengeStep(ctx, 'otp');
        break;
      case 'stepup.continue':
        this.onChallengeStep(ctx, 'continue');
        break;
      case 'me.password.reset':
        this.onProtectedPrelude(ctx, 'prld:pwd:write');
        break;
      case 'me.passkeys.register.finish':
        this.onProtectedPrelude(ctx, 'prld:passkey:write');
        break;
      default:
        break;
    }
    const pending = this.prepareDpop(ctx);
    this.afterResponse(ctx);
    return pending;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Access tokens and grants

  /** A token presented as `Authorization: Bearer`. */
  private presented(ctx: Ctx | OtherCtx, raw: string, toSessionApi: boolean): void {
    let version = this.tokens.lookup(raw);
    const decoded = this.decode(raw);
    ctx.d.tokens.push({ location: 'request.authorization', decoded });
    if (version === undefined) {
      if (!decoded.ok) {
        if (toSessionApi) {
          this.raise({
            code: 'token.malformed',
            exchange: ctx.index,
            message: `Bearer token sent to the Session API: ${decoded.message}`,
          });
        }
        return;
      }
      if (decoded.kind !== 'prelude-access' && !(toSessionApi && decoded.kind === 'generic-jwt')) return;
      const added = this.tokens.add(raw, decoded.claims, ctx.index, 'presented');
      version = added.version;
      if (added.isNew) this.onNewAccessToken(version, ctx, undefined);
    }
    ctx.bearer = version;
    if (version.exp !== undefined && version.exp * 1000 <= ctx.time) {
      this.raise(
        {
          code: 'token.expired_on_use',
          exchange: ctx.index,
          message: `The access token sent here expired at ${formatEpochSeconds(version.exp)}, ${formatDuration(ctx.time - version.exp * 1000)} before this request (reported once per token).`,
        },
        'other',
        `expired:${raw}`,
      );
    }
  }

  /** An access token in a response body (login, refresh). */
  private issued(
    ctx: Ctx,
    raw: string,
    source: 'login' | 'refresh' | 'step_up_refresh',
    stepUp: ChallengeRecord | undefined,
  ): AccessTokenVersion | undefined {
    const decoded = this.token(ctx, raw, 'response.body.access_token', 'access_token in the response');
    if (!decoded.ok) return undefined;
    const { version, isNew } = this.tokens.add(raw, decoded.claims, ctx.index, source);
    if (version.sid !== undefined) ctx.responseLane = this.dpop.laneKey(ctx.cls.apiBase, version.sid);
    if (isNew) this.onNewAccessToken(version, ctx, stepUp);
    return version;
  }

  /** Reconciles grants and waiting challenges with a new access token version. */
  private onNewAccessToken(
    version: AccessTokenVersion,
    ctx: { index: number; time: number },
    stepUp: ChallengeRecord | undefined,
  ): void {
    const lane = version.lane;
    const { index, time } = ctx;
    const scopes = new Set(version.scopes);

    for (const scope of version.diff?.removed ?? []) {
      const grant = this.grants.activeFor(lane, scope);
      if (grant !== undefined) {
        grant.droppedBy = index;
        if (grant.singleUse) {
          this.grants.consume(grant, 'dropped_from_token', null, time);
          this.challengeEvent(
            grant.challengeKey,
            'grant_consumed',
            index,
            time,
            `${scope} no longer in the access token: consumed by a call the capture does not show`,
          );
        } else {
          this.grants.expire(grant);
          this.challengeEvent(
            grant.challengeKey,
            'grant_expired',
            index,
            time,
            `${scope} no longer in the access token`,
          );
        }
      }
      const consumed = this.grants.consumedFor(lane, scope);
      if (consumed !== undefined && consumed.droppedBy === null) {
        consumed.droppedBy = index;
        this.grants.touch(consumed);
      }
    }
    for (const scope of version.diff?.kept ?? []) {
      const consumed = this.grants.consumedFor(lane, scope);
      if (
        consumed !== undefined &&
        consumed.droppedBy === null &&
        !consumed.stillPresentReported &&
        consumed.consumption !== 'dropped_from_token' &&
        consumed.consumption !== 'refused_later' &&
        this.grants.activeFor(lane, scope) === undefined
      ) {
        consumed.stillPresentReported = true;
        this.raise({
          code: 'grant.still_present_after_consumption',
          exchange: index,
          message: `${scope} was consumed by exchange #${consumed.consumedBy ?? '?'} but this new access token still carries it.`,
          related: consumed.consumedBy !== null ? [consumed.consumedBy] : [],
          ...(consumed.challengeKey !== null ? { challengeKey: consumed.challengeKey } : {}),
        });
      }
    }

    const claimed = new Set<string>();
    if (stepUp !== undefined && stepUp.scope !== null) {
      claimed.add(stepUp.scope);
      this.judgeScope(stepUp, version, scopes.has(stepUp.scope), index, time);
    }
    for (const record of this.challenges.takeAwaitingScope(lane)) {
      if (record === stepUp || record.scope === null) continue;
      claimed.add(record.scope);
      this.judgeScope(record, version, scopes.has(record.scope), index, time);
    }
    const added = version.diff === null ? version.scopes : version.diff.added;
    for (const scope of added) {
      if (claimed.has(scope) || this.grants.activeFor(lane, scope) !== undefined) continue;
      this.grants.create({
        provider: 'prelude',
        scope,
        mode: null,
        challengeKey: null,
        lane,
        grantedAt: time,
        grantedBy: index,
        expiresAt: null,
      });
    }
  }

  /** Records whether the access token after a step-up carries its scope, and the grant when it does. */
  private judgeScope(
    record: ChallengeRecord,
    version: AccessTokenVersion,
    granted: boolean,
    index: number,
    time: number,
  ): void {
    const scope = record.scope ?? '';
    record.scopeGranted = granted;
    this.challenges.touch(record);
    if (granted) {
      this.challenges.event(
        record,
        'scope_in_access_token',
        index,
        time,
        `access token now carries ${scope}`,
      );
      const { grant } = this.grants.create({
        provider: record.provider,
        scope,
        mode: record.grantMode,
        challengeKey: record.key,
        lane: version.lane,
        grantedAt: time,
        grantedBy: index,
        expiresAt: record.grantedFor !== null ? time + record.grantedFor * 1000 : null,
      });
      record.grantId = grant.id;
      return;
    }
    this.challenges.event(
      record,
      'scope_missing_in_access_token',
      index,
      time,
      `access token lacks ${scope} (has: ${version.scopes.join(' ') || 'no scopes'})`,
    );
    this.raise({
      code: 'challenge.scope_not_granted',
      exchange: index,
      message: `Challenge ${record.challengeId ?? record.key} for ${scope} completed, but the access token here carries ${version.scopes.length > 0 ? `only ${version.scopes.join(' ')}` : 'no scopes'}.`,
      challengeKey: record.key,
      ...(record.challengeId !== null ? { challengeId: record.challengeId } : {}),
      ...(record.stepUpRefresh !== null && record.stepUpRefresh !== index
        ? { related: [record.stepUpRefresh] }
        : {}),
    });
  }

  private consume(
    grant: GrantRecord,
    evidence: ConsumptionEvidence,
    index: number | null,
    time: number,
    how: string,
  ): void {
    this.grants.consume(grant, evidence, index, time);
    this.lastConsumed = grant;
    this.challengeEvent(grant.challengeKey, 'grant_consumed', index, time, how);
  }

  /** A successful call that uses up `scope` (a Prelude endpoint that consumes it). */
  private consumeScope(ctx: Ctx, scope: string, evidence: ConsumptionEvidence): void {
    const version = ctx.bearer;
    if (version === undefined) return;
    let grant = this.grants.activeFor(version.lane, scope);
    if (grant === undefined && version.scopes.includes(scope)) {
      grant = this.grants.create({
        provider: 'prelude',
        scope,
        mode: null,
        challengeKey: null,
        lane: version.lane,
        grantedAt: ctx.time,
        grantedBy: version.exchange,
        expiresAt: null,
      }).grant;
    }
    if (grant !== undefined)
      this.consume(
        grant,
        evidence,
        ctx.index,
        ctx.time,
        `${scope} consumed by ${ctx.cls.label} (#${ctx.index})`,
      );
  }

  /**
   * A refusal for lack of scope (`insufficient_scope`, `token_reused`). After a consumption of that scope it is
   * a reuse; before any, it tells that the grant is gone (consumed somewhere the capture does not show).
   * Returns true when it raised `grant.reused_after_consumption`.
   */
  private refused(
    ctx: { index: number; time: number; bearer?: AccessTokenVersion },
    scopeHint: string[],
    label: string,
  ): boolean {
    const version = ctx.bearer;
    const scopes = scopeHint.length > 0 ? scopeHint : (version?.scopes ?? []);
    let consumed: GrantRecord | undefined;
    if (version !== undefined) {
      for (const scope of scopes) {
        const candidate = this.grants.consumedFor(version.lane, scope);
        if (
          candidate !== undefined &&
          (consumed === undefined || (candidate.consumedAt ?? 0) > (consumed.consumedAt ?? 0))
        )
          consumed = candidate;
      }
    } else if (
      this.lastConsumed !== undefined &&
      (scopes.length === 0 || scopes.includes(this.lastConsumed.scope))
    ) {
      consumed = this.lastConsumed;
    }
    if (consumed !== undefined && consumed.consumedAt !== null && consumed.consumedAt <= ctx.time) {
      consumed.reuseAttempts.push(ctx.index);
      this.grants.touch(consumed);
      this.challengeEvent(
        consumed.challengeKey,
        'grant_reuse_refused',
        ctx.index,
        ctx.time,
        `${consumed.scope} used again after consumption: refused (${label})`,
      );
      this.raise({
        code: 'grant.reused_after_consumption',
        exchange: ctx.index,
        message: `Refused (${label}): the single-use grant ${consumed.scope} was already consumed${consumed.consumedBy !== null ? ` by exchange #${consumed.consumedBy}` : ''}.`,
        related: consumed.consumedBy !== null ? [consumed.consumedBy] : [],
        ...(consumed.challengeKey !== null ? { challengeKey: consumed.challengeKey } : {}),
      });
      return true;
    }
    if (version !== undefined) {
      for (const scope of scopes) {
        const active = this.grants.activeFor(version.lane, scope);
        if (active?.singleUse) {
          this.consume(
            active,
            'refused_later',
            null,
            ctx.time,
            `${scope} refused at #${ctx.index}: it was consumed by a call the capture does not show`,
          );
        }
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Session API endpoints

  private onLogin(ctx: Ctx): void {
    const challengeToken = stringField(ctx.req, 'challenge_token');
    if (challengeToken !== undefined)
      this.token(ctx, challengeToken, 'request.body.challenge_token', 'challenge_token in the request');
    const accessToken = stringField(ctx.res, 'access_token');
    if (accessToken !== undefined && ctx.f.ok) this.issued(ctx, accessToken, 'login', undefined);
  }

  private onRefresh(ctx: Ctx): void {
    const { f, index, time } = ctx;
    const refreshToken = f.request.get('x-refresh-token');
    const lane = refreshToken !== undefined ? this.dpop.laneOfRefreshToken(refreshToken) : undefined;
    if (lane !== undefined) ctx.lane = lane;
    const laneSid = sidOfLane(ctx.lane, ctx.cls.apiBase);

    let record: ChallengeRecord | undefined;
    const stepUpRaw = stringField(ctx.req, 'step_up_token');
    const rotating = ctx.d.errorCode === 'use_dpop_nonce';
    if (stepUpRaw !== undefined) {
      const decoded = this.token(
        ctx,
        stepUpRaw,
        'request.body.step_up_token',
        'step_up_token in the request',
      );
      if (decoded.ok) {
        const claims = readChallengeClaims(decoded.claims);
        record = this.challengeFromToken(ctx, stepUpRaw, decoded.claims, claims, 'request');
        if (record !== undefined && !rotating) {
          record.awaitingRefresh = false;
          this.challenges.awaitingRefresh.delete(record);
          if (claims.currentStep !== 'completed') {
            this.raise({
              code: 'challenge.refresh_before_completion',
              exchange: index,
              message: `step_up_token of challenge ${claims.challengeId ?? '?'} has current_step ${claims.currentStep ?? 'missing'}, not completed.`,
              ...this.challengeRef(record),
            });
            if (ctx.d.errorCode === 'step_not_completed') ctx.explained = true;
          }
          if (f.ok) {
            record.stepUpRefresh = index;
            this.challenges.event(
              record,
              'refreshed_with_step_up',
              index,
              time,
              'completed challenge exchanged for the scope (/refresh with step_up_token)',
            );
          } else if (f.noResponse) {
            // The SDK re-sends a stalled request; wait for it again.
            record.awaitingRefresh = true;
            this.challenges.awaitingRefresh.add(record);
            this.challenges.refreshDeadlines.push(time + this.options.completionGraceMs, record);
            this.challenges.event(
              record,
              'step_up_refresh_failed',
              index,
              time,
              'no response to the /refresh with step_up_token',
            );
          } else {
            this.challenges.event(
              record,
              'step_up_refresh_failed',
              index,
              time,
              `/refresh with step_up_token refused: ${ctx.d.errorCode ?? `HTTP ${f.status}`}`,
            );
            if (ctx.d.errorCode === 'expired_challenge_token')
              this.challengeExpired(ctx, record, 'the server answered expired_challenge_token');
          }
        }
      }
    } else if (!f.noResponse && !rotating) {
      for (const waiting of [...this.challenges.awaitingRefresh]) {
        if (waiting.apiBase !== ctx.cls.apiBase) continue;
        if (laneSid !== undefined && waiting.sid !== null && waiting.sid !== laneSid) continue;
        // The SDK sends the step-up refresh right after the completing response; a plain refresh that
        // starts later than that (a concurrent one may be in flight already) means the exchange was skipped.
        if ((waiting.completedAt ?? Infinity) + PLAIN_REFRESH_GRACE_MS > time) continue;
        this.missedRefresh(
          waiting,
          `a plain /refresh (exchange #${index}) came first, without it as step_up_token (the SDK exchanges a completed challenge at once)`,
        );
      }
    }

    const accessToken = stringField(ctx.res, 'access_token');
    if (accessToken !== undefined && f.ok) {
      this.issued(ctx, accessToken, record !== undefined ? 'step_up_refresh' : 'refresh', record);
    } else if (record !== undefined && f.ok && record.scope !== null) {
      this.challenges.awaitScope(record);
    }
  }

  private onStepUpRequest(ctx: Ctx): void {
    const { f, index, time } = ctx;
    const scope = stringField(ctx.req, 'scope');
    const metadata = isRecord(ctx.req?.['metadata'])
      ? (ctx.req['metadata'] as Record<string, unknown>)
      : undefined;
    const status = stringField(ctx.res, 'status');
    const tokenRaw = f.ok ? stringField(ctx.res, 'challenge_token') : undefined;

    const requestLane = this.requestLane.bind(this, ctx, scope, metadata, status);

    if (tokenRaw !== undefined) {
      const decoded = this.token(
        ctx,
        tokenRaw,
        'response.body.challenge_token',
        'challenge_token in the /stepup/request response',
      );
      const claims = decoded.ok ? readChallengeClaims(decoded.claims) : undefined;
      let record =
        claims?.challengeId !== undefined
          ? this.ensureChallenge(ctx, claims.challengeId, claims.scopeRequested ?? scope)
          : undefined;
      if (record === undefined) record = requestLane();
      record.requestedAt = index;
      record.requestStatus = status ?? null;
      record.scope ??= claims?.scopeRequested ?? scope ?? null;
      if (record.metadata === null) record.metadata = claims?.metadata ?? metadata ?? null;
      const steps = claims?.steps.map((s) => s.key).join(' → ') ?? '';
      const decision =
        claims?.currentStep === 'completed'
          ? 'granted at once'
          : `first step ${claims?.currentStep ?? 'unknown'}`;
      this.challenges.event(
        record,
        'requested',
        index,
        time,
        `${record.scope ?? 'scope ?'} requested: status ${status ?? '?'}, ${decision}${steps ? ` (steps ${steps})` : ''}`,
      );
      if (decoded.ok && claims !== undefined)
        this.addVersion(ctx, record, tokenRaw, decoded.claims, claims, 'response');
      else this.challenges.setStatus(record, 'pending', 'the challenge token could not be decoded');
      return;
    }

    const record = requestLane();
    if (f.noResponse) {
      this.challenges.setStatus(record, 'failed', 'no response');
      this.challenges.event(
        record,
        'request_failed',
        index,
        time,
        `${scope ?? 'scope ?'} requested: no response`,
      );
    } else if (!f.ok) {
      const code = ctx.d.errorCode ?? `HTTP ${f.status}`;
      this.challenges.setStatus(record, 'failed', code);
      this.challenges.event(record, 'request_failed', index, time, `${scope ?? 'scope ?'} refused: ${code}`);
    } else if (status === 'block') {
      this.challenges.setStatus(record, 'blocked', 'status block: the step-up hook refused');
      this.challenges.event(
        record,
        'blocked',
        index,
        time,
        `${scope ?? 'scope ?'} blocked by the step-up hook`,
      );
      this.raise({
        code: 'challenge.blocked',
        exchange: index,
        message: `/stepup/request for ${scope ?? 'an unknown scope'} answered status "block".`,
        challengeKey: record.key,
      });
    } else if (ctx.res !== undefined) {
      this.challenges.event(
        record,
        'requested',
        index,
        time,
        `${scope ?? 'scope ?'} requested: status ${status ?? '?'}, no challenge token`,
      );
      if (status === 'continue') {
        // Docs: "continue" = granted at once. No token, so no step_up_token: the next access token tells.
        this.challenges.setStatus(
          record,
          'completed',
          'status continue without a challenge token (granted at once)',
        );
        record.completedAt = time;
        this.challenges.event(record, 'completed', index, time, 'granted without a challenge');
        if (record.scope !== null) this.challenges.awaitScope(record);
      } else {
        this.challenges.setStatus(
          record,
          'pending',
          `status ${status ?? 'missing'} without a challenge token`,
        );
      }
    } else {
      this.challenges.setStatus(record, 'pending', 'response body not captured: challenge unknown');
      this.challenges.event(
        record,
        'requested',
        index,
        time,
        `${scope ?? 'scope ?'} requested (response body not captured)`,
      );
      this.challenges.markUnresolved(record);
    }
  }

  /** A lane for a /stepup/request whose challenge id is not known (blocked, refused, body not captured). */
  private requestLane(
    ctx: Ctx,
    scope: string | undefined,
    metadata: Record<string, unknown> | undefined,
    status: string | undefined,
  ): ChallengeRecord {
    const record = this.challenges.create(ctx.cls.provider, null, ctx.index);
    record.apiBase = ctx.cls.apiBase;
    record.scope = scope ?? null;
    record.metadata = metadata ?? null;
    record.requestedAt = ctx.index;
    record.requestStatus = status ?? null;
    record.sub = ctx.bearer?.sub ?? null;
    record.sid = ctx.bearer?.sid ?? null;
    ctx.d.challengeKey = record.key;
    return record;
  }

  /** The challenge for a challenge id: known, adopted from an unresolved request lane, or new. */
  private ensureChallenge(ctx: Ctx, challengeId: string, scope: string | undefined): ChallengeRecord {
    const { cls } = ctx;
    let record = this.challenges.byId(cls.provider, challengeId);
    record ??= this.challenges.adopt(cls.provider, cls.apiBase, challengeId, scope);
    if (record === undefined) {
      record = this.challenges.create(cls.provider, challengeId, null);
      record.apiBase = cls.apiBase;
    }
    ctx.d.challengeKey = record.key;
    return record;
  }

  private addVersion(
    ctx: Ctx,
    record: ChallengeRecord,
    raw: string,
    rawClaims: Record<string, unknown>,
    claims: ChallengeClaims,
    seenIn: 'request' | 'response',
  ): void {
    const grantedFor = typeof rawClaims['granted_for'] === 'number' ? rawClaims['granted_for'] : undefined;
    const { completedNow } = this.challenges.addVersion(
      record,
      raw,
      claims,
      grantedFor,
      ctx.index,
      ctx.time,
      seenIn,
    );
    if (completedNow) {
      this.challenges.event(
        record,
        'completed',
        ctx.index,
        ctx.time,
        'current_step is completed: every step done',
      );
      record.awaitingRefresh = true;
      this.challenges.awaitingRefresh.add(record);
      this.challenges.refreshDeadlines.push(ctx.time + this.options.completionGraceMs, record);
    }
  }

  /** The step-up challenge a token belongs to (creating its lane), or undefined for login challenges. */
  private challengeFromToken(
    ctx: Ctx,
    raw: string,
    rawClaims: Record<string, unknown>,
    claims: ChallengeClaims,
    seenIn: 'request' | 'response',
  ): ChallengeRecord | undefined {
    if (claims.challengeId === undefined) return undefined;
    if (claims.grantMode !== undefined && LOGIN_GRANT_MODES.has(claims.grantMode)) return undefined;
    const record = this.ensureChallenge(ctx, claims.challengeId, claims.scopeRequested);
    this.addVersion(ctx, record, raw, rawClaims, claims, seenIn);
    return record;
  }

  /** Reads the challenge token a step-up request sends, and binds the exchange to its challenge. */
  private requestChallenge(ctx: Ctx): ChallengeRecord | undefined {
    const raw = stringField(ctx.req, 'challenge_token');
    if (raw === undefined) {
      if (ctx.f.requestBody.kind === 'absent')
        ctx.d.notes.push('Request body not captured: the challenge token is unknown.');
      return undefined;
    }
    const decoded = this.token(ctx, raw, 'request.body.challenge_token', 'challenge_token in the request');
    if (!decoded.ok) return undefined;
    const claims = readChallengeClaims(decoded.claims);
    ctx.challengeClaims = claims;
    if (claims.jti !== undefined) ctx.challengeJti = claims.jti;
    if (claims.sid !== undefined) ctx.lane = this.dpop.laneKey(ctx.cls.apiBase, claims.sid);
    ctx.expiredOnUse = claims.exp !== undefined && claims.exp * 1000 <= ctx.time;
    const record = this.challengeFromToken(ctx, raw, decoded.claims, claims, 'request');
    if (record !== undefined) ctx.challenge = record;
    return record;
  }

  private challengeRef(record: ChallengeRecord): { challengeKey: string; challengeId?: string } {
    return record.challengeId !== null
      ? { challengeKey: record.key, challengeId: record.challengeId }
      : { challengeKey: record.key };
  }

  private challengeExpired(ctx: Ctx, record: ChallengeRecord, why: string): void {
    ctx.explained = true;
    const exp = ctx.challengeClaims?.exp ?? (record.expiresAt !== null ? record.expiresAt / 1000 : undefined);
    const late =
      exp !== undefined
        ? `, ${formatDuration(ctx.time - exp * 1000)} after its exp (${formatEpochSeconds(exp)})`
        : '';
    this.raise({
      code: 'challenge.expired',
      exchange: ctx.index,
      message: `${ctx.cls.label} used challenge ${record.challengeId ?? record.key}${late}; ${why}.`,
      ...this.challengeRef(record),
    });
    if (record.status === 'pending' || record.status === 'expired') {
      if (record.status !== 'expired') this.challenges.event(record, 'expired', ctx.index, ctx.time, why);
      this.challenges.setStatus(record, 'expired', why);
    }
  }

  private onOtpSend(ctx: Ctx): void {
    const { f, index, time, cls } = ctx;
    let record = this.requestChallenge(ctx);
    if (record === undefined && f.requestBody.kind === 'absent') {
      record = this.challenges.getLastOtp(cls.apiBase);
      if (record !== undefined) {
        ctx.d.challengeKey = record.key;
        ctx.d.notes.push(
          `Attributed to challenge ${record.challengeId ?? record.key}, the last one that used OTP.`,
        );
      }
    }
    if (record === undefined) return;
    this.challenges.setLastOtp(cls.apiBase, record);
    if (f.ok) {
      record.otpSends += 1;
      this.challenges.event(
        record,
        'otp_sent',
        index,
        time,
        `code sent for ${record.currentStep ?? 'the current step'}`,
      );
    } else {
      this.challenges.event(
        record,
        'otp_send_failed',
        index,
        time,
        f.noResponse ? 'no response' : `refused: ${ctx.d.errorCode ?? `HTTP ${f.status}`}`,
      );
      if (ctx.d.errorCode === 'expired_challenge_token' || (ctx.expiredOnUse && !f.noResponse)) {
        this.challengeExpired(
          ctx,
          record,
          ctx.d.errorCode === 'expired_challenge_token'
            ? 'the server answered expired_challenge_token'
            : 'the challenge token had expired',
        );
      }
    }
  }

  private onOtpRetry(ctx: Ctx): void {
    const { f, index, time, cls } = ctx;
    const record = this.challenges.getLastOtp(cls.apiBase);
    if (record === undefined) {
      ctx.d.notes.push(
        'No step-up OTP was sent before in this capture: the challenge it re-sends is unknown.',
      );
      return;
    }
    ctx.d.challengeKey = record.key;
    if (f.ok) {
      record.otpSends += 1;
      record.otpResends += 1;
      this.challenges.event(
        record,
        'otp_resent',
        index,
        time,
        `code re-sent for ${record.currentStep ?? 'the current step'}`,
      );
    } else {
      this.challenges.event(
        record,
        'otp_send_failed',
        index,
        time,
        f.noResponse ? 'resend: no response' : `resend refused: ${ctx.d.errorCode ?? `HTTP ${f.status}`}`,
      );
    }
  }

  /** /otp/check and /stepup/continue: the two calls that advance a challenge. */
  private onChallengeStep(ctx: Ctx, kind: 'otp' | 'continue'): void {
    const { f, index, time, cls } = ctx;
    const record = this.requestChallenge(ctx);
    if (kind === 'continue') this.checkVerification(ctx, record);
    if (record === undefined) return;
    if (kind === 'otp') this.challenges.setLastOtp(cls.apiBase, record);
    const step = ctx.challengeClaims?.currentStep ?? record.currentStep ?? 'the current step';
    const passed = kind === 'otp' ? 'otp_check_passed' : 'continue_passed';
    const failed = kind === 'otp' ? 'otp_check_failed' : 'continue_failed';
    const unknown = kind === 'otp' ? 'otp_check_unknown' : 'continue_unknown';

    if (f.noResponse) {
      this.challenges.event(record, unknown, index, time, `${step}: no response`);
      return;
    }
    if (f.ok) {
      if (kind === 'otp') record.otpChecks.succeeded += 1;
      const next = stringField(ctx.res, 'challenge_token');
      this.challenges.event(
        record,
        passed,
        index,
        time,
        `${step} passed${next === undefined ? ' (next token not captured)' : ''}`,
      );
      if (ctx.expiredOnUse)
        ctx.d.notes.push(
          'The challenge token had expired by the capture clock, yet the server accepted it (clock skew?).',
        );
      if (next !== undefined) {
        const decoded = this.token(
          ctx,
          next,
          'response.body.challenge_token',
          'challenge_token in the response',
        );
        if (decoded.ok) {
          const claims = readChallengeClaims(decoded.claims);
          if (claims.challengeId === record.challengeId || claims.challengeId === undefined) {
            this.addVersion(ctx, record, next, decoded.claims, claims, 'response');
          } else {
            this.challengeFromToken(ctx, next, decoded.claims, claims, 'response');
          }
        }
      }
      this.challenges.touch(record);
      return;
    }
    if (kind === 'otp') record.otpChecks.failed += 1;
    const code = ctx.d.errorCode;
    if (
      code === 'expired_challenge_token' ||
      (code === 'bad_check_code' && ctx.expiredOnUse) ||
      (ctx.expiredOnUse && code === null)
    ) {
      this.challenges.event(
        record,
        failed,
        index,
        time,
        `${step}: ${code ?? `HTTP ${f.status}`} (the challenge had expired)`,
      );
      this.challengeExpired(
        ctx,
        record,
        code === 'bad_check_code'
          ? 'Prelude answers bad_check_code for an expired challenge too, and this one had expired'
          : code === 'expired_challenge_token'
            ? 'the server answered expired_challenge_token'
            : 'the challenge token had expired',
      );
      return;
    }
    if (code === 'bad_check_code') {
      ctx.explained = true;
      this.challenges.event(record, failed, index, time, `${step}: wrong code (bad_check_code)`);
      this.raise({
        code: 'challenge.bad_code',
        exchange: index,
        message: `Wrong code for ${step} of challenge ${record.challengeId ?? record.key} (attempt ${record.otpChecks.failed + record.otpChecks.succeeded}).`,
        ...this.challengeRef(record),
      });
      return;
    }
    this.challenges.event(record, failed, index, time, `${step}: ${code ?? `HTTP ${f.status}`}`);
    if (code === 'auth_blocked' || code === 'invalid_challenge_token' || code === 'step_bypassed') {
      this.challenges.setStatus(record, 'failed', code);
    }
  }

  /** The verification token of /stepup/continue, checked against the challenge token it was sent with. */
  private checkVerification(ctx: Ctx, record: ChallengeRecord | undefined): void {
    const raw = stringField(ctx.req, 'verification_token');
    if (raw === undefined) {
      if (ctx.req !== undefined && ctx.req['passkey_assertion'] !== undefined) {
        ctx.d.notes.push('Passkey assertion: verified by the server, not by the inspector.');
      }
      return;
    }
    const decoded = this.token(
      ctx,
      raw,
      'request.body.verification_token',
      'verification_token in the request',
    );
    if (!decoded.ok || ctx.challengeClaims === undefined) return;
    const claims = readVerificationClaims(decoded.claims);
    let seen = new Set<string>();
    let resend = false;
    let previous: number | undefined;
    if (claims.jti !== undefined) {
      const key = `${ctx.cls.apiBase}\u0000${claims.jti}`;
      const last = this.verificationJtis.get(key);
      if (last !== undefined) {
        seen = new Set([claims.jti]);
        previous = last.index;
        resend = last.noResponse && sameRequest(last.request, requestShape(ctx.f));
      }
      this.verificationJtis.set(key, {
        index: ctx.index,
        request: requestShape(ctx.f),
        noResponse: ctx.f.noResponse,
      });
    }
    const rows = checkVerificationToken(claims, ctx.challengeClaims, ctx.time, seen).filter(
      (row) => row.status === 'fail' && !(resend && row.id === 'jti_unique'),
    );
    if (rows.length === 0) return;
    if (
      ctx.d.errorCode === 'token_mismatch' ||
      ctx.d.errorCode === 'token_reused' ||
      ctx.d.errorCode === 'invalid_verification_token'
    ) {
      ctx.explained = true;
    }
    this.raise({
      code: 'verification.claims_mismatch',
      exchange: ctx.index,
      message: `Verification token for ${ctx.challengeClaims.currentStep ?? 'the current step'}: ${rows.map((r) => r.detail).join('; ')}.`,
      ...(previous !== undefined && rows.some((r) => r.id === 'jti_unique') ? { related: [previous] } : {}),
      ...(record !== undefined ? this.challengeRef(record) : {}),
    });
  }

  /** /me/password/reset, passkey registration: consume their scope on success. */
  private onProtectedPrelude(ctx: Ctx, scope: string): void {
    if (ctx.f.ok) {
      this.consumeScope(ctx, scope, CONSUMED_BY_PRELUDE.get(scope) ?? 'protected_call');
      return;
    }
    const code = ctx.d.errorCode;
    if (code !== null && REFUSAL_CODES.has(code)) {
      if (this.refused(ctx, [scope], code)) ctx.explained = true;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // DPoP, response headers, errors

  private prepareDpop(ctx: Ctx): PendingDpop | null {
    const { f, cls, index } = ctx;
    const mode = cls.auth.dpop;
    if (f.dpopHeaders.length === 0 && (mode === 'none' || mode === 'optional')) return null;
    const flavour = mode === 'challenge' ? 'challenge' : 'session';
    ctx.proofFlavour = flavour;
    const raw = f.dpopHeaders
      .flatMap((v) => v.split(','))
      .map((p) => p.trim())
      .find((p) => p !== '');
    let claims: Record<string, unknown> = {};
    if (raw !== undefined) this.stats.dpopProofs += 1;
    if (raw !== undefined && !f.dpopTruncated) {
      const decoded = decodeCompactJws(raw);
      ctx.d.tokens.push({ location: 'request.dpop', decoded });
      if (decoded.ok) {
        claims = decoded.claims;
        ctx.proofJwk = publicJwk(decoded.header['jwk']);
      }
    }
    const pending: PendingDpop = {
      index,
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
    if (f.dpopTruncated) {
      // Nothing in a cut proof can be compared (nonce, jti, key): the check reports it as not checkable.
      pending.input.truncated = true;
      return pending;
    }
    if (f.bearer !== undefined) pending.input.accessToken = f.bearer;
    if (f.bearerTruncated) pending.input.accessTokenTruncated = true;
    if (ctx.challenge !== undefined) Object.assign(pending, this.challengeRef(ctx.challenge));
    if (flavour === 'challenge') {
      if (ctx.challengeJti !== undefined) pending.input.challengeTokenJti = ctx.challengeJti;
    } else if (raw !== undefined) {
      // A login starts a session: a device logging in for the first time has no nonce yet, and another
      // session's nonce says nothing about this one. Only a nonce the proof does carry is compared.
      const expected =
        ctx.isLogin && claims['nonce'] === undefined
          ? undefined
          : this.dpop.expectedNonce(ctx.lane, cls.apiBase, f.time, claims['nonce']);
      if (expected !== undefined) pending.input.expectedNonce = expected;
      const jti = claims['jti'];
      if (typeof jti === 'string' && jti !== '') {
        const use = this.dpop.noteJti(cls.apiBase, jti, {
          index,
          raw,
          request: requestShape(f),
          noResponse: f.noResponse,
        });
        pending.input.seenJtis = use.seenBefore ? new Set([jti]) : new Set();
        pending.previousUse = use.previousUse;
        pending.resend = use.resend;
      }
    }
    if (!ctx.isLogin && raw !== undefined) {
      const baseline = this.dpop.baseline(ctx.lane);
      if (baseline !== undefined) pending.baselineJwk = baseline;
    }
    return pending;
  }

  /** Turns a proof report into findings. */
  private applyDpop(pending: PendingDpop, report: DpopProofReport): void {
    const draft = this.drafts.get(pending.index);
    if (draft === undefined) return;
    draft.dpop = report;
    const label = draft.classification?.label ?? `${draft.exchange.method} ${draft.exchange.url}`;
    const findings = dpopFindings(report, {
      label,
      previousUse: pending.previousUse,
      resend: pending.resend,
    });
    for (const { code, message, related } of findings) {
      this.raise(
        {
          code,
          exchange: pending.index,
          message,
          ...(pending.challengeKey !== undefined ? { challengeKey: pending.challengeKey } : {}),
          ...(pending.challengeId !== undefined ? { challengeId: pending.challengeId } : {}),
          ...(related !== undefined ? { related } : {}),
        },
        'dpop',
      );
    }
  }

  /** Response headers (nonce, rotated refresh token), key acceptance, CORS, and the generic error finding. */
  private afterResponse(ctx: Ctx): void {
    const { f, cls, index } = ctx;
    if (f.noResponse) return;
    const responseLane = ctx.responseLane ?? ctx.lane;
    const nonce = f.response.get('dpop-nonce');
    if (nonce !== undefined && nonce !== '')
      this.dpop.recordNonce(responseLane, cls.apiBase, nonce, f.endTime);
    const refreshToken = f.response.get('x-refresh-token');
    if (refreshToken !== undefined && refreshToken !== '')
      this.dpop.bindRefreshToken(refreshToken, responseLane);
    if (f.ok && ctx.proofJwk !== undefined) this.dpop.accept(responseLane, cls.apiBase, ctx.proofJwk);
    if (f.ok && cls.endpoint === 'revoke') this.dpop.forgetKey(ctx.lane);

    this.checkCors(ctx);

    const code = ctx.d.errorCode;
    const demandKey = `${ctx.lane}|${cls.endpoint}`;
    if (code === 'use_dpop_nonce') {
      // Nonce rotation (use_dpop_nonce + DPoP-Nonce, then a retry) is normal. Report a repeat, or a demand the
      // client cannot answer.
      const repeated = this.nonceDemands.get(demandKey) === true;
      this.nonceDemands.set(demandKey, true);
      if (repeated || nonce === undefined) {
        this.raise({
          code: 'prelude.use_dpop_nonce',
          exchange: index,
          message: repeated
            ? `${cls.label} answered use_dpop_nonce again, after a retry: the client did not sign with the new nonce.`
            : `${cls.label} answered use_dpop_nonce without a DPoP-Nonce header to retry with.`,
          ...(ctx.challenge !== undefined ? this.challengeRef(ctx.challenge) : {}),
        });
      }
      return;
    }
    this.nonceDemands.delete(demandKey);
    if (code === null || ctx.explained) return;
    if (
      REFUSAL_CODES.has(code) &&
      cls.endpoint !== 'me.password.reset' &&
      cls.endpoint !== 'me.passkeys.register.finish'
    ) {
      if (this.refused(ctx, [], code)) return;
    }
    const message = stringField(ctx.res, 'message');
    this.raise({
      code: preludeFindingCode(code),
      exchange: index,
      message: `${cls.label} answered ${f.status} ${code}${message !== undefined ? `: ${truncate(message, 200)}` : ''}.`,
      ...(ctx.challenge !== undefined ? this.challengeRef(ctx.challenge) : {}),
    });
  }

  private checkCors(ctx: Ctx): void {
    const { f, cls, index } = ctx;
    const origin = f.request.get('origin');
    if (origin === undefined || origin === '' || origin === 'null') return;
    let apiOrigin = this.apiOrigins.get(cls.apiBase);
    if (!this.apiOrigins.has(cls.apiBase)) {
      apiOrigin = originOf(cls.apiBase);
      this.apiOrigins.set(cls.apiBase, apiOrigin);
    }
    if (apiOrigin === undefined || origin.toLowerCase() === apiOrigin.toLowerCase()) return;
    // Every SDK call but GET /me/list is credentialed, and for credentialed requests `*` is a header literally
    // named "*" (Fetch §3.2.3), so it exposes nothing.
    const headers = f.response;
    const list = headers.tokenList('access-control-expose-headers');
    const star = cls.endpoint === 'me.list' && list.has('*');
    const missing: string[] = [];
    for (const name of EXPOSED_BY_NAME)
      if (isHidden(headers, list, star, name.toLowerCase())) missing.push(name);
    const exposed = headers.get('access-control-expose-headers');
    if (missing.length > 0) {
      this.raise(
        {
          code: 'cors.expose_headers_missing',
          exchange: index,
          message: `Pages on ${origin} cannot read ${missing.join(', ')} in ${cls.apiBase} responses (first seen here, on ${cls.label}): Access-Control-Expose-Headers is ${exposed === undefined ? 'absent' : `"${exposed}"`}. Reported once per API and header set.`,
        },
        'other',
        `cors:${cls.apiBase}:${missing.join(',')}`,
      );
    }
    if (isHidden(headers, list, star, 'date')) {
      this.raise(
        {
          code: 'cors.date_not_exposed',
          exchange: index,
          message: `${origin} cannot read the Date header of ${cls.apiBase} responses, so the SDK cannot correct clock skew. Reported once per API.`,
        },
        'other',
        `cors-date:${cls.apiBase}`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Traffic no provider claims: the app's own API

  private onOtherTraffic(d: Draft, f: ExchangeFacts, cls: ExchangeClassification | null): PendingDpop | null {
    if (cls === null && f.bearer === undefined && f.dpopHeaders.length === 0) return null;
    const ctx: OtherCtx = { d, index: d.index, time: f.time };
    if (f.bearer !== undefined) this.presented(ctx, f.bearer, false);
    const method = f.method.toUpperCase();
    // A refusal that the reuse of a consumed grant explains belongs to that grant's lane, not to a new
    // RFC 6750 lane of its own.
    let explainedByGrant = false;
    if (ctx.bearer !== undefined && f.ok && method !== 'OPTIONS' && method !== 'HEAD') {
      const version = ctx.bearer;
      let chosen: GrantRecord | undefined;
      for (const scope of version.scopes) {
        // Reserved prld: scopes are consumed by Prelude's own endpoints, never by the app's API.
        if (CONSUMED_BY_PRELUDE.has(scope)) continue;
        const grant = this.grants.activeFor(version.lane, scope);
        if (grant?.singleUse && (chosen === undefined || grant.grantedAt >= chosen.grantedAt)) chosen = grant;
      }
      if (chosen !== undefined) {
        this.consume(
          chosen,
          'protected_call',
          d.index,
          f.time,
          `${chosen.scope} consumed by ${method} ${shortUrl(f.url)} (#${d.index})`,
        );
      }
    } else if (!f.ok && !f.noResponse) {
      const code = errorCodeOf(f, jsonObject(f.responseBody));
      d.errorCode = code;
      const challenge = bearerChallenge(f.response);
      const wwwError = challenge?.['error'];
      if ((code !== null && REFUSAL_CODES.has(code)) || wwwError === 'insufficient_scope') {
        explainedByGrant = this.refused(
          ctx,
          parseScopes(challenge?.['scope'] ?? ''),
          `${f.status} ${code ?? wwwError ?? ''}`.trim(),
        );
      }
    }
    // RFC 9470 / RFC 6750: the challenge itself, the resource's retries, and acr/auth_time across a session.
    const token = f.bearer !== undefined ? this.decode(f.bearer) : undefined;
    if (cls !== null && !explainedByGrant) this.rfc9470.onExchange(d, f, cls, token);
    else if (cls === null) this.rfc9470.onOtherCall(d, f, token);
    if (f.dpopHeaders.length === 0) return null;
    // A DPoP proof sent to a resource server: checked as plain RFC 9449, per origin.
    const origin = originOf(f.url) ?? f.url;
    const raw = f.dpopHeaders
      .flatMap((v) => v.split(','))
      .map((p) => p.trim())
      .find((p) => p !== '');
    const pending: PendingDpop = {
      index: d.index,
      input: {
        proofHeaders: f.dpopHeaders,
        method: f.method,
        url: f.url,
        requestTime: f.time,
        flavour: 'unknown',
        required: false,
      },
      previousUse: null,
      resend: false,
    };
    if (f.bearer !== undefined) pending.input.accessToken = f.bearer;
    if (f.bearerTruncated) pending.input.accessTokenTruncated = true;
    if (raw !== undefined) this.stats.dpopProofs += 1;
    if (f.dpopTruncated) pending.input.truncated = true;
    else if (raw !== undefined) {
      const decoded = decodeCompactJws(raw);
      d.tokens.push({ location: 'request.dpop', decoded });
      const jti = decoded.ok ? decoded.claims['jti'] : undefined;
      if (typeof jti === 'string' && jti !== '') {
        const use = this.dpop.noteJti(origin, jti, {
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
    return pending;
  }
}

/** Working state for traffic outside the providers. */
interface OtherCtx {
  d: Draft;
  index: number;
  time: number;
  bearer?: AccessTokenVersion;
}

/** Response headers the SDK must read, so a cross-origin response has to expose them. */
const EXPOSED_BY_NAME = ['DPoP-Nonce', 'X-Refresh-Token', 'X-Refresh-Token-Expires-At', 'WWW-Authenticate'];

/** True when a response sends `lowerName` but does not expose it to a cross-origin page. */
function isHidden(
  headers: HeaderIndex,
  exposed: ReadonlySet<string>,
  star: boolean,
  lowerName: string,
): boolean {
  return headers.has(lowerName) && !star && !exposed.has(lowerName);
}

function sidOfLane(lane: string, apiBase: string): string | undefined {
  const sid = lane.slice(apiBase.length + 1);
  return sid === '*' || sid === '' ? undefined : sid;
}

/**
 * Resolves on a later turn of the event loop, after every queued microtask. A MessageChannel message (browsers,
 * workers, Node) is not clamped to 1 ms the way `setTimeout(0)` is; setTimeout remains the fallback.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel !== 'function') {
      setTimeout(resolve, 0);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function requestShape(f: ExchangeFacts): RequestShape {
  return { method: f.method, url: f.url, body: f.requestBody };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shortUrl(url: string): string {
  const query = url.indexOf('?');
  return truncate(query === -1 ? url : url.slice(0, query), 120);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
