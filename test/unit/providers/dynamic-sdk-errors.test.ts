/**
 * What the app receives from @dynamic-labs-sdk/client (src/core/providers/dynamic/sdk-errors.ts, sdk-model.ts):
 * the facts checked against the client's shipped code, the mapping, the version parser, and the findings and notes
 * on captures from the Dynamic flow builder (the requests and `x-dyn-*` headers the client sends).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import {
  MAPPED_CLIENT_ERRORS,
  VERIFIED_CLIENT_VERSION,
  checkFailure,
  clientRejection,
  describeCheckFailure,
  describeRejection,
  parseClientSdkVersion,
  type ClientBody,
} from '../../../src/core/providers/dynamic/sdk-errors.ts';
import { aDynamicSession } from '../../fixtures/dynamic.ts';

const MODULES = join(import.meta.dirname, '../../../node_modules');
const V = { version: '1.27.1', verified: true };
const json = (value: unknown): ClientBody => ({ kind: 'json', value });

describe("the client's shipped code", () => {
  const client = join(MODULES, '@dynamic-labs-sdk/client');
  const chunk = readFileSync(join(client, 'dist/updateAuthFromVerifyResponse-BFRaTf2_.esm.js'), 'utf8');
  const index = readFileSync(join(client, 'dist/index.esm.js'), 'utf8');

  it('is 1.27.1, and sends x-dyn-version: ClientSDK/<version>', () => {
    const pkg = JSON.parse(readFileSync(join(client, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(VERIFIED_CLIENT_VERSION);
    expect(chunk).toContain('var version = "1.27.1";');
    expect(chunk).toContain('const DYNAMIC_SDK_VERSION_HEADER = "x-dyn-version";');
    expect(chunk).toContain('const CLIENT_SDK_NAME = "ClientSDK";');
    expect(chunk).toContain('[DYNAMIC_SDK_VERSION_HEADER]: `${CLIENT_SDK_NAME}/${version}`');
  });

  it('maps the same codes to the same errors, with their own code and message', () => {
    const mapper = /const clientErrorMapper = [\s\S]*?return null;/.exec(chunk)?.[0] ?? '';
    const shipped = new Map<string, string>();
    for (const m of mapper.matchAll(
      /error\.code === "(\w+)"(?: \|\| error\.code === "(\w+)")?\) return new (\w+)\(/g,
    )) {
      shipped.set(m[1] as string, m[3] as string);
      if (m[2] !== undefined) shipped.set(m[2], m[3] as string);
    }
    expect([...shipped.keys()].sort()).toEqual([...MAPPED_CLIENT_ERRORS.keys()].sort());
    for (const [code, mapped] of MAPPED_CLIENT_ERRORS) {
      expect(shipped.get(code)).toBe(mapped.name);
      const klass =
        new RegExp(`var ${mapped.name} = class extends BaseError \\{[\\s\\S]*?\\n\\};`).exec(chunk)?.[0] ??
        '';
      expect(klass).toContain(`code: "${mapped.code}"`);
      expect(klass).toContain(`shortMessage: ${JSON.stringify(mapped.message)}`);
    }
  });

  it('makes an APIError only from an error string, 401 an UnauthorizedError, anything else the Response itself', () => {
    expect(chunk).toContain('if (errorBody && "error" in errorBody && typeof errorBody.error === "string")');
    expect(chunk).toContain(
      '"code" in errorBody && typeof errorBody.code === "string" ? errorBody.code : "unknown_error"',
    );
    expect(chunk).toMatch(
      /createConvertToApiErrorMiddleware\([\s\S]*?\),\s*createUnauthorizedMiddleware\(\)/,
    );
    const runtime = readFileSync(join(MODULES, '@dynamic-labs/sdk-api-core/src/runtime.js'), 'utf8');
    expect(runtime).toMatch(
      /if \(response\.status >= 200 && response\.status < 300\) \{\s*return response;\s*\}\s*throw response;/,
    );
  });

  it('checkStepUpAuth turns any failure into "required, no credentials"; its parser needs a credentials array', () => {
    const check = /const checkStepUpAuth = async[\s\S]*?\n\};/.exec(index)?.[0] ?? '';
    expect(check).toMatch(/catch \{\s*return STEP_UP_REQUIRED_DEFAULT;\s*\}/);
    expect(index).toMatch(
      /const STEP_UP_REQUIRED_DEFAULT = \{\s*credentials: \[\],\s*isRequired: true\s*\};/,
    );
    const model = readFileSync(
      join(MODULES, '@dynamic-labs/sdk-api-core/src/models/StepUpCheckResponse.js'),
      'utf8',
    );
    expect(model).toContain("'credentials': (json['credentials'].map(StepUpCredentialFromJSON))");
  });
});

describe('parseClientSdkVersion', () => {
  it('reads ClientSDK/<version>; any other version is not verified', () => {
    expect(parseClientSdkVersion(['ClientSDK/1.27.1'])).toEqual(V);
    expect(parseClientSdkVersion(['ClientSDK/1.27.1', 'ClientSDK/1.27.1'])).toEqual(V);
    expect(parseClientSdkVersion([' ClientSDK/1.27.3 '])).toEqual({ version: '1.27.3', verified: false });
    expect(parseClientSdkVersion(['ClientSDK/1.28.0-rc.1'])).toEqual({
      version: '1.28.0-rc.1',
      verified: false,
    });
  });

  it('says nothing for anything else', () => {
    for (const values of [
      [],
      ['WalletKit/4.20.0'],
      ['ClientSDK/1.27'],
      ['ClientSDK/1.27.1 extra'],
      ['clientsdk/1.27.1'],
      ['ClientSDK/1.27.1\u202e'],
      ['ClientSDK/1.27.1, ClientSDK/1.27.1'],
      ['ClientSDK/1.27.1', 'ClientSDK/1.27.3'],
      [`ClientSDK/1.27.1-${'a'.repeat(200)}`],
      [42],
      [null],
    ] as unknown[][])
      expect(parseClientSdkVersion(values), JSON.stringify(values)).toBeUndefined();
  });

  it('never throws, and only ever returns a printable version', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.anything()), { maxLength: 3 }),
        (values) => {
          const parsed = parseClientSdkVersion(values);
          if (parsed !== undefined) {
            expect(parsed.version).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/);
            expect(parsed.verified).toBe(parsed.version === VERIFIED_CLIENT_VERSION);
          }
        },
      ),
    );
  });
});

describe('clientRejection', () => {
  it('an error string: APIError with the code (or unknown_error) and the status; a few codes map to their error', () => {
    expect(
      clientRejection(422, json({ error: 'Invalid code', code: 'wrong_email_verification_token' })),
    ).toEqual({
      kind: 'api_error',
      name: 'APIError',
      code: 'wrong_email_verification_token',
      message: 'Invalid code',
      status: 422,
    });
    expect(clientRejection(400, json({ error: 'x' }))).toMatchObject({
      name: 'APIError',
      code: 'unknown_error',
    });
    // The error string wins over the 401: APIError, not UnauthorizedError.
    expect(clientRejection(401, json({ error: 'expired', code: 'unauthorized' }))).toMatchObject({
      name: 'APIError',
    });
    expect(clientRejection(400, json({ error: 'Invalid OTP code', code: 'mfa_invalid_code' }))).toEqual({
      kind: 'api_error',
      name: 'MfaInvalidOtpError',
      code: 'mfa_invalid_otp_error',
      message: 'Invalid OTP',
      status: 400,
      apiCode: 'mfa_invalid_code',
    });
  });

  it('no error string: UnauthorizedError on 401, else the raw Response', () => {
    expect(clientRejection(401, { kind: 'empty' })).toEqual({ kind: 'unauthorized' });
    for (const body of [
      json({ code: 'forbidden' }),
      json({ error: 5 }),
      json(null),
      { kind: 'not_json' },
    ] as ClientBody[])
      expect(clientRejection(403, body)).toEqual({ kind: 'response', status: 403 });
  });

  it('no response: TypeError; 2xx, 3xx or a body not captured: nothing', () => {
    expect(clientRejection(0, { kind: 'unknown' })).toEqual({ kind: 'network' });
    for (const status of [200, 204, 302])
      expect(clientRejection(status, json({ error: 'x' }))).toBeUndefined();
    expect(clientRejection(500, { kind: 'unknown' })).toBeUndefined();
  });
});

describe('checkFailure', () => {
  it('no response, an error status, not JSON, or no credentials array all make checkStepUpAuth say required', () => {
    expect(checkFailure(0, { kind: 'unknown' })).toEqual({
      why: 'no_response',
      serverSaidNotRequired: false,
    });
    expect(checkFailure(500, { kind: 'unknown' })).toEqual({
      why: 'error_status',
      serverSaidNotRequired: false,
    });
    expect(checkFailure(204, { kind: 'empty' })).toEqual({ why: 'not_json', serverSaidNotRequired: false });
    expect(checkFailure(200, { kind: 'not_json' })?.why).toBe('not_json');
    expect(checkFailure(200, json(null))?.why).toBe('not_json');
    expect(checkFailure(200, json({ isRequired: false }))).toEqual({
      why: 'no_credentials',
      serverSaidNotRequired: true,
    });
    expect(checkFailure(200, json({ isRequired: true, credentials: {} }))?.why).toBe('no_credentials');
    expect(checkFailure(200, json(['credentials']))?.why).toBe('no_credentials');
  });

  it('an answer it reads, or one not captured whole, is not a failure', () => {
    expect(checkFailure(200, json({ isRequired: false, credentials: [] }))).toBeUndefined();
    expect(
      checkFailure(200, json({ isRequired: true, credentials: [{ id: 'c', format: 'email' }] })),
    ).toBeUndefined();
    expect(checkFailure(200, { kind: 'unknown' })).toBeUndefined();
    expect(checkFailure(302, json({}))).toBeUndefined();
  });

  it('texts: verified or not, the fallback, and the fix', () => {
    expect(describeCheckFailure(V, { why: 'no_credentials', serverSaidNotRequired: true })).toBe(
      '@dynamic-labs-sdk/client 1.27.1: checkStepUpAuth catches this failure and returns {isRequired: true, credentials: []} ' +
        'with no defaultCredentialId: the app never sees the error and is told step-up is required with no credential to offer, ' +
        'although the server answered isRequired: false. Fix: treat an empty credentials list from checkStepUpAuth as a ' +
        'failed check (retry it, or say so) rather than as a step-up with nothing to choose.',
    );
    expect(
      describeRejection({ version: '1.27.3', verified: false }, { kind: 'response', status: 502 }),
    ).toMatch(
      /^@dynamic-labs-sdk\/client 1\.27\.3 \(this version was not verified; what follows is what 1\.27\.1 does\): the call rejects with the raw Response \(err\.status 502\).*err\.message is undefined.*`err instanceof Response`/,
    );
  });
});

function withVersion(exchanges: HttpExchange[], value: string | undefined): HttpExchange[] {
  return exchanges.map((e) => ({
    ...e,
    requestHeaders: [
      ...e.requestHeaders.filter((h) => h.name !== 'x-dyn-version'),
      ...(value !== undefined ? [{ name: 'x-dyn-version', value }] : []),
    ],
  }));
}

function only(model: SessionModel, code: string) {
  const found = model.findings.filter((f) => f.code === code);
  expect(found, code).toHaveLength(1);
  return found[0] as (typeof found)[number];
}

describe('findings and notes on Dynamic captures', () => {
  it('a check refused with an error code: dynamic.api_error says the SDK hides it', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export', error: 'invalid_scope' });
    const model = await analyse(withVersion(flow.exchanges, 'ClientSDK/1.27.1'));
    expect(model.findings.map((f) => f.code)).toEqual(['dynamic.api_error']);
    expect(only(model, 'dynamic.api_error').message).toBe(
      'Dynamic: step-up check answered 400 invalid_scope: error invalid_scope. ' +
        describeCheckFailure(V, { why: 'error_status', serverSaidNotRequired: false }),
    );
  });

  it('a check that fails with no code to report is dynamic.step_up_check_failed', async () => {
    const cases: [string, (e: HttpExchange) => void, RegExp][] = [
      [
        'HTML 503',
        (e) => Object.assign(e, { status: 503, responseBody: { kind: 'text', text: '<html>down</html>' } }),
        /^Dynamic: step-up check was refused \(503\)\. @dynamic-labs-sdk\/client 1\.27\.1: checkStepUpAuth catches/,
      ],
      [
        'no response',
        (e) => Object.assign(e, { status: 0, responseBody: { kind: 'absent' }, error: 'net::ERR_FAILED' }),
        /^Dynamic: step-up check got no response\. /,
      ],
      [
        'isRequired false without credentials',
        (e) => Object.assign(e, { responseBody: { kind: 'text', text: '{"isRequired":false}' } }),
        /answered without a credentials array \(200\)\. .*although the server answered isRequired: false\./,
      ],
    ];
    for (const [what, edit, message] of cases) {
      const flow = await aDynamicSession();
      edit(flow.check({ scope: 'wallet:export' }));
      const model = await analyse(withVersion(flow.exchanges, 'ClientSDK/1.27.1'));
      expect(
        model.findings.map((f) => f.code),
        what,
      ).toEqual(['dynamic.step_up_check_failed']);
      expect(model.findings[0]).toMatchObject({
        exchange: 0,
        severity: 'warning',
        challengeKey: 'dynamic:check#0',
      });
      expect(model.findings[0]?.message, what).toMatch(message);
    }
  });

  it('a check the SDK reads is not a finding; without a ClientSDK version nothing is added', async () => {
    const ok = await aDynamicSession();
    ok.check({ scope: 'wallet:export' });
    ok.check({ scope: 'wallet:sign', required: false });
    expect((await analyse(withVersion(ok.exchanges, 'ClientSDK/1.27.1'))).findings).toEqual([]);

    for (const value of [undefined, 'WalletKit/4.20.0', 'ClientSDK/1.27.1 (patched)']) {
      const flow = await aDynamicSession();
      flow.check({ scope: 'wallet:export', error: 'invalid_scope' });
      const html = flow.check({ scope: 'wallet:sign' });
      Object.assign(html, { status: 503, responseBody: { kind: 'text', text: '<html>down</html>' } });
      const model = await analyse(withVersion(flow.exchanges, value));
      expect(
        model.findings.map((f) => f.code),
        String(value),
      ).toEqual(['dynamic.api_error']);
      expect(model.findings[0]?.message).toBe(
        'Dynamic: step-up check answered 400 invalid_scope: error invalid_scope.',
      );
      expect(model.exchanges.flatMap((e) => e.notes)).toEqual([]);
    }
  });

  it('another client version: what 1.27.1 does, and that this one was not verified', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export', error: 'invalid_scope' });
    const model = await analyse(flow.exchanges);
    expect(only(model, 'dynamic.api_error').message).toContain(
      '@dynamic-labs-sdk/client 1.27.3 (this version was not verified; what follows is what 1.27.1 does): checkStepUpAuth catches',
    );
  });

  it('a wrong code: a note names the APIError the verify rejects with', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    const uuid = flow.sendEmailOtp();
    await flow.verifyOtp({ uuid, wrong: true });
    const model = await analyse(withVersion(flow.exchanges, 'ClientSDK/1.27.1'));
    expect(only(model, 'dynamic.verification_failed').message).not.toContain('@dynamic-labs-sdk/client');
    expect(model.exchanges[2]?.notes).toEqual([
      '@dynamic-labs-sdk/client 1.27.1: the call rejects with APIError (err.code "invalid_verification_token", err.status 422), message "error invalid_verification_token".',
    ]);
  });

  it('an error thrown as the raw Response: the finding on it spells out the trap, or a note when there is none', async () => {
    const flow = await aDynamicSession();
    flow.check({ scope: 'wallet:export' });
    const coded = flow.protectedCall('wallet.export', { token: null });
    coded.status = 403;
    coded.responseBody = { kind: 'text', text: '{"code":"forbidden"}' };
    flow.sendEmailOtp();
    const html = flow.exchanges.at(-1) as HttpExchange;
    html.status = 502;
    html.responseBody = { kind: 'text', text: '<html>Bad gateway</html>' };
    const model = await analyse(withVersion(flow.exchanges, 'ClientSDK/1.27.1'));
    // The model explains the refused export by the missing token; that finding carries the trap.
    expect(model.findings.map((f) => [f.code, f.exchange])).toEqual([
      ['dynamic.step_up_required_but_token_missing', 1],
    ]);
    expect(model.findings[0]?.message).toMatch(
      /header\. @dynamic-labs-sdk\/client 1\.27\.1: the call rejects with the raw Response \(err\.status 403\).*err\.message is undefined/,
    );
    expect(model.exchanges[1]?.notes).toEqual([]);
    expect(model.exchanges[2]?.notes).toEqual([describeRejection(V, { kind: 'response', status: 502 })]);
  });
});
