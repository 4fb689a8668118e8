import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aLoginFlow, aStepUpFlow, Flow } from '../../fixtures/flows.ts';
import { eventName } from '../../../src/core/model/events.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);
const only = <T>(list: readonly T[]): T => {
  expect(list).toHaveLength(1);
  return list[0] as T;
};

describe('a clean step-up', () => {
  it('follows one OTP step from request to granted scope, with no findings', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', steps: ['verify_sms'] });
    const model = await analyse(flow.exchanges);

    expect(codes(model)).toEqual([]);
    const challenge = only(model.challenges);
    expect(challenge).toMatchObject({
      provider: 'prelude',
      challengeId: expect.stringMatching(/^chl_/),
      scope: 'transfer:write',
      grantMode: 'single-use',
      status: 'completed',
      providerStatus: 'review',
      currentStep: 'completed',
      codeSends: 1,
      codeChecks: { failed: 0, succeeded: 1 },
      scopeGranted: true,
      sub: 'usr_01',
      sid: 'ses_01',
    });
    expect(challenge.steps).toEqual([
      { key: 'verify_sms', order: 1, done: true, expirationDuration: 300, doneAt: expect.any(Number) },
    ]);
    expect(challenge.tokens.map((t) => t.currentStep)).toEqual(['verify_sms', 'completed']);
    expect(challenge.events.map(eventName)).toEqual([
      'requested',
      'factor_sent',
      'factor_verified:code',
      'step_completed',
      'completed',
      'redeemed',
      'granted',
    ]);
    const grant = only(model.grants);
    expect(grant).toMatchObject({
      scope: 'transfer:write',
      mode: 'single-use',
      state: 'active',
      challengeKey: challenge.key,
    });
    expect(challenge.grantId).toBe(grant.id);
  });

  it('walks a multi-step challenge: verify_email → verify_sms → kyc_review (custom step)', async () => {
    const { flow } = await aStepUpFlow({
      scope: 'payee:add',
      steps: ['verify_email', 'verify_sms', 'kyc_review'],
    });
    const model = await analyse(flow.exchanges);

    expect(codes(model)).toEqual([]);
    const challenge = only(model.challenges);
    expect(challenge.steps.map((s) => [s.key, s.order, s.done])).toEqual([
      ['verify_email', 1, true],
      ['verify_sms', 2, true],
      ['kyc_review', 3, true],
    ]);
    expect(challenge.tokens.map((t) => t.currentStep)).toEqual([
      'verify_email',
      'verify_sms',
      'kyc_review',
      'completed',
    ]);
    expect(challenge.codeSends).toBe(2);
    expect(challenge.codeChecks).toEqual({ failed: 0, succeeded: 2 });
    expect(challenge.events.filter((e) => eventName(e) === 'factor_verified:assertion')).toHaveLength(1);
    expect(challenge.events.filter((e) => e.kind === 'step_completed').map((e) => e.detail)).toEqual([
      'verify_email done',
      'verify_sms done',
      'kyc_review done',
    ]);
    expect(challenge.status).toBe('completed');
    expect(challenge.scopeGranted).toBe(true);
  });

  it('counts wrong codes and resends', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    flow.otpRetry();
    await flow.otpCheck(challenge, { wrong: true });
    await flow.otpCheck(challenge, { wrong: true });
    await flow.otpCheck(challenge);
    await flow.completeStepUp(challenge);
    const model = await analyse(flow.exchanges);

    const c = only(model.challenges);
    expect(c.codeSends).toBe(2);
    expect(c.codeResends).toBe(1);
    expect(c.codeChecks).toEqual({ failed: 2, succeeded: 1 });
    expect(codes(model)).toEqual(['challenge.bad_code', 'challenge.bad_code']);
    expect(c.events.map(eventName)).toContain('factor_resent');
  });

  it('keeps concurrent challenges apart by challenge_id', async () => {
    const flow = await aLoginFlow();
    const a = await flow.stepUp({ scope: 'transfer:write', steps: ['verify_sms'] });
    const b = await flow.stepUp({ scope: 'prld:pwd:write', steps: ['verify_email', 'kyc_review'] });
    flow.otpSend(b);
    flow.otpSend(a);
    await flow.otpCheck(b);
    await flow.otpCheck(a, { wrong: true });
    await flow.continueStep(b);
    await flow.otpCheck(a);
    await flow.completeStepUp(b);
    await flow.completeStepUp(a);
    const model = await analyse(flow.exchanges);

    expect(
      model.challenges.map((c) => [c.challengeId, c.scope, c.status, c.codeChecks.failed, c.scopeGranted]),
    ).toEqual([
      [a.id, 'transfer:write', 'completed', 1, true],
      [b.id, 'prld:pwd:write', 'completed', 0, true],
    ]);
    expect(model.grants.map((g) => [g.scope, g.challengeKey])).toEqual([
      ['prld:pwd:write', `prelude:${b.id}`],
      ['transfer:write', `prelude:${a.id}`],
    ]);
    // Every exchange of a challenge points at its lane.
    const lanes = model.exchanges.filter((e) => e.challengeKey !== null).map((e) => e.challengeKey);
    expect(new Set(lanes)).toEqual(new Set([`prelude:${a.id}`, `prelude:${b.id}`]));
  });

  it('records the request status and decides from current_step (continue with a challenge)', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', status: 'continue' });
    const model = await analyse(flow.exchanges);
    const c = only(model.challenges);
    expect(c.providerStatus).toBe('continue');
    expect(c.currentStep).toBe('verify_sms');
    expect(c.status).toBe('pending');
    expect(challenge.currentStep).toBe('verify_sms');
  });

  it('treats a challenge granted at once (current_step completed) as completed, waiting for its refresh', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: [] });
    await flow.completeStepUp(challenge);
    const model = await analyse(flow.exchanges);
    const c = only(model.challenges);
    expect(c.providerStatus).toBe('continue');
    expect(c.status).toBe('completed');
    expect(c.scopeGranted).toBe(true);
    expect(codes(model)).toEqual([]);
  });
});

describe('challenge statuses', () => {
  it('pending: steps left and not expired', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const c = only((await analyse(flow.exchanges)).challenges);
    expect(c.status).toBe('pending');
    expect(c.statusReason).toBe('waiting for verify_sms');
    expect(c.expiresAt).toBe(challenge.exp * 1000);
  });

  it('blocked: status block, no token, an info finding', async () => {
    const { flow } = await aStepUpFlow({ scope: 'wallet:export', block: true });
    const model = await analyse(flow.exchanges);
    const c = only(model.challenges);
    expect(c).toMatchObject({
      status: 'blocked',
      challengeId: null,
      scope: 'wallet:export',
      providerStatus: 'block',
    });
    expect(only(model.findings)).toMatchObject({
      code: 'challenge.blocked',
      severity: 'info',
      exchange: c.requestedAt,
    });
  });

  it('failed: the request is refused with an error code', async () => {
    const { flow } = await aStepUpFlow({ scope: 'bad scope!', error: 'scope_not_allowed' });
    const model = await analyse(flow.exchanges);
    const c = only(model.challenges);
    expect(c).toMatchObject({ status: 'failed', statusReason: 'scope_not_allowed', challengeId: null });
    expect(codes(model)).toEqual(['prelude.scope_not_allowed']);
  });

  it('expired: the clock of the capture passes exp while a step is pending', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', expiresIn: 60 });
    flow.otpSend(challenge);
    flow.wait(120_000);
    flow.appCall({ path: '/api/balance', method: 'GET' });
    const model = await analyse(flow.exchanges);
    const c = only(model.challenges);
    expect(c.status).toBe('expired');
    expect(c.events.at(-1)).toMatchObject({ kind: 'expired', exchange: null, time: challenge.exp * 1000 });
    // Expiry noticed by the clock is a status, not a finding: nobody used the challenge late.
    expect(codes(model)).toEqual([]);
  });

  it('expired: /otp/check after exp answered bad_check_code is challenge.expired, not a wrong code', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', expiresIn: 60 });
    flow.otpSend(challenge);
    flow.wait(90_000);
    const late = await flow.otpCheck(challenge);
    expect(late.status).toBe(400);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['challenge.expired']);
    expect(only(model.challenges).status).toBe('expired');
    expect(model.findings[0]?.message).toMatch(/bad_check_code for an expired challenge/);
  });

  it('expired: the server says expired_challenge_token on /stepup/continue', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['kyc_review'], expiresIn: 30 });
    flow.wait(60_000);
    await flow.continueStep(challenge);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['challenge.expired']);
    expect(only(model.challenges).status).toBe('expired');
  });

  it('the analyser clock can be the wall clock (now option) for live capture', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', expiresIn: 60 });
    let now = flow.clock;
    const { createAnalyzer } = await import('../../../src/core/model/analyzer.ts');
    const analyzer = createAnalyzer({ now: () => now });
    await analyzer.addMany(flow.exchanges);
    expect(only(analyzer.snapshot().challenges).status).toBe('pending');
    now = challenge.exp * 1000 + 1;
    const later = analyzer.snapshot();
    expect(only(later.challenges).status).toBe('expired');
    expect(later.clock).toBe(now);
  });
});

describe('access tokens over time', () => {
  it('diffs the scopes of consecutive tokens of a session', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const model = await analyse(flow.exchanges);
    expect(model.accessTokens.map((t) => [t.source, t.scopes, t.diff])).toEqual([
      ['login', [], null],
      ['step_up_refresh', ['transfer:write'], { added: ['transfer:write'], removed: [], kept: [] }],
      ['refresh', [], { added: [], removed: ['transfer:write'], kept: [] }],
    ]);
    expect(model.accessTokens.every((t) => t.lane === 'ses_01' && t.sid === 'ses_01')).toBe(true);
    expect(model.accessTokens[1]?.previous).toBe(0);
  });

  it('records a token first seen as Bearer (capture started mid-session)', async () => {
    const flow = await aLoginFlow();
    const start = flow.exchanges.length;
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const model = await analyse(flow.exchanges.slice(start));
    expect(only(model.accessTokens)).toMatchObject({ source: 'presented', exchange: 0, scopes: [] });
  });

  it('separates sessions of two devices in one capture (proxy recording)', async () => {
    const one = await aLoginFlow({ keyName: 'phone-a', sid: 'ses_a', sub: 'usr_a', idPrefix: 'a-' });
    const two = await aLoginFlow({
      keyName: 'phone-b',
      sid: 'ses_b',
      sub: 'usr_b',
      idPrefix: 'b-',
      start: one.clock - 500,
    });
    const ca = await one.stepUp({ scope: 'transfer:write' });
    const cb = await two.stepUp({ scope: 'transfer:write' });
    await one.completeSteps(ca);
    await two.completeSteps(cb);
    await one.completeStepUp(ca);
    await two.completeStepUp(cb);
    const merged = [...one.exchanges, ...two.exchanges].sort((x, y) => x.startedAt - y.startedAt);
    const model = await analyse(merged);
    expect(codes(model)).toEqual([]);
    expect(model.grants.map((g) => g.lane).sort()).toEqual(['ses_a', 'ses_b']);
    expect(model.challenges.every((c) => c.status === 'completed' && c.scopeGranted)).toBe(true);
  });
});

describe('the login side', () => {
  it('sees the session start but makes no challenge of it', async () => {
    const flow = await aLoginFlow();
    await flow.refresh();
    await flow.revoke();
    const model = await analyse(flow.exchanges);
    expect(model.challenges).toEqual([]);
    expect(codes(model)).toEqual([]);
    expect(model.exchanges.map((e) => e.classification?.endpoint)).toEqual([
      'login.otp',
      'login.otp.check',
      'refresh',
      'revoke',
    ]);
  });

  it('a fresh Flow can be driven by hand', async () => {
    const flow = new Flow();
    await flow.login();
    expect(flow.accessToken).toBeTypeOf('string');
    expect(flow.nonce).toBe('nonce-1');
  });
});
