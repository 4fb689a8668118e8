import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiBaseOf, canReplayOtp, canReplayVerbatim, canRetryOtp } from '../../../src/core/actions/rules.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { AnalyzedExchange, Challenge, SessionModel } from '../../../src/core/model/types.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aLoginFlow } from '../../fixtures/flows.ts';
import { API_BASE, T0 } from '../../fixtures/tokens.ts';

const NOW = T0 * 1000 + 60_000;

function aChallenge(overrides: Partial<Challenge> = {}): Challenge {
  return {
    key: 'prelude:chl_01',
    provider: 'prelude',
    challengeId: 'chl_01',
    scope: 'transfer:write',
    metadata: {},
    grantMode: 'single-use',
    status: 'pending',
    statusReason: 'current_step verify_sms',
    providerStatus: 'review',
    currentStep: 'verify_sms',
    steps: [{ key: 'verify_sms', order: 1, done: false }],
    tokens: [
      {
        exchange: 0,
        seenIn: 'response',
        raw: 'header.payload.signature',
        jti: 'cjti_01',
        currentStep: 'verify_sms',
        exp: T0 + 600,
      },
    ],
    events: [],
    codeSends: 1,
    codeResends: 0,
    codeChecks: { failed: 0, succeeded: 0 },
    sub: 'usr_01',
    sid: 'ses_01',
    requestedAt: 0,
    expiresAt: (T0 + 600) * 1000,
    completedAt: null,
    redeemedBy: null,
    scopeGranted: null,
    grantId: null,
    ...overrides,
  };
}

function analysed(
  index: number,
  exchange: HttpExchange,
  apiBase: string | null,
  challengeKey: string | null,
): AnalyzedExchange {
  return {
    index,
    exchange,
    classification:
      apiBase === null
        ? null
        : {
            provider: 'prelude',
            endpoint: 'stepup.request',
            label: 'Step-up request',
            apiBase,
            auth: { dpop: 'none', bearer: true, refreshToken: false },
          },
    tokens: [],
    dpop: null,
    errorCode: null,
    challengeKey,
    findingIds: [],
    notes: [],
  };
}

function aModel(exchanges: AnalyzedExchange[]): SessionModel {
  return {
    version: 1,
    clock: NOW,
    exchanges,
    challenges: [],
    accessTokens: [],
    grants: [],
    findings: [],
    stats: {
      exchanges: exchanges.length,
      providerExchanges: exchanges.length,
      withoutResponseBody: 0,
      dpopProofs: 0,
      findings: { error: 0, warning: 0, info: 0 },
    },
  };
}

const MODEL = aModel([analysed(0, anExchange({ path: '/stepup/request' }), API_BASE, 'prelude:chl_01')]);

function reasonOf(result: { enabled: boolean; reason?: string }): string {
  expect(result.enabled).toBe(false);
  return result.reason ?? '';
}

describe('canReplayOtp', () => {
  it('is enabled for a pending challenge on an OTP step, with what the action needs', () => {
    expect(canReplayOtp(aChallenge(), MODEL, NOW)).toEqual({
      enabled: true,
      apiBase: API_BASE,
      challengeToken: 'header.payload.signature',
    });
    expect(canReplayOtp(aChallenge({ currentStep: 'verify_email' }), MODEL, NOW).enabled).toBe(true);
  });

  it('uses the latest token', () => {
    const challenge = aChallenge({
      tokens: [
        { exchange: 0, seenIn: 'response', raw: 'old.token.v1', currentStep: 'verify_sms' },
        { exchange: 0, seenIn: 'response', raw: 'new.token.v2', currentStep: 'verify_email' },
      ],
      currentStep: 'verify_email',
    });
    expect(canReplayOtp(challenge, MODEL, NOW)).toMatchObject({
      enabled: true,
      challengeToken: 'new.token.v2',
    });
  });

  it('is disabled for a completed challenge', () => {
    expect(
      reasonOf(canReplayOtp(aChallenge({ status: 'completed', currentStep: 'completed' }), MODEL, NOW)),
    ).toMatch(/completed/);
    expect(reasonOf(canReplayOtp(aChallenge({ currentStep: 'completed' }), MODEL, NOW))).toMatch(/completed/);
  });

  it('is disabled for a blocked request', () => {
    expect(reasonOf(canReplayOtp(aChallenge({ status: 'blocked', tokens: [] }), MODEL, NOW))).toMatch(
      /blocked/,
    );
  });

  it('is disabled for a failed challenge, naming why it failed', () => {
    const reason = reasonOf(
      canReplayOtp(aChallenge({ status: 'failed', statusReason: 'scope_not_allowed' }), MODEL, NOW),
    );
    expect(reason).toMatch(/failed \(scope_not_allowed\)/);
  });

  it('is disabled once the challenge has expired, by status or by the clock', () => {
    expect(reasonOf(canReplayOtp(aChallenge({ status: 'expired' }), MODEL, NOW))).toMatch(/expired/);
    const late = (T0 + 600) * 1000;
    expect(reasonOf(canReplayOtp(aChallenge(), MODEL, late))).toMatch(/expired at 2026-/);
    // Without the challenge's own expiry, the latest token's exp decides.
    expect(reasonOf(canReplayOtp(aChallenge({ expiresAt: null }), MODEL, late + 1))).toMatch(/expired/);
  });

  // Regression: `new Date(1e16).toISOString()` threw a RangeError while the lane rendered, blanking the panel.
  it('says why for an expired challenge whose exp is no date (exp 1e13 seconds, answered expired_challenge_token)', () => {
    const token = {
      exchange: 0,
      seenIn: 'response' as const,
      raw: 'h.p.s',
      currentStep: 'verify_sms',
      exp: 1e13,
    };
    const crafted = aChallenge({ status: 'expired', expiresAt: 1e13 * 1000, tokens: [token] });
    for (const rule of [canReplayOtp, canRetryOtp]) {
      const reason = reasonOf(rule(crafted, MODEL, NOW));
      expect(reason).toMatch(/expired \(its exp 10000000000000 is not a date\)/);
      expect(reason).toMatch(/expired_challenge_token/);
    }
    // The same from the token alone, and at the edges of what a Date holds.
    const fromToken = aChallenge({ status: 'expired', expiresAt: null, tokens: [token] });
    expect(reasonOf(canReplayOtp(fromToken, MODEL, NOW))).toMatch(/its exp 10000000000000 is not a date/);
    expect(reasonOf(canReplayOtp(aChallenge({ expiresAt: -8.64e15 - 1 }), MODEL, NOW))).toMatch(
      /its exp -8640000000000\.001 is not a date/,
    );
    expect(reasonOf(canReplayOtp(aChallenge({ status: 'expired', expiresAt: 8.64e15 }), MODEL, NOW))).toMatch(
      /expired at \+275760-09-13T00:00:00\.000Z/,
    );
  });

  it('never throws, whatever the expiry and the clock', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.constantFrom(1e16, -1e16, 8.64e15, 8.64e15 + 1)),
        fc.oneof(fc.double(), fc.constant(NOW)),
        fc.constantFrom<Challenge['status']>('pending', 'expired'),
        (expiresAt, now, status) => {
          const challenge = aChallenge({ status, expiresAt });
          for (const rule of [canReplayOtp, canRetryOtp]) {
            const result = rule(challenge, MODEL, now);
            if (!result.enabled) expect(result.reason).not.toBe('');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is disabled without a challenge token', () => {
    expect(reasonOf(canReplayOtp(aChallenge({ tokens: [], expiresAt: null }), MODEL, NOW))).toMatch(
      /No challenge token/,
    );
    const empty = aChallenge({ tokens: [{ exchange: 0, seenIn: 'response', raw: '' }] });
    expect(reasonOf(canReplayOtp(empty, MODEL, NOW))).toMatch(/No challenge token/);
  });

  it('is disabled when the current step is not an OTP step', () => {
    expect(reasonOf(canReplayOtp(aChallenge({ currentStep: 'kyc_review' }), MODEL, NOW))).toMatch(
      /"kyc_review", not an OTP step/,
    );
    expect(reasonOf(canReplayOtp(aChallenge({ currentStep: 'verify_passkey' }), MODEL, NOW))).toMatch(
      /not an OTP step/,
    );
    expect(reasonOf(canReplayOtp(aChallenge({ currentStep: null }), MODEL, NOW))).toMatch(/unknown/);
  });

  it('is disabled when no Session API origin is known', () => {
    const model = aModel([analysed(0, anExchange(), null, 'prelude:chl_01')]);
    expect(reasonOf(canReplayOtp(aChallenge(), model, NOW))).toMatch(/Session API address/);
  });

  it('is disabled for another provider', () => {
    expect(reasonOf(canReplayOtp(aChallenge({ provider: 'dynamic' }), MODEL, NOW))).toMatch(/Prelude/);
  });
});

describe('canRetryOtp', () => {
  it('is enabled after a first send', () => {
    expect(canRetryOtp(aChallenge(), MODEL, NOW)).toEqual({ enabled: true, apiBase: API_BASE });
  });

  it('is disabled before any OTP was sent', () => {
    expect(reasonOf(canRetryOtp(aChallenge({ codeSends: 0 }), MODEL, NOW))).toMatch(/No OTP was sent/);
  });

  it('shares the challenge rules of canReplayOtp', () => {
    expect(reasonOf(canRetryOtp(aChallenge({ status: 'completed' }), MODEL, NOW))).toMatch(/completed/);
    expect(reasonOf(canRetryOtp(aChallenge({ status: 'blocked' }), MODEL, NOW))).toMatch(/blocked/);
    expect(reasonOf(canRetryOtp(aChallenge({ status: 'expired' }), MODEL, NOW))).toMatch(/expired/);
    expect(reasonOf(canRetryOtp(aChallenge({ tokens: [], expiresAt: null }), MODEL, NOW))).toMatch(
      /No challenge token/,
    );
    expect(reasonOf(canRetryOtp(aChallenge({ currentStep: 'kyc_review' }), MODEL, NOW))).toMatch(
      /not an OTP step/,
    );
    expect(reasonOf(canRetryOtp(aChallenge(), aModel([]), NOW))).toMatch(/Session API address/);
  });
});

describe('apiBaseOf', () => {
  it('prefers the exchange of the latest token, then any exchange of the challenge', () => {
    const model = aModel([
      analysed(0, anExchange(), 'https://old.example/v1/session', 'prelude:chl_01'),
      analysed(1, anExchange(), 'https://new.example/v1/session', 'prelude:chl_01'),
    ]);
    const challenge = aChallenge({ tokens: [{ exchange: 1, seenIn: 'response', raw: 'a.b.c' }] });
    expect(apiBaseOf(challenge, model)).toBe('https://new.example/v1/session');
    expect(apiBaseOf(aChallenge({ tokens: [] }), model)).toBe('https://old.example/v1/session');
  });
});

describe('with the analyser', () => {
  it('enables both OTP actions for a pending SMS challenge, and disables them once it is completed', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const model = await analyse(flow.exchanges);
    const pending = model.challenges[0];
    if (pending === undefined) throw new Error('no challenge');
    const now = model.clock;
    expect(canReplayOtp(pending, model, now)).toEqual({
      enabled: true,
      apiBase: API_BASE,
      challengeToken: challenge.token,
    });
    expect(canRetryOtp(pending, model, now)).toEqual({ enabled: true, apiBase: API_BASE });

    await flow.completeSteps(challenge, { wrongCodes: 0 });
    const after = await analyse(flow.exchanges);
    const done = after.challenges[0];
    if (done === undefined) throw new Error('no challenge');
    expect(reasonOf(canReplayOtp(done, after, after.clock))).toMatch(/completed/);
  });
});

describe('canReplayVerbatim', () => {
  it('is enabled for captured and inspector-sent http(s) requests', () => {
    expect(canReplayVerbatim(anExchange())).toEqual({ enabled: true });
    expect(canReplayVerbatim({ ...anExchange(), initiator: 'inspector', sources: ['inspector'] })).toEqual({
      enabled: true,
    });
    expect(canReplayVerbatim(anExchange({ method: 'GET', path: 'http://localhost:5173/api/me' }))).toEqual({
      enabled: true,
    });
  });

  it('is disabled for URLs that are not http(s)', () => {
    for (const url of [
      'ws://demo.test/socket',
      'chrome-extension://abc/panel.html',
      'data:text/plain,hi',
      'file:///etc/hosts',
    ]) {
      expect(reasonOf(canReplayVerbatim({ ...anExchange(), url })), url).toMatch(/Only http\(s\)/);
    }
    expect(reasonOf(canReplayVerbatim({ ...anExchange(), url: 'relative/path' }))).toMatch(
      /not an absolute URL/,
    );
  });

  it('is disabled for URLs with credentials, forbidden methods, cut bodies and GET bodies', () => {
    expect(reasonOf(canReplayVerbatim({ ...anExchange(), url: 'https://u:p@demo.test/' }))).toMatch(
      /user name/,
    );
    expect(reasonOf(canReplayVerbatim(anExchange({ method: 'TRACE' })))).toMatch(/TRACE/);
    expect(
      reasonOf(
        canReplayVerbatim(anExchange({ requestBody: { kind: 'text', text: '{"a":', truncated: true } })),
      ),
    ).toMatch(/cut off/);
    expect(
      reasonOf(canReplayVerbatim(anExchange({ method: 'GET', requestBody: { kind: 'text', text: 'x' } }))),
    ).toMatch(/GET request with a body/);
  });
});
