import { describe, expect, it } from 'vitest';
import {
  formatWwwAuthenticate,
  isScheme,
  isToken68,
  MAX_WWW_AUTHENTICATE_LENGTH,
  parseWwwAuthenticate,
  quote,
} from '../../../src/core/http/www-authenticate.ts';
import { readStepUpChallenge } from '../../../src/core/providers/rfc9470/challenge.ts';

const params = (header: string | string[]) =>
  parseWwwAuthenticate(header).challenges.map((c) => ({ scheme: c.scheme, ...c.params }));

describe('parseWwwAuthenticate', () => {
  it('reads the RFC 9470 §3 example', () => {
    const parsed = parseWwwAuthenticate(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.challenges).toHaveLength(1);
    expect(parsed.challenges[0]).toMatchObject({
      scheme: 'Bearer',
      params: {
        error: 'insufficient_user_authentication',
        error_description: 'A different authentication level is required',
        acr_values: 'myACR',
      },
      line: 0,
    });
  });

  it('reads several challenges in one header (the RFC 9110 §11.6.1 example), with escapes undone', () => {
    const parsed = parseWwwAuthenticate(
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
    );
    expect(parsed.errors).toEqual([]);
    expect(params('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"')).toEqual(
      [
        { scheme: 'Newauth', realm: 'apps', type: '1', title: 'Login to "apps"' },
        { scheme: 'Basic', realm: 'simple' },
      ],
    );
    expect(parsed.challenges[0]?.paramList.map((p) => p.quoted)).toEqual([true, false, true]);
  });

  it('reads several header lines, keeping the line of each challenge', () => {
    const parsed = parseWwwAuthenticate([
      'Basic realm="api"',
      'DPoP algs="ES256 PS256", error="insufficient_scope"',
    ]);
    expect(parsed.challenges.map((c) => [c.scheme, c.line])).toEqual([
      ['Basic', 0],
      ['DPoP', 1],
    ]);
    expect(parsed.challenges[1]?.params).toEqual({ algs: 'ES256 PS256', error: 'insufficient_scope' });
  });

  it('reads token68, and tells it from a parameter', () => {
    expect(
      parseWwwAuthenticate('Negotiate a87421000492aa874209af8bc028==, Bearer realm=x').challenges,
    ).toMatchObject([
      { scheme: 'Negotiate', token68: 'a87421000492aa874209af8bc028==', paramList: [] },
      { scheme: 'Bearer', params: { realm: 'x' } },
    ]);
    expect(parseWwwAuthenticate('Basic abc=').challenges[0]?.token68).toBe('abc=');
    expect(isToken68('abc==')).toBe(true);
    expect(isToken68('a=b')).toBe(false);
  });

  it('compares scheme and parameter names case-insensitively', () => {
    const [challenge] = parseWwwAuthenticate('bEaReR ERROR="insufficient_scope", Scope="a b"').challenges;
    expect(challenge && isScheme(challenge, 'Bearer')).toBe(true);
    expect(challenge?.params).toEqual({ error: 'insufficient_scope', scope: 'a b' });
    expect(challenge?.paramList[0]?.name).toBe('ERROR');
  });

  it('allows spaces around "=" (BWS), empty list elements and schemes without parameters', () => {
    expect(params(' , Basic ,, Bearer realm = "x" , scope= y ,')).toEqual([
      { scheme: 'Basic' },
      { scheme: 'Bearer', realm: 'x', scope: 'y' },
    ]);
  });

  it('keeps the first of a repeated parameter and reports the repeat', () => {
    const parsed = parseWwwAuthenticate('Bearer realm=x, realm=y');
    expect(parsed.challenges[0]?.params).toEqual({ realm: 'x' });
    expect(parsed.errors.map((e) => e.message)).toEqual(['parameter realm repeated in the Bearer challenge']);
  });

  it('reads what it can from bad input and says what was wrong, never throwing', () => {
    const unterminated = parseWwwAuthenticate('Bearer error="insufficient_scope", scope="a b');
    expect(unterminated.challenges[0]?.params).toEqual({ error: 'insufficient_scope', scope: 'a b' });
    expect(unterminated.errors.map((e) => e.message)).toEqual(['unterminated quoted-string']);

    const junk = parseWwwAuthenticate('=x, Bearer error=, realm "y", scope=z q, Basic');
    // After a comma, a name without "=" starts a new challenge: `realm` is read as a scheme.
    expect(junk.challenges.map((c) => c.scheme)).toEqual(['Bearer', 'realm', 'Basic']);
    expect(junk.challenges[0]?.params).toEqual({});
    expect(junk.challenges[1]?.params).toEqual({ scope: 'z' });
    expect(junk.errors.length).toBeGreaterThanOrEqual(3);

    expect(parseWwwAuthenticate('Bearer abc def').errors).toHaveLength(1);
    expect(parseWwwAuthenticate('realm=x').errors[0]?.message).toMatch(/before any auth-scheme/);
    expect(parseWwwAuthenticate(undefined as unknown as string).errors).toHaveLength(1);
    expect(parseWwwAuthenticate([42 as unknown as string, 'Basic']).challenges).toHaveLength(1);
    expect(parseWwwAuthenticate('')).toEqual({ challenges: [], errors: [] });
  });

  it('stops at MAX_WWW_AUTHENTICATE_LENGTH', () => {
    const long = `Bearer realm="${'x'.repeat(MAX_WWW_AUTHENTICATE_LENGTH)}"`;
    const parsed = parseWwwAuthenticate(long);
    expect(parsed.challenges).toHaveLength(1);
    expect(parsed.errors.some((e) => /longer than/.test(e.message))).toBe(true);
  });

  it('formats challenges back (bare tokens, quoted otherwise)', () => {
    expect(
      formatWwwAuthenticate([
        {
          scheme: 'Bearer',
          params: [
            { name: 'error', value: 'insufficient_scope' },
            { name: 'scope', value: 'a "b"' },
          ],
        },
        { scheme: 'Negotiate', token68: 'abc==' },
        { scheme: 'Basic' },
      ]),
    ).toBe('Bearer error=insufficient_scope, scope="a \\"b\\"", Negotiate abc==, Basic');
    expect(quote('a\\b')).toBe('"a\\\\b"');
  });
});

describe('readStepUpChallenge', () => {
  it('reads acr_values in order of preference, max_age and the description', () => {
    const read = readStepUpChallenge([
      'Basic realm="x", Bearer error="insufficient_user_authentication", acr_values="urn:hw urn:mfa", max_age=300, error_description="step up"',
    ]);
    expect(read.problems).toEqual([]);
    expect(read.challenge).toMatchObject({
      scheme: 'Bearer',
      error: 'insufficient_user_authentication',
      acrValues: ['urn:hw', 'urn:mfa'],
      maxAge: 300,
      errorDescription: 'step up',
      scope: [],
    });
  });

  it('reads insufficient_scope on a DPoP challenge', () => {
    const read = readStepUpChallenge([
      'DPoP algs="ES256", error="insufficient_scope", scope="payments:write"',
    ]);
    expect(read.challenge).toMatchObject({
      scheme: 'DPoP',
      error: 'insufficient_scope',
      scope: ['payments:write'],
    });
  });

  it('reports a max_age that is not a number of seconds', () => {
    const read = readStepUpChallenge(['Bearer error="insufficient_user_authentication", max_age="5m"']);
    expect(read.challenge?.maxAge).toBeUndefined();
    expect(read.challenge?.invalidMaxAge).toBe('5m');
    expect(read.problems).toEqual(['max_age "5m" is not a non-negative integer of seconds']);
  });

  it('ignores other errors and other schemes', () => {
    expect(readStepUpChallenge(['Bearer error="invalid_token"']).challenge).toBeUndefined();
    expect(readStepUpChallenge(['Basic error="insufficient_scope"']).challenge).toBeUndefined();
  });
});
