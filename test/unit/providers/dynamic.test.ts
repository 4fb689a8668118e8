import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import {
  DYNAMIC_ENDPOINTS,
  dynamicProvider,
  looksLikeDynamicSdk,
  matchDynamicPath,
  type DynamicEndpointKey,
} from '../../../src/core/providers/dynamic/index.ts';
import { classifyExchange } from '../../../src/core/providers/registry.ts';
import { DYNAMIC_API, DYNAMIC_ENV } from '../../fixtures/dynamic.ts';
import { anExchange } from '../../fixtures/exchanges.ts';

const DYN_HEADERS = {
  'X-SDK-User-Agent': undefined,
  'x-dyn-api-version': 'API/0.0.819',
  'x-dyn-version': 'ClientSDK/1.27.3',
  'x-dyn-request-id': 'req-1',
};

function dyn(method: string, path: string, headers: Record<string, string | undefined> = {}): HttpExchange {
  return anExchange({
    method,
    path: path.startsWith('http') ? path : `${DYNAMIC_API}${path}`,
    requestHeaders: { ...DYN_HEADERS, ...headers },
  });
}

const TABLE: [DynamicEndpointKey, string, string][] = [
  ['stepup.check', 'POST', '/stepUp/check'],
  ['email.create', 'POST', '/emailVerifications/create'],
  ['email.verify', 'POST', '/emailVerifications/verify'],
  ['sms.create', 'POST', '/smsVerifications/create'],
  ['sms.verify', 'POST', '/smsVerifications/verify'],
  ['mfa.totp', 'POST', '/users/mfa/auth/totp'],
  ['mfa.passkey', 'POST', '/users/mfa/auth/passkey'],
  ['mfa.recovery', 'POST', '/users/mfa/auth/recovery'],
  ['passkey.options', 'GET', '/users/passkeys/authenticate'],
  ['wallet.verify', 'POST', '/wallets/verify'],
  ['provider.verify', 'POST', '/providers/google/verify'],
  ['external.verify', 'POST', '/externalAuth/verify'],
  ['mfa.device.delete', 'DELETE', '/users/mfa/mfa_dev_01'],
  ['passkey.register', 'POST', '/users/passkeys/register'],
  ['wallet.export', 'POST', '/waas/wal_01/privateKey/export'],
  ['wallet.sign', 'POST', '/waas/wal_01/signMessage'],
  ['preflight', 'OPTIONS', '/stepUp/check'],
  ['unknown', 'GET', '/users/me'],
];

describe('dynamicProvider.classify', () => {
  it.each(TABLE)('classifies %s', (key, method, path) => {
    const result = dynamicProvider.classify(dyn(method, path));
    expect(result).toMatchObject({ provider: 'dynamic', endpoint: key, apiBase: DYNAMIC_API });
    expect(result?.label.length).toBeGreaterThan(0);
  });

  it('covers every key of DYNAMIC_ENDPOINTS (protected: any call with an elevated token)', () => {
    const covered = new Set<string>(TABLE.map(([key]) => key));
    covered.add('protected');
    expect(covered).toEqual(new Set(Object.keys(DYNAMIC_ENDPOINTS)));
  });

  it('names the scope each protected endpoint needs', () => {
    expect(DYNAMIC_ENDPOINTS['wallet.export'].scope).toBe('wallet:export');
    expect(DYNAMIC_ENDPOINTS['passkey.register'].scope).toBe('credential:link');
    expect(DYNAMIC_ENDPOINTS['mfa.device.delete'].scope).toBe('credential:unlink');
    expect(DYNAMIC_ENDPOINTS['wallet.sign'].scope).toBe('wallet:sign');
  });

  it('finds the API on any host (apiBaseUrl overridden), with or without a trailing slash and query', () => {
    const base = `https://auth.example.com/api/v0/sdk/${DYNAMIC_ENV}`;
    expect(dynamicProvider.classify(dyn('POST', `${base}/stepUp/check/?x=1`))).toMatchObject({
      endpoint: 'stepup.check',
      apiBase: base,
    });
  });

  it('finds /sdk/<environment id>/ under another prefix when the SDK headers are there', () => {
    const base = `https://auth.example.com/dyn/sdk/${DYNAMIC_ENV}`;
    expect(dynamicProvider.classify(dyn('POST', `${base}/stepUp/check`))).toMatchObject({
      endpoint: 'stepup.check',
      apiBase: base,
    });
    const bare = anExchange({
      path: `${base}/stepUp/check`,
      requestHeaders: { 'X-SDK-User-Agent': undefined },
    });
    expect(dynamicProvider.classify(bare)).toBeNull();
    expect(
      dynamicProvider.classify(dyn('POST', 'https://auth.example.com/dyn/sdk/not-a-uuid/stepUp/check')),
    ).toBeNull();
  });

  it('recognises a preflight asking for x-dyn-* headers under another prefix', () => {
    const base = `https://auth.example.com/dyn/sdk/${DYNAMIC_ENV}`;
    const preflight = anExchange({
      method: 'OPTIONS',
      path: `${base}/stepUp/check`,
      requestHeaders: {
        'X-SDK-User-Agent': undefined,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,x-dyn-api-version',
      },
    });
    expect(dynamicProvider.classify(preflight)).toMatchObject({
      endpoint: 'preflight',
      label: 'CORS preflight: Dynamic: step-up check',
    });
  });

  it('treats any request carrying x-dyn-elevated-access-token as a protected call, wherever it goes', () => {
    const call = dyn('POST', 'https://wallet.example.com/api/withdraw', {
      'X-Dyn-Elevated-Access-Token': 'a.b.c',
    });
    expect(dynamicProvider.classify(call)).toMatchObject({
      endpoint: 'protected',
      apiBase: 'https://wallet.example.com',
      label: 'Dynamic: call with elevated token: POST /api/withdraw',
    });
    expect(
      dynamicProvider.classify(dyn('POST', '/users/settings', { 'x-dyn-elevated-access-token': 't' }))
        ?.endpoint,
    ).toBe('protected');
  });

  it('does not claim other traffic', () => {
    expect(
      dynamicProvider.classify(
        anExchange({ path: 'https://example.com/api', requestHeaders: { 'X-SDK-User-Agent': undefined } }),
      ),
    ).toBeNull();
    expect(
      dynamicProvider.classify(dyn('GET', 'https://example.com/?next=/api/v0/sdk/x/stepUp/check')),
    ).toBeNull();
    expect(looksLikeDynamicSdk(`${DYNAMIC_API}/stepUp/check`)).toBe(true);
    expect(looksLikeDynamicSdk('https://example.com/#/api/v0/sdk/')).toBe(false);
  });

  it('labels a known path with another method as unknown, naming the expected one', () => {
    expect(dynamicProvider.classify(dyn('GET', '/stepUp/check'))).toMatchObject({
      endpoint: 'unknown',
      label: 'GET stepUp/check (expected POST)',
    });
    expect(matchDynamicPath('POST', 'stepUp/check')?.methodMismatch).toBe(false);
  });

  it('never throws on malformed exchanges', () => {
    for (const junk of [null, {}, { url: 42 }, { url: 'x', method: 'GET', requestHeaders: 'nope' }])
      expect(dynamicProvider.classify(junk as unknown as HttpExchange)).toBeNull();
  });

  it('is reached through the registry, after Prelude', () => {
    expect(classifyExchange(dyn('POST', '/stepUp/check'))?.provider).toBe('dynamic');
  });
});
