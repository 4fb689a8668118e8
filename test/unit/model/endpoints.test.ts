import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aLoginFlow, ANDROID_USER_AGENT } from '../../fixtures/flows.ts';
import { aChallengeToken, aDpopProof, anAccessToken, API_BASE, T0 } from '../../fixtures/tokens.ts';

const at = (seconds: number): number => (T0 + seconds) * 1000;

describe('every Session API endpoint', () => {
  it('password login: /login/email/password → challenge_token (session-start) → /login/finalize → access token', async () => {
    const loginChallenge = await aChallengeToken({
      challenge_id: 'chl_login',
      grant_mode: 'session-start',
      current_step: 'completed',
      steps: [],
    });
    const access = await anAccessToken({ iat: T0 + 1, exp: T0 + 301 });
    const proof = await aDpopProof({ htu: `${API_BASE}/login/finalize`, iat: T0 + 1 });
    const model = await analyse([
      anExchange({
        path: '/password/compliancy',
        method: 'GET',
        startedAt: at(0),
        responseJson: { min_length: 8 },
      }),
      anExchange({
        path: '/login/email/password',
        startedAt: at(0),
        requestJson: { identifier: { type: 'email_address', value: 'a@b.c' }, password: 'x' },
        responseJson: { challenge_token: loginChallenge },
      }),
      anExchange({
        path: '/login/finalize',
        startedAt: at(1),
        requestHeaders: { DPoP: proof },
        requestJson: { challenge_token: loginChallenge },
        responseJson: { access_token: access, expires_at: '2026-09-21T14:18:21Z' },
        responseHeaders: { 'DPoP-Nonce': 'n-1', 'X-Refresh-Token': 'rt-1' },
      }),
    ]);
    expect(model.exchanges.map((e) => e.classification?.endpoint)).toEqual([
      'password.compliancy',
      'login.password',
      'login.finalize',
    ]);
    expect(model.challenges).toEqual([]); // a login challenge is not a step-up lane
    expect(model.accessTokens.map((t) => t.source)).toEqual(['login']);
    expect(model.exchanges[2]?.dpop?.checks.find((c) => c.id === 'signature')?.status).toBe('pass');
    expect(model.findings).toEqual([]);
  });

  it('sign-up and OAuth authorize are recognised and decoded', async () => {
    const token = await aChallengeToken({ grant_mode: 'session-start', challenge_id: 'chl_signup' });
    const model = await analyse([
      anExchange({
        path: '/login/email/sign-up',
        requestJson: { identifier: { type: 'email_address', value: 'a@b.c' }, password: 'x' },
        responseJson: { challenge_token: token },
      }),
      anExchange({
        path: '/login/oauth/google/authorize',
        requestJson: {
          redirect_uri: 'https://app.example.com/cb',
          code_challenge: 'x',
          code_challenge_method: 'S256',
        },
        responseJson: { authorization_url: 'https://accounts.google.com/o/oauth2/auth?x' },
      }),
    ]);
    expect(model.exchanges.map((e) => e.classification?.endpoint)).toEqual([
      'login.signup',
      'login.oauth.authorize',
    ]);
    expect(model.exchanges[0]?.tokens[0]).toMatchObject({
      location: 'response.body.challenge_token',
      decoded: { ok: true, kind: 'prelude-challenge' },
    });
  });

  it('passkey login issues an access token; passkey registration consumes prld:passkey:write', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'prld:passkey:write', steps: ['verify_sms'] });
    await flow.completeSteps(challenge);
    await flow.completeStepUp(challenge);
    flow.push({
      path: '/me/passkeys/register/begin',
      requestHeaders: { Authorization: `Bearer ${flow.accessToken}` },
      responseJson: { options: {} },
    });
    const finish = flow.exchanges.length;
    flow.push({
      path: '/me/passkeys/register/finish',
      requestHeaders: { Authorization: `Bearer ${flow.accessToken}` },
      status: 204,
    });
    const passkeyToken = await anAccessToken({
      sid: 'ses_pk',
      jti: 'pk',
      iat: flow.nowSec,
      exp: flow.nowSec + 300,
    });
    flow.push({ path: '/login/passkey/begin', responseJson: { options: {} } });
    flow.push({ path: '/login/passkey/finish', responseJson: { access_token: passkeyToken } });
    const model = await analyse(flow.exchanges);
    expect(model.grants[0]).toMatchObject({
      scope: 'prld:passkey:write',
      state: 'consumed',
      consumedBy: finish,
      consumption: 'passkey_registration',
    });
    expect(model.accessTokens.at(-1)).toMatchObject({ source: 'login', sid: 'ses_pk' });
    expect(model.findings).toEqual([]);
  });

  it('session management (/me/list, /me/revoke, /revoke) needs no step-up and raises nothing', async () => {
    const flow = await aLoginFlow();
    flow.push({
      path: '/me/list?limit=10&offset=0',
      method: 'GET',
      requestHeaders: { Authorization: `Bearer ${flow.accessToken}` },
      responseJson: { sessions: [] },
    });
    flow.push({
      path: '/me/revoke?target=others',
      requestHeaders: { Authorization: `Bearer ${flow.accessToken}` },
      status: 204,
    });
    await flow.revoke();
    const model = await analyse(flow.exchanges);
    expect(model.exchanges.map((e) => e.classification?.endpoint).slice(2)).toEqual([
      'me.list',
      'me.revoke',
      'revoke',
    ]);
    expect(model.findings).toEqual([]);
  });

  it('Android posts the login OTP to /otp with an identifier: not a step-up', async () => {
    const model = await analyse([
      anExchange({
        path: '/otp',
        requestHeaders: { 'X-SDK-User-Agent': undefined, 'User-Agent': ANDROID_USER_AGENT },
        requestJson: { identifier: { type: 'phone_number', value: '+33600000000' } },
        status: 204,
      }),
    ]);
    expect(model.exchanges[0]?.classification?.endpoint).toBe('otp.login');
    expect(model.challenges).toEqual([]);
  });

  it('JWKS, signals and CORS preflights are recognised and left alone', async () => {
    const model = await analyse([
      anExchange({ path: '/.well-known/jwks.json', method: 'GET', responseJson: { keys: [] } }),
      anExchange({
        path: 'https://edge.prelude.dev/v1/signals',
        requestHeaders: { 'X-SDK-Key': 'k' },
        status: 204,
      }),
      anExchange({
        path: '/refresh',
        method: 'OPTIONS',
        requestHeaders: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
        status: 204,
      }),
    ]);
    expect(model.exchanges.map((e) => e.classification?.endpoint)).toEqual(['jwks', 'signals', 'preflight']);
    expect(model.findings).toEqual([]);
    expect(model.exchanges.every((e) => e.dpop === null)).toBe(true);
  });

  it('an unknown path under /v1/session still maps its error code', async () => {
    const model = await analyse([
      anExchange({
        path: '/brand/new',
        status: 404,
        responseJson: { code: 'not_found', message: 'no', type: 'x' },
      }),
    ]);
    expect(model.exchanges[0]?.classification?.endpoint).toBe('unknown');
    expect(model.findings.map((f) => f.code)).toEqual(['prelude.not_found']);
  });
});
