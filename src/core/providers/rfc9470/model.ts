/**
 * OAuth step-up challenges from any resource server (RFC 9470, and RFC 6750 `insufficient_scope`) as challenge
 * lanes of the session model, one per protected resource (`rfc9470:<origin><path>`, `#2`… for later ones):
 *
 * `requested` (the 401/403 challenge: acr_values, max_age or scope asked) → `factor_verified|factor_failed` (the
 * next access token presented to the resource, checked: `acr` ∈ acr_values, now − `auth_time` ≤ max_age, `scope`
 * holds the scopes asked) → `completed` (a 2xx from the resource). The same challenge again after a new token is a
 * challenge loop.
 *
 * Separately, access tokens of one session (same `iss`, then `sid` or `sub`) are followed so that a refresh that
 * changes `acr` or `auth_time` (RFC 9470 §6.1) is caught: tokens from a token endpoint refresh, and presented tokens
 * whose `acr` changed while `auth_time` stayed the same.
 */
import type { ChallengeRecord } from '../../model/challenges.ts';
import type { PendingDpop } from '../../model/dpop-session.ts';
import { jsonObject, stringField, type ExchangeFacts } from '../../model/exchange-facts.ts';
import type {
  ExchangeDraft,
  ProviderModel,
  ProviderModelFactory,
  ProviderModelHost,
} from '../../model/provider-host.ts';
import { parseScopes } from '../../tokens/scopes.ts';
import { formatDuration, formatEpochSeconds } from '../../tokens/time.ts';
import type { TokenDecodeResult } from '../../tokens/types.ts';
import { truncate } from '../../util.ts';
import type { ExchangeClassification } from '../parts.ts';
import { describeStepUpChallenge, readStepUpChallenge, type StepUpChallenge } from './challenge.ts';
import { resourceOf } from './resource.ts';

/** A resource's open challenge lane. */
interface ResourceLane {
  record: ChallengeRecord;
  resource: string;
  challenge: StepUpChallenge;
  /** Exchange of the latest challenge. */
  lastChallenge: number;
  /** Tokens the resource answered with the challenge. */
  challenged: Set<string>;
  /** Tokens already checked against the requirement. */
  checked: Set<string>;
  loops: number;
}

/** The latest token of a session, for the RFC 9470 §6.1 refresh checks. */
interface SessionToken {
  acr?: string;
  authTime?: number;
  index: number;
  seen: Set<string>;
}

/** Where a token of a session came from. */
type TokenSource = 'presented' | 'refresh' | 'grant';

/** Bound on remembered tokens per session (only new tokens are compared). */
const SEEN_LIMIT = 1_000;

/** RFC 9470 / RFC 6750 lanes and findings. */
class Rfc9470Model implements ProviderModel {
  private readonly open = new Map<string, ResourceLane>();
  private readonly sessions = new Map<string, SessionToken>();

  constructor(private readonly host: ProviderModelHost) {}

  /**
   * An exchange the adapter classified (a challenge, or a token endpoint call). A resource's challenge is app
   * traffic too: the ledger sees it first, and a refusal the reuse of a consumed grant explains stays on that
   * grant's lane instead of opening one here.
   */
  onExchange(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification): PendingDpop | null {
    const { explainedByGrant, token } = this.host.appTraffic.observe(d, f);
    if (!explainedByGrant) this.handle(d, f, cls, token);
    return this.host.appTraffic.resourceProof(d, f);
  }

  private handle(
    d: ExchangeDraft,
    f: ExchangeFacts,
    cls: ExchangeClassification,
    presented: TokenDecodeResult | undefined,
  ): void {
    if (presented?.ok && f.bearer !== undefined) this.track(d, f.bearer, presented.claims, 'presented');
    if (cls.endpoint === 'token.refresh' || cls.endpoint === 'token.grant') {
      this.onTokenEndpoint(d, f, cls.endpoint === 'token.refresh' ? 'refresh' : 'grant');
      return;
    }
    this.onChallenge(d, f, presented);
  }

  /**
   * Any other call presenting a token (the app's API): a retry of a challenged resource, and the session's token
   * history. Cheap when no lane is open and the token carries neither `acr` nor `auth_time`.
   */
  onUnclaimed(d: ExchangeDraft, f: ExchangeFacts, presented: TokenDecodeResult | undefined): void {
    if (presented?.ok && f.bearer !== undefined) this.track(d, f.bearer, presented.claims, 'presented');
    if (this.open.size === 0) return;
    const lane = this.open.get(resourceOf(f.url));
    if (lane !== undefined) this.followUp(d, f, lane, presented);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Challenges and retries

  private onChallenge(d: ExchangeDraft, f: ExchangeFacts, presented: TokenDecodeResult | undefined): void {
    const index = d.index;
    const time = f.time;
    const values = f.response.all('www-authenticate');
    const read = readStepUpChallenge(values);
    const resource = resourceOf(f.url);
    const where = `${f.method.toUpperCase()} ${shortUrl(resource)}`;
    if (read.problems.length > 0) {
      this.host.raise(
        {
          code: 'rfc9470.malformed_www_authenticate',
          exchange: index,
          message: `WWW-Authenticate of ${where} (${f.status}): ${read.problems.join('; ')}. Header: ${truncate(values.join(' | '), 300)}`,
        },
        'other',
        `www-authenticate:${resource}\u0000${values.join('\n')}`,
      );
    }
    const challenge = read.challenge;
    if (challenge === undefined) {
      d.notes.push('WWW-Authenticate mentions a step-up error, but no Bearer/DPoP challenge could be read.');
      return;
    }
    d.errorCode ??= challenge.error;
    const raw = f.bearer;
    const store = this.host.challenges;
    const asked = describeStepUpChallenge(challenge);
    let lane = this.open.get(resource);
    if (lane === undefined) {
      lane = this.openLane(d, f, resource, challenge, presented);
    } else {
      d.challengeKey = lane.record.key;
      const newToken = raw !== undefined && !lane.challenged.has(raw);
      if (newToken && presented?.ok) this.check(lane, raw, presented.claims, index, time);
      const same = sameRequirement(lane.challenge, challenge);
      if (newToken && same) {
        lane.loops += 1;
        store.setStatus(
          lane.record,
          'failed',
          `challenge loop: challenged again after a new token (${asked})`,
        );
        store.event(
          lane.record,
          'requested',
          index,
          time,
          `${f.status} ${challenge.error} again after a new token: loop${lane.loops > 1 ? ` #${lane.loops}` : ''} (${asked})`,
        );
        this.host.raise({
          code: 'rfc9470.challenge_loop',
          exchange: index,
          message: `${where} answered ${f.status} ${challenge.error} (${asked}) again, after the client presented a new access token (first challenge at #${lane.record.requestedAt ?? lane.lastChallenge}).`,
          challengeKey: lane.record.key,
          related: [lane.lastChallenge],
        });
      } else if (!same) {
        lane.challenge = challenge;
        this.describeLane(lane.record, resource, challenge, f.status);
        store.setStatus(lane.record, 'pending', waitingFor(challenge));
        store.event(
          lane.record,
          'requested',
          index,
          time,
          `${f.status} ${challenge.error}: now asks ${asked}`,
        );
      } else {
        store.event(
          lane.record,
          'requested',
          index,
          time,
          `${f.status} ${challenge.error} again: the same token was sent, no step-up in between`,
        );
      }
      lane.lastChallenge = index;
    }
    if (raw !== undefined) lane.challenged.add(raw);
  }

  private openLane(
    d: ExchangeDraft,
    f: ExchangeFacts,
    resource: string,
    challenge: StepUpChallenge,
    presented: TokenDecodeResult | undefined,
  ): ResourceLane {
    const store = this.host.challenges;
    const record = store.create('rfc9470', null, d.index, `rfc9470:${resource}`);
    store.update(record, { apiBase: resource, requestedAt: d.index });
    this.describeLane(record, resource, challenge, f.status);
    let had = '';
    if (presented?.ok) {
      const claims = presented.claims;
      store.update(record, { sub: str(claims['sub']) ?? null, sid: str(claims['sid']) ?? null });
      had = ` (token had ${describeToken(claims, f.time)})`;
    } else if (f.bearerTruncated) {
      had = ' (its token was cut when the file was loaded)';
    } else if (f.bearer === undefined) {
      had = ' (no token sent)';
    }
    store.setStatus(record, 'pending', waitingFor(challenge));
    store.event(
      record,
      'requested',
      d.index,
      f.time,
      `${f.status} ${challenge.error}: asks ${describeStepUpChallenge(challenge)}${had}`,
    );
    d.challengeKey = record.key;
    const lane: ResourceLane = {
      record,
      resource,
      challenge,
      lastChallenge: d.index,
      challenged: new Set(),
      checked: new Set(),
      loops: 0,
    };
    this.open.set(resource, lane);
    return lane;
  }

  private describeLane(
    record: ChallengeRecord,
    resource: string,
    challenge: StepUpChallenge,
    status: number,
  ): void {
    const step = challenge.error === 'insufficient_scope' ? 'reauthorization' : 'reauthentication';
    this.host.challenges.update(record, {
      scope: challenge.scope.length > 0 ? challenge.scope.join(' ') : null,
      providerStatus: `${status} ${challenge.error}`,
      steps: [{ key: step, order: 1, done: false }],
      currentStep: step,
      metadata: {
        resource,
        scheme: challenge.scheme,
        error: challenge.error,
        ...(challenge.acrValues.length > 0 ? { acr_values: challenge.acrValues } : {}),
        ...(challenge.maxAge !== undefined ? { max_age: challenge.maxAge } : {}),
        ...(challenge.scope.length > 0 ? { scope: challenge.scope } : {}),
        ...(challenge.errorDescription !== undefined
          ? { error_description: challenge.errorDescription }
          : {}),
        ...(challenge.realm !== undefined ? { realm: challenge.realm } : {}),
      },
    });
  }

  /** A later call to a challenged resource: checks its token, and a 2xx closes the lane. */
  private followUp(
    d: ExchangeDraft,
    f: ExchangeFacts,
    lane: ResourceLane,
    presented: TokenDecodeResult | undefined,
  ): void {
    const store = this.host.challenges;
    const record = lane.record;
    d.challengeKey = record.key;
    const raw = f.bearer;
    const sameToken = raw !== undefined && lane.challenged.has(raw);
    if (raw !== undefined && !sameToken && presented?.ok)
      this.check(lane, raw, presented.claims, d.index, f.time);
    if (!f.ok) return;
    this.open.delete(lane.resource);
    store.update(record, { completedAt: f.time, completionExchange: d.index });
    if (lane.challenge.error === 'insufficient_scope' && raw !== undefined && presented?.ok) {
      const scopes = parseScopes(presented.claims['scope'] ?? presented.claims['scp']);
      store.update(record, { scopeGranted: lane.challenge.scope.every((s) => scopes.includes(s)) });
    }
    const how = sameToken
      ? 'with a token it had challenged before'
      : raw === undefined
        ? 'without an access token'
        : 'with the new token';
    store.setStatus(record, 'completed', `${f.status} ${how}`);
    store.event(
      record,
      'completed',
      d.index,
      f.time,
      `${f.method.toUpperCase()} answered ${f.status} ${how}`,
    );
  }

  /** Checks a token presented after a challenge against what the challenge asked. Once per token and lane. */
  private check(
    lane: ResourceLane,
    raw: string,
    claims: Record<string, unknown>,
    index: number,
    time: number,
  ): void {
    if (lane.checked.has(raw)) return;
    lane.checked.add(raw);
    const { challenge, record } = lane;
    const ref = { challengeKey: record.key, related: [lane.lastChallenge] };
    const acr = str(claims['acr']);
    const authTime = num(claims['auth_time']);
    const scopes = parseScopes(claims['scope'] ?? claims['scp']);
    const met: string[] = [];
    const unmet: string[] = [];

    if (challenge.acrValues.length > 0) {
      const wanted = challenge.acrValues.join(' ');
      if (acr !== undefined && challenge.acrValues.includes(acr)) met.push(`acr ${acr} is in ${wanted}`);
      else {
        const what = acr === undefined ? 'has no acr claim' : `has acr ${acr}`;
        unmet.push(`${what}, not one of ${wanted}`);
        this.host.raise({
          code: 'rfc9470.acr_not_satisfied',
          exchange: index,
          message: `The access token presented after the challenge ${what}; the resource asked for acr_values "${wanted}".`,
          ...ref,
        });
      }
    }
    if (challenge.maxAge !== undefined) {
      if (authTime === undefined) {
        unmet.push(`no auth_time, max_age ${challenge.maxAge}s cannot be checked`);
        this.host.raise({
          code: 'rfc9470.max_age_exceeded',
          exchange: index,
          message: `The access token presented after the challenge has no auth_time claim, so max_age ${challenge.maxAge}s cannot be met.`,
          ...ref,
        });
      } else {
        const age = time / 1000 - authTime;
        const ageText = `authenticated ${formatDuration(age * 1000)} before the request (auth_time ${formatEpochSeconds(authTime)})`;
        if (age <= challenge.maxAge) met.push(`${ageText} ≤ max_age ${challenge.maxAge}s`);
        else {
          unmet.push(`${ageText} > max_age ${challenge.maxAge}s`);
          this.host.raise({
            code: 'rfc9470.max_age_exceeded',
            exchange: index,
            message: `The access token presented after the challenge was ${ageText}: more than max_age ${challenge.maxAge}s.`,
            ...ref,
          });
        }
      }
    }
    if (challenge.error === 'insufficient_scope' && challenge.scope.length > 0) {
      const missing = challenge.scope.filter((s) => !scopes.includes(s));
      if (missing.length === 0) met.push(`scope has ${challenge.scope.join(' ')}`);
      else {
        unmet.push(`scope lacks ${missing.join(' ')}`);
        this.host.raise({
          code: 'rfc6750.insufficient_scope',
          exchange: index,
          message: `The access token presented after the insufficient_scope challenge lacks ${missing.join(' ')} (it has ${scopes.length > 0 ? scopes.join(' ') : 'no scope'}).`,
          ...ref,
        });
      }
    }

    const store = this.host.challenges;
    if (unmet.length > 0) {
      store.event(
        record,
        'factor_failed',
        index,
        time,
        `new token does not meet the challenge: ${unmet.join('; ')}`,
        'assertion',
      );
      return;
    }
    const step = record.steps[0];
    if (step !== undefined && !step.done) {
      store.update(record, { steps: [{ ...step, done: true, doneAt: index }] });
    }
    store.event(
      record,
      'factor_verified',
      index,
      time,
      met.length > 0 ? `new token meets the challenge: ${met.join('; ')}` : 'new token presented',
      'assertion',
    );
  }

  // -----------------------------------------------------------------------------------------------------------
  // Tokens of a session (RFC 9470 §6.1)

  private onTokenEndpoint(d: ExchangeDraft, f: ExchangeFacts, source: 'refresh' | 'grant'): void {
    if (!f.ok) return;
    const raw = stringField(jsonObject(f.responseBody), 'access_token');
    if (raw === undefined) {
      if (f.responseBody.kind === 'absent') {
        d.notes.push('Response body not captured: the new access token could not be read.');
        this.host.countMissingResponseBody();
      }
      return;
    }
    const decoded = this.host.decode(raw);
    d.tokens.push({ location: 'response.body.access_token', decoded });
    // An opaque access token is fine here: there are just no claims to compare.
    if (decoded.ok) this.track(d, raw, decoded.claims, source);
  }

  /** Compares a token with the previous one of its session. */
  private track(d: ExchangeDraft, raw: string, claims: Record<string, unknown>, source: TokenSource): void {
    const acr = str(claims['acr']);
    const authTime = num(claims['auth_time']);
    if (source === 'presented' && acr === undefined && authTime === undefined) return;
    const subject = str(claims['sid']) ?? str(claims['sub']);
    if (subject === undefined) return;
    const key = `${str(claims['iss']) ?? ''}\u0000${subject}`;
    const previous = this.sessions.get(key);
    if (previous === undefined) {
      this.sessions.set(key, { ...optional(acr, authTime), index: d.index, seen: new Set([raw]) });
      return;
    }
    if (previous.seen.has(raw)) return;
    if (previous.seen.size >= SEEN_LIMIT) previous.seen.clear();
    previous.seen.add(raw);
    const related = [previous.index];
    const before = `acr ${previous.acr ?? '(none)'}, auth_time ${timeText(previous.authTime)}`;
    if (source === 'refresh') {
      if (previous.acr !== acr) {
        this.host.raise({
          code: 'rfc9470.acr_changed_on_refresh',
          exchange: d.index,
          message: `The refreshed access token has acr ${acr ?? '(none)'}; the session's previous token (#${previous.index}) had ${previous.acr ?? '(none)'}.`,
          related,
        });
      }
      if (previous.authTime !== authTime) {
        this.host.raise({
          code: 'rfc9470.auth_time_changed_on_refresh',
          exchange: d.index,
          message: `The refreshed access token has auth_time ${timeText(authTime)}; the session's previous token (#${previous.index}) had ${timeText(previous.authTime)}.`,
          related,
        });
      }
    } else if (
      source === 'presented' &&
      acr !== previous.acr &&
      authTime !== undefined &&
      authTime === previous.authTime
    ) {
      this.host.raise({
        code: 'rfc9470.acr_changed_on_refresh',
        exchange: d.index,
        message: `This access token has acr ${acr ?? '(none)'} with the same auth_time (${timeText(authTime)}) as the session's previous token (#${previous.index}, ${before}): the acr changed without a new authentication, as on a refresh.`,
        related,
      });
    }
    previous.index = d.index;
    if (acr === undefined) delete previous.acr;
    else previous.acr = acr;
    if (authTime === undefined) delete previous.authTime;
    else previous.authTime = authTime;
  }
}

function sameRequirement(a: StepUpChallenge, b: StepUpChallenge): boolean {
  return (
    a.error === b.error &&
    a.maxAge === b.maxAge &&
    a.acrValues.join(' ') === b.acrValues.join(' ') &&
    a.scope.join(' ') === b.scope.join(' ')
  );
}

function waitingFor(challenge: StepUpChallenge): string {
  return `waiting for a token with ${describeStepUpChallenge(challenge)}`;
}

function describeToken(claims: Record<string, unknown>, timeMs: number): string {
  const acr = str(claims['acr']);
  const authTime = num(claims['auth_time']);
  const scopes = parseScopes(claims['scope'] ?? claims['scp']);
  const parts = [acr !== undefined ? `acr ${acr}` : 'no acr'];
  if (authTime !== undefined) parts.push(`auth_time ${formatDuration(timeMs - authTime * 1000)} earlier`);
  if (scopes.length > 0) parts.push(`scope ${scopes.join(' ')}`);
  return parts.join(', ');
}

function optional(
  acr: string | undefined,
  authTime: number | undefined,
): { acr?: string; authTime?: number } {
  return { ...(acr !== undefined ? { acr } : {}), ...(authTime !== undefined ? { authTime } : {}) };
}

function timeText(sec: number | undefined): string {
  return sec === undefined ? '(none)' : `${sec} (${formatEpochSeconds(sec)})`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function shortUrl(url: string): string {
  return truncate(url, 120);
}

export const createRfc9470Model: ProviderModelFactory = (host) => new Rfc9470Model(host);
