import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  REDACTED_SIGNATURE,
  isRedactedSignature,
  maskIdentifier,
  redactExchanges,
  redactWithSummary,
  redactionSummary,
} from '../../../src/core/export/redact.ts';
import { bodyJsonObject, bodyText } from '../../../src/core/http/body.ts';
import type { Body, HttpExchange } from '../../../src/core/http/exchange.ts';
import { getHeader, getHeaderValues } from '../../../src/core/http/headers.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport, type JsonReport } from '../../../src/core/report/json.ts';
import { decodeToken } from '../../../src/core/tokens/decode.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import {
  aChallengeToken,
  aDpopProof,
  anAccessToken,
  anElevatedToken,
  aVerificationToken,
  API_BASE,
} from '../../fixtures/tokens.ts';

const JWS = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

function only(exchange: HttpExchange, options = {}): HttpExchange {
  const [redacted] = redactExchanges([exchange], options);
  if (redacted === undefined) throw new Error('no exchange');
  return redacted;
}

function requestJson(exchange: HttpExchange): Record<string, unknown> {
  return bodyJsonObject(exchange.requestBody) ?? {};
}

function responseJson(exchange: HttpExchange): Record<string, unknown> {
  return bodyJsonObject(exchange.responseBody) ?? {};
}

function signatureOf(token: string): string {
  return token.split('.')[2] ?? '';
}

/** The token decodes after redaction, with the same claims, and its signature is the marker. */
function expectRedactedToken(redacted: unknown, original: string): void {
  expect(typeof redacted).toBe('string');
  const after = decodeToken(redacted as string);
  const before = decodeToken(original);
  expect(after.ok && before.ok).toBe(true);
  if (!after.ok || !before.ok) return;
  expect(after.signature).toBe(REDACTED_SIGNATURE);
  expect(after.claims).toEqual(before.claims);
  expect(after.header).toEqual(before.header);
  expect(isRedactedSignature(redacted as string)).toBe(true);
}

describe('redactExchanges: OTP codes and passwords', () => {
  it('replaces the code of /otp/check and /login/otp/check request bodies', () => {
    for (const path of ['/otp/check', '/login/otp/check']) {
      const redacted = only(anExchange({ path, requestJson: { code: '482913' }, responseJson: {} }));
      expect(requestJson(redacted)['code']).toBe(REDACTED);
    }
  });

  it('keeps the error code of a response body', () => {
    const redacted = only(
      anExchange({
        path: '/otp/check',
        status: 400,
        responseJson: { code: 'bad_check_code', message: 'nope' },
      }),
    );
    expect(responseJson(redacted)).toEqual({ code: 'bad_check_code', message: 'nope' });
  });

  it('replaces a code sent as a number', () => {
    const redacted = only(
      anExchange({ path: '/otp/check', requestBody: { kind: 'text', text: '{"code":482913}' } }),
    );
    expect(bodyText(redacted.requestBody)).toBe('{"code":"REDACTED"}');
  });

  it('replaces password fields, PKCE verifiers and client secrets', () => {
    const redacted = only(
      anExchange({
        path: '/login/email/password',
        requestJson: {
          identifier: { type: 'email_address', value: 'ada@demo.test' },
          password: 'hunter2!',
          new_password: 'n3w',
          code_verifier: 'verifier-abc',
        },
      }),
    );
    const body = requestJson(redacted);
    expect(body['password']).toBe(REDACTED);
    expect(body['new_password']).toBe(REDACTED);
    expect(body['code_verifier']).toBe(REDACTED);
  });
});

describe('redactExchanges: refresh tokens and cookies', () => {
  it('gives one refresh token the same marker in headers, bodies and cookies', () => {
    const secret = 'rt_5f2a9c7e1b';
    const [first, second] = redactExchanges([
      anExchange({
        path: '/login/finalize',
        responseHeaders: {
          'X-Refresh-Token': secret,
          'X-Refresh-Token-Expires-At': '2026-10-01T00:00:00Z',
          'Set-Cookie': `__refresh_app01=${secret}; Path=/; Secure; HttpOnly`,
        },
        responseJson: { refresh_token: secret },
      }),
      anExchange({
        path: '/refresh',
        requestHeaders: { 'X-Refresh-Token': secret, Cookie: `theme=dark; __refresh_app01=${secret}` },
      }),
    ]);
    if (first === undefined || second === undefined) throw new Error('missing');
    const marker = getHeader(first.responseHeaders, 'x-refresh-token');
    expect(marker).toMatch(/^REDACTED-refresh-token-\d+$/);
    expect(getHeader(first.responseHeaders, 'x-refresh-token-expires-at')).toBe('2026-10-01T00:00:00Z');
    expect(getHeader(first.responseHeaders, 'set-cookie')).toBe(
      `__refresh_app01=${marker}; Path=/; Secure; HttpOnly`,
    );
    expect(responseJson(first)['refresh_token']).toBe(marker);
    expect(getHeader(second.requestHeaders, 'x-refresh-token')).toBe(marker);
    expect(getHeader(second.requestHeaders, 'cookie')).toMatch(
      new RegExp(`^theme=REDACTED-cookie-\\d+; __refresh_app01=${marker}$`),
    );
  });

  it('gives different secrets different markers, so rotation still shows', () => {
    const exchanges = redactExchanges([
      anExchange({ responseHeaders: { 'X-Refresh-Token': 'rt_one_aaaaaaaa' } }),
      anExchange({
        requestHeaders: { 'X-Refresh-Token': 'rt_one_aaaaaaaa' },
        responseHeaders: { 'X-Refresh-Token': 'rt_two_bbbbbbbb' },
      }),
    ]);
    const [a, b] = exchanges;
    expect(getHeader(a!.responseHeaders, 'x-refresh-token')).toBe(
      getHeader(b!.requestHeaders, 'x-refresh-token'),
    );
    expect(getHeader(b!.responseHeaders, 'x-refresh-token')).not.toBe(
      getHeader(b!.requestHeaders, 'x-refresh-token'),
    );
  });

  it('does not reuse a marker number already in the input', () => {
    const [, fresh] = redactExchanges([
      anExchange({ requestHeaders: { 'X-Refresh-Token': 'REDACTED-refresh-token-7' } }),
      anExchange({ requestHeaders: { 'X-Refresh-Token': 'rt_fresh_cccccc' } }),
    ]);
    expect(getHeader(fresh!.requestHeaders, 'x-refresh-token')).toBe('REDACTED-refresh-token-8');
  });

  it('replaces every cookie value and keeps names and attributes', () => {
    const redacted = only(
      anExchange({
        requestHeaders: { Cookie: 'a=1;b=two ; __verification-login_app=xyz' },
        responseHeaders: { 'Set-Cookie': 'sid=s3cr3t; Domain=demo.test; Max-Age=60' },
      }),
    );
    expect(getHeader(redacted.requestHeaders, 'cookie')).toMatch(
      /^a=REDACTED-cookie-\d+;b=REDACTED-cookie-\d+ ; __verification-login_app=REDACTED-cookie-\d+$/,
    );
    expect(getHeader(redacted.responseHeaders, 'set-cookie')).toMatch(
      /^sid=REDACTED-cookie-\d+; Domain=demo\.test; Max-Age=60$/,
    );
  });
});

describe('redactExchanges: token signatures', () => {
  it('redacts the signature of Bearer, DPoP and Dynamic header tokens, which still decode', async () => {
    const access = await anAccessToken();
    const proof = await aDpopProof();
    const elevated = await anElevatedToken();
    const redacted = only(
      anExchange({
        requestHeaders: {
          Authorization: `Bearer ${access}`,
          DPoP: proof,
          'x-dyn-elevated-access-token': elevated,
        },
      }),
    );
    const authorization = getHeader(redacted.requestHeaders, 'authorization') ?? '';
    expect(authorization.startsWith('Bearer ')).toBe(true);
    expectRedactedToken(authorization.slice('Bearer '.length), access);
    expectRedactedToken(getHeader(redacted.requestHeaders, 'dpop'), proof);
    expectRedactedToken(getHeader(redacted.requestHeaders, 'x-dyn-elevated-access-token'), elevated);
  });

  it('handles the DPoP authorization scheme', async () => {
    const access = await anAccessToken();
    const redacted = only(anExchange({ requestHeaders: { Authorization: `DPoP ${access}` } }));
    expectRedactedToken((getHeader(redacted.requestHeaders, 'authorization') ?? '').slice(5), access);
  });

  it('redacts tokens in JSON bodies under known keys and under any key', async () => {
    const challenge = await aChallengeToken();
    const access = await anAccessToken();
    const verification = await aVerificationToken();
    const elevated = await anElevatedToken();
    const redacted = only(
      anExchange({
        path: '/stepup/continue',
        requestJson: {
          challenge_token: challenge,
          verification_token: verification,
          nested: { elevatedAccessToken: elevated, minifiedJwt: access, whatever: [challenge] },
        },
        responseJson: { access_token: access, step_up_token: challenge },
      }),
    );
    const request = requestJson(redacted);
    expectRedactedToken(request['challenge_token'], challenge);
    expectRedactedToken(request['verification_token'], verification);
    const nested = request['nested'] as Record<string, unknown>;
    expectRedactedToken(nested['elevatedAccessToken'], elevated);
    expectRedactedToken(nested['minifiedJwt'], access);
    expectRedactedToken((nested['whatever'] as unknown[])[0], challenge);
    expectRedactedToken(responseJson(redacted)['access_token'], access);
    expectRedactedToken(responseJson(redacted)['step_up_token'], challenge);
  });

  it('turns an opaque bearer credential into a marker', () => {
    const redacted = only(anExchange({ requestHeaders: { Authorization: 'Basic dXNlcjpwYXNz' } }));
    expect(getHeader(redacted.requestHeaders, 'authorization')).toMatch(/^Basic REDACTED-token-\d+$/);
  });

  it('keeps the decode failure of a malformed token under a known key, and nothing of its unreadable parts', async () => {
    const redacted = only(anExchange({ requestJson: { challenge_token: 'not-json.at-all.signature' } }));
    expect(requestJson(redacted)['challenge_token']).toMatch(
      /^REDACTED-token-\d+\.REDACTED-token-\d+\.REDACTED$/,
    );
    // A header that decodes stays readable, as for any JWS; the payload that does not is replaced.
    const [header = ''] = (await aChallengeToken()).split('.');
    const broken = only(anExchange({ requestJson: { challenge_token: `${header}.bm90IGpzb24.sig` } }));
    expect(requestJson(broken)['challenge_token']).toMatch(
      new RegExp(`^${header}\\.REDACTED-token-\\d+\\.REDACTED$`),
    );
    // An opaque token made of three dotted parts keeps none of them.
    const opaque = only(
      anExchange({ requestHeaders: { Authorization: 'Bearer gho_16C7e42F292c.6912E7710c83.8f9a' } }),
    );
    expect(getHeader(opaque.requestHeaders, 'authorization')).not.toMatch(/gho_|6912E7710c83/);
  });

  it('replaces a private key leaked in a DPoP header jwk, keeping the member so the finding still fires', async () => {
    const proof = await aDpopProof({ leakPrivateKey: true });
    const redacted =
      getHeader(only(anExchange({ requestHeaders: { DPoP: proof } })).requestHeaders, 'dpop') ?? '';
    const decoded = decodeToken(redacted);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const jwk = decoded.header['jwk'] as Record<string, unknown>;
    expect(jwk['d']).toBe(REDACTED);
    expect(jwk['x']).toBeTypeOf('string');
    const leaked = decodeToken(proof);
    const leakedD = leaked.ok ? (leaked.header['jwk'] as Record<string, unknown>)['d'] : undefined;
    expect(leakedD).toBeTypeOf('string');
    expect(redacted).not.toContain(String(leakedD));
  });

  it('keepSignatures leaves tokens whole, payload included', async () => {
    const challenge = await aChallengeToken({ email: 'ada@demo.test' });
    const redacted = only(anExchange({ requestJson: { challenge_token: challenge, code: '123456' } }), {
      keepSignatures: true,
    });
    expect(requestJson(redacted)['challenge_token']).toBe(challenge);
    expect(requestJson(redacted)['code']).toBe(REDACTED);
  });

  it('does not touch DPoP-Nonce, even when the server signs its nonces', async () => {
    const signedNonce = await anAccessToken();
    const redacted = only(anExchange({ responseHeaders: { 'DPoP-Nonce': signedNonce } }));
    expect(getHeader(redacted.responseHeaders, 'dpop-nonce')).toBe(signedNonce);
  });
});

describe('redactExchanges: identifiers', () => {
  it('masks identifier.value, email, phone fields and identifiers lists', () => {
    const redacted = only(
      anExchange({
        path: '/login/otp',
        requestJson: {
          identifier: { type: 'phone_number', value: '+14155550134' },
          email: 'ada@demo.test',
          phoneNumber: '+33612345678',
          phone_number: '+14155550100',
          identifiers: ['bob@demo.test', { type: 'email_address', value: 'carol@demo.test' }],
        },
      }),
    );
    expect(requestJson(redacted)).toEqual({
      identifier: { type: 'phone_number', value: '+1415•••••34' },
      email: 'a••@demo.test',
      phoneNumber: '+3361•••••78',
      phone_number: '+1415•••••00',
      identifiers: ['b••@demo.test', { type: 'email_address', value: 'c••@demo.test' }],
    });
  });

  it('masks e-mail and phone claims inside tokens and leaves the other claims as they are', async () => {
    const challenge = await aChallengeToken({
      email: 'ada@demo.test',
      phone_number: '+14155550134',
      metadata: { identifier: '+14155550199', reason: 'kyc' },
    });
    const redacted = requestJson(only(anExchange({ requestJson: { challenge_token: challenge } })))[
      'challenge_token'
    ] as string;
    const before = decodeToken(challenge);
    const after = decodeToken(redacted);
    expect(after.ok && before.ok).toBe(true);
    if (!after.ok || !before.ok) return;
    expect(after.claims).toEqual({
      ...before.claims,
      email: 'a••@demo.test',
      phone_number: '+1415•••••34',
      metadata: { identifier: '+1415•••••99', reason: 'kyc' },
    });
    expect(after.signature).toBe(REDACTED_SIGNATURE);
    // The header segment is untouched; the payload segment is re-encoded.
    expect(redacted.split('.')[0]).toBe(challenge.split('.')[0]);
  });

  it('masks e-mail addresses in free text', () => {
    const redacted = only(anExchange({ responseJson: { message: 'Code sent to ada@demo.test.' } }));
    expect(responseJson(redacted)['message']).toBe('Code sent to a••@demo.test.');
  });

  it('keepIdentifiers keeps them readable', async () => {
    const challenge = await aChallengeToken({ email: 'ada@demo.test' });
    const redacted = only(
      anExchange({ requestJson: { email: 'ada@demo.test', challenge_token: challenge } }),
      {
        keepIdentifiers: true,
      },
    );
    expect(requestJson(redacted)['email']).toBe('ada@demo.test');
    const token = requestJson(redacted)['challenge_token'] as string;
    expect(token.split('.').slice(0, 2)).toEqual(challenge.split('.').slice(0, 2));
    expect(signatureOf(token)).toBe(REDACTED_SIGNATURE);
  });

  it('maskIdentifier gives hints and is idempotent', () => {
    expect(maskIdentifier('+14155550134')).toBe('+1415•••••34');
    expect(maskIdentifier('ada@demo.test')).toBe('a••@demo.test');
    expect(maskIdentifier('123456')).toBe('••••56');
    expect(maskIdentifier('jdoe')).toBe('j•••');
    expect(maskIdentifier('')).toBe('');
    for (const value of ['+14155550134', 'ada@demo.test', 'jdoe']) {
      expect(maskIdentifier(maskIdentifier(value))).toBe(maskIdentifier(value));
    }
  });
});

describe('redactExchanges: URLs', () => {
  it('masks code, token and refresh_token parameters and keeps the rest byte for byte', () => {
    const url =
      'https://app.example.com/cb?state=xyz%2F1&code=abc123&token=t0k&refresh_token=r3f&keep=1#frag';
    const redacted = only(anExchange({ path: url }));
    expect(redacted.url).toBe(
      'https://app.example.com/cb?state=xyz%2F1&code=REDACTED&token=REDACTED-token-1&refresh_token=REDACTED-refresh-token-2&keep=1#frag',
    );
  });

  it('redacts a JWS in a URL path', async () => {
    const token = await anAccessToken();
    const redacted = only(anExchange({ path: `https://app.example.com/magic/${token}` }));
    expect(redacted.url).toBe(
      `https://app.example.com/magic/${token.split('.').slice(0, 2).join('.')}.REDACTED`,
    );
  });
});

describe('redactExchanges: everything else is kept', () => {
  it('edits JSON in place: formatting and other values stay byte-identical', () => {
    const text = '{\n  "password" : "hunter2",\n  "n": 1.50, "nested": { "code": "x" }, "s": "caf\\u00e9"\n}';
    const redacted = only(anExchange({ requestBody: { kind: 'text', text, mimeType: 'application/json' } }));
    expect(bodyText(redacted.requestBody)).toBe(
      '{\n  "password" : "REDACTED",\n  "n": 1.50, "nested": { "code": "REDACTED" }, "s": "caf\\u00e9"\n}',
    );
  });

  it('returns identical copies of exchanges without secrets, and never mutates its input', async () => {
    const plain = anExchange({
      path: '/password/compliancy',
      method: 'GET',
      responseJson: { min_length: 8 },
    });
    const withSecret = anExchange({ requestHeaders: { Authorization: `Bearer ${await anAccessToken()}` } });
    const input = [plain, withSecret];
    const snapshot = structuredClone(input);
    const output = redactExchanges(input);
    expect(input).toEqual(snapshot);
    expect(output[0]).toEqual(plain);
    expect(output[0]).not.toBe(plain);
    expect(output[1]).not.toEqual(withSecret);
  });

  it('drops a body cut off at capture whole, with a note of its type and size', async () => {
    const token = await aChallengeToken();
    const text = `{"challenge_token":"${token}","code":123456,"phone":"+14155550134","more":"cut her`;
    const { exchanges, summary } = redactWithSummary([
      anExchange({ requestBody: { kind: 'text', text, truncated: true, mimeType: 'application/json' } }),
    ]);
    const body = exchanges[0]?.requestBody;
    expect(body).toEqual({
      kind: 'absent',
      dropped: { reason: 'cut off when captured', mimeType: 'application/json', size: text.length },
    });
    expect(summary.droppedBodies).toBe(1);
    expect(JSON.stringify(exchanges)).not.toContain('123456');
  });

  it('redacts a base64 body and keeps it base64', () => {
    const json = JSON.stringify({ code: '654321' });
    const redacted = only(
      anExchange({
        path: '/otp/check',
        requestBody: { kind: 'base64', base64: btoa(json), mimeType: 'application/json' },
      }),
    );
    expect(redacted.requestBody.kind).toBe('base64');
    expect(bodyText(redacted.requestBody)).toBe('{"code":"REDACTED"}');
  });

  it('drops a body that is not UTF-8 whole and counts it', () => {
    const binary: Body = { kind: 'base64', base64: btoa(String.fromCharCode(0xff, 0xfe, 0x00, 0x81)) };
    const { exchanges, summary } = redactWithSummary([anExchange({ responseBody: binary })]);
    expect(exchanges[0]?.responseBody).toEqual({
      kind: 'absent',
      dropped: { reason: 'not UTF-8 text', mimeType: 'application/json', size: 4 },
    });
    expect(summary.droppedBodies).toBe(1);
  });

  it('redacts form-encoded bodies', () => {
    const redacted = only(
      anExchange({
        requestBody: {
          kind: 'text',
          text: 'grant_type=refresh_token&refresh_token=r3fr3sh&client_id=app',
          mimeType: 'application/x-www-form-urlencoded',
        },
      }),
    );
    expect(bodyText(redacted.requestBody)).toMatch(
      /^grant_type=refresh_token&refresh_token=REDACTED-refresh-token-\d+&client_id=app$/,
    );
  });
});

describe('redactionSummary', () => {
  it('counts what was replaced', async () => {
    const { exchanges } = await aStepUpFlow({ wrongCodes: 1 });
    const summary = redactionSummary(exchanges);
    expect(summary.signatures).toBeGreaterThan(5);
    expect(summary.otpCodes).toBe(3); // login code, one wrong code, the right code
    expect(summary.refreshTokens).toBeGreaterThan(0);
    expect(summary.identifiers).toBe(1); // the login phone number
    expect(summary.exchanges).toBeGreaterThan(0);
    expect(summary.exchanges).toBeLessThanOrEqual(exchanges.length);
    expect(redactionSummary(redactExchanges(exchanges))).toMatchObject({ exchanges: 0, signatures: 0 });
  });
});

describe('nothing secret is left', () => {
  it('leaves no signature, OTP code, refresh token, password, cookie, e-mail or phone number', async () => {
    const { exchanges, flow } = await aStepUpFlow({
      steps: ['verify_sms', 'kyc_review'],
      wrongCodes: 1,
      nonceRotation: true,
      consume: 'password_reset',
    });
    const extra = [
      anExchange({
        path: '/login/email/password',
        requestHeaders: { Cookie: '__refresh_app01=rt_cookie_secret_91; session=s3ss10n_s3cr3t' },
        requestJson: {
          identifier: { type: 'email_address', value: 'grace.hopper@navy.example' },
          password: 'C0b0l!59',
        },
        responseHeaders: { 'Set-Cookie': '__verification-login_app01=vl_secret_77; Path=/' },
        responseJson: { challenge_token: await aChallengeToken({ email: 'grace.hopper@navy.example' }) },
      }),
      anExchange({
        path: '/otp/check',
        requestJson: { code: '739154', challenge_token: await aChallengeToken() },
      }),
    ];
    const all = [...exchanges, ...extra];
    const original = JSON.stringify(all);
    const signatures = [...original.matchAll(JWS)].map((m) => signatureOf(m[0])).filter((s) => s.length > 20);
    expect(signatures.length).toBeGreaterThan(10);
    const refreshTokens = new Set(
      all.flatMap((e) => [
        ...getHeaderValues(e.requestHeaders, 'x-refresh-token'),
        ...getHeaderValues(e.responseHeaders, 'x-refresh-token'),
      ]),
    );
    expect(flow.refreshToken).toBeDefined();

    const redacted = redactExchanges(all);
    const text = JSON.stringify(redacted);
    const leaked = (secret: string): boolean => text.includes(secret);
    for (const signature of signatures) expect(leaked(signature), signature).toBe(false);
    for (const secret of [
      '739154',
      'n3w-Passw0rd!',
      'C0b0l!59',
      'rt_cookie_secret_91',
      's3ss10n_s3cr3t',
      'vl_secret_77',
      'grace.hopper@navy.example',
      '+14155550100',
    ]) {
      expect(leaked(secret), secret).toBe(false);
    }
    // The flow's codes (123456, 000000) are too short to search for: check the fields instead.
    for (const exchange of redacted) {
      if (exchange.url.endsWith('/otp/check')) expect(requestJson(exchange)['code']).toBe(REDACTED);
    }
    for (const exchange of redacted) {
      for (const header of [...exchange.requestHeaders, ...exchange.responseHeaders]) {
        if (header.name.toLowerCase() === 'x-refresh-token') {
          expect(refreshTokens.has(header.value)).toBe(false);
          expect(header.value).toMatch(/^REDACTED-refresh-token-\d+$/);
        }
      }
    }
    // Every token is still readable.
    for (const match of text.matchAll(JWS)) expect(decodeToken(match[0]).ok).toBe(true);
  });
});

/**
 * Findings whose outcome depends on a secret the redaction removes (documented in redact.ts). A redacted
 * DPoP signature is reported as not verifiable (n/a), not as invalid, so dpop.signature_invalid is not here.
 */
const SECRET_DEPENDENT_FINDINGS = new Set(['dpop.ath_mismatch']);

function withoutSecretDependentFindings(report: JsonReport): JsonReport {
  const findings = report.findings.filter((f) => !SECRET_DEPENDENT_FINDINGS.has(f.code));
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return { ...report, findings, summary: { ...report.summary, findings: counts } };
}

describe('the analysis of a redacted log', () => {
  it('reports the same as the original, except findings that depend on a removed secret', async () => {
    for (const options of [
      {
        steps: ['verify_sms', 'kyc_review'],
        wrongCodes: 1,
        nonceRotation: true,
        consume: 'password_reset' as const,
      },
      { steps: ['verify_email'], consume: 'app' as const },
      { block: true },
    ]) {
      const { exchanges } = await aStepUpFlow(options);
      const original = buildJsonReport(await analyse(exchanges));
      const redacted = buildJsonReport(await analyse(redactExchanges(exchanges)));
      expect(withoutSecretDependentFindings(redacted)).toEqual(withoutSecretDependentFindings(original));
    }
  });

  it('differs only in secret-dependent findings, and in identifiers shown from tokens', async () => {
    const { exchanges } = await aStepUpFlow({ metadata: { identifier: '+14155550199' } });
    const original = buildJsonReport(await analyse(exchanges));
    const redacted = buildJsonReport(await analyse(redactExchanges(exchanges)));
    const differentFindings = redacted.findings.filter(
      (f) => !original.findings.some((o) => o.code === f.code && o.exchange === f.exchange),
    );
    for (const finding of differentFindings) expect(SECRET_DEPENDENT_FINDINGS.has(finding.code)).toBe(true);
    expect(redacted.challenges[0]?.metadata).toEqual({ identifier: '+1415•••••99' });
    const withMetadata = (r: JsonReport): JsonReport => ({
      ...withoutSecretDependentFindings(r),
      challenges: r.challenges.map((c) => ({ ...c, metadata: null })),
    });
    expect(withMetadata(redacted)).toEqual(withMetadata(original));
  });

  it('keepSignatures keeps the report identical', async () => {
    const { exchanges } = await aStepUpFlow({ wrongCodes: 1 });
    const original = buildJsonReport(await analyse(exchanges));
    const redacted = buildJsonReport(await analyse(redactExchanges(exchanges, { keepSignatures: true })));
    expect(redacted).toEqual(original);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

function utf8Base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

const secretKeyArb = fc.constantFrom(
  'code',
  'password',
  'refresh_token',
  'challenge_token',
  'access_token',
  'email',
  'phone_number',
  'identifier',
  'identifiers',
  'value',
  'type',
  'message',
  'other',
);

const tokenLikeArb = fc.oneof(
  fc.constant('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4IiwiZW1haWwiOiJhQGIuY28ifQ.c2ln'),
  fc.constant('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.REDACTED'),
  fc.constant('a.b.c'),
  fc.constant('+14155550134'),
  fc.constant('ada@demo.test'),
  fc.constant('REDACTED-refresh-token-3'),
  fc.string({ maxLength: 20 }),
);

const jsonValueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tokenLikeArb,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(secretKeyArb, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'absent' }),
  fc
    .tuple(jsonValueArb, fc.boolean())
    .map(([v, pretty]): Body => ({ kind: 'text', text: JSON.stringify(v, null, pretty ? 1 : 0) })),
  fc.record({
    kind: fc.constant('text' as const),
    text: fc.string({ maxLength: 80 }),
    truncated: fc.boolean(),
  }),
  jsonValueArb.map((v): Body => ({ kind: 'base64', base64: utf8Base64(JSON.stringify(v)) })),
  fc.string({ maxLength: 12 }).map((s): Body => ({ kind: 'base64', base64: s })),
);

const headerArb = fc.record({
  name: fc.constantFrom(
    'Authorization',
    'DPoP',
    'Cookie',
    'Set-Cookie',
    'X-Refresh-Token',
    'X-Other',
    'DPoP-Nonce',
  ),
  value: fc.oneof(
    tokenLikeArb,
    tokenLikeArb.map((t) => `Bearer ${t}`),
    fc.string({ maxLength: 30 }),
  ),
});

const exchangeArb: fc.Arbitrary<HttpExchange> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  method: fc.constantFrom('GET', 'POST'),
  url: fc.oneof(
    fc.constant('https://demo.session.prelude.dev/v1/session/otp/check'),
    fc.string({ maxLength: 20 }).map((q) => `https://app.example.com/x?${q}&code=1&token=${q}`),
  ),
  requestHeaders: fc.array(headerArb, { maxLength: 4 }),
  requestBody: bodyArb,
  status: fc.integer({ min: 0, max: 599 }),
  responseHeaders: fc.array(headerArb, { maxLength: 4 }),
  responseBody: bodyArb,
  startedAt: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  sources: fc.constant(['har' as const]),
});

describe('redaction properties', () => {
  it('never throws and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.array(exchangeArb, { maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (exchanges, keepSignatures, keepIdentifiers) => {
          const options = { keepSignatures, keepIdentifiers };
          const once = redactExchanges(exchanges, options);
          const twice = redactExchanges(once, options);
          expect(twice).toEqual(once);
          expect(redactionSummary(once, options).exchanges).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on malformed exchanges', () => {
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 3 }), (values) => {
        const out = redactExchanges(values as HttpExchange[]);
        expect(out).toHaveLength(values.length);
      }),
    );
  });
});

describe('regressions: what the deny-by-default redactor no longer leaks', () => {
  it("redacts Dynamic's OTP, which its verify body calls verificationToken", () => {
    const redacted = only(
      anExchange({
        path: 'https://app.dynamicauth.com/api/v0/sdk/2f0a9c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b/emailVerifications/verify',
        requestJson: {
          verificationUUID: '7c0a8e53-7c1d-4c52-9d0e-4c1b7a2f9e11',
          verificationToken: '482913',
        },
      }),
    );
    expect(requestJson(redacted)).toEqual({
      verificationUUID: '7c0a8e53-7c1d-4c52-9d0e-4c1b7a2f9e11',
      verificationToken: REDACTED,
    });
  });

  it('keeps an exchange whose query holds a lone surrogate, redacting the rest of it', () => {
    const redacted = only(anExchange({ path: '/refresh?note=%ED%A0%80&token=s3cr3t-value' }));
    expect(redacted.url).toContain('note=');
    expect(redacted.url).not.toContain('s3cr3t-value');
    expect(redacted.url).not.toBe('https://redacted.invalid/');
    const lone = only({
      ...anExchange({ path: '/refresh' }),
      url: `${API_BASE}/refresh?note=\ud800&token=s3cr3t`,
    });
    expect(lone.url.startsWith(API_BASE)).toBe(true);
    expect(lone.url).not.toContain('s3cr3t');
  });

  it('judges every line of a multi-value header and every cookie of a comma-joined Set-Cookie', () => {
    const redacted = only(
      anExchange({
        responseHeaders: {
          'Set-Cookie':
            'a=first-cookie-value; Path=/\nb=second-cookie-value; Path=/, c=third-cookie-value; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
        },
      }),
    );
    const value = getHeader(redacted.responseHeaders, 'set-cookie') ?? '';
    expect(value).not.toMatch(/first-cookie|second-cookie|third-cookie/);
    expect(value).toContain('Expires=Wed, 21 Oct 2026 07:28:00 GMT');
    expect(value.split('\n')).toHaveLength(2);
  });

  it('masks identifiers in URL paths and redacts the query of an HTTP/2 :path pseudo-header', () => {
    const redacted = only(
      anExchange({
        path: 'https://api.example.com/users/ada@demo.test/verify/+14155550134',
        requestHeaders: { ':path': '/cb?code=h2-secret-code&state=s9', ':authority': 'api.example.com' },
      }),
    );
    expect(redacted.url).not.toContain('ada@demo.test');
    expect(redacted.url).not.toContain('14155550134');
    expect(redacted.url).toContain('/users/');
    expect(getHeader(redacted.requestHeaders, ':path')).toBe('/cb?code=REDACTED&state=s9');
    expect(getHeader(redacted.requestHeaders, ':authority')).toBe('api.example.com');
  });

  it('replaces the value of a header whose name ends in auth', () => {
    const redacted = only(anExchange({ requestHeaders: { 'X-Custom-Auth': 'abc123' } }));
    expect(getHeader(redacted.requestHeaders, 'x-custom-auth')).toMatch(/^REDACTED-token-\d+$/);
  });

  it('redacts OAuth codes and tokens in Location, Referer and the URL fragment', () => {
    const redacted = only(
      anExchange({
        path: '/refresh#access_token=frag-secret-token&token_type=Bearer',
        requestHeaders: { Referer: 'https://app.example.com/cb?code=ref-code-1234&state=s1' },
        responseHeaders: { Location: 'https://app.example.com/cb?code=loc-code-9876&state=s2' },
      }),
    );
    const all = JSON.stringify(redacted);
    for (const secret of ['frag-secret-token', 'ref-code-1234', 'loc-code-9876'])
      expect(all).not.toContain(secret);
    expect(all).toContain('token_type=Bearer');
    expect(all).toContain('state=s2');
  });

  it('keeps what debugging needs: statuses, scopes, step keys, error codes, times, ids', () => {
    const body = {
      status: 'review',
      scope: 'transfer:write prld:pwd:write',
      current_step: 'verify_sms',
      code: 'insufficient_user_authentication',
      expires_at: '2026-12-03T08:00:00Z',
      challenge_id: 'chl_01JD8Z5W2Q3N4M5K6J7H8G9F0E',
      dispatch_id: '7c0a8e53-7c1d-4c52-9d0e-4c1b7a2f9e11',
      message: 'The step-up scope is not allowed for this user.',
    };
    const redacted = only(anExchange({ path: '/stepup/request', responseJson: body }));
    expect(responseJson(redacted)).toEqual(body);
  });
});
