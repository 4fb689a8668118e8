/**
 * A step-up challenge's life on the wire: `/stepup/request` opens it, `/otp` sends and `/otp/retry` re-sends a
 * code, `/otp/check` and `/stepup/continue` advance it step by step, each answer carrying the next challenge token;
 * the last one says `current_step: completed`. Every token version is kept on the lane, so the timeline shows which
 * transition issued which jti, and a token used after its `exp` reads as an expired challenge.
 */
import { sameRequest } from '../../../model/exchange-facts.ts';
import { stringField } from '../../../model/exchange-facts.ts';
import type { ChallengeRecord } from '../../../model/challenges.ts';
import type { FactorMethod } from '../../../model/types.ts';
import type { ProviderModelHost } from '../../../model/provider-host.ts';
import { requestShape } from '../../../model/proofs.ts';
import {
  checkVerificationToken,
  readChallengeClaims,
  readVerificationClaims,
  type ChallengeClaims,
} from '../../../tokens/claims.ts';
import { formatDuration, formatEpochSeconds } from '../../../tokens/time.ts';
import { isRecord } from '../../../util.ts';
import { challengeRef, LOGIN_GRANT_MODES, type Ctx } from './call.ts';

export class ChallengeFlow {
  private readonly verificationJtis = new Map<
    string,
    { index: number; request: ReturnType<typeof requestShape>; noResponse: boolean }
  >();

  /** Per API base, the challenge that last sent or checked an OTP: /otp/retry has no body to name it. */
  private readonly lastOtp = new Map<string, ChallengeRecord>();

  /** Challenge key → the session lane of the /stepup/request that opened it (its proofs belong there). */
  private readonly lanes = new Map<string, string>();

  constructor(private readonly host: ProviderModelHost) {}

  onStepUpRequest(ctx: Ctx): void {
    const { f, index, time } = ctx;
    const scope = stringField(ctx.req, 'scope');
    const metadata = isRecord(ctx.req?.['metadata'])
      ? (ctx.req['metadata'] as Record<string, unknown>)
      : undefined;
    const status = stringField(ctx.res, 'status');
    const tokenRaw = f.ok ? stringField(ctx.res, 'challenge_token') : undefined;

    const requestLane = this.requestLane.bind(this, ctx, scope, metadata, status);

    if (tokenRaw !== undefined) {
      const decoded = this.host.readToken(
        ctx.d,
        tokenRaw,
        'response.body.challenge_token',
        'challenge_token in the /stepup/request response',
      );
      const claims = decoded.ok ? readChallengeClaims(decoded.claims) : undefined;
      let record =
        claims?.challengeId !== undefined
          ? this.ensureChallenge(ctx, claims.challengeId, claims.scopeRequested ?? scope, claims.sid)
          : undefined;
      if (record === undefined) record = requestLane();
      if (ctx.lane !== undefined) this.lanes.set(record.key, ctx.lane);
      this.host.challenges.update(record, {
        requestedAt: index,
        providerStatus: status ?? null,
        scope: record.scope ?? claims?.scopeRequested ?? scope ?? null,
        metadata: record.metadata ?? claims?.metadata ?? metadata ?? null,
      });
      const steps = claims?.steps.map((s) => s.key).join(' → ') ?? '';
      const decision =
        claims?.currentStep === 'completed'
          ? 'granted at once'
          : `first step ${claims?.currentStep ?? 'unknown'}`;
      this.host.challenges.event(
        record,
        'requested',
        index,
        time,
        `${record.scope ?? 'scope ?'} requested: status ${status ?? '?'}, ${decision}${steps ? ` (steps ${steps})` : ''}`,
      );
      if (decoded.ok && claims !== undefined)
        this.addVersion(ctx, record, tokenRaw, decoded.claims, claims, 'response');
      else this.host.challenges.setStatus(record, 'pending', 'the challenge token could not be decoded');
      return;
    }

    const record = requestLane();
    if (f.noResponse) {
      this.host.challenges.setStatus(record, 'failed', 'no response');
      this.host.challenges.event(
        record,
        'request_failed',
        index,
        time,
        `${scope ?? 'scope ?'} requested: no response`,
      );
    } else if (!f.ok) {
      const code = ctx.d.errorCode ?? `HTTP ${f.status}`;
      this.host.challenges.setStatus(record, 'failed', code);
      this.host.challenges.event(
        record,
        'request_failed',
        index,
        time,
        `${scope ?? 'scope ?'} refused: ${code}`,
      );
    } else if (status === 'block') {
      this.host.challenges.setStatus(record, 'blocked', 'status block: the step-up hook refused');
      this.host.challenges.event(
        record,
        'blocked',
        index,
        time,
        `${scope ?? 'scope ?'} blocked by the step-up hook`,
      );
      this.host.raise({
        code: 'challenge.blocked',
        exchange: index,
        message: `/stepup/request for ${scope ?? 'an unknown scope'} answered status "block".`,
        challengeKey: record.key,
      });
    } else if (ctx.res !== undefined) {
      this.host.challenges.event(
        record,
        'requested',
        index,
        time,
        `${scope ?? 'scope ?'} requested: status ${status ?? '?'}, no challenge token`,
      );
      if (status === 'continue') {
        // Docs: "continue" = granted at once. No token, so no step_up_token: the next access token tells.
        this.host.challenges.setStatus(
          record,
          'completed',
          'status continue without a challenge token (granted at once)',
        );
        this.host.challenges.update(record, { completedAt: time });
        this.host.challenges.event(record, 'completed', index, time, 'granted without a challenge');
        if (record.scope !== null) this.host.challenges.awaitScope(record);
      } else {
        this.host.challenges.setStatus(
          record,
          'pending',
          `status ${status ?? 'missing'} without a challenge token`,
        );
      }
    } else {
      this.host.challenges.setStatus(record, 'pending', 'response body not captured: challenge unknown');
      this.host.challenges.event(
        record,
        'requested',
        index,
        time,
        `${scope ?? 'scope ?'} requested (response body not captured)`,
      );
      this.host.challenges.markUnresolved(record);
    }
  }

  /** A lane for a /stepup/request whose challenge id is not known (blocked, refused, body not captured). */
  private requestLane(
    ctx: Ctx,
    scope: string | undefined,
    metadata: Record<string, unknown> | undefined,
    status: string | undefined,
  ): ChallengeRecord {
    const record = this.host.challenges.create(ctx.cls.provider, null, ctx.index);
    this.host.challenges.update(record, {
      apiBase: ctx.cls.apiBase,
      scope: scope ?? null,
      metadata: metadata ?? null,
      requestedAt: ctx.index,
      providerStatus: status ?? null,
      sub: ctx.bearer?.sub ?? null,
      sid: ctx.bearer?.sid ?? null,
    });
    ctx.d.challengeKey = record.key;
    if (ctx.lane !== undefined) this.lanes.set(record.key, ctx.lane);
    return record;
  }

  /**
   * The challenge for a challenge id: known, adopted from an unresolved request lane (of the token's session, when
   * it names one), or new.
   */
  private ensureChallenge(
    ctx: Ctx,
    challengeId: string,
    scope: string | undefined,
    sid?: string,
  ): ChallengeRecord {
    const { cls } = ctx;
    let record = this.host.challenges.byId(cls.provider, challengeId);
    record ??= this.host.challenges.adopt(cls.provider, cls.apiBase, challengeId, scope, sid);
    if (record === undefined) {
      record = this.host.challenges.create(cls.provider, challengeId, null);
      this.host.challenges.update(record, { apiBase: cls.apiBase });
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
    // A token in a response was minted for it: its iat is the server's clock at this response.
    if (seenIn === 'response') this.host.dpop.serverClock.observeIssued(rawClaims['iat'], ctx.f);
    const { completedNow } = this.host.challenges.addVersion(
      record,
      raw,
      claims,
      grantedFor,
      ctx.index,
      ctx.time,
      seenIn,
    );
    if (completedNow) {
      this.host.challenges.event(
        record,
        'completed',
        ctx.index,
        ctx.time,
        'current_step is completed: every step done',
      );
      this.host.challenges.awaitRefresh(record, ctx.time + this.host.completionGraceMs);
    }
  }

  /** The step-up challenge a token belongs to (creating its lane), or undefined for login challenges. */
  challengeFromToken(
    ctx: Ctx,
    raw: string,
    rawClaims: Record<string, unknown>,
    claims: ChallengeClaims,
    seenIn: 'request' | 'response',
  ): ChallengeRecord | undefined {
    if (claims.challengeId === undefined) return undefined;
    if (claims.grantMode !== undefined && LOGIN_GRANT_MODES.has(claims.grantMode)) return undefined;
    const record = this.ensureChallenge(ctx, claims.challengeId, claims.scopeRequested, claims.sid);
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
    const decoded = this.host.readToken(
      ctx.d,
      raw,
      'request.body.challenge_token',
      'challenge_token in the request',
    );
    if (!decoded.ok) return undefined;
    const claims = readChallengeClaims(decoded.claims);
    ctx.challengeClaims = claims;
    if (claims.jti !== undefined) ctx.challengeJti = claims.jti;
    ctx.expiredOnUse = claims.exp !== undefined && claims.exp * 1000 <= ctx.time;
    const record = this.challengeFromToken(ctx, raw, decoded.claims, claims, 'request');
    if (record !== undefined) ctx.challenge = record;
    // The challenge's session: the token's sid, else the lane of the step-up that opened it (a lane whose response
    // was not captured is matched to its challenge by scope, which another device's step-up may share).
    if (claims.sid !== undefined) ctx.lane = this.host.dpop.laneKey(ctx.cls.apiBase, claims.sid);
    else {
      const opened = record !== undefined ? this.lanes.get(record.key) : undefined;
      if (opened !== undefined) ctx.lane = opened;
    }
    return record;
  }

  challengeExpired(ctx: Ctx, record: ChallengeRecord, why: string): void {
    ctx.explained = true;
    const exp = ctx.challengeClaims?.exp ?? (record.expiresAt !== null ? record.expiresAt / 1000 : undefined);
    const late =
      exp !== undefined
        ? `, ${formatDuration(ctx.time - exp * 1000)} after its exp (${formatEpochSeconds(exp)})`
        : '';
    this.host.raise({
      code: 'challenge.expired',
      exchange: ctx.index,
      message: `${ctx.cls.label} used challenge ${record.challengeId ?? record.key}${late}; ${why}.`,
      ...challengeRef(record),
    });
    if (record.status === 'pending' || record.status === 'expired') {
      if (record.status !== 'expired')
        this.host.challenges.event(record, 'expired', ctx.index, ctx.time, why);
      this.host.challenges.setStatus(record, 'expired', why);
    }
  }

  onOtpSend(ctx: Ctx): void {
    const { f, index, time, cls } = ctx;
    let record = this.requestChallenge(ctx);
    if (record === undefined && f.requestBody.kind === 'absent') {
      record = this.lastOtp.get(cls.apiBase);
      if (record !== undefined) {
        ctx.d.challengeKey = record.key;
        ctx.d.notes.push(
          `Attributed to challenge ${record.challengeId ?? record.key}, the last one that used OTP.`,
        );
      }
    }
    if (record === undefined) return;
    this.lastOtp.set(cls.apiBase, record);
    if (f.ok) {
      const step = record.currentStep ?? 'the current step';
      this.host.challenges.codeSent(record, false, index, time, `code sent for ${step}`);
    } else {
      this.host.challenges.event(
        record,
        'factor_send_failed',
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

  onOtpRetry(ctx: Ctx): void {
    const { f, index, time, cls } = ctx;
    const record = this.lastOtp.get(cls.apiBase);
    if (record === undefined) {
      ctx.d.notes.push(
        'No step-up OTP was sent before in this capture: the challenge it re-sends is unknown.',
      );
      return;
    }
    ctx.d.challengeKey = record.key;
    if (f.ok) {
      const step = record.currentStep ?? 'the current step';
      this.host.challenges.codeSent(record, true, index, time, `code re-sent for ${step}`);
    } else {
      this.host.challenges.event(
        record,
        'factor_send_failed',
        index,
        time,
        f.noResponse ? 'resend: no response' : `resend refused: ${ctx.d.errorCode ?? `HTTP ${f.status}`}`,
      );
    }
  }

  /** /otp/check and /stepup/continue: the two calls that advance a challenge. */
  onChallengeStep(ctx: Ctx, kind: 'otp' | 'continue'): void {
    const { f, index, time, cls } = ctx;
    const record = this.requestChallenge(ctx);
    if (kind === 'continue') this.checkVerification(ctx, record);
    if (record === undefined) return;
    if (kind === 'otp') this.lastOtp.set(cls.apiBase, record);
    const step = ctx.challengeClaims?.currentStep ?? record.currentStep ?? 'the current step';
    // A typed code (/otp/check) or anything else a step is continued with (verification token, passkey).
    const method: FactorMethod = kind === 'otp' ? 'code' : 'assertion';

    if (f.noResponse) {
      this.host.challenges.event(record, 'factor_unknown', index, time, `${step}: no response`, method);
      return;
    }
    if (f.ok) {
      if (kind === 'otp') this.host.challenges.countCheck(record, true);
      const next = stringField(ctx.res, 'challenge_token');
      this.host.challenges.event(
        record,
        'factor_verified',
        index,
        time,
        `${step} passed${next === undefined ? ' (next token not captured)' : ''}`,
        method,
      );
      if (ctx.expiredOnUse)
        ctx.d.notes.push(
          'The challenge token had expired by the capture clock, yet the server accepted it (clock skew?).',
        );
      if (next !== undefined) {
        const decoded = this.host.readToken(
          ctx.d,
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
      return;
    }
    if (kind === 'otp') this.host.challenges.countCheck(record, false);
    const code = ctx.d.errorCode;
    if (
      code === 'expired_challenge_token' ||
      (code === 'bad_check_code' && ctx.expiredOnUse) ||
      (ctx.expiredOnUse && code === null)
    ) {
      this.host.challenges.event(
        record,
        'factor_failed',
        index,
        time,
        `${step}: ${code ?? `HTTP ${f.status}`} (the challenge had expired)`,
        method,
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
      this.host.challenges.event(
        record,
        'factor_failed',
        index,
        time,
        `${step}: wrong code (bad_check_code)`,
        method,
      );
      this.host.raise({
        code: 'challenge.bad_code',
        exchange: index,
        message: `Wrong code for ${step} of challenge ${record.challengeId ?? record.key} (attempt ${record.codeChecks.failed + record.codeChecks.succeeded}).`,
        ...challengeRef(record),
      });
      return;
    }
    this.host.challenges.event(
      record,
      'factor_failed',
      index,
      time,
      `${step}: ${code ?? `HTTP ${f.status}`}`,
      method,
    );
    if (code === 'auth_blocked' || code === 'invalid_challenge_token' || code === 'step_bypassed') {
      this.host.challenges.setStatus(record, 'failed', code);
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
    const decoded = this.host.readToken(
      ctx.d,
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
    this.host.raise({
      code: 'verification.claims_mismatch',
      exchange: ctx.index,
      message: `Verification token for ${ctx.challengeClaims.currentStep ?? 'the current step'}: ${rows.map((r) => r.detail).join('; ')}.`,
      ...(previous !== undefined && rows.some((r) => r.id === 'jti_unique') ? { related: [previous] } : {}),
      ...(record !== undefined ? challengeRef(record) : {}),
    });
  }
}
