import { describe, expect, it } from 'vitest';
import type { Body, HttpExchange } from '../../../src/core/http/exchange.ts';
import {
  PRELUDE_ENDPOINTS,
  looksLikePreludeSession,
  preludeProvider,
  type PreludeEndpointKey,
} from '../../../src/core/providers/prelude/index.ts';
import { PROVIDERS, classifyExchange } from '../../../src/core/providers/registry.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';
import { API_BASE } from '../../fixtures/tokens.ts';

function classify(exchange: HttpExchange) {
  return preludeProvider.classify(exchange);
}

function keyOf(method: string, path: string, requestJson?: unknown): string | undefined {
  return classify(anExchange({ method, path, requestJson }))?.endpoint;
}

const TABLE: [PreludeEndpointKey, string, string, unknown?][] = [
  ['login.otp', 'POST', '/login/otp', { identifier: { type: 'email_address', value: 'a@b.c' } }],
  ['login.otp.check', 'POST', '/login/otp/check', { code: '123456' }],
  ['login.otp.retry', 'POST', '/login/otp/retry'],
  ['login.password', 'POST', '/login/email/password', { identifier: {}, password: 'x' }],
  ['login.signup', 'POST', '/login/email/sign-up', { identifier: {}, password: 'x' }],
  ['login.oauth.authorize', 'POST', '/login/oauth/google/authorize', { redirect_uri: 'https://a' }],
  ['login.finalize', 'POST', '/login/finalize', { challenge_token: 'ct' }],
  ['login.passkey.begin', 'POST', '/login/passkey/begin'],
  ['login.passkey.finish', 'POST', '/login/passkey/finish'],
  ['refresh', 'POST', '/refresh'],
  ['revoke', 'POST', '/revoke'],
  ['me.list', 'GET', '/me/list?limit=10&offset=0'],
  ['me.revoke', 'POST', '/me/revoke?target=others'],
  ['password.compliancy', 'GET', '/password/compliancy'],
  ['stepup.request', 'POST', '/stepup/request', { scope: 'transfer:write' }],
  ['stepup.continue', 'POST', '/stepup/continue', { challenge_token: 'ct', verification_token: 'vt' }],
  ['otp.send', 'POST', '/otp', { challenge_token: 'ct' }],
  ['otp.login', 'POST', '/otp', { identifier: { type: 'phone_number', value: '+33600000000' } }],
  ['otp.check', 'POST', '/otp/check', { code: '123456', challenge_token: 'ct' }],
  ['otp.retry', 'POST', '/otp/retry'],
  ['me.password.reset', 'POST', '/me/password/reset', { password: 'x' }],
  ['me.passkeys.register.begin', 'POST', '/me/passkeys/register/begin'],
  ['me.passkeys.register.finish', 'POST', '/me/passkeys/register/finish'],
  ['jwks', 'GET', '/.well-known/jwks.json'],
  ['signals', 'POST', 'https://edge.prelude.dev/v1/signals'],
  ['preflight', 'OPTIONS', '/stepup/request'],
  ['unknown', 'POST', '/something/new'],
];

describe('preludeProvider.classify', () => {
  it.each(TABLE)('classifies %s', (key, method, path, json) => {
    const result = classify(anExchange({ method, path, requestJson: json }));
    expect(result?.endpoint).toBe(key);
    expect(result?.provider).toBe('prelude');
    expect(result?.label.length).toBeGreaterThan(0);
  });

  it('covers every key of PRELUDE_ENDPOINTS', () => {
    expect(new Set(TABLE.map(([key]) => key))).toEqual(new Set(Object.keys(PRELUDE_ENDPOINTS)));
    for (const [key, endpoint] of Object.entries(PRELUDE_ENDPOINTS)) {
      expect(endpoint.key).toBe(key);
      expect(endpoint.label).not.toBe('');
      expect(endpoint.description).not.toBe('');
    }
  });

  it('fills auth per the wire contract', () => {
    const auth = (method: string, path: string, json?: unknown) =>
      classify(anExchange({ method, path, requestJson: json }))?.auth;
    expect(auth('POST', '/otp/check')).toEqual({ dpop: 'challenge', bearer: false, refreshToken: false });
    expect(auth('POST', '/stepup/continue')).toEqual({
      dpop: 'challenge',
      bearer: true,
      refreshToken: false,
    });
    expect(auth('POST', '/refresh')).toEqual({ dpop: 'session', bearer: false, refreshToken: true });
    expect(auth('POST', '/stepup/request')).toEqual({ dpop: 'optional', bearer: true, refreshToken: false });
    expect(auth('POST', '/login/otp/check')).toEqual({ dpop: 'session', bearer: false, refreshToken: false });
    expect(auth('POST', '/login/finalize')).toEqual({ dpop: 'session', bearer: false, refreshToken: false });
    expect(auth('POST', '/otp', { challenge_token: 'c' })).toEqual({
      dpop: 'none',
      bearer: false,
      refreshToken: false,
    });
    expect(auth('POST', '/otp/retry')).toEqual({ dpop: 'none', bearer: false, refreshToken: false });
    expect(auth('POST', '/revoke')).toEqual({ dpop: 'optional', bearer: false, refreshToken: true });
    expect(auth('GET', '/me/list')).toEqual({ dpop: 'none', bearer: true, refreshToken: false });
  });

  it('hands out a copy of auth, so callers cannot change the table', () => {
    const result = classify(anExchange({ path: '/refresh' }));
    result!.auth.dpop = 'none';
    expect(PRELUDE_ENDPOINTS.refresh.auth.dpop).toBe('session');
  });

  it('labels read well', () => {
    expect(classify(anExchange({ path: '/stepup/request' }))?.label).toBe('Step-up request');
    expect(classify(anExchange({ path: '/otp/check' }))?.label).toBe('OTP check');
    expect(classify(anExchange({ path: '/login/oauth/github/authorize' }))?.label).toBe(
      'Login: OAuth authorize (github)',
    );
  });
});

describe('API base and URL shapes', () => {
  it('works on custom domains and reports the API base', () => {
    const result = classify(anExchange({ path: 'https://auth.shop.example.com/v1/session/stepup/request' }));
    expect(result).toMatchObject({
      endpoint: 'stepup.request',
      apiBase: 'https://auth.shop.example.com/v1/session',
    });
    expect(classify(anExchange({ path: '/refresh' }))?.apiBase).toBe(API_BASE);
  });

  it('keeps a path prefix and a port in the API base', () => {
    const result = classify(anExchange({ path: 'http://localhost:8443/api/prelude/v1/session/refresh' }));
    expect(result).toMatchObject({
      endpoint: 'refresh',
      apiBase: 'http://localhost:8443/api/prelude/v1/session',
    });
  });

  it('ignores trailing slashes, query strings and fragments', () => {
    expect(keyOf('POST', '/refresh/')).toBe('refresh');
    expect(keyOf('POST', '/stepup/request//?x=/otp')).toBe('stepup.request');
    expect(keyOf('GET', '/me/list/?limit=5#top')).toBe('me.list');
    expect(classify(anExchange({ path: '/refresh?a=1' }))?.apiBase).toBe(API_BASE);
  });

  it('lets the method decide: known paths with another method are unknown', () => {
    const post = classify(anExchange({ method: 'POST', path: '/me/list' }));
    expect(post).toMatchObject({ endpoint: 'unknown', label: 'POST /me/list (expected GET)' });
    expect(keyOf('GET', '/stepup/request')).toBe('unknown');
    expect(keyOf('get', '/me/list')).toBe('me.list');
  });

  it('calls the API root and unknown paths unknown, still Prelude', () => {
    expect(classify(anExchange({ path: '/' }))).toMatchObject({
      endpoint: 'unknown',
      provider: 'prelude',
      label: 'POST /',
    });
    expect(classify(anExchange({ path: '/v2/thing' }))).toMatchObject({
      endpoint: 'unknown',
      label: 'POST /v2/thing',
    });
    expect(keyOf('POST', '/login/oauth//authorize')).toBe('unknown');
    expect(keyOf('POST', '/login/oauth/google/extra/authorize')).toBe('unknown');
  });

  it('labels preflights with the call they prepare', () => {
    const result = classify(
      anExchange({
        method: 'OPTIONS',
        path: '/otp/check',
        requestHeaders: { 'Access-Control-Request-Method': 'POST' },
      }),
    );
    expect(result).toMatchObject({ endpoint: 'preflight', label: 'CORS preflight: OTP check' });
    expect(result?.auth).toEqual({ dpop: 'none', bearer: false, refreshToken: false });
  });
});

describe('POST /otp: login or step-up, by body', () => {
  function otp(body: Body) {
    return classify(anExchange({ path: '/otp', requestBody: body }));
  }

  it('is the step-up OTP when the body has challenge_token', () => {
    expect(otp(jsonBody({ challenge_token: 'ct', dispatch_id: 'd' }))).toMatchObject({
      endpoint: 'otp.send',
      label: 'Step-up: send OTP',
    });
  });

  it('is the native login OTP when the body has identifier', () => {
    expect(otp(jsonBody({ identifier: { type: 'phone_number', value: '+1' } }))).toMatchObject({
      endpoint: 'otp.login',
    });
  });

  it('is taken as the step-up OTP, with a note, when the body was not captured', () => {
    expect(otp({ kind: 'absent' })).toMatchObject({
      endpoint: 'otp.send',
      label: 'POST /otp (body not captured)',
    });
  });

  it('reads the keys of a truncated or base64 body', () => {
    expect(otp({ kind: 'text', text: '{"identifier":{"type":"pho', truncated: true })?.endpoint).toBe(
      'otp.login',
    );
    expect(otp({ kind: 'text', text: '{"challenge_token":"eyJ', truncated: true })?.endpoint).toBe(
      'otp.send',
    );
    expect(otp({ kind: 'base64', base64: btoa('{"identifier":{}}') })?.endpoint).toBe('otp.login');
  });

  it('says so when the body cannot tell', () => {
    expect(otp({ kind: 'text', text: 'garbage' })).toMatchObject({
      endpoint: 'otp.send',
      label: 'POST /otp (body unreadable)',
    });
    expect(otp(jsonBody({}))).toMatchObject({
      endpoint: 'otp.send',
      label: 'POST /otp (no challenge_token in body)',
    });
  });

  it('does not read inherited keys', () => {
    expect(otp({ kind: 'text', text: '{"__proto__":{"identifier":1}}' })?.label).toBe(
      'POST /otp (no challenge_token in body)',
    );
  });
});

describe('JWKS and signals', () => {
  it('classifies the JWKS under /v1/session', () => {
    expect(classify(anExchange({ method: 'GET', path: '/.well-known/jwks.json' }))).toMatchObject({
      endpoint: 'jwks',
      apiBase: API_BASE,
    });
  });

  it('classifies the host-root JWKS only when the SDK fetched it', () => {
    const url = 'https://auth.shop.example.com/.well-known/jwks.json';
    expect(classify(anExchange({ method: 'GET', path: url }))).toMatchObject({
      endpoint: 'jwks',
      apiBase: 'https://auth.shop.example.com/v1/session',
    });
    expect(
      classify(anExchange({ method: 'GET', path: url, requestHeaders: { 'X-SDK-User-Agent': undefined } })),
    ).toBeNull();
  });

  it('classifies edge signals', () => {
    expect(classify(anExchange({ path: 'https://edge.prelude.dev/v1/signals/' }))).toMatchObject({
      endpoint: 'signals',
      apiBase: 'https://edge.prelude.dev/v1',
    });
    expect(
      classify(anExchange({ method: 'GET', path: 'https://edge.prelude.dev/v1/signals' }))?.endpoint,
    ).toBe('unknown');
  });
});

describe('not Prelude', () => {
  const noSdk = { 'X-SDK-User-Agent': undefined };
  it.each([
    'https://shop.example.com/api/checkout',
    'https://shop.example.com/v1/sessions/abc',
    'https://shop.example.com/v1/session',
    'https://shop.example.com/search?q=/v1/session/refresh',
    'https://shop.example.com/page#/v1/session/refresh',
    'https://edge.prelude.dev/v1/other',
    'https://evil.example/edge.prelude.dev/v1/signals',
    'not a url /v1/session/refresh',
  ])('returns null for %s', (url) => {
    expect(
      classify(anExchange({ path: url.startsWith('http') ? url : `http${url}`, requestHeaders: noSdk })),
    ).toBeNull();
    expect(classify({ ...anExchange({ requestHeaders: noSdk }), url })).toBeNull();
  });

  it('returns null for malformed exchanges instead of throwing', () => {
    expect(classify(null as unknown as HttpExchange)).toBeNull();
    expect(classify({ url: 42 } as unknown as HttpExchange)).toBeNull();
    expect(classify({ ...anExchange(), method: undefined } as unknown as HttpExchange)).toBeNull();
    expect(
      classify({ ...anExchange({ path: '/otp' }), requestBody: null } as unknown as HttpExchange),
    ).toBeNull();
  });
});

describe('looksLikePreludeSession', () => {
  it('accepts session API URLs, signals and SDK-tagged requests', () => {
    expect(looksLikePreludeSession(`${API_BASE}/refresh`)).toBe(true);
    expect(looksLikePreludeSession('https://auth.example.com/x/v1/session/otp?y=1')).toBe(true);
    expect(looksLikePreludeSession('https://edge.prelude.dev/v1/signals')).toBe(true);
    expect(
      looksLikePreludeSession('https://auth.example.com/.well-known/jwks.json', [
        { name: 'x-sdk-user-agent', value: 'Prelude/0.6.0' },
      ]),
    ).toBe(true);
  });

  it('rejects other URLs, including ones that only mention the path in the query', () => {
    expect(looksLikePreludeSession('https://example.com/')).toBe(false);
    expect(looksLikePreludeSession('https://example.com/?next=/v1/session/refresh')).toBe(false);
    expect(looksLikePreludeSession('https://example.com/#/v1/session/refresh')).toBe(false);
    expect(looksLikePreludeSession('/v1/session/refresh')).toBe(false);
    expect(looksLikePreludeSession('https://example.com/.well-known/jwks.json', [])).toBe(false);
  });
});

describe('registry', () => {
  it('lists the Prelude adapter first, then Dynamic and RFC 9470', () => {
    expect(PROVIDERS.map((p) => p.id)).toEqual(['prelude', 'dynamic', 'rfc9470']);
  });

  it('classifies through the first adapter that knows the exchange', () => {
    expect(classifyExchange(anExchange({ path: '/stepup/request' }))?.endpoint).toBe('stepup.request');
    expect(
      classifyExchange(
        anExchange({ path: 'https://example.com/', requestHeaders: { 'X-SDK-User-Agent': undefined } }),
      ),
    ).toBeNull();
  });

  it('never throws on garbage', () => {
    expect(classifyExchange(undefined as unknown as HttpExchange)).toBeNull();
    expect(classifyExchange('x' as unknown as HttpExchange)).toBeNull();
  });
});
