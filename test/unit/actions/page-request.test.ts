import { describe, expect, it } from 'vitest';
import { otpActionsFor } from '../../../src/core/actions/otp.ts';
import { responseErrorCode, type PageResponse } from '../../../src/core/actions/page-io.ts';
import { exchangeFromPage, replayVerdict, verbatimRequest } from '../../../src/core/actions/page-request.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { toExchange } from '../../../src/core/http/log-file.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';
import { API_BASE } from '../../fixtures/tokens.ts';

// The OTP requests and verdicts are the challenge's provider's, found through the registry as the panel finds them.
const otp = (() => {
  const actions = otpActionsFor({ provider: 'prelude' });
  if (actions === undefined) throw new Error('prelude has no OTP actions');
  return actions;
})();

const OK: PageResponse = {
  ok: true,
  status: 204,
  statusText: 'No Content',
  headers: [['content-type', 'application/json']],
  body: '',
  bodyTruncated: false,
  startedAt: 1000,
  endedAt: 1080,
};

function answered(status: number, json?: unknown, headers: Record<string, string> = {}): HttpExchange {
  return anExchange({
    status,
    responseJson: json,
    responseHeaders: headers,
  });
}

describe('requests the page sends', () => {
  it('POST /otp carries the challenge token with the SDK headers', () => {
    const request = otp.sendRequest(`${API_BASE}/`, 'ct.token.sig');
    expect(request).toMatchObject({
      method: 'POST',
      url: `${API_BASE}/otp`,
      headers: [
        ['Accept', 'application/json'],
        ['Content-Type', 'application/json'],
      ],
      body: { kind: 'text', text: '{"challenge_token":"ct.token.sig"}' },
    });
  });

  it('POST /otp/retry has no body', () => {
    expect(otp.retryRequest(API_BASE)).toMatchObject({
      method: 'POST',
      url: `${API_BASE}/otp/retry`,
      body: null,
    });
  });

  it('a verbatim replay keeps every header a page may set and says why the others are left out', () => {
    const exchange = anExchange({
      path: '/otp/check',
      requestHeaders: {
        DPoP: 'proof',
        Cookie: 'a=1',
        Origin: 'https://app.example.com',
        Host: 'demo.session.prelude.dev',
        'Content-Length': '42',
        'Sec-Fetch-Mode': 'cors',
        'Proxy-Authorization': 'x',
        ':authority': 'demo.session.prelude.dev',
        'User-Agent': 'Mozilla',
        'X-Label': 'caf\u00e9 \u2603',
      },
      requestJson: { code: '123456' },
    });
    const { request, skippedHeaders } = verbatimRequest(exchange);
    expect(request.method).toBe('POST');
    expect(request.url).toBe(exchange.url);
    expect(request.body).toEqual({ kind: 'text', text: '{"code":"123456"}' });
    expect(request.headers.map(([name]) => name)).toEqual([
      'Accept',
      'Content-Type',
      'X-SDK-User-Agent',
      'DPoP',
    ]);
    expect(skippedHeaders.map((h) => h.name)).toEqual([
      'Cookie',
      'Origin',
      'Host',
      'Content-Length',
      'Sec-Fetch-Mode',
      'Proxy-Authorization',
      ':authority',
      'User-Agent',
      'X-Label',
    ]);
    expect(skippedHeaders[0]?.reason).toMatch(/own cookies/);
  });

  it('a verbatim replay keeps a base64 body as base64', () => {
    const { request } = verbatimRequest(anExchange({ requestBody: { kind: 'base64', base64: 'AAEC' } }));
    expect(request.body).toEqual({ kind: 'base64', base64: 'AAEC' });
  });
});

describe('exchangeFromPage', () => {
  it('builds an inspector exchange the service worker accepts', () => {
    const request = otp.sendRequest(API_BASE, 'ct');
    const exchange = exchangeFromPage(request, OK);
    expect(exchange).toMatchObject({
      method: 'POST',
      url: `${API_BASE}/otp`,
      status: 204,
      statusText: 'No Content',
      startedAt: 1000,
      endedAt: 1080,
      sources: ['inspector'],
      initiator: 'inspector',
      requestBody: { kind: 'text', text: '{"challenge_token":"ct"}', mimeType: 'application/json' },
      responseBody: { kind: 'text', text: '', mimeType: 'application/json' },
    });
    expect(typeof toExchange(exchange)).toBe('object');
  });

  it('records a network failure as status 0 with the error', () => {
    const exchange = exchangeFromPage(otp.retryRequest(API_BASE), {
      ok: false,
      error: 'TypeError: Failed to fetch',
      startedAt: 1,
      endedAt: 2,
    });
    expect(exchange).toMatchObject({
      status: 0,
      error: 'TypeError: Failed to fetch',
      requestBody: { kind: 'absent' },
    });
    expect(typeof toExchange(exchange)).toBe('object');
  });

  it('marks a cut response body', () => {
    const exchange = exchangeFromPage(otp.retryRequest(API_BASE), {
      ...OK,
      status: 200,
      body: 'abc',
      bodyTruncated: true,
    });
    expect(exchange.responseBody).toMatchObject({ kind: 'text', text: 'abc', truncated: true });
  });
});

describe('verdicts', () => {
  it('reads error codes from the body or WWW-Authenticate', () => {
    expect(responseErrorCode(answered(400, { code: 'bad_check_code' }))).toBe('bad_check_code');
    expect(responseErrorCode(answered(400, { error: 'invalid_grant' }))).toBe('invalid_grant');
    expect(
      responseErrorCode(
        answered(401, undefined, { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"' }),
      ),
    ).toBe('use_dpop_nonce');
    expect(responseErrorCode(answered(401))).toBeUndefined();
  });

  it('OTP send and retry: accepted, refused with a hint, no response', () => {
    expect(otp.sendVerdict(answered(204))).toMatchObject({ tone: 'good' });
    const refused = otp.sendVerdict(answered(400, { code: 'expired_challenge_token', message: 'too late' }));
    expect(refused.tone).toBe('bad');
    expect(refused.verdict).toContain('400 expired_challenge_token: too late');
    expect(refused.verdict).toContain('start a new step-up');
    expect(otp.retryVerdict(answered(429, { code: 'rate_limited' })).verdict).toContain(
      'wait before sending again',
    );
    expect(otp.retryVerdict({ ...answered(0), error: 'TypeError: Failed to fetch' })).toMatchObject({
      tone: 'bad',
    });
    expect(otp.retryVerdict({ ...answered(0), error: 'TypeError: Failed to fetch' }).verdict).toContain(
      'CORS',
    );
  });

  const original = anExchange({ path: '/refresh', requestHeaders: { DPoP: 'proof' } });

  it('a replay refused with a replay-protection code is the good outcome', () => {
    for (const code of [
      'invalid_dpop_proof',
      'use_dpop_nonce',
      'token_reused',
      'dpop_jti_reused',
      'invalid_challenge_token',
    ]) {
      const verdict = replayVerdict(original, answered(401, { code }));
      expect(verdict, code).toEqual({
        tone: 'good',
        verdict: `Server refused the replay (${code}): replay protection works.`,
      });
    }
  });

  it('a replay accepted is a warning that says what was accepted', () => {
    const withProof = replayVerdict(original, answered(200, { access_token: 'x' }));
    expect(withProof.tone).toBe('warning');
    expect(withProof.verdict).toMatch(/^Server accepted a replayed request \(200\): the same DPoP proof/);
    const withoutProof = replayVerdict(anExchange(), answered(200));
    expect(withoutProof.verdict).toContain('carries no DPoP proof');
  });

  it('a refusal for another reason says it proves nothing', () => {
    const verdict = replayVerdict(original, answered(400, { code: 'bad_request', message: 'missing field' }));
    expect(verdict.tone).toBe('neutral');
    expect(verdict.verdict).toContain('not with a replay-protection error');
    expect(replayVerdict(original, answered(400, { code: 'missing_dpop_proof' })).verdict).toContain(
      'dropped it',
    );
  });

  it('no response and server errors are explained', () => {
    expect(replayVerdict(original, { ...answered(0), error: 'net::ERR_FAILED' }).verdict).toMatch(
      /^No response/,
    );
    expect(replayVerdict(original, answered(500, { code: 'internal' }))).toMatchObject({ tone: 'bad' });
  });

  it('keeps messages short', () => {
    const long = 'x'.repeat(5000);
    const verdict = otp.sendVerdict(
      anExchange({ status: 400, responseBody: jsonBody({ code: 'bad_request', message: long }) }),
    );
    expect(verdict.verdict.length).toBeLessThan(400);
  });
});
