/**
 * The machine-readable report (`stepup-inspect --json`), for CI. Its documented core is stable:
 *
 *   { exchanges, challenges: [{provider, challengeId, scope, status, steps: [{key, order, done}], codeSends,
 *     codeChecks: {failed, succeeded}, scopeGranted}], grants: [{provider, scope, mode, state, consumedBy}],
 *     findings: [{code, severity, exchange, message}] }
 *
 * Everything else is extra detail that may grow. Version 2 (this one) named the counters and events the same for
 * every provider: `otpSends`/`otpResends`/`otpChecks` became `codeSends`/`codeResends`/`codeChecks`,
 * `requestStatus` became `providerStatus`, `stepUpRefresh` became `redeemedBy`, and event kinds are generic
 * (`factor_verified` with `method: "code" | "assertion"` for `otp_check_passed`/`continue_passed`, `redeemed`
 * for `refreshed_with_step_up`, `granted`, `consumed`, `refused`…; docs/report.md lists them). Exchange indexes are 0-based positions in the input: with
 * `entryIndexes`, positions in the file (skipped entries keep their numbers); without, the analyser's order.
 * Times are ISO 8601 strings.
 */
import { getRule } from '../findings/catalogue.ts';
import { providerModule } from '../providers/registry.ts';
import type { FindingReference, Severity } from '../findings/types.ts';
import type { SkippedEntry } from '../http/guards.ts';
import type {
  ChallengeEventKind,
  FactorMethod,
  ChallengeStatus,
  ConsumptionEvidence,
  GrantState,
  SessionModel,
} from '../model/types.ts';
import { formatIsoTime, isDateMs } from '../tokens/time.ts';

/** Options of {@link buildJsonReport}. */
export interface JsonReportOptions {
  /** Input position of each analysed exchange (model index → entry index), when some entries were skipped. */
  entryIndexes?: readonly number[];
  /** Where the exchanges came from. */
  source?: JsonReportSource;
}

/** Where the exchanges of a report came from. */
export interface JsonReportSource {
  file?: string;
  kind?: 'har' | 'inspector';
  creator?: { name: string; version: string };
  /**
   * Entries of the file that could not be used, with why; entries kept with a header or body cut to size
   * come as `kept: true` notes.
   */
  skipped?: readonly SkippedEntry[];
}

/** A challenge step in the JSON report. */
export interface JsonReportStep {
  key: string;
  order: number;
  done: boolean;
  expirationDuration?: number;
  doneAt?: number;
}

/** A challenge in the JSON report; the first eight fields are the documented core. */
export interface JsonReportChallenge {
  provider: string;
  challengeId: string | null;
  scope: string | null;
  status: ChallengeStatus;
  steps: JsonReportStep[];
  codeSends: number;
  codeChecks: { failed: number; succeeded: number };
  scopeGranted: boolean;
  // Extra detail.
  key: string;
  statusReason: string;
  providerStatus: string | null;
  currentStep: string | null;
  grantMode: string | null;
  metadata: Record<string, unknown> | null;
  codeResends: number;
  requestedAt: number | null;
  completedAt: string | null;
  expiresAt: string | null;
  redeemedBy: number | null;
  grantId: string | null;
  tokenVersions: number;
  events: {
    kind: ChallengeEventKind;
    method?: FactorMethod;
    exchange: number | null;
    time: string;
    detail: string;
  }[];
}

/** A grant in the JSON report; the first five fields are the documented core. */
export interface JsonReportGrant {
  provider: string;
  scope: string;
  mode: string | null;
  state: GrantState;
  consumedBy: number | null;
  // Extra detail.
  id: string;
  challengeId: string | null;
  grantedBy: number;
  grantedAt: string;
  expiresAt: string | null;
  consumption: ConsumptionEvidence | null;
  droppedBy: number | null;
  reuseAttempts: number[];
  /**
   * For a grant not consumed in the capture whose use happens out of its sight (a call a provider's own iframe
   * makes): where, in words, so that it does not read as unused. Absent otherwise.
   */
  unseenUse?: string;
}

/** A finding in the JSON report; the first four fields are the documented core. */
export interface JsonReportFinding {
  code: string;
  severity: Severity;
  exchange: number | null;
  message: string;
  // Extra detail.
  title: string;
  challengeId?: string;
  related?: number[];
  reference: FindingReference;
}

/** An access token version in the JSON report, with its scope change. */
export interface JsonReportAccessToken {
  exchange: number;
  source: string;
  sid: string | null;
  scopes: string[];
  added: string[];
  removed: string[];
  expiresAt: string | null;
}

/** The `--json` document. */
export interface JsonReport {
  tool: { name: 'stepup-inspect'; reportVersion: 2 };
  source?: {
    file?: string;
    kind?: 'har' | 'inspector';
    creator?: { name: string; version: string };
    /** Entries in the file: the analysed exchanges plus the skipped ones. */
    entries: number;
    skippedEntries: { index: number; reason: string }[];
    /** Entries analysed with a header or body cut to size on import (marked `truncated`), with what was cut. */
    truncatedEntries?: { index: number; reason: string }[];
  };
  /** Exchanges analysed. */
  exchanges: number;
  summary: {
    findings: { error: number; warning: number; info: number };
    challenges: Record<ChallengeStatus, number>;
    grants: Record<GrantState, number>;
    sessionApiExchanges: number;
    withoutResponseBody: number;
    dpopProofs: number;
    /**
     * The capturing device's clock against the servers' (client − server, ms), from the Date headers and issued
     * tokens' `iat`; `notable` when beyond what the measurement explains. Absent when no server time was seen.
     */
    clockOffset?: { offsetMs: number; uncertaintyMs: number; samples: number; notable: boolean };
  };
  challenges: JsonReportChallenge[];
  grants: JsonReportGrant[];
  accessTokens: JsonReportAccessToken[];
  findings: JsonReportFinding[];
}

/** Builds the JSON report of a model. Pure; the result is plain JSON data. */
export function buildJsonReport(model: SessionModel, options: JsonReportOptions = {}): JsonReport {
  const at = (index: number): number => options.entryIndexes?.[index] ?? index;
  const atOrNull = (index: number | null): number | null => (index === null ? null : at(index));
  const challengeIds = new Map(model.challenges.map((c) => [c.key, c.challengeId]));

  const challengeCounts: Record<ChallengeStatus, number> = {
    pending: 0,
    completed: 0,
    blocked: 0,
    expired: 0,
    failed: 0,
  };
  for (const c of model.challenges) challengeCounts[c.status] += 1;
  const grantCounts: Record<GrantState, number> = { active: 0, consumed: 0, expired: 0 };
  for (const g of model.grants) grantCounts[g.state] += 1;

  const report: JsonReport = {
    tool: { name: 'stepup-inspect', reportVersion: 2 },
    exchanges: model.stats.exchanges,
    summary: {
      findings: { ...model.stats.findings },
      challenges: challengeCounts,
      grants: grantCounts,
      sessionApiExchanges: model.stats.providerExchanges,
      withoutResponseBody: model.stats.withoutResponseBody,
      dpopProofs: model.stats.dpopProofs,
      ...(model.stats.clockOffset !== undefined ? { clockOffset: { ...model.stats.clockOffset } } : {}),
    },
    challenges: model.challenges.map((c) => ({
      provider: c.provider,
      challengeId: c.challengeId,
      scope: c.scope,
      status: c.status,
      steps: c.steps.map((s) => {
        const step: JsonReportStep = { key: s.key, order: s.order, done: s.done };
        if (s.expirationDuration !== undefined) step.expirationDuration = s.expirationDuration;
        if (s.doneAt !== undefined) step.doneAt = at(s.doneAt);
        return step;
      }),
      codeSends: c.codeSends,
      codeChecks: { ...c.codeChecks },
      scopeGranted: c.scopeGranted === true,
      key: c.key,
      statusReason: c.statusReason,
      providerStatus: c.providerStatus,
      currentStep: c.currentStep,
      grantMode: c.grantMode,
      metadata: c.metadata === null ? null : { ...c.metadata },
      codeResends: c.codeResends,
      requestedAt: atOrNull(c.requestedAt),
      completedAt: iso(c.completedAt),
      expiresAt: iso(c.expiresAt),
      redeemedBy: atOrNull(c.redeemedBy),
      grantId: c.grantId,
      tokenVersions: c.tokens.length,
      events: c.events.map((e) => ({
        kind: e.kind,
        ...(e.method !== undefined ? { method: e.method } : {}),
        exchange: atOrNull(e.exchange),
        time: iso(e.time) ?? '',
        detail: e.detail,
      })),
    })),
    grants: model.grants.map((g) => {
      const grant: JsonReportGrant = {
        provider: g.provider,
        scope: g.scope,
        mode: g.mode,
        state: g.state,
        consumedBy: atOrNull(g.consumedBy),
        id: g.id,
        challengeId: g.challengeKey === null ? null : (challengeIds.get(g.challengeKey) ?? null),
        grantedBy: at(g.grantedBy),
        grantedAt: iso(g.grantedAt) ?? '',
        expiresAt: iso(g.expiresAt),
        consumption: g.consumption,
        droppedBy: atOrNull(g.droppedBy),
        reuseAttempts: g.reuseAttempts.map(at),
      };
      const unseen =
        g.state !== 'consumed' ? providerModule(g.provider)?.presentation.unseenUse?.(g.scope) : undefined;
      if (unseen !== undefined) grant.unseenUse = unseen;
      return grant;
    }),
    accessTokens: model.accessTokens.map((t) => ({
      exchange: at(t.exchange),
      source: t.source,
      sid: t.sid ?? null,
      scopes: [...t.scopes],
      added: t.diff === null ? [...t.scopes] : [...t.diff.added],
      removed: t.diff === null ? [] : [...t.diff.removed],
      expiresAt: t.exp === undefined ? null : iso(t.exp * 1000),
    })),
    findings: model.findings.map((f) => {
      const rule = getRule(f.code);
      const finding: JsonReportFinding = {
        code: f.code,
        severity: f.severity,
        exchange: atOrNull(f.exchange),
        message: f.message,
        title: rule.title,
        reference: { ...rule.reference },
      };
      if (f.challengeId !== undefined) finding.challengeId = f.challengeId;
      if (f.related !== undefined) finding.related = f.related.map(at);
      return finding;
    }),
  };
  if (options.source !== undefined) {
    const { file, kind, creator } = options.source;
    const skipped = (options.source.skipped ?? []).filter((s) => s.kept !== true);
    const cut = (options.source.skipped ?? []).filter((s) => s.kept === true);
    report.source = {
      entries: model.stats.exchanges + skipped.length,
      skippedEntries: skipped.map((s) => ({ index: s.index, reason: s.reason })),
    };
    if (cut.length > 0)
      report.source.truncatedEntries = cut.map((s) => ({ index: s.index, reason: s.reason }));
    if (file !== undefined) report.source.file = file;
    if (kind !== undefined) report.source.kind = kind;
    if (creator !== undefined) report.source.creator = { ...creator };
  }
  return report;
}

/**
 * Model index → input position, for a file whose entries `skipped` could not be used: the analysed
 * exchanges are the remaining entries, in order. `kept: true` notes name entries that were analysed.
 */
export function entryIndexesAfterSkips(
  analysed: number,
  skipped: readonly { index: number; kept?: true }[],
): number[] {
  const skippedSet = new Set(skipped.filter((s) => s.kept !== true).map((s) => s.index));
  const indexes: number[] = [];
  for (let entry = 0; indexes.length < analysed; entry += 1) if (!skippedSet.has(entry)) indexes.push(entry);
  return indexes;
}

function iso(ms: number | null | undefined): string | null {
  if (!isDateMs(ms)) return null;
  return formatIsoTime(ms);
}
