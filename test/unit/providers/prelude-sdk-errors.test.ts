/**
 * What the app receives from @prelude.so/js-sdk for an answer (src/core/providers/prelude/sdk-errors.ts): the
 * code → class table checked against the SDK's shipped code, every path of the outcome, the version parser on
 * hostile header values, and the sentences findings and notes carry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENTED_CLASSES,
  PRLD_ERRORS,
  SDK_CODE_CLASSES,
  VERIFIED_SDK_VERSION,
  describeSdkOutcome,
  parseSdkUserAgent,
  sdkCallFor,
  sdkOutcome,
  type PrldErrorKey,
  type SdkAnswer,
  type SdkBody,
  type SdkCall,
  type SdkOutcome,
} from '../../../src/core/providers/prelude/sdk-errors.ts';
import { PRELUDE_ERROR_CODES } from '../../../src/core/providers/prelude/findings.ts';

const SDK_DIR = join(import.meta.dirname, '../../../node_modules/@prelude.so/js-sdk');
const V060 = { version: '0.6.0', verified: true };

function call(endpoint: string, withProof = true): SdkCall {
  const found = sdkCallFor(endpoint, withProof);
  if (found === undefined) throw new Error(`no SDK call for ${endpoint}`);
  return found;
}

const json = (value: unknown): SdkBody => ({ kind: 'json', value });

function answer(status: number, body: SdkBody, dpopNonce: SdkAnswer['dpopNonce'] = 'absent'): SdkAnswer {
  return { status, body, dpopNonce };
}

function outcome(endpoint: string, a: SdkAnswer): SdkOutcome {
  const result = sdkOutcome(call(endpoint), a);
  if (result === undefined) throw new Error('no outcome');
  return result;
}

/** The shipped SDK's `throwAPIError`, `PrldErrors` and error classes, read from its minified code. */
function shippedSdk(): {
  codes: Map<string, { name: string; fallback: string }>;
  generic: { name: string; fallback: string };
  members: Map<string, string>;
  source: string;
} {
  const source = readFileSync(join(SDK_DIR, 'dist/slim/session.js'), 'utf8');
  const names = new Map<string, string>();
  for (const m of source.matchAll(
    /([\w$]+)=class extends Error\{constructor\(\)\{super\(\.\.\.arguments\);this\.name="(\w+)"\}\}/g,
  ))
    names.set(m[1] as string, m[2] as string);
  const codes = new Map<string, { name: string; fallback: string }>();
  for (const m of source.matchAll(/((?:case"[a-z_]+":)+)throw new ([\w$]+)\([\w$]+\|\|"([^"]*)"\)/g)) {
    for (const c of (m[1] as string).matchAll(/case"([a-z_]+)":/g))
      codes.set(c[1] as string, { name: names.get(m[2] as string) ?? '?', fallback: m[3] as string });
  }
  const fallback = /default:throw new ([\w$]+)\([\w$]+\|\|"([^"]*)"\)/.exec(source);
  const generic = { name: names.get(fallback?.[1] ?? '') ?? '?', fallback: fallback?.[2] ?? '?' };
  const object = /\{Generic:[\w$]+(?:,\w+:[\w$]+)+\}/.exec(source)?.[0] ?? '';
  const members = new Map<string, string>();
  for (const m of object.matchAll(/(\w+):([\w$]+)/g))
    members.set(m[1] as string, names.get(m[2] as string) ?? '?');
  return { codes, generic, members, source };
}

describe('the code → class table is the shipped SDK 0.6.0', () => {
  const shipped = shippedSdk();

  it('is read from the installed 0.6.0', () => {
    const pkg = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(VERIFIED_SDK_VERSION);
    expect(shipped.codes.size).toBeGreaterThan(20);
  });

  it('maps every code the SDK switches on, and no other, to the same class and default message', () => {
    expect([...SDK_CODE_CLASSES.keys()].sort()).toEqual([...shipped.codes.keys()].sort());
    for (const [code, key] of SDK_CODE_CLASSES) {
      const entry = PRLD_ERRORS[key];
      expect({ code, name: entry.name, fallback: entry.fallback }).toEqual({
        code,
        ...shipped.codes.get(code),
      });
    }
    expect(shipped.generic).toEqual(PRLD_ERRORS.Generic);
  });

  it('lists every PrldErrors member with its err.name', () => {
    expect([...shipped.members.keys()].sort()).toEqual(Object.keys(PRLD_ERRORS).sort());
    for (const [key, name] of shipped.members) expect(PRLD_ERRORS[key as PrldErrorKey].name).toBe(name);
  });

  it('never throws BadCheckCode, UnprocessableEntity or MissingChallengeToken for a code', () => {
    const thrown = new Set([...shipped.codes.values()].map((c) => c.name));
    for (const key of ['BadCheckCode', 'UnprocessableEntity', 'MissingChallengeToken'] as const) {
      expect(thrown.has(PRLD_ERRORS[key].name)).toBe(false);
      expect(PRLD_ERRORS[key].fallback).toBeNull();
    }
  });

  it("quotes the SDK's own plain errors", () => {
    for (const text of [
      'new Error("Failed to check step-up OTP")',
      'new Error("Failed to advance step-up challenge")',
      'new Error("Failed to request step-up")',
      'new Error("No access token")',
      '("Server requested nonce but did not provide one")',
      '"X-SDK-User-Agent"',
    ])
      expect(shipped.source).toContain(text);
  });

  it('every code the Session API documents either has a class or is a no-class trap', () => {
    for (const code of PRELUDE_ERROR_CODES) {
      const o = outcome('otp.check', answer(400, json({ code })));
      const key = SDK_CODE_CLASSES.get(code);
      if (key !== undefined) expect(o.receives).toMatchObject({ error: { key } });
      else if (DOCUMENTED_CLASSES.has(code)) expect(o.trap?.kind).toBe('documented');
      else expect(o.trap).toEqual({ kind: 'no_class', code });
    }
  });
});

describe('sdkOutcome: error answers', () => {
  for (const [code, key] of SDK_CODE_CLASSES) {
    it(`${code} → ${PRLD_ERRORS[key].name}, with the body's message or the class's default`, () => {
      const withMessage = outcome(
        'otp.check',
        answer(400, json({ code, message: 'From server', type: 't' })),
      );
      expect(withMessage.code).toBe(code);
      expect(withMessage.receives).toEqual({
        kind: 'rejects',
        error: { name: PRLD_ERRORS[key].name, key, message: 'From server' },
        requests: 1,
      });
      const bare = outcome('otp.check', answer(400, json({ code })));
      expect(bare.receives).toMatchObject({ error: { message: PRLD_ERRORS[key].fallback } });
    });
  }

  it('the HTTP status does not matter, only the code', () => {
    for (const status of [400, 401, 403, 404, 409, 429, 500, 503]) {
      expect(outcome('otp.send', answer(status, json({ code: 'rate_limited' }))).receives).toMatchObject({
        error: { name: 'RateLimitedError' },
      });
    }
  });

  it('bad_check_code is BadRequestError, with the documented BadCheckCode as the trap', () => {
    const o = outcome('otp.check', answer(400, json({ code: 'bad_check_code', message: 'Invalid code' })));
    expect(o.receives).toEqual({
      kind: 'rejects',
      error: { name: 'BadRequestError', key: 'BadRequest', message: 'Invalid code' },
      requests: 1,
    });
    expect(o.trap).toMatchObject({ kind: 'documented', key: 'BadCheckCode' });
  });

  it('missing_challenge_token from the server is GenericError, not MissingChallengeToken', () => {
    const o = outcome('otp.send', answer(400, json({ code: 'missing_challenge_token' })));
    expect(o.receives).toMatchObject({
      error: { name: 'GenericError', key: 'Generic', message: 'Unknown error' },
    });
    expect(o.trap).toMatchObject({ kind: 'documented', key: 'MissingChallengeToken' });
  });

  it('codes without a class (insufficient_scope, direct_scope_identifier_mismatch, unknown) are GenericError', () => {
    for (const code of ['insufficient_scope', 'direct_scope_identifier_mismatch', 'brand_new_code']) {
      const o = outcome('stepup.request', answer(403, json({ code, message: 'nope' })));
      expect(o.receives).toMatchObject({ error: { name: 'GenericError', message: 'nope' } });
      expect(o.trap).toEqual({ kind: 'no_class', code });
    }
  });

  it('a body without a string code is GenericError("Unknown error" or its message), with no trap', () => {
    const cases: [unknown, string][] = [
      [{ message: 'Gateway says no' }, 'Gateway says no'],
      [{ code: 42, message: 'numeric code' }, 'numeric code'],
      [{}, 'Unknown error'],
      [['code', 'bad_check_code'], 'Unknown error'],
      ['bad_check_code', 'Unknown error'],
      [17, 'Unknown error'],
      [{ message: 5 }, '5'],
      [{ message: { nested: true } }, '[object Object]'],
      [{ message: '' }, 'Unknown error'],
    ];
    for (const [value, message] of cases) {
      const o = outcome('otp.check', answer(500, json(value)));
      expect(o.receives, JSON.stringify(value)).toEqual({
        kind: 'rejects',
        error: { name: 'GenericError', key: 'Generic', message },
        requests: 1,
      });
      expect(o.code).toBeUndefined();
      expect(o.trap).toBeUndefined();
    }
  });

  it('a long message is cut for display', () => {
    const o = outcome('otp.check', answer(400, json({ code: 'bad_request', message: 'x'.repeat(500) })));
    expect(o.receives).toMatchObject({ error: { message: `${'x'.repeat(120)}…` } });
  });

  it('HTTP 422 is never UnprocessableEntity: the status is ignored', () => {
    const o = outcome('stepup.request', answer(422, json({ code: 'invalid_metadata' })));
    expect(o.receives).toMatchObject({ error: { name: 'InvalidMetadataError' } });
    expect(o.trap).toEqual({ kind: 'status_422' });
    // A code with a trap of its own keeps it.
    expect(outcome('otp.check', answer(422, json({ code: 'bad_check_code' }))).trap?.kind).toBe('documented');
  });

  it('an HTML or empty error body is SyntaxError; JSON null is TypeError', () => {
    for (const body of [{ kind: 'not_json' }, { kind: 'empty' }] as const) {
      expect(outcome('otp.send', answer(502, body)).receives).toEqual({
        kind: 'rejects',
        error: { name: 'SyntaxError', message: 'the body is not JSON' },
        requests: 1,
      });
    }
    expect(outcome('otp.send', answer(500, json(null))).receives).toMatchObject({
      error: { name: 'TypeError' },
      requests: 1,
    });
  });

  it('session-proof calls send an unparsable error 3 times (the DPoP layer parses inside the re-send loop)', () => {
    for (const endpoint of ['refresh', 'login.otp.check', 'login.finalize', 'revoke']) {
      expect(outcome(endpoint, answer(503, { kind: 'not_json' })).receives).toMatchObject({
        error: { name: 'SyntaxError' },
        requests: 3,
      });
      expect(outcome(endpoint, answer(503, json(null))).receives).toMatchObject({
        error: { name: 'TypeError' },
        requests: 3,
      });
    }
    // logout without a stored key sends no proof and skips the DPoP layer.
    expect(sdkOutcome(call('revoke', false), answer(503, { kind: 'not_json' }))?.receives).toMatchObject({
      requests: 1,
    });
  });

  it('use_dpop_nonce on a session-proof call is re-sent with a readable nonce, else GenericError after 3', () => {
    const nonce = json({ code: 'use_dpop_nonce' });
    expect(outcome('refresh', answer(400, nonce, 'readable')).receives).toEqual({
      kind: 'resends',
      reason: 'nonce',
    });
    for (const why of ['absent', 'hidden'] as const) {
      const o = outcome('refresh', answer(400, nonce, why));
      expect(o.receives).toEqual({
        kind: 'rejects',
        error: {
          name: 'GenericError',
          key: 'Generic',
          message: 'Server requested nonce but did not provide one',
        },
        requests: 3,
      });
      expect(o.nonce).toBe(why);
    }
    // Challenge proofs and plain calls have no nonce handling: BadRequestError at once.
    expect(outcome('otp.check', answer(400, nonce, 'readable')).receives).toMatchObject({
      error: { name: 'BadRequestError' },
      requests: 1,
    });
  });

  it('a 401 on a Bearer call refreshes and re-sends first, whatever the body', () => {
    for (const endpoint of ['stepup.request', 'stepup.continue', 'me.list', 'me.revoke']) {
      expect(outcome(endpoint, answer(401, json({ code: 'unauthorized' }))).receives).toEqual({
        kind: 'resends',
        reason: 'unauthorized',
        ifRefreshFails: { name: 'UnauthorizedError', key: 'Unauthorized', message: 'Unauthorized' },
      });
    }
    expect(outcome('stepup.request', answer(401, { kind: 'not_json' })).receives).toMatchObject({
      kind: 'resends',
      ifRefreshFails: { name: 'SyntaxError' },
    });
    expect(outcome('stepup.request', answer(401, { kind: 'unknown' })).receives).toEqual({
      kind: 'resends',
      reason: 'unauthorized',
    });
    // Other statuses, and 401 on calls without a Bearer token, are not re-sent.
    expect(outcome('stepup.request', answer(403, json({ code: 'unauthorized' }))).receives.kind).toBe(
      'rejects',
    );
    expect(outcome('refresh', answer(401, json({ code: 'unauthorized' }))).receives.kind).toBe('rejects');
    expect(outcome('otp.check', answer(401, json({ code: 'unauthorized' }))).receives.kind).toBe('rejects');
  });

  it('no response: re-sent; a body not captured whole: unknown; 1xx and 3xx: nothing to say', () => {
    expect(outcome('otp.check', answer(0, { kind: 'unknown' })).receives).toEqual({
      kind: 'resends',
      reason: 'no_response',
    });
    expect(outcome('otp.check', answer(400, { kind: 'unknown' })).receives).toEqual({ kind: 'unknown' });
    expect(outcome('otp.check', answer(200, { kind: 'unknown' })).receives).toEqual({ kind: 'unknown' });
    for (const status of [101, 301, 302, 304, 600])
      expect(sdkOutcome(call('otp.check'), answer(status, json({})))).toBeUndefined();
  });
});

describe('sdkOutcome: 2xx answers count as success', () => {
  it('a 2xx with an error body resolves, with the code as the trap', () => {
    const o = outcome('stepup.request', answer(200, json({ code: 'scope_not_allowed', message: 'no' })));
    expect(o.receives).toEqual({ kind: 'resolves', errorCode: 'scope_not_allowed' });
    expect(o.trap).toEqual({ kind: 'error_as_success', code: 'scope_not_allowed' });
    for (const endpoint of ['otp.send', 'login.otp.check', 'me.list'])
      expect(outcome(endpoint, answer(200, json({ code: 'internal' }))).receives.kind).toBe('resolves');
  });

  it('calls that need a field reject with their plain Error without it', () => {
    const cases: [string, string][] = [
      ['otp.check', 'Failed to check step-up OTP'],
      ['stepup.continue', 'Failed to advance step-up challenge'],
      ['refresh', 'No access token'],
    ];
    for (const [endpoint, message] of cases) {
      const withCode = outcome(endpoint, answer(200, json({ code: 'bad_check_code' })));
      expect(withCode.receives).toEqual({ kind: 'rejects', error: { name: 'Error', message }, requests: 1 });
      expect(withCode.trap).toEqual({ kind: 'error_as_success', code: 'bad_check_code' });
      expect(outcome(endpoint, answer(204, { kind: 'empty' })).receives).toMatchObject({
        error: { message },
      });
      expect(
        outcome(endpoint, answer(200, json({ challenge_token: '', access_token: '' }))).receives.kind,
      ).toBe('rejects');
    }
    expect(outcome('otp.check', answer(200, json({ challenge_token: 'ct' }))).receives).toEqual({
      kind: 'resolves',
    });
    expect(outcome('refresh', answer(200, json({ access_token: 'at' }))).receives).toEqual({
      kind: 'resolves',
    });
  });

  it('requestStepUp needs a body: a 204 or JSON null rejects', () => {
    for (const a of [answer(204, { kind: 'empty' }), answer(200, json(null))])
      expect(outcome('stepup.request', a).receives).toMatchObject({
        error: { message: 'Failed to request step-up' },
      });
    expect(outcome('stepup.request', answer(200, json({ status: 'block' }))).receives).toEqual({
      kind: 'resolves',
    });
  });

  it('a 204 is never parsed; any other 2xx that is not JSON is SyntaxError', () => {
    expect(outcome('otp.send', answer(204, { kind: 'empty' })).receives).toEqual({ kind: 'resolves' });
    for (const body of [{ kind: 'empty' }, { kind: 'not_json' }] as const)
      expect(outcome('otp.send', answer(200, body)).receives).toMatchObject({
        error: { name: 'SyntaxError' },
      });
  });
});

describe('sdkCallFor', () => {
  it('names the SDK method and how it sends the call', () => {
    expect(sdkCallFor('otp.check', true)).toMatchObject({ method: 'otpCheck', kind: 'plain' });
    expect(sdkCallFor('login.otp.check', true)).toMatchObject({ method: 'checkOTP', kind: 'session-proof' });
    expect(sdkCallFor('stepup.continue', true)).toMatchObject({ method: 'continueStepUp', kind: 'bearer' });
    expect(sdkCallFor('revoke', true)?.kind).toBe('session-proof');
    expect(sdkCallFor('revoke', false)?.kind).toBe('plain');
  });

  it('has no call for what 0.6.0 never sends', () => {
    for (const endpoint of [
      'me.password.reset',
      'me.passkeys.register.finish',
      'login.passkey.begin',
      'otp.login',
      'signals',
      'preflight',
      'unknown',
      'jwks',
      '__proto__',
      'toString',
    ])
      expect(sdkCallFor(endpoint, true), endpoint).toBeUndefined();
  });
});

describe('parseSdkUserAgent', () => {
  it("reads the SDK's header, real core version or not", () => {
    for (const value of [
      'Prelude/0.6.0 Core/0.1.2 (Web)',
      'Prelude/0.6.0 Core/0.6.0 (Web)',
      '  Prelude/0.6.0 Core/0.1.2 (Web)  ',
      'Prelude/0.6.0 (Web)',
    ])
      expect(parseSdkUserAgent([value]), value).toEqual({ version: '0.6.0', verified: true });
    expect(parseSdkUserAgent(['Prelude/0.6.0 Core/0.1.2 (Web)', 'Prelude/0.6.0 Core/0.1.2 (Web)'])).toEqual(
      V060,
    );
  });

  it('any other version is read but not verified', () => {
    expect(parseSdkUserAgent(['Prelude/0.7.0 Core/0.2.0 (Web)'])).toEqual({
      version: '0.7.0',
      verified: false,
    });
    expect(parseSdkUserAgent(['Prelude/0.6.0-beta.1 Core/x (Web)'])).toEqual({
      version: '0.6.0-beta.1',
      verified: false,
    });
    expect(parseSdkUserAgent(['Prelude/0.6.0+build.5 Core/x (Web)'])).toEqual({
      version: '0.6.0+build.5',
      verified: false,
    });
    expect(parseSdkUserAgent(['Prelude/10.0.12 Core/1 (Web)'])).toEqual({
      version: '10.0.12',
      verified: false,
    });
  });

  it('says nothing for anything that is not exactly its shape', () => {
    const hostile: unknown[][] = [
      [],
      [''],
      ['Prelude'],
      ['Prelude/0.6 Core/x (Web)'],
      ['Prelude/00.6.0 Core/x (Web)'],
      ['Prelude/0.6.0.1 Core/x (Web)'],
      ['prelude/0.6.0 Core/x (Web)'],
      ['Prelude/０.6.0 Core/x (Web)'],
      ['Prelude/0.6.0 Core/x'],
      ['Prelude/0.6.0 Core/x (Apple; iOS 18.1)'],
      ['Prelude/1.4.2 (Apple; iOS 18.1; iPhone15,2)'],
      ['Prelude/0.6.0 Core/x (Web) extra'],
      ['Prelude/0.6.0 Core/x (Web)\r\nX-Evil: 1'],
      ['Prelude/0.6.0\u202e Core/x (Web)'],
      ['Prelude/0.6.0 Core/\u0000 (Web)'],
      ['Prelude/0.6.0 Core/x (Web), Prelude/0.6.0 Core/x (Web)'],
      [`Prelude/0.6.0 Core/${'a'.repeat(41)} (Web)`],
      [`${' '.repeat(300)}Prelude/0.6.0 (Web)`],
      [`Prelude/0.6.0-${'a.'.repeat(10)}a Core/x (Web)`],
      ['Prelude/9999999.0.0 (Web)'],
      ['Prelude/0.6.0 Core/0.1.2 (Web)', 'Prelude/0.7.0 Core/0.1.2 (Web)'],
      ['Prelude/0.6.0 Core/0.1.2 (Web)', 42],
      [null],
      [{ toString: () => 'Prelude/0.6.0 (Web)' }],
      ['__proto__'],
    ];
    for (const values of hostile) expect(parseSdkUserAgent(values), JSON.stringify(values)).toBeUndefined();
  });

  it('never throws, and only ever returns a printable version', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc
        .tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
        .map(([a, b, c, pre, core]) => `Prelude/${a}.${b}.${c}${pre} Core/${core} (Web)`),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(value, fc.anything()), { maxLength: 3 }), (values) => {
        const parsed = parseSdkUserAgent(values);
        if (parsed === undefined) return;
        expect(parsed.version).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/);
        expect(parsed.verified).toBe(parsed.version === VERIFIED_SDK_VERSION);
      }),
    );
  });

  it('round-trips any plain version', () => {
    fc.assert(
      fc.property(fc.nat(999_999), fc.nat(999_999), fc.nat(999_999), (a, b, c) => {
        expect(parseSdkUserAgent([`Prelude/${a}.${b}.${c} Core/0.1.2 (Web)`])?.version).toBe(
          `${a}.${b}.${c}`,
        );
      }),
    );
  });
});

describe('describeSdkOutcome', () => {
  const badCode = outcome(
    'otp.check',
    answer(400, json({ code: 'bad_check_code', message: 'Invalid code' })),
  );

  it('a wrong code: the class received, why the documented test fails, and the check to use', () => {
    const text = describeSdkOutcome(V060, badCode);
    expect(text).toMatch(
      /^Prelude JS SDK 0\.6\.0: otpCheck rejects with BadRequestError \(PrldErrors\.BadRequest\), message "Invalid code"\./,
    );
    expect(text).toContain('`err instanceof PrldErrors.BadCheckCode`, which is always false in 0.6.0');
    expect(text).toContain('a wrong-code branch written that way never runs');
    expect(text).toContain("`err instanceof PrldErrors.BadRequest` (or `err.name === 'BadRequestError'`)");
    expect(text).toContain('the error carries no code');
  });

  it('an expired challenge: the same error as a wrong code, and how to tell them apart', () => {
    const text = describeSdkOutcome(V060, badCode, { expired: true });
    expect(text).toContain('an expired challenge gets the same BadRequestError as a wrong code');
    expect(text).toContain("compare the challenge token's exp");
    expect(text).not.toContain('wrong-code branch');
  });

  it('another version: says what 0.6.0 does and that this one was not verified', () => {
    const text = describeSdkOutcome({ version: '0.7.0', verified: false }, badCode);
    expect(text).toMatch(
      /^Prelude JS SDK 0\.7\.0 \(this version was not verified; what follows is what 0\.6\.0 does\): otpCheck rejects with BadRequestError/,
    );
  });

  it('words every trap and every way of receiving', () => {
    const texts = [
      [
        outcome('otp.send', answer(400, json({ code: 'missing_challenge_token' }))),
        /Not PrldErrors\.MissingChallengeToken: .*`err instanceof PrldErrors\.Generic`/,
      ],
      [
        outcome('stepup.request', answer(403, json({ code: 'insufficient_scope' }))),
        /0\.6\.0 has no class for insufficient_scope: .*GenericError, whatever the HTTP status/,
      ],
      [
        outcome('stepup.request', answer(422, json({ code: 'invalid_metadata' }))),
        /HTTP 422 does not make it PrldErrors\.UnprocessableEntity/,
      ],
      [
        outcome('stepup.request', answer(200, json({ code: 'internal' }))),
        /requestStepUp resolves: a 2xx answer counts as success whatever its body, so this internal never reaches the app as an error\. Fix the server/,
      ],
      [
        outcome('otp.check', answer(200, json({}))),
        /otpCheck rejects with Error\("Failed to check step-up OTP"\): the 2xx body has no challenge_token/,
      ],
      [
        outcome('stepup.request', answer(204, { kind: 'empty' })),
        /requestStepUp rejects with Error\("Failed to request step-up"\): the 2xx answer has no body/,
      ],
      [
        outcome('refresh', answer(502, { kind: 'not_json' })),
        /refresh rejects with SyntaxError, after sending this request 3 times: the SDK parses this error body as JSON/,
      ],
      [
        outcome('otp.send', answer(200, { kind: 'not_json' })),
        /otpCreate rejects with SyntaxError: the SDK parses every answer but a 204 as JSON/,
      ],
      [
        outcome('otp.send', answer(500, json(null))),
        /otpCreate rejects with TypeError: the body is JSON null/,
      ],
      [
        outcome('refresh', answer(400, json({ code: 'use_dpop_nonce' }), 'readable')),
        /refresh signs a new proof with this response's DPoP-Nonce and re-sends once/,
      ],
      [
        outcome('refresh', answer(400, json({ code: 'use_dpop_nonce' }), 'hidden')),
        /rejects with GenericError \(PrldErrors\.Generic\), message "Server requested nonce but did not provide one", after sending this request 3 times: the page cannot read this response's DPoP-Nonce/,
      ],
      [
        outcome('refresh', answer(400, json({ code: 'use_dpop_nonce' }), 'absent')),
        /this response has no DPoP-Nonce to sign with/,
      ],
      [
        outcome('stepup.request', answer(401, json({ code: 'unauthorized' }))),
        /requestStepUp drops its access token, refreshes and re-sends this request once; .* this answer as UnauthorizedError \(PrldErrors\.Unauthorized\), message "Unauthorized"/,
      ],
      [
        outcome('stepup.request', answer(401, { kind: 'unknown' })),
        /if the refresh fails, this answer's error\.$/,
      ],
      [
        outcome('otp.check', answer(0, { kind: 'unknown' })),
        /otpCheck re-sends a request that gets no response \(3 tries in all/,
      ],
      [
        outcome('otp.send', answer(429, json({ code: 'rate_limited' }))),
        /^Prelude JS SDK 0\.6\.0: otpCreate rejects with RateLimitedError \(PrldErrors\.RateLimited\), message "Rate limited"\.$/,
      ],
    ] as const;
    for (const [o, pattern] of texts) expect(describeSdkOutcome(V060, o)).toMatch(pattern);
  });
});
