import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { buildJsonReport } from '../../../src/core/report/json.ts';
import { formatTextReport } from '../../../src/core/report/text.ts';
import { ACR_HW, ACR_MFA, ACR_PWD, anOAuthSession, RESOURCE, RS_ORIGIN } from '../../fixtures/rfc9470.ts';
import { eventName } from '../../../src/core/model/events.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);
const kinds = (model: SessionModel, lane = 0): string[] =>
  model.challenges[lane]?.events.map(eventName) ?? [];

describe('RFC 9470 step-up lanes', () => {
  it('challenge → a new token meeting acr_values and max_age → success', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_HW, ACR_MFA], maxAge: 300 });
    await flow.stepUp({ acr: ACR_MFA });
    flow.call();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges).toHaveLength(1);
    expect(model.challenges[0]).toMatchObject({
      key: `rfc9470:${RESOURCE}`,
      provider: 'rfc9470',
      scope: null,
      status: 'completed',
      providerStatus: '401 insufficient_user_authentication',
      steps: [{ key: 'reauthentication', order: 1, done: true, doneAt: 2 }],
      sub: 'alice',
      requestedAt: 0,
      metadata: {
        resource: RESOURCE,
        scheme: 'Bearer',
        error: 'insufficient_user_authentication',
        acr_values: [ACR_HW, ACR_MFA],
        max_age: 300,
      },
    });
    expect(kinds(model)).toEqual(['requested', 'factor_verified:assertion', 'completed']);
    expect(model.challenges[0]?.events[0]?.detail).toMatch(
      /asks acr_values .* max_age 300s \(token had acr urn:example:acr:pwd/,
    );
    expect(model.exchanges.map((e) => e.challengeKey)).toEqual([
      `rfc9470:${RESOURCE}`,
      null,
      `rfc9470:${RESOURCE}`,
    ]);
    expect(model.exchanges[0]).toMatchObject({
      errorCode: 'insufficient_user_authentication',
      classification: { provider: 'rfc9470', endpoint: 'resource.step_up' },
    });
    expect(model.exchanges[1]?.classification?.endpoint).toBe('token.grant');
    expect(model.stats.providerExchanges).toBe(2);
  });

  it('the same challenge again after a new token is a challenge loop', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    await flow.stepUp({ acr: ACR_MFA });
    flow.challenge({ acrValues: [ACR_MFA] });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.challenge_loop']);
    expect(model.findings[0]).toMatchObject({
      exchange: 2,
      related: [0],
      challengeKey: `rfc9470:${RESOURCE}`,
    });
    expect(model.challenges[0]).toMatchObject({ status: 'failed' });
    expect(model.challenges[0]?.statusReason).toMatch(/challenge loop/);
    expect(kinds(model)).toEqual(['requested', 'factor_verified:assertion', 'requested']);
  });

  it('retrying with the same token is not a loop (no step-up happened)', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    flow.challenge({ acrValues: [ACR_MFA] });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]?.events[1]?.detail).toMatch(/same token was sent/);
  });

  it('a new token whose acr is not among acr_values is rfc9470.acr_not_satisfied (and a loop when challenged again)', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_HW, ACR_MFA] });
    await flow.stepUp({ acr: ACR_PWD });
    flow.challenge({ acrValues: [ACR_HW, ACR_MFA] });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.acr_not_satisfied', 'rfc9470.challenge_loop']);
    expect(model.findings[0]?.message).toMatch(
      /has acr urn:example:acr:pwd.*acr_values "urn:example:acr:hwk urn:example:acr:mfa"/,
    );
    expect(kinds(model)).toEqual(['requested', 'factor_failed:assertion', 'requested']);
  });

  it('a resource that accepts a token below acr_values still gets rfc9470.acr_not_satisfied', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    await flow.stepUp({ claims: { acr: undefined } });
    flow.call();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.acr_not_satisfied']);
    expect(model.findings[0]?.message).toMatch(/no acr claim/);
    expect(model.challenges[0]?.status).toBe('completed');
  });

  it('a new token authenticated longer ago than max_age is rfc9470.max_age_exceeded', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ maxAge: 60 });
    await flow.stepUp({ authTime: flow.nowSec - 3600 });
    flow.call();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.max_age_exceeded']);
    expect(model.findings[0]?.message).toMatch(/more than max_age 60s/);
    expect(kinds(model)).toEqual(['requested', 'factor_failed:assertion', 'completed']);
  });

  it('a new token without auth_time cannot meet max_age', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ maxAge: 60 });
    await flow.stepUp({ claims: { auth_time: undefined } });
    flow.call();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.max_age_exceeded']);
    expect(model.findings[0]?.message).toMatch(/no auth_time/);
  });

  it('insufficient_scope → a token with the scope → success', async () => {
    const flow = await anOAuthSession({ scope: 'payments:read' });
    flow.challenge({ error: 'insufficient_scope', scope: ['payments:write'] });
    await flow.stepUp({ scope: 'payments:read payments:write' });
    flow.call();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]).toMatchObject({
      scope: 'payments:write',
      status: 'completed',
      scopeGranted: true,
      providerStatus: '403 insufficient_scope',
      steps: [{ key: 'reauthorization', done: true }],
    });
    expect(model.exchanges[0]?.classification?.endpoint).toBe('resource.insufficient_scope');
  });

  it('a token presented after insufficient_scope that still lacks the scope is rfc6750.insufficient_scope', async () => {
    const flow = await anOAuthSession({ scope: 'payments:read' });
    flow.challenge({ error: 'insufficient_scope', scope: ['payments:write'] });
    await flow.refresh();
    flow.challenge({ error: 'insufficient_scope', scope: ['payments:write'] });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc6750.insufficient_scope', 'rfc9470.challenge_loop']);
    expect(model.findings[0]?.message).toMatch(/lacks payments:write \(it has payments:read\)/);
  });

  it('a DPoP challenge and a DPoP-bound token work the same way', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ scheme: 'DPoP', acrValues: [ACR_MFA] });
    await flow.stepUp({ acr: ACR_MFA });
    const retry = flow.call();
    retry.requestHeaders = retry.requestHeaders.map((h) =>
      h.name === 'Authorization' ? { name: h.name, value: h.value.replace('Bearer', 'DPoP') } : h,
    );
    const model = await analyse(flow.exchanges);
    expect(kinds(model)).toEqual(['requested', 'factor_verified:assertion', 'completed']);
    expect(model.challenges[0]?.metadata).toMatchObject({ scheme: 'DPoP' });
  });

  it('a challenge after success opens a new lane for the resource', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    await flow.stepUp({ acr: ACR_MFA });
    flow.call();
    flow.wait(3_600_000);
    flow.challenge({ maxAge: 300 });
    const model = await analyse(flow.exchanges);
    expect(model.challenges.map((c) => [c.key, c.status])).toEqual([
      [`rfc9470:${RESOURCE}`, 'completed'],
      [`rfc9470:${RESOURCE}#2`, 'pending'],
    ]);
  });

  it('a changed requirement on the same resource updates the lane instead of looping', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    await flow.stepUp({ acr: ACR_MFA, authTime: flow.nowSec - 900 });
    flow.challenge({ acrValues: [ACR_MFA], maxAge: 300 });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]?.events.at(-1)?.detail).toMatch(/now asks acr_values .* max_age 300s/);
    expect(model.challenges[0]?.metadata).toMatchObject({ max_age: 300 });
  });

  it('an unreadable WWW-Authenticate is rfc9470.malformed_www_authenticate, reported once per header', async () => {
    const flow = await anOAuthSession();
    flow.challenge({
      header: 'Bearer error="insufficient_user_authentication", acr_values="urn:example:acr:mfa',
    });
    flow.challenge({
      header: 'Bearer error="insufficient_user_authentication", acr_values="urn:example:acr:mfa',
    });
    flow.challenge({
      path: `${RS_ORIGIN}/v1/other`,
      header: 'Bearer error="insufficient_user_authentication", max_age=5m',
    });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([
      'rfc9470.malformed_www_authenticate',
      'rfc9470.malformed_www_authenticate',
    ]);
    expect(model.findings[0]?.message).toMatch(/unterminated quoted-string/);
    expect(model.findings[1]?.message).toMatch(/max_age "5m"/);
    // What could be read still makes a lane.
    expect(model.challenges[0]?.metadata).toMatchObject({ acr_values: [ACR_MFA] });
  });

  it('a challenge header that names a step-up error on no Bearer/DPoP challenge makes no lane', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ header: 'Basic realm="x", error="insufficient_scope"' });
    const model = await analyse(flow.exchanges);
    expect(model.challenges).toEqual([]);
    expect(model.exchanges[0]?.classification?.endpoint).toBe('resource.malformed_challenge');
    expect(model.exchanges[0]?.notes[0]).toMatch(/no Bearer\/DPoP challenge/);
  });
});

describe('RFC 9470 §6.1: acr and auth_time across refreshes', () => {
  it('a refresh that keeps acr and auth_time is fine', async () => {
    const flow = await anOAuthSession({ acr: ACR_MFA });
    flow.call();
    await flow.refresh();
    flow.call();
    expect(codes(await analyse(flow.exchanges))).toEqual([]);
  });

  it('a refresh that raises acr is rfc9470.acr_changed_on_refresh', async () => {
    const flow = await anOAuthSession({ acr: ACR_PWD });
    flow.call();
    await flow.refresh({ acr: ACR_MFA });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.acr_changed_on_refresh']);
    expect(model.findings[0]).toMatchObject({ exchange: 1, related: [0] });
    expect(model.findings[0]?.message).toMatch(/has acr urn:example:acr:mfa.*had urn:example:acr:pwd/);
  });

  it('a refresh that moves auth_time is rfc9470.auth_time_changed_on_refresh', async () => {
    const flow = await anOAuthSession();
    flow.call();
    await flow.refresh({ authTime: flow.nowSec });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.auth_time_changed_on_refresh']);
  });

  it('a new presented token with another acr but the same auth_time was refreshed, not re-authenticated', async () => {
    const flow = await anOAuthSession({ acr: ACR_PWD });
    const authTime = flow.nowSec - 600;
    flow.call();
    // The token endpoint is not in the capture: only the app calls are.
    await flow.stepUp({ acr: ACR_MFA, authTime });
    flow.exchanges.pop();
    flow.call();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['rfc9470.acr_changed_on_refresh']);
    expect(model.findings[0]?.message).toMatch(/same auth_time/);
  });

  it('a step-up (new authorization) may change both', async () => {
    const flow = await anOAuthSession({ acr: ACR_PWD });
    flow.call();
    await flow.stepUp({ acr: ACR_MFA });
    flow.call();
    expect(codes(await analyse(flow.exchanges))).toEqual([]);
  });
});

describe('RFC 9470 in the reports', () => {
  it('names the lane by its resource in the text report', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    await flow.stepUp({ acr: ACR_MFA });
    flow.call();
    const text = formatTextReport(await analyse(flow.exchanges));
    expect(text).toContain(`rfc9470:${RESOURCE} · completed (200 with the new token)`);
    expect(text).not.toContain('not exchanged yet');
  });

  it('lists the lanes with their provider in the JSON report', async () => {
    const flow = await anOAuthSession();
    flow.challenge({ acrValues: [ACR_MFA] });
    await flow.stepUp({ acr: ACR_MFA });
    flow.call();
    const report = buildJsonReport(await analyse(flow.exchanges));
    expect(report.challenges).toHaveLength(1);
    expect(report.challenges[0]).toMatchObject({
      provider: 'rfc9470',
      key: `rfc9470:${RESOURCE}`,
      status: 'completed',
    });
    expect(report.challenges[0]?.events.map(eventName)).toEqual([
      'requested',
      'factor_verified:assertion',
      'completed',
    ]);
  });
});
