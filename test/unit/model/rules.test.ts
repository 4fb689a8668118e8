import { describe, expect, it } from 'vitest';
import { analyse, createAnalyzer } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aLoginFlow, aStepUpFlow, IOS_USER_AGENT, withoutResponseBodies } from '../../fixtures/flows.ts';
import { anAccessToken, T0 } from '../../fixtures/tokens.ts';
import { eventName } from '../../../src/core/model/events.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);

describe('challenge rules', () => {
  it('challenge.completed_without_refresh: a plain /refresh follows the completion', async () => {
    const { flow, challenge } = await aStepUpFlow({ scope: 'transfer:write', skipRefresh: true });
    const completedAt = flow.exchanges.length - 1;
    flow.wait(3_000);
    await flow.refresh();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['challenge.completed_without_refresh']);
    // It points at the exchange that completed the challenge, and says what came instead.
    expect(model.findings[0]).toMatchObject({ exchange: completedAt, challengeId: challenge.id });
    expect(model.findings[0]?.message).toContain(`exchange #${flow.exchanges.length - 1}`);
    expect(model.exchanges[completedAt]?.findingIds).toEqual([model.findings[0]?.id]);
  });

  it('no finding for a plain /refresh already in flight when the challenge completed (within 2 s)', async () => {
    const { flow, challenge } = await aStepUpFlow({ scope: 'transfer:write', skipRefresh: true });
    await flow.refresh();
    await flow.completeStepUp(challenge);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]?.scopeGranted).toBe(true);
  });

  it('challenge.completed_without_refresh: nothing within 30 s', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', skipRefresh: true });
    flow.wait(31_000);
    flow.appCall({ path: '/api/balance', method: 'GET' });
    expect(codes(await analyse(flow.exchanges))).toEqual(['challenge.completed_without_refresh']);
  });

  it('no finding while the 30 s are not over (capture ends right after completion)', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', skipRefresh: true });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]).toMatchObject({ status: 'completed', scopeGranted: null });
  });

  it('challenge.scope_not_granted: the step-up refresh returns a token without the scope', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', withholdScope: true });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['challenge.scope_not_granted']);
    expect(model.findings[0]?.exchange).toBe(flow.exchanges.length - 1);
    expect(model.challenges[0]).toMatchObject({ scopeGranted: false, grantId: null });
    expect(model.grants).toEqual([]);
  });

  it('challenge.scope_not_granted is decided by the next token when the refresh body was not captured', async () => {
    const { flow, challenge } = await aStepUpFlow({ scope: 'transfer:write', skipRefresh: true });
    await flow.completeStepUp(challenge, { grant: [], noResponseBody: true });
    await flow.refresh();
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['challenge.scope_not_granted']);
    expect(model.findings[0]).toMatchObject({
      exchange: flow.exchanges.length - 1,
      related: [flow.exchanges.length - 2],
    });
  });

  it('challenge.refresh_before_completion: step_up_token still on a step', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    await flow.refresh({ stepUpToken: challenge.token, error: 'step_not_completed' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['challenge.refresh_before_completion']);
  });
});

describe('token rules', () => {
  it('token.malformed: a challenge token cut short', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend({ ...challenge, token: challenge.token.split('.').slice(0, 2).join('.') });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['token.malformed']);
    expect(model.findings[0]?.message).toMatch(/challenge_token in the request: .*3 dot-separated segments/);
  });

  it('token.malformed: an access_token that is not a JWT', async () => {
    const model = await analyse([
      anExchange({
        path: '/login/otp/check',
        requestJson: { code: '1' },
        responseJson: { access_token: 'opaque-token' },
      }),
    ]);
    expect(codes(model)).toEqual(['dpop.missing', 'token.malformed']);
  });

  it('token.expired_on_use: an access token sent after exp, reported once per token', async () => {
    const flow = await aLoginFlow();
    flow.wait(301_000);
    await flow.stepUp({ scope: 'transfer:write', error: 'unauthorized' });
    await flow.stepUp({ scope: 'transfer:write', error: 'unauthorized' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['token.expired_on_use', 'prelude.unauthorized', 'prelude.unauthorized']);
    expect(model.findings[0]?.message).toMatch(/expired at .* before this request/);
  });

  it('token.expired_on_use on the app API with a known token', async () => {
    const flow = await aLoginFlow();
    flow.wait(400_000);
    flow.appCall({ status: 401, responseJson: {} });
    expect(codes(await analyse(flow.exchanges))).toEqual(['token.expired_on_use']);
  });
});

describe('verification tokens (custom steps)', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['sub', { sub: 'usr_someone_else' }, /sub is "usr_someone_else" but the challenge sub is "usr_01"/],
    ['challenge_id', { challenge_id: 'chl_other' }, /challenge_id is "chl_other"/],
    ['key', { key: 'verify_sms' }, /key is "verify_sms" but the challenge's current_step is "kyc_review"/],
    ['status', { status: 'pending' }, /status is "pending" but must be "completed"/],
    ['exp', { exp: T0 - 10 }, /expired at/],
    ['nbf', { nbf: T0 + 3600 }, /not valid before/],
  ];
  for (const [claim, overrides, message] of cases) {
    it(`verification.claims_mismatch: ${claim}`, async () => {
      const flow = await aLoginFlow();
      const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['kyc_review'] });
      await flow.continueStep(challenge, { verification: overrides, error: 'token_mismatch' });
      const model = await analyse(flow.exchanges);
      expect(codes(model)).toEqual(['verification.claims_mismatch']);
      expect(model.findings[0]?.message).toMatch(message);
      expect(model.challenges[0]?.events.map(eventName).at(-1)).toBe('factor_failed:assertion');
    });
  }

  it('verification.claims_mismatch: a jti used before (expect token_reused)', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['kyc_review', 'kyc_review_2'] });
    await flow.continueStep(challenge, { verification: { jti: 'same-jti' } });
    await flow.continueStep(challenge, { verification: { jti: 'same-jti' }, error: 'token_reused' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['verification.claims_mismatch']);
    expect(model.findings[0]).toMatchObject({ related: [flow.exchanges.length - 2] });
    expect(model.findings[0]?.message).toContain('same-jti was already used');
  });
});

describe('CORS', () => {
  it('cors.expose_headers_missing once per API, cors.date_not_exposed once per API', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', exposeHeaders: false });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['cors.date_not_exposed', 'cors.expose_headers_missing']);
    expect(model.findings.find((f) => f.code === 'cors.expose_headers_missing')?.message).toContain(
      'DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At',
    );
  });

  it('`*` does not expose headers of credentialed responses', async () => {
    const flow = await aLoginFlow();
    const refresh = await flow.refresh();
    refresh.responseHeaders = refresh.responseHeaders.map((h) =>
      h.name === 'Access-Control-Expose-Headers' ? { name: h.name, value: '*' } : h,
    );
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['cors.expose_headers_missing', 'cors.date_not_exposed']);
    expect(model.findings.every((f) => f.exchange === 2)).toBe(true);
  });

  it('same-origin calls (custom domain on the app origin) need no exposure', async () => {
    const flow = await aLoginFlow({ apiBase: 'https://app.example.com/v1/session', exposeHeaders: false });
    await flow.refresh();
    expect(codes(await analyse(flow.exchanges))).toEqual([]);
  });
});

describe('captures from other tools', () => {
  it('a mobile app through a proxy (Prelude iOS SDK User-Agent, no Origin, DPoP on /stepup/request)', async () => {
    const { flow } = await aStepUpFlow({
      platform: 'ios',
      scope: 'transfer:write',
      steps: ['verify_sms', 'kyc_review'],
      withProof: true,
      exposeHeaders: false,
    });
    expect(flow.exchanges[0]?.requestHeaders).toContainEqual({ name: 'User-Agent', value: IOS_USER_AGENT });
    expect(flow.exchanges[0]?.requestHeaders.some((h) => h.name === 'X-SDK-User-Agent')).toBe(false);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([]);
    expect(model.challenges[0]).toMatchObject({ status: 'completed', scopeGranted: true });
    const request = model.exchanges.find((e) => e.classification?.endpoint === 'stepup.request');
    expect(request?.dpop?.checks.find((c) => c.id === 'signature')?.status).toBe('pass');
  });

  it('webRequest-only data (no response bodies): still analysed, with notes on what could not be checked', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write' });
    const model = await analyse(withoutResponseBodies(flow.exchanges));
    expect(model.stats.withoutResponseBody).toBeGreaterThan(0);
    const request = model.exchanges.find((e) => e.classification?.endpoint === 'stepup.request');
    expect(request?.notes).toEqual([
      'Response body not captured: tokens and error codes in it could not be checked.',
    ]);
    // The challenge is still found, from the tokens the requests carry.
    expect(model.challenges).toHaveLength(1);
    expect(model.challenges[0]?.challengeId).toMatch(/^chl_/);
    expect(codes(model)).toEqual([]);
  });

  it('exchanges with no response (status 0) are noted, not misread', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge, { stalled: true });
    const model = await analyse(flow.exchanges);
    expect(model.exchanges.at(-1)?.notes[0]).toMatch(/^No response/);
    expect(model.challenges[0]?.events.at(-1)).toMatchObject({
      kind: 'factor_send_failed',
      detail: 'no response',
    });
  });
});

describe('robustness', () => {
  it('ignores unrelated traffic cheaply and never throws on odd exchanges', async () => {
    const analyzer = createAnalyzer();
    const odd = {
      ...anExchange({ path: 'https://cdn.example.com/app.js', method: 'GET' }),
      requestHeaders: null,
      responseBody: 42,
    } as unknown as Parameters<typeof analyzer.add>[0];
    await analyzer.add(odd);
    await analyzer.add(
      anExchange({
        path: '/stepup/request',
        requestBody: { kind: 'text', text: '{' },
        responseBody: { kind: 'base64', base64: '!!' },
      }),
    );
    const model = analyzer.snapshot();
    expect(model.exchanges).toHaveLength(2);
    expect(model.exchanges[0]?.classification).toBeNull();
  });

  it('an unknown Bearer token on the app API is not a finding', async () => {
    const token = await anAccessToken({ iss: 'https://other.example', sid: undefined });
    const model = await analyse([
      anExchange({ path: 'https://api.example.com/x', requestHeaders: { Authorization: `Bearer ${token}` } }),
    ]);
    expect(codes(model)).toEqual([]);
  });
});
