/**
 * Dynamic step-ups as challenge lanes and grants of the session model.
 *
 * A lane starts at `stepUp/check` (key `dynamic:check#<exchange>`), or, when the SDK skipped the check, at the
 * verification (`dynamic:<verificationUUID>` or `dynamic:verify#<exchange>`). Its timeline:
 * `requested` (check) → `factor_sent` (emailVerifications/smsVerifications create) → `factor_verified|failed`
 * with method `code` (verify, TOTP, recovery code) or `assertion` (passkey, wallet, social, external auth) →
 * `completed` (an `elevatedAccessToken` came back) → `granted|not_granted` →
 * `consumed` / `grant_expired` / `refused`.
 *
 * Each elevated token is one grant (provider `dynamic`, mode `single-use` or `multi-use` from its `singleUse`
 * claim, expiry from `exp`), consumed by the first successful protected call that carries it in
 * `x-dyn-elevated-access-token` when it is single-use.
 */
import type { ChallengeRecord } from '../../model/challenges.ts';
import type { PendingDpop } from '../../model/dpop-session.ts';
import { jsonObject, stringField, type ExchangeFacts } from '../../model/exchange-facts.ts';
import type { GrantRecord } from '../../model/grants.ts';
import type {
  ExchangeDraft,
  ProviderModel,
  ProviderModelFactory,
  ProviderModelHost,
} from '../../model/provider-host.ts';
import type { FactorMethod } from '../../model/types.ts';
import { parseScopes } from '../../tokens/scopes.ts';
import { formatDuration, formatEpochSeconds } from '../../tokens/time.ts';
import type { TokenDecodeResult } from '../../tokens/types.ts';
import { truncate } from '../../util.ts';
import type { ExchangeClassification } from '../parts.ts';
import {
  DYNAMIC_ENDPOINTS,
  ELEVATED_TOKEN_HEADER,
  type DynamicEndpoint,
  type DynamicEndpointKey,
} from './endpoints.ts';
import { dynamicErrorCode, optionalExp, readCredentials, readElevated } from './model-read.ts';
import { fromWaasIframe, UnseenWaasUses, WAAS_IFRAME, waasExpiryLine, waasScopes } from './waas.ts';

/** Factors verified with a typed code: OTP-check events. Passkey, wallet, social and external auth: continue events. */
const CODE_FACTORS: ReadonlySet<string> = new Set(['verify_email', 'verify_sms', 'mfa_totp', 'mfa_recovery']);

/** An elevated token seen issued or presented. */
interface ElevatedToken {
  grant: GrantRecord;
  scopes: string[];
  singleUse: boolean;
  /** Epoch seconds. */
  exp?: number;
  record: ChallengeRecord | null;
  /** Successful uses, in order. */
  uses: number[];
}

/** The latest `stepUp/check` answer for a scope. */
interface CheckResult {
  record: ChallengeRecord;
  required: boolean;
  index: number;
}

/** One Dynamic exchange while it is analysed. */
interface Call {
  d: ExchangeDraft;
  f: ExchangeFacts;
  cls: ExchangeClassification;
  endpoint: DynamicEndpoint;
  index: number;
  time: number;
  req: Record<string, unknown> | undefined;
  res: Record<string, unknown> | undefined;
  /** From the session JWT sent as Bearer. */
  sub?: string;
  sid?: string;
  /** The error code is explained by a more specific finding: no `dynamic.api_error`. */
  explained: boolean;
}

/** Dynamic's lanes, grants and findings. */
class DynamicModel implements ProviderModel {
  /** Per API base: lanes that wait for an elevated token, oldest first. */
  private readonly pending = new Map<string, ChallengeRecord[]>();
  /** `<apiBase>\0<verificationUUID>` → its lane. */
  private readonly byVerification = new Map<string, ChallengeRecord>();
  /** OTPs sent while no lane was waiting: a verify with requestedScopes may claim them later. */
  private readonly unclaimedOtps = new Map<string, { index: number; time: number; factor: string }>();
  /** `<apiBase>\0<scope>` → the latest check of that scope. */
  private readonly checks = new Map<string, CheckResult>();
  /** Elevated tokens by token string. */
  private readonly elevated = new Map<string, ElevatedToken>();
  /** Elevated tokens by grant id, for the grant's expiry line. */
  private readonly byGrant = new Map<string, ElevatedToken>();
  /** Tokens for a wallet action (used from Dynamic's iframe) with no use seen yet, until their `exp`. */
  private readonly unseenWaas = new UnseenWaasUses();

  constructor(private readonly host: ProviderModelHost) {}

  /** Analyses one exchange the Dynamic adapter classified. */
  onExchange(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification): PendingDpop | null {
    this.handle(d, f, cls);
    return null;
  }

  grantExpired(grant: GrantRecord): string {
    return (
      waasExpiryLine(grant, this.byGrant.get(grant.id)) ??
      `elevated token (${grant.scope}) expired: exp passed`
    );
  }

  sweep(now: number): void {
    for (const finding of this.unseenWaas.due(now)) this.host.raise(finding);
  }

  private handle(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification): void {
    const endpoint = DYNAMIC_ENDPOINTS[cls.endpoint as DynamicEndpointKey] ?? DYNAMIC_ENDPOINTS.unknown;
    if (endpoint.key === 'preflight') return;
    const res = jsonObject(f.responseBody);
    const call: Call = {
      d,
      f,
      cls,
      endpoint,
      index: d.index,
      time: f.time,
      req: jsonObject(f.requestBody),
      res,
      explained: false,
    };
    d.errorCode = dynamicErrorCode(f, res);
    const readsResponse =
      endpoint.role === 'check' || endpoint.role === 'otp_send' || endpoint.role === 'verify';
    if (f.noResponse) {
      d.notes.push('No response: the outcome is unknown.');
    } else if (f.responseBody.kind === 'absent' && readsResponse) {
      d.notes.push(
        'Response body not captured: what it answered (and any elevated token) could not be read.',
      );
      this.host.countMissingResponseBody();
    }

    // The elevated token goes first: it is the token of interest on a protected call.
    const rawElevated = f.request.get(ELEVATED_TOKEN_HEADER)?.trim();
    let elevated: TokenDecodeResult | undefined;
    // A token cut to size on import was sent but cannot be read: left undecoded, it raises nothing.
    const elevatedCut = f.request.truncated(ELEVATED_TOKEN_HEADER);
    if (elevatedCut) {
      d.notes.push(
        `The ${ELEVATED_TOKEN_HEADER} header was cut to size when the file was loaded: its token could not be read.`,
      );
    } else if (rawElevated !== undefined && rawElevated !== '') {
      elevated = this.host.decode(rawElevated);
      d.tokens.push({ location: 'request.authorization', decoded: elevated, field: ELEVATED_TOKEN_HEADER });
      if (!elevated.ok) {
        this.host.raise({
          code: 'token.malformed',
          exchange: d.index,
          message: `${ELEVATED_TOKEN_HEADER}: ${elevated.message}`,
        });
      }
    }
    if (f.bearer !== undefined) {
      const session = this.host.decode(f.bearer);
      d.tokens.push({ location: 'request.authorization', decoded: session });
      if (session.ok) {
        const sub = session.claims['sub'];
        const sid = session.claims['sid'];
        if (typeof sub === 'string') call.sub = sub;
        if (typeof sid === 'string') call.sid = sid;
      }
    }

    switch (endpoint.role) {
      case 'check':
        this.onCheck(call);
        break;
      case 'otp_send':
        this.onOtpSend(call);
        break;
      case 'verify':
        this.onVerify(call);
        break;
      default:
        break;
    }
    if (endpoint.role === 'protected' || rawElevated !== undefined) {
      if (fromWaasIframe(f))
        d.notes.push(`Sent from Dynamic's wallet iframe (${WAAS_IFRAME}…), which the page hook cannot see.`);
      this.onProtected(call, rawElevated, elevated);
    }

    if (!call.explained && d.errorCode !== null) {
      const message = stringField(res, 'error');
      this.host.raise({
        code: 'dynamic.api_error',
        exchange: d.index,
        message: `${cls.label} answered ${f.status} ${d.errorCode}${message !== undefined ? `: ${truncate(message, 200)}` : ''}.`,
        ...(d.challengeKey !== null ? { challengeKey: d.challengeKey } : {}),
      });
    }
  }

  // -----------------------------------------------------------------------------------------------------------
  // stepUp/check

  private onCheck(call: Call): void {
    const { f, index, time, cls, d } = call;
    const scopes = parseScopes(call.req?.['scope']);
    const scope = scopes.length > 0 ? scopes.join(' ') : null;
    const record = this.host.challenges.create('dynamic', null, index, `dynamic:check#${index}`);
    this.host.challenges.update(record, {
      apiBase: cls.apiBase,
      scope,
      requestedAt: index,
      sub: call.sub ?? null,
      sid: call.sid ?? null,
    });
    d.challengeKey = record.key;
    const what = scope ?? 'scope ?';
    const store = this.host.challenges;

    if (f.noResponse) {
      store.setStatus(record, 'failed', 'no response (the SDK then assumes step-up is required)');
      store.event(record, 'request_failed', index, time, `${what}: check got no response`);
      return;
    }
    if (!f.ok) {
      const code = d.errorCode ?? `HTTP ${f.status}`;
      store.setStatus(record, 'failed', `${code} (the SDK then assumes step-up is required)`);
      store.event(record, 'request_failed', index, time, `${what}: check refused (${code})`);
      return;
    }
    const res = call.res;
    if (res === undefined) {
      store.setStatus(record, 'pending', 'response body not captured: required or not is unknown');
      store.event(record, 'requested', index, time, `${what}: checked (response not captured)`);
      this.addPending(record);
      return;
    }
    const required = res['isRequired'] === true;
    const credentials = readCredentials(res['credentials']);
    const defaultCredentialId = stringField(res, 'defaultCredentialId');
    store.update(record, {
      metadata: {
        isRequired: required,
        credentials,
        ...(defaultCredentialId !== undefined ? { defaultCredentialId } : {}),
      },
      providerStatus: required ? 'required' : 'not_required',
    });
    const offered =
      credentials.length === 0
        ? 'no credentials offered'
        : `credentials ${credentials
            .map((c) => `${c.format}${c.id === defaultCredentialId ? ' (default)' : ''}`)
            .join(', ')}`;
    store.event(
      record,
      'requested',
      index,
      time,
      required ? `${what}: step-up required; ${offered}` : `${what}: step-up not required`,
    );
    for (const s of scopes) this.checks.set(`${cls.apiBase}\u0000${s}`, { record, required, index });
    if (!required) {
      store.setStatus(record, 'completed', 'step-up not required');
      store.update(record, { completedAt: time, completionExchange: index });
      store.event(record, 'completed', index, time, 'not required: the action needs no elevated token');
      return;
    }
    // A new required check for a scope abandons an older lane still waiting for it.
    for (const older of [...(this.pending.get(cls.apiBase) ?? [])]) {
      if (older.scope === scope && older.status === 'pending') {
        store.setStatus(older, 'failed', `abandoned: a new check for ${what} at #${index}`);
        this.removePending(older);
      }
    }
    store.setStatus(
      record,
      'pending',
      credentials.length === 0
        ? 'step-up required, but no credential to verify with'
        : 'waiting for verification',
    );
    this.addPending(record);
  }

  // -----------------------------------------------------------------------------------------------------------
  // OTP create

  private onOtpSend(call: Call): void {
    const { f, d, cls, index, time, endpoint } = call;
    const factor = endpoint.factor ?? 'verify_email';
    const uuid = stringField(call.res, 'verificationUUID');
    const record = this.latestPending(cls.apiBase);
    if (record === undefined) {
      // A sign-in OTP, or a step-up whose check the capture does not show: the verify tells.
      if (f.ok && uuid !== undefined)
        this.unclaimedOtps.set(`${cls.apiBase}\u0000${uuid}`, { index, time, factor });
      return;
    }
    d.challengeKey = record.key;
    const store = this.host.challenges;
    if (!f.ok) {
      store.event(
        record,
        'factor_send_failed',
        index,
        time,
        f.noResponse ? 'no response' : `refused: ${d.errorCode ?? `HTTP ${f.status}`}`,
      );
      return;
    }
    this.setStep(record, factor);
    const resend = record.codeSends > 0;
    if (uuid !== undefined) {
      this.byVerification.set(`${cls.apiBase}\u0000${uuid}`, record);
      store.update(record, { challengeId: uuid });
    }
    store.codeSent(
      record,
      resend,
      index,
      time,
      `${factor === 'verify_sms' ? 'SMS' : 'email'} code ${resend ? 're-sent' : 'sent'}${uuid !== undefined ? ` (verificationUUID ${uuid})` : ''}`,
    );
  }

  // -----------------------------------------------------------------------------------------------------------
  // Verification (OTP verify, MFA, wallet, social, external auth)

  private onVerify(call: Call): void {
    const { f, d, cls, index, time, endpoint } = call;
    const requested = parseScopes(call.req?.['requestedScopes']);
    const uuid = stringField(call.req, 'verificationUUID');
    const factor = endpoint.factor ?? endpoint.key;
    const store = this.host.challenges;

    let record = uuid !== undefined ? this.byVerification.get(`${cls.apiBase}\u0000${uuid}`) : undefined;
    record ??= this.pendingFor(cls.apiBase, requested);
    if (record === undefined) {
      if (requested.length === 0) return; // A sign-in or profile verification: no step-up.
      record = store.create(
        'dynamic',
        uuid ?? null,
        index,
        uuid !== undefined ? `dynamic:${uuid}` : `dynamic:verify#${index}`,
      );
      store.update(record, {
        apiBase: cls.apiBase,
        scope: requested.join(' '),
        sub: call.sub ?? null,
        sid: call.sid ?? null,
      });
      store.setStatus(record, 'pending', 'verification without a step-up check in the capture');
      const otp = uuid !== undefined ? this.unclaimedOtps.get(`${cls.apiBase}\u0000${uuid}`) : undefined;
      if (otp !== undefined) {
        this.unclaimedOtps.delete(`${cls.apiBase}\u0000${uuid ?? ''}`);
        this.setStep(record, otp.factor);
        store.codeSent(record, false, otp.index, otp.time, `code sent (verificationUUID ${uuid ?? '?'})`);
      }
      this.addPending(record);
    }
    d.challengeKey = record.key;
    if (record.scope === null && requested.length > 0) store.update(record, { scope: requested.join(' ') });
    if (uuid !== undefined && record.challengeId === null) store.update(record, { challengeId: uuid });
    this.setStep(record, factor);

    const code = CODE_FACTORS.has(factor);
    const method: FactorMethod = code ? 'code' : 'assertion';
    const what = endpoint.label.replace(/^Dynamic: /, '');

    if (f.noResponse) {
      store.event(record, 'factor_unknown', index, time, `${what}: no response`, method);
      return;
    }
    if (!f.ok) {
      if (code) store.countCheck(record, false);
      const why = d.errorCode ?? `HTTP ${f.status}`;
      store.event(record, 'factor_failed', index, time, `${what} refused: ${why}`, method);
      call.explained = true;
      this.host.raise({
        code: 'dynamic.verification_failed',
        exchange: index,
        message: `${what} for ${record.scope ?? 'an unknown scope'} refused (${why})${code ? `, attempt ${record.codeChecks.failed + record.codeChecks.succeeded}` : ''}.`,
        challengeKey: record.key,
      });
      return;
    }
    if (code) store.countCheck(record, true);
    if (record.steps.some((s) => s.key === factor && !s.done)) {
      store.update(record, {
        steps: record.steps.map((s) =>
          s.key === factor && !s.done ? { ...s, done: true, doneAt: index } : s,
        ),
      });
    }
    store.event(record, 'factor_verified', index, time, `${what} passed`, method);

    const raw = stringField(call.res, 'elevatedAccessToken');
    if (raw !== undefined && raw !== '') {
      this.issued(call, record, raw, requested);
      return;
    }
    if (call.res === undefined) return; // Noted already: the body was not captured.
    if (requested.length === 0) {
      d.notes.push('No requestedScopes in the request: no elevated token was asked for.');
      if (record.providerStatus !== 'required') return;
    }
    store.update(record, { scopeGranted: false });
    store.event(record, 'not_granted', index, time, 'no elevatedAccessToken in the response');
    this.host.raise({
      code: 'dynamic.scope_not_in_token',
      exchange: index,
      message:
        requested.length === 0
          ? `${what} passed after a check said step-up is required for ${record.scope ?? '?'}, but the request carried no requestedScopes, so no elevated token was issued.`
          : `${what} passed with requestedScopes ${requested.join(' ')}, but the response carries no elevatedAccessToken.`,
      challengeKey: record.key,
    });
  }

  /** An elevated token in a verification response: completes the lane and creates its grant. */
  private issued(call: Call, record: ChallengeRecord, raw: string, requested: string[]): void {
    const { d, index, time } = call;
    const store = this.host.challenges;
    const decoded = this.host.decode(raw);
    d.tokens.push({ location: 'response.body.access_token', decoded, field: 'elevatedAccessToken' });
    if (!decoded.ok) {
      this.host.raise({
        code: 'token.malformed',
        exchange: index,
        message: `elevatedAccessToken in the response: ${decoded.message}`,
        challengeKey: record.key,
      });
      return;
    }
    const token = readElevated(decoded.claims);
    const mode = token.singleUse ? 'single-use' : 'multi-use';
    store.update(record, {
      grantMode: mode,
      completedAt: time,
      completionExchange: index,
      currentStep: 'completed',
      ...(token.exp !== undefined ? { expiresAt: token.exp * 1000 } : {}),
      sub: record.sub ?? token.sub ?? null,
    });
    store.addToken(record, {
      exchange: index,
      seenIn: 'response',
      raw,
      ...(token.exp !== undefined ? { exp: token.exp } : {}),
      ...(typeof decoded.claims['iat'] === 'number' ? { iat: decoded.claims['iat'] } : {}),
      ...(typeof decoded.claims['jti'] === 'string' ? { jti: decoded.claims['jti'] } : {}),
    });
    store.setStatus(record, 'completed', 'elevated token issued');
    this.removePending(record);
    const scopeText = token.scopes.length > 0 ? token.scopes.join(' ') : 'no scope';
    const expiry =
      token.exp !== undefined
        ? `, expires ${formatEpochSeconds(token.exp)} (in ${formatDuration(token.exp * 1000 - time)})`
        : ', no exp';
    store.event(record, 'completed', index, time, `elevated token issued: ${scopeText}, ${mode}${expiry}`);

    // What the check asked for counts as much as what the verify requested: an app that checks wallet:export and
    // then requests credential:link gets a token the export refuses.
    const wanted = [...new Set([...parseScopes(record.scope ?? ''), ...requested])];
    const missing = wanted.filter((s) => !token.scopes.includes(s));
    // The token's iat is the server's clock at this response.
    this.host.dpop.serverClock.observeIssued(decoded.claims['iat'], call.f);
    const waas = waasScopes(scopeText);
    if (missing.length === 0) {
      store.update(record, { scopeGranted: true });
      store.event(
        record,
        'granted',
        index,
        time,
        `elevated token carries ${scopeText}${waas.length > 0 ? ` (used from Dynamic's wallet iframe, ${WAAS_IFRAME}…: a capture may not see that call)` : ''}`,
      );
    } else {
      store.update(record, { scopeGranted: false });
      store.event(
        record,
        'not_granted',
        index,
        time,
        `elevated token lacks ${missing.join(' ')} (has: ${scopeText})`,
      );
      this.host.raise({
        code: 'dynamic.scope_not_in_token',
        exchange: index,
        message: `${requested.length > 0 ? `requestedScopes ${requested.join(' ')}` : 'No requestedScopes'}${record.providerStatus === 'required' ? ` after a check for ${record.scope ?? '?'}` : ''}, but the elevated token issued here carries ${scopeText}: ${missing.join(' ')} missing.`,
        challengeKey: record.key,
      });
    }
    const { grant } = this.host.grants.create({
      provider: 'dynamic',
      scope: token.scopes.length > 0 ? scopeText : wanted.join(' '),
      mode,
      challengeKey: record.key,
      lane: `dynamic:${token.sub ?? call.sub ?? 'unknown'}`,
      grantedAt: time,
      grantedBy: index,
      expiresAt: token.exp !== undefined ? token.exp * 1000 : null,
    });
    store.update(record, { grantId: grant.id });
    const state: ElevatedToken = {
      grant,
      scopes: token.scopes,
      singleUse: token.singleUse,
      ...optionalExp(token.exp),
      record,
      uses: [],
    };
    this.elevated.set(raw, state);
    this.byGrant.set(grant.id, state);
    if (waas.length > 0) this.unseenWaas.watch(state);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Protected calls

  private onProtected(call: Call, raw: string | undefined, decoded: TokenDecodeResult | undefined): void {
    const { f, d, cls, index, time, endpoint } = call;
    const needed = endpoint.scope;
    const store = this.host.challenges;
    if (raw === undefined || raw === '') {
      if (needed === undefined) return;
      const check = this.checks.get(`${cls.apiBase}\u0000${needed}`);
      if (check === undefined || !check.required) return;
      d.challengeKey = check.record.key;
      call.explained = true;
      store.event(
        check.record,
        'not_granted',
        index,
        time,
        `${endpoint.label.replace(/^Dynamic: /, '')} sent without ${ELEVATED_TOKEN_HEADER}`,
      );
      this.host.raise({
        code: 'dynamic.step_up_required_but_token_missing',
        exchange: index,
        message: `${cls.label} needs ${needed}; the check at #${check.index} said step-up is required, but this call carries no ${ELEVATED_TOKEN_HEADER} header${f.ok ? ' (and the server accepted it anyway)' : ''}.`,
        challengeKey: check.record.key,
        related: [check.index],
      });
      return;
    }
    if (decoded === undefined || !decoded.ok) return;
    let token = this.elevated.get(raw);
    if (token === undefined) token = this.adopt(call, raw, decoded.claims);
    if (token.record !== null) d.challengeKey = token.record.key;
    const ref = token.record !== null ? { challengeKey: token.record.key } : {};
    const scopeText = token.scopes.join(' ') || 'no scope';

    if (needed !== undefined && !token.scopes.includes(needed)) {
      if (!f.ok) call.explained = true;
      this.host.raise({
        code: 'dynamic.scope_not_in_token',
        exchange: index,
        message: `${cls.label} needs ${needed}, but the elevated token sent carries ${scopeText}.`,
        related: [token.grant.grantedBy],
        ...ref,
      });
    }
    if (token.exp !== undefined && token.exp * 1000 <= time) {
      if (!f.ok) call.explained = true;
      this.host.raise({
        code: 'dynamic.elevated_token_expired_on_use',
        exchange: index,
        message: `The elevated token (${scopeText}) expired at ${formatEpochSeconds(token.exp)}, ${formatDuration(time - token.exp * 1000)} before this ${cls.label} call${f.ok ? '; the server accepted it anyway (clock skew?)' : ''}.`,
        related: [token.grant.grantedBy],
        ...ref,
      });
    }
    const grant = token.grant;
    if (
      token.singleUse &&
      grant.state === 'consumed' &&
      grant.consumedBy !== null &&
      grant.consumedBy !== index
    ) {
      call.explained = true;
      this.host.grants.noteReuse(grant, index);
      const outcome = f.ok
        ? 'accepted (the server did not enforce single use)'
        : `refused: ${d.errorCode ?? `HTTP ${f.status}`}`;
      // The timeline shows refused reuses; an accepted one is the finding (and the grant's reuseAttempts) alone.
      if (token.record !== null && !f.ok)
        store.event(token.record, 'refused', index, time, `single-use token sent again: ${outcome}`);
      this.host.raise({
        code: 'dynamic.single_use_token_reused',
        exchange: index,
        message: `The single-use elevated token (${scopeText}) was already consumed by #${grant.consumedBy}; sent again on ${cls.label}, ${outcome}.`,
        related: [grant.consumedBy],
        ...ref,
      });
      return;
    }
    if (!f.ok) return;
    token.uses.push(index);
    if (token.singleUse) {
      this.host.grants.consume(grant, 'protected_call', index, time);
      if (token.record !== null)
        store.event(
          token.record,
          'consumed',
          index,
          time,
          `${scopeText} consumed by ${cls.label} (#${index})`,
        );
    } else {
      d.notes.push(`Multi-use elevated token (${scopeText}): use ${token.uses.length}.`);
    }
  }

  /** An elevated token presented without having been seen issued: a grant without a lane. */
  private adopt(call: Call, raw: string, claims: Record<string, unknown>): ElevatedToken {
    const token = readElevated(claims);
    const { grant } = this.host.grants.create({
      provider: 'dynamic',
      scope: token.scopes.join(' '),
      mode: token.singleUse ? 'single-use' : 'multi-use',
      challengeKey: null,
      lane: `dynamic:${token.sub ?? call.sub ?? 'unknown'}`,
      grantedAt: call.time,
      grantedBy: call.index,
      expiresAt: token.exp !== undefined ? token.exp * 1000 : null,
    });
    call.d.notes.push('Elevated token not seen issued in this capture.');
    const state: ElevatedToken = {
      grant,
      scopes: token.scopes,
      singleUse: token.singleUse,
      ...optionalExp(token.exp),
      record: null,
      uses: [],
    };
    this.elevated.set(raw, state);
    this.byGrant.set(grant.id, state);
    return state;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Lane bookkeeping

  private setStep(record: ChallengeRecord, factor: string): void {
    const store = this.host.challenges;
    if (!record.steps.some((s) => s.key === factor))
      store.update(record, {
        steps: [...record.steps, { key: factor, order: record.steps.length + 1, done: false }],
      });
    if (record.currentStep !== 'completed') store.update(record, { currentStep: factor });
  }

  private addPending(record: ChallengeRecord): void {
    const base = record.apiBase ?? '';
    const list = this.pending.get(base);
    if (list === undefined) this.pending.set(base, [record]);
    else list.push(record);
  }

  private removePending(record: ChallengeRecord): void {
    const list = this.pending.get(record.apiBase ?? '');
    if (list === undefined) return;
    const i = list.indexOf(record);
    if (i !== -1) list.splice(i, 1);
  }

  private latestPending(apiBase: string): ChallengeRecord | undefined {
    return this.pending.get(apiBase)?.at(-1);
  }

  /** The waiting lane a verification belongs to: the latest whose scopes it requests, else the latest. */
  private pendingFor(apiBase: string, requested: readonly string[]): ChallengeRecord | undefined {
    const list = this.pending.get(apiBase);
    if (list === undefined || list.length === 0) return undefined;
    for (let i = list.length - 1; i >= 0; i -= 1) {
      const record = list[i] as ChallengeRecord;
      const scopes = parseScopes(record.scope ?? '');
      if (scopes.length > 0 && scopes.every((s) => requested.includes(s))) return record;
    }
    return requested.length > 0 ? list.at(-1) : undefined;
  }
}

export const createDynamicModel: ProviderModelFactory = (host) => new DynamicModel(host);
