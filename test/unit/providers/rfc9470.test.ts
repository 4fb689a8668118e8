import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { classifyExchange } from '../../../src/core/providers/registry.ts';
import { grantTypeOf, rfc9470Provider, resourceOf } from '../../../src/core/providers/rfc9470/index.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';

function answer(
  status: number,
  wwwAuthenticate: string | string[],
  url = 'https://api.example.com/v1/payments',
): HttpExchange {
  const exchange = anExchange({
    path: url,
    requestHeaders: { 'X-SDK-User-Agent': undefined, Authorization: 'Bearer x.y.z' },
    status,
  });
  const lines = Array.isArray(wwwAuthenticate) ? wwwAuthenticate : [wwwAuthenticate];
  exchange.responseHeaders = [
    ...exchange.responseHeaders,
    ...lines.map((value) => ({ name: 'WWW-Authenticate', value })),
  ];
  return exchange;
}

function tokenCall(
  body: string,
  mimeType = 'application/x-www-form-urlencoded',
  url = 'https://as.example.com/oauth2/token',
): HttpExchange {
  return anExchange({
    path: url,
    requestHeaders: { 'X-SDK-User-Agent': undefined },
    requestBody: { kind: 'text', text: body, mimeType },
  });
}

describe('rfc9470Provider.classify', () => {
  it('claims a 401 insufficient_user_authentication challenge from any host', () => {
    const result = rfc9470Provider.classify(
      answer(401, 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age=300'),
    );
    expect(result).toMatchObject({
      provider: 'rfc9470',
      endpoint: 'resource.step_up',
      apiBase: 'https://api.example.com',
      // What kind of answer it is; the error code is the row's error column (one reason per row).
      label: 'Step-up challenge: POST /v1/payments',
    });
  });

  it('claims a 403 insufficient_scope challenge, Bearer or DPoP, on any header line and after other challenges', () => {
    expect(
      rfc9470Provider.classify(answer(403, 'Bearer error="insufficient_scope", scope="payments:write"'))
        ?.endpoint,
    ).toBe('resource.insufficient_scope');
    expect(
      rfc9470Provider.classify(
        answer(403, ['Basic realm="x"', 'DPoP algs="ES256", error="insufficient_scope"']),
      )?.endpoint,
    ).toBe('resource.insufficient_scope');
    expect(
      rfc9470Provider.classify(answer(401, 'Basic realm="x", bearer ERROR=insufficient_user_authentication'))
        ?.endpoint,
    ).toBe('resource.step_up');
  });

  it('claims an unreadable step-up challenge so the model can report it', () => {
    expect(rfc9470Provider.classify(answer(401, 'Bearer error="insufficient_scope'))?.endpoint).toBe(
      'resource.insufficient_scope',
    );
    expect(
      rfc9470Provider.classify(answer(401, 'Basic error="insufficient_user_authentication"'))?.endpoint,
    ).toBe('resource.malformed_challenge');
  });

  it('leaves other challenges and statuses alone', () => {
    expect(rfc9470Provider.classify(answer(401, 'Bearer error="invalid_token"'))).toBeNull();
    expect(rfc9470Provider.classify(answer(401, 'Basic realm="x"'))).toBeNull();
    expect(rfc9470Provider.classify(answer(200, 'Bearer error="insufficient_scope"'))).toBeNull();
    expect(rfc9470Provider.classify(answer(500, 'Bearer error="insufficient_scope"'))).toBeNull();
  });

  it('recognises token endpoint calls by path and grant_type (form or JSON)', () => {
    expect(rfc9470Provider.classify(tokenCall('grant_type=refresh_token&refresh_token=rt'))).toMatchObject({
      endpoint: 'token.refresh',
      apiBase: 'https://as.example.com/oauth2/token',
    });
    expect(
      rfc9470Provider.classify(tokenCall('client_id=a&grant_type=authorization_code&code=c'))?.endpoint,
    ).toBe('token.grant');
    expect(
      rfc9470Provider.classify(
        anExchange({
          path: 'https://as.example.com/token?x=1',
          requestHeaders: { 'X-SDK-User-Agent': undefined },
          requestBody: jsonBody({ grant_type: 'refresh_token' }),
        }),
      )?.endpoint,
    ).toBe('token.refresh');
    expect(rfc9470Provider.classify(tokenCall('code=c'))).toBeNull();
    expect(
      rfc9470Provider.classify(
        tokenCall('grant_type=refresh_token', undefined, 'https://as.example.com/tokens'),
      ),
    ).toBeNull();
    expect(
      grantTypeOf({
        kind: 'text',
        text: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange',
      }),
    ).toBe('urn:ietf:params:oauth:grant-type:token-exchange');
  });

  it('keys a resource by origin and path, without query or fragment', () => {
    expect(resourceOf('https://api.example.com/v1/payments?id=1#x')).toBe(
      'https://api.example.com/v1/payments',
    );
  });

  it('never throws on malformed exchanges', () => {
    const bad = {
      url: 'https://x/',
      method: 'GET',
      status: 401,
      responseHeaders: [{ name: 'WWW-Authenticate', value: 42 }],
    };
    for (const junk of [
      null,
      {},
      bad,
      { url: 'https://x/token', method: 'POST', status: 200, requestBody: null },
    ])
      expect(rfc9470Provider.classify(junk as unknown as HttpExchange)).toBeNull();
  });

  it('comes after Prelude and Dynamic in the registry', () => {
    const prelude = anExchange({
      path: '/stepup/request',
      status: 401,
      responseHeaders: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
    });
    expect(classifyExchange(prelude)?.provider).toBe('prelude');
    expect(classifyExchange(answer(401, 'Bearer error="insufficient_user_authentication"'))?.provider).toBe(
      'rfc9470',
    );
  });
});
