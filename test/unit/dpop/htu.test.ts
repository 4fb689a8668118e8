import { describe, expect, it } from 'vitest';
import { htuMatches, normaliseHtu } from '../../../src/core/dpop/htu.ts';
import { API_BASE } from '../../fixtures/tokens.ts';

describe('normaliseHtu', () => {
  it.each([
    [`${API_BASE}/refresh`, `${API_BASE}/refresh`],
    ['HTTPS://Demo.Session.PRELUDE.dev/v1/session/refresh', `${API_BASE}/refresh`],
    ['https://demo.session.prelude.dev:443/v1/session/refresh', `${API_BASE}/refresh`],
    ['http://localhost:80/x', 'http://localhost/x'],
    ['https://localhost:8443/x', 'https://localhost:8443/x'],
    [`${API_BASE}/me/list?limit=10&offset=0`, `${API_BASE}/me/list`],
    [`${API_BASE}/refresh#frag`, `${API_BASE}/refresh`],
    ['https://a.example', 'https://a.example/'],
    ['https://a.example/a/./b/../c', 'https://a.example/a/c'],
    ['https://a.example/%7euser/%2f', 'https://a.example/~user/%2F'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseHtu(input)).toBe(expected);
  });

  it('keeps the path case and a trailing slash', () => {
    expect(normaliseHtu('https://a.example/V1/Session/')).toBe('https://a.example/V1/Session/');
  });

  it.each(['', 'not a url', '/v1/session/refresh', 'ftp://a.example/x', 'javascript:alert(1)', 'https://'])(
    'rejects %j',
    (input) => {
      expect(normaliseHtu(input)).toBeNull();
    },
  );
});

describe('htuMatches', () => {
  it('matches across normalisation and ignores the request query', () => {
    expect(
      htuMatches('https://DEMO.session.prelude.dev:443/v1/session/refresh', `${API_BASE}/refresh?x=1`),
    ).toBe(true);
  });

  it('does not match another path, host, scheme or port', () => {
    const url = `${API_BASE}/refresh`;
    expect(htuMatches(`${API_BASE}/revoke`, url)).toBe(false);
    expect(htuMatches('https://other.session.prelude.dev/v1/session/refresh', url)).toBe(false);
    expect(htuMatches('http://demo.session.prelude.dev/v1/session/refresh', url)).toBe(false);
    expect(htuMatches('https://demo.session.prelude.dev:8443/v1/session/refresh', url)).toBe(false);
  });

  it('never matches an invalid htu', () => {
    expect(htuMatches('nope', 'nope')).toBe(false);
  });
});
