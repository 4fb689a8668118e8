/**
 * The Session API's model: logins and refreshes that issue access tokens, the step-up refresh that turns a
 * completed challenge into a scope, the endpoints that consume a reserved scope, nonce rotation, and the API's
 * error codes. The challenge's own steps are in challenge-flow.ts.
 */
import { REFUSAL_CODES } from '../../../model/app-traffic.ts';
import type { ChallengeRecord } from '../../../model/challenges.ts';
import type { CorsPolicy } from '../../../model/cors.ts';
import type { PendingDpop } from '../../../model/dpop-session.ts';
import { errorCodeOf, jsonObject, stringField, type ExchangeFacts } from '../../../model/exchange-facts.ts';
import type { GrantRecord } from '../../../model/grants.ts';
import type {
  ExchangeDraft,
  ProviderModel,
  ProviderModelFactory,
  ProviderModelHost,
} from '../../../model/provider-host.ts';
import type { AccessTokenVersion, ConsumptionEvidence } from '../../../model/types.ts';
import { readChallengeClaims } from '../../../tokens/claims.ts';
import { formatDuration } from '../../../tokens/time.ts';
import { truncate } from '../../../util.ts';
import type { ExchangeClassification } from '../../parts.ts';
import { preludeFindingCode } from '../findings.ts';
import { challengeRef, LOGIN_ENDPOINTS, READS_RESPONSE, type Ctx } from './call.ts';
import { ChallengeFlow } from './challenge-flow.ts';

/** A plain /refresh this long after a completion, with no step-up refresh yet, means the step-up refresh was skipped. */
const PLAIN_REFRESH_GRACE_MS = 2_000;

/** Scopes the API documents as consumed by its own endpoints, whatever the grant mode reads. */
const SELF_CONSUMED: ReadonlyMap<string, ConsumptionEvidence> = new Map([
  ['prld:pwd:write', 'password_reset'],
  ['prld:passkey:write', 'passkey_registration'],
]);

const SESSION_API = { provider: 'prelude', name: 'Session API' } as const;

/**
 * Response headers the SDK reads. Every SDK call but GET /me/list is credentialed; the SDK corrects clock skew
 * from `Date`.
 */
const CORS_POLICY: CorsPolicy = {
  exposedHeaders: ['DPoP-Nonce', 'X-Refresh-Token', 'X-Refresh-Token-Expires-At', 'WWW-Authenticate'],
  uncredentialedEndpoints: new Set(['me.list']),
  readsDate: true,
};

class PreludeModel implements ProviderModel {
  readonly selfConsumedScopes = SELF_CONSUMED;
  private readonly flow: ChallengeFlow;
  /** `<lane>|<endpoint>` → the last answer there was use_dpop_nonce. */
  private readonly nonceDemands = new Map<string, boolean>();

  constructor(private readonly host: ProviderModelHost) {
    this.flow = new ChallengeFlow(host);
  }

  onExchange(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification): PendingDpop | null {
    if (cls.endpoint === 'preflight') return null;
    const ctx: Ctx = {
      d,
      f,
      cls,
      index: d.index,
      time: f.time,
      req: jsonObject(f.requestBody),
      res: jsonObject(f.responseBody),
      lane: undefined,
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
      this.host.countMissingResponseBody();
    }
    // Every call finds its session by what it sends, so a proof is compared with its own session's key and
    // nonces, never with whichever device the server answered last: the access token (the lane that issued it,
    // else its sid), the refresh token (/refresh, /revoke), the challenge token (challenge-flow.ts).
    if (f.bearer !== undefined) {
      this.host.ledger.presented(ctx, f.bearer, SESSION_API);
      ctx.lane =
        this.host.dpop.laneOfAccessToken(f.bearer) ??
        (ctx.bearer?.sid !== undefined ? this.host.dpop.laneKey(cls.apiBase, ctx.bearer.sid) : undefined);
    }
    if (cls.auth.refreshToken) {
      const refreshToken = f.request.get('x-refresh-token');
      const lane = refreshToken !== undefined ? this.host.dpop.laneOfRefreshToken(refreshToken) : undefined;
      if (lane !== undefined) ctx.lane = lane;
    }

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
          this.host.readToken(ctx.d, raw, 'response.body.challenge_token', 'challenge_token in the response');
        break;
      }
      case 'refresh':
        this.onRefresh(ctx);
        break;
      case 'stepup.request':
        this.flow.onStepUpRequest(ctx);
        break;
      case 'otp.send':
        this.flow.onOtpSend(ctx);
        break;
      case 'otp.retry':
        this.flow.onOtpRetry(ctx);
        break;
      case 'otp.check':
        this.flow.onChallengeStep(ctx, 'otp');
        break;
      case 'stepup.continue':
        this.flow.onChallengeStep(ctx, 'continue');
        break;
      case 'me.password.reset':
        this.onProtected(ctx, 'prld:pwd:write');
        break;
      case 'me.passkeys.register.finish':
        this.onProtected(ctx, 'prld:passkey:write');
        break;
      default:
        break;
    }
    // A login or refresh whose request named no session belongs to the one its response names (a refresh token
    // issued before the capture started, a login).
    ctx.lane ??= ctx.responseLane;
    const pending = this.host.prepareProof({
      d,
      f,
      mode: cls.auth.dpop,
      scope: cls.apiBase,
      ...(ctx.lane !== undefined ? { lane: ctx.lane } : {}),
      isLogin: ctx.isLogin,
      ...(ctx.challengeJti !== undefined ? { challengeJti: ctx.challengeJti } : {}),
      ...(ctx.challenge !== undefined ? challengeRef(ctx.challenge) : {}),
    });
    if (pending?.refusalExplainedByClock === true) ctx.explained = true;
    this.afterResponse(
      ctx,
      pending?.lane ?? ctx.lane ?? this.host.dpop.laneKey(cls.apiBase, undefined),
      pending,
    );
    return pending;
  }

  private onLogin(ctx: Ctx): void {
    const challengeToken = stringField(ctx.req, 'challenge_token');
    if (challengeToken !== undefined)
      this.host.readToken(
        ctx.d,
        challengeToken,
        'request.body.challenge_token',
        'challenge_token in the request',
      );
    const accessToken = stringField(ctx.res, 'access_token');
    if (accessToken !== undefined && ctx.f.ok) this.issued(ctx, accessToken, 'login', undefined);
  }

  private onRefresh(ctx: Ctx): void {
    const { f, index, time } = ctx;
    const laneSid = ctx.lane !== undefined ? this.host.dpop.sidOf(ctx.lane) : undefined;

    let record: ChallengeRecord | undefined;
    const stepUpRaw = stringField(ctx.req, 'step_up_token');
    const rotating = ctx.d.errorCode === 'use_dpop_nonce';
    if (stepUpRaw !== undefined) {
      const decoded = this.host.readToken(
        ctx.d,
        stepUpRaw,
        'request.body.step_up_token',
        'step_up_token in the request',
      );
      if (decoded.ok) {
        const claims = readChallengeClaims(decoded.claims);
        record = this.flow.challengeFromToken(ctx, stepUpRaw, decoded.claims, claims, 'request');
        if (record !== undefined && !rotating) {
          this.host.challenges.stopAwaitingRefresh(record);
          if (claims.currentStep !== 'completed') {
            this.host.raise({
              code: 'challenge.refresh_before_completion',
              exchange: index,
              message: `step_up_token of challenge ${claims.challengeId ?? '?'} has current_step ${claims.currentStep ?? 'missing'}, not completed.`,
              ...challengeRef(record),
            });
            if (ctx.d.errorCode === 'step_not_completed') ctx.explained = true;
          }
          if (f.ok) {
            this.host.challenges.update(record, { redeemedBy: index });
            this.host.challenges.event(
              record,
              'redeemed',
              index,
              time,
              'completed challenge exchanged for the scope (/refresh with step_up_token)',
            );
          } else if (f.noResponse) {
            // The SDK re-sends a stalled request; wait for it again.
            this.host.challenges.awaitRefresh(record, time + this.host.completionGraceMs);
            this.host.challenges.event(
              record,
              'redeem_failed',
              index,
              time,
              'no response to the /refresh with step_up_token',
            );
          } else {
            this.host.challenges.event(
              record,
              'redeem_failed',
              index,
              time,
              `/refresh with step_up_token refused: ${ctx.d.errorCode ?? `HTTP ${f.status}`}`,
            );
            if (ctx.d.errorCode === 'expired_challenge_token')
              this.flow.challengeExpired(ctx, record, 'the server answered expired_challenge_token');
          }
        }
      }
    } else if (!f.noResponse && !rotating) {
      for (const waiting of this.host.challenges.awaitingRefreshList()) {
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
      this.host.challenges.awaitScope(record);
    }
  }
  /** /me/password/reset, passkey registration: consume their scope on success. */
  private onProtected(ctx: Ctx, scope: string): void {
    if (ctx.f.ok) {
      this.host.ledger.consumeScope(
        ctx,
        'prelude',
        ctx.cls.label,
        scope,
        SELF_CONSUMED.get(scope) ?? 'protected_call',
      );
      return;
    }
    const code = ctx.d.errorCode;
    if (code !== null && REFUSAL_CODES.has(code)) {
      if (this.host.ledger.refused(ctx, [scope], code)) ctx.explained = true;
    }
  }

  /** What the response tells the session's DPoP context, then the response's own findings. `lane`: the request's. */
  private afterResponse(ctx: Ctx, lane: string, pending: PendingDpop | null): void {
    const { f, cls, index } = ctx;
    if (f.noResponse) return;
    const responseLane = ctx.responseLane ?? lane;
    const nonce = f.response.get('dpop-nonce');
    if (nonce !== undefined && nonce !== '')
      this.host.dpop.recordNonce(responseLane, cls.apiBase, nonce, f.endTime);
    const refreshToken = f.response.get('x-refresh-token');
    if (refreshToken !== undefined && refreshToken !== '')
      this.host.dpop.bindRefreshToken(refreshToken, responseLane);
    if (ctx.issuedToken !== undefined) this.host.dpop.bindAccessToken(ctx.issuedToken, responseLane);
    const proofJwk = pending?.proofJwk;
    if (f.ok && proofJwk !== undefined) this.host.dpop.accept(responseLane, cls.apiBase, proofJwk);
    if (f.ok && cls.endpoint === 'revoke') this.host.dpop.forgetKey(lane);

    this.host.checkCors(ctx.d, f, cls, CORS_POLICY);

    const code = ctx.d.errorCode;
    const demandKey = `${lane}|${cls.endpoint}`;
    if (code === 'use_dpop_nonce') {
      // Nonce rotation (use_dpop_nonce + DPoP-Nonce, then a retry) is normal. Report a repeat, or a demand the
      // client cannot answer.
      const repeated = this.nonceDemands.get(demandKey) === true;
      this.nonceDemands.set(demandKey, true);
      if (repeated || nonce === undefined) {
        this.host.raise({
          code: 'prelude.use_dpop_nonce',
          exchange: index,
          message: repeated
            ? `${cls.label} answered use_dpop_nonce again, after a retry: the client did not sign with the new nonce.`
            : `${cls.label} answered use_dpop_nonce without a DPoP-Nonce header to retry with.`,
          ...(ctx.challenge !== undefined ? challengeRef(ctx.challenge) : {}),
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
      if (this.host.ledger.refused(ctx, [], code)) return;
    }
    const message = stringField(ctx.res, 'message');
    this.host.raise({
      code: preludeFindingCode(code),
      exchange: index,
      message: `${cls.label} answered ${f.status} ${code}${message !== undefined ? `: ${truncate(message, 200)}` : ''}.`,
      ...(ctx.challenge !== undefined ? challengeRef(ctx.challenge) : {}),
    });
  }
  private missedRefresh(record: ChallengeRecord, why: string): void {
    this.host.challenges.stopAwaitingRefresh(record);
    this.host.raise({
      code: 'challenge.completed_without_refresh',
      exchange: record.completionExchange,
      message: `Challenge ${record.challengeId ?? record.key} (${record.scope ?? 'scope unknown'}) completed here, but ${why}.`,
      challengeKey: record.key,
      ...(record.challengeId !== null ? { challengeId: record.challengeId } : {}),
    });
  }

  sweep(now: number): void {
    for (const { value: record } of this.host.challenges.refreshDeadlines.popDue(now)) {
      if (!record.awaitingRefresh) continue;
      this.missedRefresh(
        record,
        `no /refresh carried it as step_up_token within ${formatDuration(this.host.completionGraceMs)}, so the access token did not get the scope`,
      );
    }
  }

  grantExpired(grant: GrantRecord): string {
    return `${grant.scope} expired (granted_for elapsed)`;
  }

  /** An access token in a login or refresh response; the session it names is the response's lane. */
  private issued(
    ctx: Ctx,
    raw: string,
    source: 'login' | 'refresh' | 'step_up_refresh',
    stepUp: ChallengeRecord | undefined,
  ): AccessTokenVersion | undefined {
    const version = this.host.ledger.issued(ctx, 'prelude', raw, source, stepUp);
    if (version === undefined) return undefined;
    ctx.issuedToken = raw;
    // The token's iat is the server's clock at this response.
    this.host.dpop.serverClock.observeIssued(version.iat, ctx.f);
    if (version.sid !== undefined) ctx.responseLane = this.host.dpop.laneKey(ctx.cls.apiBase, version.sid);
    return version;
  }
}

export const createPreludeModel: ProviderModelFactory = (host) => new PreludeModel(host);
