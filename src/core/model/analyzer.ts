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
 *
 * The engine knows no protocol: each provider's model (from the registry) handles the exchanges its adapter
 * classifies, through the services of {@link ProviderModelHost}.
 */
import { checkDpopProof } from '../dpop/check.ts';
import type { SignatureVerifier } from '../dpop/signature.ts';
import type { DpopProofReport } from '../dpop/types.ts';
import { severityOf } from '../findings/catalogue.ts';
import type { HttpExchange } from '../http/exchange.ts';
import { classifyExchange, PROVIDERS } from '../providers/registry.ts';
import type { ExchangeClassification } from '../providers/parts.ts';
import type { ProviderId } from '../providers/ids.ts';
import { decodeToken } from '../tokens/decode.ts';
import { TokenTable } from '../tokens/token-table.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';
import { describe } from '../util.ts';
import { AccessTokenStore } from './access-tokens.ts';
import { AppTraffic } from './app-traffic.ts';
import { ChallengeStore } from './challenges.ts';
import { ModelClock } from './clock.ts';
import { CorsCheck } from './cors.ts';
import { dpopFindings } from './dpop-findings.ts';
import { DpopSession, type PendingDpop } from './dpop-session.ts';
import { readFacts } from './exchange-facts.ts';
import { FindingLog, type FindingInput, type FindingSlot } from './finding-log.ts';
import { GrantStore } from './grants.ts';
import { TokenLedger } from './ledger.ts';
import { ProofPreparer } from './proofs.ts';
import type { ExchangeDraft, ProviderModel, ProviderModelHost } from './provider-host.ts';
import type { AnalyzedExchange, ClockOffset, SessionModel, TokenLocation } from './types.ts';

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
  /** How DPoP proof signatures are verified; WebCrypto by default (see `SignatureVerifier`). */
  verifier?: SignatureVerifier;
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

const DECODE_CACHE_LIMIT = 20_000;

/** An exchange while it is being analysed: the provider's draft plus what the engine fills in. */
interface Draft extends ExchangeDraft {
  classification: ExchangeClassification | null;
  dpop: DpopProofReport | null;
}

class SessionAnalyzer implements Analyzer {
  private readonly options: Required<Pick<AnalyzerOptions, 'completionGraceMs' | 'batchSize'>> &
    AnalyzerOptions;
  private readonly exchanges: AnalyzedExchange[] = [];
  private readonly drafts = new Map<number, Draft>();
  private nextIndex = 0;
  private readonly findings = new FindingLog(severityOf);
  private readonly challenges = new ChallengeStore();
  private readonly accessTokens = new AccessTokenStore();
  private readonly grants = new GrantStore((scope) => this.isSelfConsumed(scope));
  private readonly dpop = new DpopSession();
  private readonly proofs = new ProofPreparer(this.dpop);
  private readonly cors = new CorsCheck((input, slot, dedupeKey) => this.raise(input, slot, dedupeKey));
  /** Keyed without hashing whole tokens: each exchange brings its tokens as new strings (token-table.ts). */
  private readonly decodeCache = new TokenTable<TokenDecodeResult>();
  private readonly ledger = new TokenLedger({
    accessTokens: this.accessTokens,
    challenges: this.challenges,
    grants: this.grants,
    raise: (input, slot, dedupeKey) => this.raise(input, slot, dedupeKey),
    decode: (raw) => this.decode(raw),
    readToken: (d, raw, location, what) => this.readToken(d, raw, location, what),
  });
  private readonly appTraffic = new AppTraffic({
    ledger: this.ledger,
    grants: this.grants,
    proofs: this.proofs,
    decode: (raw) => this.decode(raw),
    isSelfConsumed: (scope) => this.isSelfConsumed(scope),
  });
  private readonly clock: ModelClock;
  /** Filled once the providers' models are loaded, before the first exchange is analysed. */
  private readonly models = new Map<ProviderId, ProviderModel>();
  private stats = { providerExchanges: 0, withoutResponseBody: 0 };
  private versionCounter = 0;
  private exchangesCache: readonly AnalyzedExchange[] | null = [];
  private lastSnapshot: SessionModel | undefined;
  private readonly listeners = new Set<(version: number) => void>();
  private queue: Promise<void>;

  constructor(options: AnalyzerOptions) {
    this.options = { completionGraceMs: 30_000, batchSize: 256, ...options };
    const host: ProviderModelHost = {
      challenges: this.challenges,
      grants: this.grants,
      accessTokens: this.accessTokens,
      ledger: this.ledger,
      dpop: this.dpop,
      appTraffic: this.appTraffic,
      completionGraceMs: this.options.completionGraceMs,
      raise: (input, slot, dedupeKey) => this.raise(input, slot, dedupeKey),
      decode: (raw) => this.decode(raw),
      readToken: (d, raw, location, what) => this.readToken(d, raw, location, what),
      countMissingResponseBody: () => {
        this.stats.withoutResponseBody += 1;
      },
      prepareProof: (request) => this.proofs.prepare(request),
      checkCors: (d, f, cls, policy) => this.cors.check(d.index, f, cls, policy),
    };
    this.queue = this.loadModels(host);
    this.clock = new ModelClock({
      challenges: this.challenges,
      grants: this.grants,
      models: this.models,
      changed: () => {
        this.versionCounter += 1;
      },
    });
  }

  /** Every provider's model, in registry order; one that cannot load is reported and its traffic left unmodelled. */
  private async loadModels(host: ProviderModelHost): Promise<void> {
    const loaded = await Promise.all(
      PROVIDERS.map((provider) =>
        provider.loadModel().then(
          (factory) => ({ id: provider.id, model: factory(host) }),
          (error: unknown) => ({ id: provider.id, error }),
        ),
      ),
    );
    for (const entry of loaded) {
      if ('model' in entry) this.models.set(entry.id, entry.model);
      else
        this.raise({
          code: 'inspector.analysis_failed',
          exchange: null,
          message: `The ${entry.id} model could not be loaded, so its traffic is listed but not analysed: ${describe(entry.error)}`,
        });
    }
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
      /** The reports of the items with a proof, in item order. */
      reports: Promise<DpopProofReport[]>;
    };
    const run = async (): Promise<void> => {
      // Pipelined: batch k's proofs are verified (WebCrypto runs off the main thread) while batch k+1 is
      // prepared; reports are then applied strictly in order, so the result equals sequential adds.
      let inFlight: Batch | undefined;
      let items: Batch['items'] = [];
      const settle = async (batch: Batch): Promise<void> => {
        const reports = await batch.reports;
        let next = 0;
        for (const item of batch.items) {
          if (item.pending !== null) {
            const report = reports[next];
            next += 1;
            if (report !== undefined) this.applyDpop(item.pending, report);
          }
          this.finalise(item.index);
        }
        this.notify();
      };
      const launch = async (): Promise<void> => {
        // Only the exchanges with a proof to check wait on a promise; the others have no report.
        const checks: Promise<DpopProofReport>[] = [];
        for (const item of items) if (item.pending !== null) checks.push(this.runCheck(item.pending));
        const batch: Batch = { items, reports: Promise.all(checks) };
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
    const clock = this.options.now !== undefined ? this.options.now() : this.clock.latest;
    if (this.options.now !== undefined && Number.isFinite(clock)) this.clock.sweep(clock);
    const last = this.lastSnapshot;
    if (last !== undefined && last.version === this.versionCounter) return last;
    if (this.exchangesCache === null) this.exchangesCache = this.exchanges.slice();
    const findings = this.findings.list();
    const model: SessionModel = {
      version: this.versionCounter,
      clock,
      exchanges: this.exchangesCache,
      challenges: this.challenges.list(),
      accessTokens: this.accessTokens.list(),
      grants: this.grants.list(),
      findings,
      stats: {
        exchanges: this.exchanges.length,
        providerExchanges: this.stats.providerExchanges,
        withoutResponseBody: this.stats.withoutResponseBody,
        dpopProofs: this.proofs.proofs,
        findings: { ...this.findings.counts },
        ...clockOffsetStat(this.dpop.serverClock.estimate()),
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
      // The input was made for this one check (ProofPreparer.prepare): completed in place, not copied.
      if (pending.baselineJwk !== undefined)
        pending.input.previousThumbprint = await this.dpop.thumbprint(pending.baselineJwk);
      return await checkDpopProof(pending.input, this.options.verifier);
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

  private isSelfConsumed(scope: string): boolean {
    for (const model of this.models.values()) if (model.selfConsumedScopes?.has(scope) === true) return true;
    return false;
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

  private readToken(d: ExchangeDraft, raw: string, location: TokenLocation, what: string): TokenDecodeResult {
    const decoded = this.decode(raw);
    d.tokens.push({ location, decoded });
    if (!decoded.ok) {
      this.raise({ code: 'token.malformed', exchange: d.index, message: `${what}: ${decoded.message}` });
    }
    return decoded;
  }

  /** Reads the exchange, advances the clock, and hands it to its provider's model (or the app-traffic path). */
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
    this.clock.tick(f.time, f.endTime);
    const cls = classifyExchange(d.exchange);
    d.classification = cls;
    // The server's clock, from the Date of every response the model reads (the proofs' iat is judged by it).
    if (cls !== null || AppTraffic.concerns(f)) this.dpop.serverClock.observe(f);
    if (cls !== null) {
      this.stats.providerExchanges += 1;
      return this.models.get(cls.provider)?.onExchange(d, f, cls) ?? null;
    }
    if (!AppTraffic.concerns(f)) return null;
    const { token } = this.appTraffic.observe(d, f);
    for (const model of this.models.values()) model.onUnclaimed?.(d, f, token);
    return this.appTraffic.resourceProof(d, f);
  }

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
}

function clockOffsetStat(offset: ClockOffset | undefined): { clockOffset?: ClockOffset } {
  return offset === undefined ? {} : { clockOffset: offset };
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
