import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aLoginFlow, aStepUpFlow } from '../../fixtures/flows.ts';
import { eventName } from '../../../src/core/model/events.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);

describe('single-use grants', () => {
  it('are consumed by the first successful app call that presents the scoped token, confirmed by the next token', async () => {
    const { flow, challenge } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const model = await analyse(flow.exchanges);
    const call = flow.exchanges.findIndex((e) => e.url.endsWith('/api/transfer'));
    const lastRefresh = flow.exchanges.length - 1;
    expect(model.grants).toHaveLength(1);
    expect(model.grants[0]).toMatchObject({
      scope: 'transfer:write',
      mode: 'single-use',
      state: 'consumed',
      consumedBy: call,
      consumption: 'protected_call',
      droppedBy: lastRefresh,
      challengeKey: `prelude:${challenge.id}`,
    });
    const events = model.challenges[0]?.events.map(eventName);
    expect(events?.at(-1)).toBe('consumed');
    expect(codes(model)).toEqual([]);
  });

  it('a call refused after consumption is grant.reused_after_consumption (body code)', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const stale = flow.exchanges
      .find((e) => e.url.endsWith('/api/transfer'))
      ?.requestHeaders.find((h) => h.name === 'Authorization')
      ?.value.slice(7);
    flow.appCall({ accessToken: stale, errorCode: 'token_reused' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['grant.reused_after_consumption']);
    const call = flow.exchanges.findIndex((e) => e.url.endsWith('/api/transfer'));
    expect(model.findings[0]).toMatchObject({ exchange: flow.exchanges.length - 1, related: [call] });
    expect(model.grants[0]?.reuseAttempts).toEqual([flow.exchanges.length - 1]);
  });

  it('a refusal signalled by WWW-Authenticate: Bearer error="insufficient_scope" counts too', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    flow.appCall({
      status: 403,
      responseJson: {},
      wwwAuthenticate: 'Bearer error="insufficient_scope", scope="transfer:write"',
    });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['grant.reused_after_consumption']);
    // The refusal belongs to the consumed grant's lane: it opens no RFC 6750 lane of its own.
    expect(model.challenges.map((c) => `${c.provider} ${c.scope}`)).toEqual(['prelude transfer:write']);
    expect(model.challenges[0]?.events.map(eventName)).toContain('refused');
  });

  it('/me/password/reset consumes prld:pwd:write; a second reset is refused as a reuse', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'prld:pwd:write', steps: ['verify_email'] });
    await flow.completeSteps(challenge);
    await flow.completeStepUp(challenge);
    const reset = flow.exchanges.length;
    flow.passwordReset();
    flow.passwordReset({ error: 'insufficient_scope' });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]).toMatchObject({
      state: 'consumed',
      consumedBy: reset,
      consumption: 'password_reset',
    });
    expect(codes(model)).toEqual(['grant.reused_after_consumption']);
  });

  it('the app API never consumes the reserved prld: scopes', async () => {
    const flow = await aLoginFlow();
    const pwd = await flow.stepUp({ scope: 'prld:pwd:write', steps: ['verify_email'] });
    await flow.completeSteps(pwd);
    await flow.completeStepUp(pwd);
    flow.appCall({ path: '/api/profile', method: 'GET' });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]?.state).toBe('active');
  });

  it('a scope that leaves the token without a seen call is consumed elsewhere (dropped_from_token)', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    await flow.refresh({ drop: ['transfer:write'] });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]).toMatchObject({
      state: 'consumed',
      consumedBy: null,
      consumption: 'dropped_from_token',
      droppedBy: flow.exchanges.length - 1,
    });
  });

  it('a refusal before any seen consumption marks the grant consumed elsewhere, without a reuse finding', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    flow.appCall({ errorCode: 'insufficient_scope' });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]).toMatchObject({
      state: 'consumed',
      consumption: 'refused_later',
      consumedBy: null,
    });
    expect(codes(model)).toEqual([]);
  });

  it('grant.still_present_after_consumption when the next token keeps a consumed scope', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    flow.appCall();
    await flow.refresh();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['grant.still_present_after_consumption']);
  });

  it('expire when granted_for elapses', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', claims: { granted_for: 60 } });
    await flow.completeSteps(challenge);
    await flow.completeStepUp(challenge);
    flow.wait(120_000);
    flow.appCall({ path: '/api/balance', method: 'GET', accessToken: 'opaque' });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]).toMatchObject({ state: 'expired', expiresAt: expect.any(Number) });
    expect(model.challenges[0]?.events.at(-1)?.kind).toBe('grant_expired');
  });
});

describe('other grant modes', () => {
  it('session-bound grants survive app calls and end when the scope leaves the token', async () => {
    const { flow } = await aStepUpFlow({ scope: 'profile:update', grantMode: 'session-bound' });
    flow.appCall({ path: '/api/profile' });
    flow.appCall({ path: '/api/profile' });
    expect((await analyse(flow.exchanges)).grants[0]?.state).toBe('active');
    await flow.refresh({ drop: ['profile:update'] });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]).toMatchObject({ state: 'expired', consumedBy: null });
  });

  it('a scope already in the first token seen becomes a grant without a challenge', async () => {
    const flow = await aLoginFlow({ accessClaims: { scope: 'legacy:scope' } });
    const model = await analyse(flow.exchanges);
    expect(model.grants).toEqual([
      expect.objectContaining({ scope: 'legacy:scope', mode: null, challengeKey: null, state: 'active' }),
    ]);
  });
});
