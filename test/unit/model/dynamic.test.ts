import { describe, expect, it } from 'vitest';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import { aDynamicSession, DYNAMIC_API } from '../../fixtures/dynamic.ts';
import { anElevatedToken } from '../../fixtures/tokens.ts';
import { eventName } from '../../../src/core/model/events.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);
const kinds = (model: SessionModel, lane = 0): string[] =>
  model.challenges[lane]?.events.map(eventName) ?? [];

describe('Dynamic step-up lanes', () => {
  it('a check that says step-up is not required completes at once, and the action needs no token', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export', required: false });
    flow.protectedCall('wallet.export', { token: null });
    const model = await analyse(flow.exchanges);
    expect(model.challenges).toHaveLength(1);
    expect(model.challenges[0]).toMatchObject({
      key: 'dynamic:check#0',
      provider: 'dynamic',
      scope: 'wallet:export',
      status: 'completed',
      statusReason: 'step-up not required',
      providerStatus: 'not_required',
      metadata: { isRequired: false, credentials: [] },
    });
    expect(kinds(model)).toEqual(['requested', 'completed']);
    expect(model.grants).toEqual([]);
    expect(codes(model)).toEqual([]);
    expect(model.stats.providerExchanges).toBe(2);
  });

  it('check → email OTP → verify with requestedScopes → single-use token consumed by the export; a second use is a finding', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    const uuid = flow.sendEmailOtp();
    await flow.verifyOtp({ scopes: ['wallet:export'] });
    const exportCall = flow.exchanges.length;
    flow.protectedCall('wallet.export');
    flow.protectedCall('wallet.export', { error: 'invalid_elevated_access_token', status: 401 });
    const model = await analyse(flow.exchanges);

    const lane = model.challenges[0];
    expect(lane).toMatchObject({
      key: 'dynamic:check#0',
      challengeId: uuid,
      scope: 'wallet:export',
      grantMode: 'single-use',
      status: 'completed',
      providerStatus: 'required',
      currentStep: 'completed',
      steps: [{ key: 'verify_email', order: 1, done: true, doneAt: 2 }],
      codeSends: 1,
      codeChecks: { failed: 0, succeeded: 1 },
      sub: 'dyn_user',
      requestedAt: 0,
      scopeGranted: true,
      grantId: 'g1',
      metadata: {
        isRequired: true,
        credentials: [{ id: 'cred_email', format: 'email', alias: 'u***@example.com' }],
        defaultCredentialId: 'cred_email',
      },
    });
    expect(lane?.tokens).toHaveLength(1);
    expect(kinds(model)).toEqual([
      'requested',
      'factor_sent',
      'factor_verified:code',
      'completed',
      'granted',
      'consumed',
      'refused',
    ]);
    expect(model.grants).toHaveLength(1);
    expect(model.grants[0]).toMatchObject({
      provider: 'dynamic',
      scope: 'wallet:export',
      mode: 'single-use',
      challengeKey: 'dynamic:check#0',
      grantedBy: 2,
      expiresAt: (lane?.expiresAt ?? 0) as number,
      state: 'consumed',
      consumedBy: exportCall,
      consumption: 'protected_call',
      reuseAttempts: [exportCall + 1],
    });
    expect(codes(model)).toEqual(['dynamic.single_use_token_reused']);
    expect(model.findings[0]).toMatchObject({
      exchange: exportCall + 1,
      related: [exportCall],
      challengeKey: 'dynamic:check#0',
    });
    // Every exchange of the story points at its lane; the elevated token is the first token of the protected call.
    expect(model.exchanges.map((e) => e.challengeKey)).toEqual(Array(5).fill('dynamic:check#0'));
    expect(model.exchanges[exportCall]?.tokens[0]).toMatchObject({
      location: 'request.authorization',
      field: 'x-dyn-elevated-access-token',
      decoded: { ok: true, kind: 'dynamic-elevated' },
    });
    expect(model.exchanges[2]?.tokens.find((t) => t.field === 'elevatedAccessToken')?.location).toBe(
      'response.body.access_token',
    );
  });

  it('a single-use token reused and accepted by the server is still a finding', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:sign' });
    flow.sendEmailOtp();
    await flow.verifyOtp({ scopes: ['wallet:sign'] });
    flow.protectedCall('wallet.sign');
    flow.protectedCall('wallet.sign');
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.single_use_token_reused']);
    expect(model.findings[0]?.message).toMatch(/accepted/);
    // The timeline's reuse mark means "refused": an accepted reuse is the finding and the grant's reuseAttempts.
    expect(kinds(model)).not.toContain('refused');
    expect(model.grants[0]?.reuseAttempts).toEqual([4]);
  });

  it('a multi-use token can be used twice', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'credential:link' });
    flow.sendSmsOtp();
    await flow.verifyOtp({ type: 'sms', scopes: ['credential:link'], token: { singleUse: false } });
    flow.protectedCall('passkey.register');
    flow.protectedCall('passkey.register');
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.grants[0]).toMatchObject({ mode: 'multi-use', state: 'active', consumedBy: null });
    expect(model.challenges[0]?.steps[0]?.key).toBe('verify_sms');
    expect(model.exchanges.at(-1)?.notes).toContain('Multi-use elevated token (credential:link): use 2.');
  });

  it('a protected call without the token after a check said step-up is required is a finding', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'credential:unlink' });
    flow.protectedCall('mfa.device.delete', { token: null, error: 'step_up_required' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.step_up_required_but_token_missing']);
    expect(model.findings[0]).toMatchObject({ exchange: 1, related: [0], challengeKey: 'dynamic:check#0' });
    expect(kinds(model)).toEqual(['requested', 'not_granted']);
    expect(model.challenges[0]?.status).toBe('pending');
  });

  it('the same call after the single-use token was spent, without a token, is a finding too', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp();
    flow.protectedCall('wallet.export');
    flow.protectedCall('wallet.export', { token: null, error: 'step_up_required' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.step_up_required_but_token_missing']);
  });

  it('an elevated token used after its exp is a finding, and the grant expired on the clock', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp();
    flow.wait(6 * 60_000);
    flow.protectedCall('wallet.export', { error: 'elevated_token_expired', status: 401 });
    const model = await analyse(flow.exchanges);
    // When exp passed no use had been made in sight (a wallet action goes out from Dynamic's iframe), then the
    // late attempt came.
    expect(codes(model)).toEqual(['dynamic.use_out_of_sight', 'dynamic.elevated_token_expired_on_use']);
    expect(model.grants[0]?.state).toBe('expired');
    expect(kinds(model)).toContain('grant_expired');
    expect(model.challenges[0]?.events.find((e) => e.kind === 'grant_expired')?.detail).toMatch(/exp passed/);
  });

  it('a wrong OTP is an info finding and an factor_failed:code event; the retry passes', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp({ wrong: true });
    await flow.verifyOtp();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.verification_failed']);
    expect(model.findings[0]?.severity).toBe('info');
    expect(model.findings[0]?.message).toMatch(/invalid_verification_token/);
    expect(model.exchanges[2]?.errorCode).toBe('invalid_verification_token');
    expect(kinds(model)).toEqual([
      'requested',
      'factor_sent',
      'factor_failed:code',
      'factor_verified:code',
      'completed',
      'granted',
    ]);
    expect(model.challenges[0]?.codeChecks).toEqual({ failed: 1, succeeded: 1 });
  });

  it('a resent OTP is factor_resent', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    const second = flow.sendEmailOtp();
    await flow.verifyOtp({ uuid: second });
    const model = await analyse(flow.exchanges);
    expect(kinds(model).slice(0, 3)).toEqual(['requested', 'factor_sent', 'factor_resent']);
    expect(model.challenges[0]).toMatchObject({
      codeSends: 2,
      codeResends: 1,
      challengeId: second,
      status: 'completed',
    });
  });

  it('a token without the requested scope, or none at all, is dynamic.scope_not_in_token', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp({ scopes: ['wallet:export'], token: { scope: 'credential:link' } });
    flow.protectedCall('wallet.export', { error: 'insufficient_scope' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.scope_not_in_token', 'dynamic.scope_not_in_token']);
    expect(model.findings.map((f) => f.exchange)).toEqual([2, 3]);
    expect(model.challenges[0]?.scopeGranted).toBe(false);
    expect(kinds(model)).toContain('not_granted');

    const none = await aDynamicSession();
    none.check({ scope: 'wallet:export' });
    none.sendEmailOtp();
    await none.verifyOtp({ noToken: true });
    const noneModel = await analyse(none.exchanges);
    expect(codes(noneModel)).toEqual(['dynamic.scope_not_in_token']);
    expect(noneModel.findings[0]?.message).toMatch(/no elevatedAccessToken/);
  });

  it('a verify requesting another scope than the check asked for is dynamic.scope_not_in_token', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp({ scopes: ['credential:link'] });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.scope_not_in_token']);
    expect(model.findings[0]?.message).toBe(
      'requestedScopes credential:link after a check for wallet:export, but the elevated token issued here carries credential:link: wallet:export missing.',
    );
  });

  it('a verify without requestedScopes after a required check is dynamic.scope_not_in_token', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp({ scopes: [] });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.scope_not_in_token']);
    expect(model.findings[0]?.message).toMatch(/no requestedScopes/);
  });

  it('TOTP and passkey MFA without a check: a lane per verification; passkey steps are continues', async () => {
    const flow = await aDynamicSession();
    await flow.totpMfa({ scopes: ['wallet:export'] });
    flow.protectedCall('wallet.export');
    await flow.passkeyMfa({ scopes: ['credential:unlink'], token: { singleUse: false } });
    flow.protectedCall('mfa.device.delete');
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges.map((c) => [c.key, c.scope, c.status, c.steps[0]?.key])).toEqual([
      ['dynamic:verify#0', 'wallet:export', 'completed', 'mfa_totp'],
      ['dynamic:verify#3', 'credential:unlink', 'completed', 'mfa_passkey'],
    ]);
    expect(kinds(model, 0)).toEqual(['factor_verified:code', 'completed', 'granted', 'consumed']);
    expect(kinds(model, 1)).toEqual(['factor_verified:assertion', 'completed', 'granted']);
    expect(model.grants.map((g) => [g.scope, g.mode, g.state])).toEqual([
      ['wallet:export', 'single-use', 'consumed'],
      ['credential:unlink', 'multi-use', 'active'],
    ]);
  });

  it('an OTP sent before any lane is claimed by the verify that carries requestedScopes (lane keyed by verificationUUID)', async () => {
    const flow = await aDynamicSession();
    const uuid = flow.sendEmailOtp();
    await flow.verifyOtp({ uuid, scopes: ['user:update'] });
    const model = await analyse(flow.exchanges);
    expect(model.challenges[0]).toMatchObject({ key: `dynamic:${uuid}`, challengeId: uuid, codeSends: 1 });
    expect(kinds(model)).toEqual(['factor_sent', 'factor_verified:code', 'completed', 'granted']);
  });

  it('a sign-in OTP (no requestedScopes, no step-up waiting) makes no lane', async () => {
    const flow = await aDynamicSession();
    flow.sendEmailOtp();
    await flow.verifyOtp({ scopes: [] });
    const model = await analyse(flow.exchanges);
    expect(model.challenges).toEqual([]);
    expect(codes(model)).toEqual([]);
  });

  it('an elevated token not seen issued becomes a grant without a lane, and is consumed', async () => {
    const flow = await aDynamicSession();
    const token = await anElevatedToken({ scope: 'wallet:export', singleUse: true, exp: flow.nowSec + 300 });
    flow.protectedCall('wallet.export', { token });
    const model = await analyse(flow.exchanges);
    expect(model.challenges).toEqual([]);
    expect(model.grants[0]).toMatchObject({
      provider: 'dynamic',
      challengeKey: null,
      state: 'consumed',
      consumedBy: 0,
    });
    expect(model.exchanges[0]?.notes).toContain('Elevated token not seen issued in this capture.');
  });

  it('a failed check fails its lane, and the error body is dynamic.api_error with its code', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export', error: 'invalid_scope' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dynamic.api_error']);
    expect(model.findings[0]?.message).toMatch(/400 invalid_scope: error invalid_scope/);
    expect(model.challenges[0]).toMatchObject({ status: 'failed' });
    expect(kinds(model)).toEqual(['request_failed']);
  });

  it('a new required check for the same scope abandons the older waiting lane', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.check({ scope: 'wallet:export' });
    const model = await analyse(flow.exchanges);
    expect(model.challenges.map((c) => c.status)).toEqual(['failed', 'pending']);
    expect(model.challenges[0]?.statusReason).toMatch(/abandoned/);
  });

  it('notes a verification whose response body was not captured', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    const verify = await flow.verifyOtp();
    verify.responseBody = { kind: 'absent' };
    const model = await analyse(flow.exchanges);
    expect(model.stats.withoutResponseBody).toBe(1);
    expect(model.exchanges[2]?.notes[0]).toMatch(/Response body not captured/);
    expect(model.challenges[0]?.status).toBe('pending');
  });

  it('works on a custom apiBaseUrl', async () => {
    const flow = await aDynamicSession(DYNAMIC_API.replace('app.dynamicauth.com', 'auth.wallet.example.com'));
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp();
    flow.protectedCall('wallet.export');
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]?.state).toBe('consumed');
  });

  it('incremental adds give the same model as a batch', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp({ wrong: true });
    await flow.verifyOtp();
    flow.protectedCall('wallet.export');
    flow.protectedCall('wallet.export');
    const batch = await analyse(flow.exchanges);
    const live = createAnalyzer();
    for (const exchange of flow.exchanges) void live.add(exchange);
    await live.idle();
    const incremental = live.snapshot();
    expect(incremental.challenges).toEqual(batch.challenges);
    expect(incremental.grants).toEqual(batch.grants);
    expect(incremental.findings).toEqual(batch.findings);
  });

  it('reads well in the text report: the lane by its key, no Prelude wording', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export', required: false });
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp();
    const text = formatTextReport(await analyse(flow.exchanges));
    expect(text).toContain('dynamic:check#0 · wallet:export · completed (step-up not required)');
    expect(text).toContain('dynamic:check#1 · wallet:export · single-use · completed, scope granted');
    expect(text).not.toContain('the state follows current_step');
  });

  it('appears in the JSON report with its provider', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    flow.sendEmailOtp();
    await flow.verifyOtp();
    flow.protectedCall('wallet.export');
    const report = buildJsonReport(await analyse(flow.exchanges));
    expect(report.challenges[0]).toMatchObject({
      provider: 'dynamic',
      key: 'dynamic:check#0',
      scope: 'wallet:export',
      status: 'completed',
      scopeGranted: true,
    });
    expect(report.grants[0]).toMatchObject({
      provider: 'dynamic',
      scope: 'wallet:export',
      mode: 'single-use',
      state: 'consumed',
      consumedBy: 3,
    });
  });
});
