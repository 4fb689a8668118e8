/**
 * The token and grant ledger: every access token the session presented or was issued, the scopes each version
 * added or dropped, the grants those scopes are, and what became of them (consumed by a call, dropped from a later
 * token, expired, refused on reuse). Shared by every provider: a provider says where a token came from and which
 * call consumed or was refused a scope; the ledger keeps the books and raises the grant findings.
 */
import type { ProviderId } from '../providers/ids.ts';
import { tokenKindProvider } from '../providers/token-kinds.ts';
import { tokenRole } from '../tokens/kinds.ts';
import { formatDuration, formatEpochSeconds } from '../tokens/time.ts';
import type { TokenDecodeResult } from '../tokens/types.ts';
import type { AccessTokenStore } from './access-tokens.ts';
import type { ChallengeRecord, ChallengeStore } from './challenges.ts';
import type { FindingInput, FindingSlot } from './finding-log.ts';
import type { GrantRecord, GrantStore } from './grants.ts';
import type { ExchangeDraft } from './draft.ts';
import type { AccessTokenVersion, ConsumptionEvidence, TokenLocation } from './types.ts';

/** The call a ledger entry comes from; `bearer` is set once the call's presented token is known. */
export interface LedgerCall {
  d: ExchangeDraft;
  index: number;
  time: number;
  bearer?: AccessTokenVersion;
}

interface LedgerServices {
  accessTokens: AccessTokenStore;
  challenges: ChallengeStore;
  grants: GrantStore;
  raise(input: FindingInput, slot?: FindingSlot, dedupeKey?: string): void;
  decode(raw: string): TokenDecodeResult;
  readToken(d: ExchangeDraft, raw: string, location: TokenLocation, what: string): TokenDecodeResult;
}

export class TokenLedger {
  /** Most recently consumed grant, for refusals whose token and scope are both unknown. */
  private lastConsumed: GrantRecord | undefined;

  constructor(private readonly s: LedgerServices) {}

  /**
   * A token presented as `Authorization: Bearer`. `api` is the provider whose API it was sent to (there, any JWT
   * is taken for its access token); on the app's own calls only tokens of an access-token kind count.
   */
  presented(ctx: LedgerCall, raw: string, api?: { provider: ProviderId; name: string }): void {
    let version = this.s.accessTokens.lookup(raw);
    const decoded = this.s.decode(raw);
    ctx.d.tokens.push({ location: 'request.authorization', decoded });
    if (version === undefined) {
      if (!decoded.ok) {
        if (api !== undefined) {
          this.s.raise({
            code: 'token.malformed',
            exchange: ctx.index,
            message: `Bearer token sent to the ${api.name}: ${decoded.message}`,
          });
        }
        return;
      }
      const provider = tokenRole(decoded.kind) === 'access' ? tokenKindProvider(decoded.kind) : undefined;
      const issuer = api !== undefined && decoded.kind === 'generic-jwt' ? api.provider : provider;
      if (issuer === undefined) return;
      const added = this.s.accessTokens.add(raw, decoded.claims, ctx.index, 'presented');
      version = added.version;
      if (added.isNew) this.onNewAccessToken(version, ctx, undefined, issuer);
    }
    ctx.bearer = version;
    if (version.exp !== undefined && version.exp * 1000 <= ctx.time) {
      this.s.raise(
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

  /** An access token `provider`'s API issued in a response body (login, refresh). */
  issued(
    ctx: LedgerCall,
    provider: ProviderId,
    raw: string,
    source: 'login' | 'refresh' | 'step_up_refresh',
    stepUp: ChallengeRecord | undefined,
  ): AccessTokenVersion | undefined {
    const decoded = this.s.readToken(
      ctx.d,
      raw,
      'response.body.access_token',
      'access_token in the response',
    );
    if (!decoded.ok) return undefined;
    const { version, isNew } = this.s.accessTokens.add(raw, decoded.claims, ctx.index, source);
    if (isNew) this.onNewAccessToken(version, ctx, stepUp, provider);
    return version;
  }

  /** Reconciles grants and waiting challenges with a new access token version. */
  private onNewAccessToken(
    version: AccessTokenVersion,
    ctx: { index: number; time: number },
    stepUp: ChallengeRecord | undefined,
    provider: ProviderId,
  ): void {
    const lane = version.lane;
    const { index, time } = ctx;
    const scopes = new Set(version.scopes);

    for (const scope of version.diff?.removed ?? []) {
      const grant = this.s.grants.activeFor(lane, scope);
      if (grant !== undefined) {
        this.s.grants.markDropped(grant, index);
        if (grant.singleUse) {
          this.s.grants.consume(grant, 'dropped_from_token', null, time);
          this.challengeEvent(
            grant.challengeKey,
            'consumed',
            index,
            time,
            `${scope} no longer in the access token: consumed by a call the capture does not show`,
          );
        } else {
          this.s.grants.expire(grant);
          this.challengeEvent(
            grant.challengeKey,
            'grant_expired',
            index,
            time,
            `${scope} no longer in the access token`,
          );
        }
      }
      const consumed = this.s.grants.consumedFor(lane, scope);
      if (consumed !== undefined && consumed.droppedBy === null) {
        this.s.grants.markDropped(consumed, index);
      }
    }
    for (const scope of version.diff?.kept ?? []) {
      const consumed = this.s.grants.consumedFor(lane, scope);
      if (
        consumed !== undefined &&
        consumed.droppedBy === null &&
        !consumed.stillPresentReported &&
        consumed.consumption !== 'dropped_from_token' &&
        consumed.consumption !== 'refused_later' &&
        this.s.grants.activeFor(lane, scope) === undefined
      ) {
        this.s.grants.markStillPresentReported(consumed);
        this.s.raise({
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
    for (const record of this.s.challenges.takeAwaitingScope(lane)) {
      if (record === stepUp || record.scope === null) continue;
      claimed.add(record.scope);
      this.judgeScope(record, version, scopes.has(record.scope), index, time);
    }
    const added = version.diff === null ? version.scopes : version.diff.added;
    for (const scope of added) {
      if (claimed.has(scope) || this.s.grants.activeFor(lane, scope) !== undefined) continue;
      this.s.grants.create({
        provider,
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
    this.s.challenges.update(record, { scopeGranted: granted });
    if (granted) {
      this.s.challenges.event(record, 'granted', index, time, `access token now carries ${scope}`);
      const { grant } = this.s.grants.create({
        provider: record.provider,
        scope,
        mode: record.grantMode,
        challengeKey: record.key,
        lane: version.lane,
        grantedAt: time,
        grantedBy: index,
        expiresAt: record.grantedFor !== null ? time + record.grantedFor * 1000 : null,
      });
      this.s.challenges.update(record, { grantId: grant.id });
      return;
    }
    this.s.challenges.event(
      record,
      'not_granted',
      index,
      time,
      `access token lacks ${scope} (has: ${version.scopes.join(' ') || 'no scopes'})`,
    );
    this.s.raise({
      code: 'challenge.scope_not_granted',
      exchange: index,
      message: `Challenge ${record.challengeId ?? record.key} for ${scope} completed, but the access token here carries ${version.scopes.length > 0 ? `only ${version.scopes.join(' ')}` : 'no scopes'}.`,
      challengeKey: record.key,
      ...(record.challengeId !== null ? { challengeId: record.challengeId } : {}),
      ...(record.redeemedBy !== null && record.redeemedBy !== index ? { related: [record.redeemedBy] } : {}),
    });
  }

  consume(
    grant: GrantRecord,
    evidence: ConsumptionEvidence,
    index: number | null,
    time: number,
    how: string,
  ): void {
    this.s.grants.consume(grant, evidence, index, time);
    this.lastConsumed = grant;
    this.challengeEvent(grant.challengeKey, 'consumed', index, time, how);
  }

  /** A successful call of `provider`'s API that uses up `scope` (an endpoint that consumes it), named `label`. */
  consumeScope(
    ctx: LedgerCall,
    provider: ProviderId,
    label: string,
    scope: string,
    evidence: ConsumptionEvidence,
  ): void {
    const version = ctx.bearer;
    if (version === undefined) return;
    let grant = this.s.grants.activeFor(version.lane, scope);
    if (grant === undefined && version.scopes.includes(scope)) {
      grant = this.s.grants.create({
        provider,
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
      this.consume(grant, evidence, ctx.index, ctx.time, `${scope} consumed by ${label} (#${ctx.index})`);
  }

  /**
   * A refusal for lack of scope (`insufficient_scope`, `token_reused`). After a consumption of that scope it is
   * a reuse; before any, it tells that the grant is gone (consumed somewhere the capture does not show).
   * Returns true when it raised `grant.reused_after_consumption`.
   */
  refused(
    ctx: { index: number; time: number; bearer?: AccessTokenVersion },
    scopeHint: string[],
    label: string,
  ): boolean {
    const version = ctx.bearer;
    const scopes = scopeHint.length > 0 ? scopeHint : (version?.scopes ?? []);
    let consumed: GrantRecord | undefined;
    if (version !== undefined) {
      for (const scope of scopes) {
        const candidate = this.s.grants.consumedFor(version.lane, scope);
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
      this.s.grants.noteReuse(consumed, ctx.index);
      this.challengeEvent(
        consumed.challengeKey,
        'refused',
        ctx.index,
        ctx.time,
        `${consumed.scope} used again after consumption: refused (${label})`,
      );
      this.s.raise({
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
        const active = this.s.grants.activeFor(version.lane, scope);
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

  private challengeEvent(
    key: string | null,
    kind: Parameters<ChallengeStore['event']>[1],
    exchange: number | null,
    time: number,
    detail: string,
  ): void {
    if (key === null) return;
    const record = this.s.challenges.get(key);
    if (record !== undefined) this.s.challenges.event(record, kind, exchange, time, detail);
  }
}
