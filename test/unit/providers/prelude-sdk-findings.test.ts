/**
 * Findings and notes say what the app receives from the JS SDK, on captures shaped like the real SDK's traffic
 * (test/fixtures/flows.ts: the headers, proofs and bodies @prelude.so/js-sdk 0.6.0 sends, `X-SDK-User-Agent:
 * Prelude/0.6.0 Core/0.6.0 (Web)`): a wrong code then the right one, an expired challenge, the codes whose class is
 * not the documented one, and the answers the SDK handles before the app sees them.
 */
import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aLoginFlow, aStepUpFlow, errorBody } from '../../fixtures/flows.ts';

const UA = 'X-SDK-User-Agent';

function withUserAgent(exchanges: HttpExchange[], value: string | undefined): HttpExchange[] {
  return exchanges.map((e) => {
    const copy = { ...e, requestHeaders: e.requestHeaders.filter((h) => h.name !== UA) };
    if (value !== undefined && e.requestHeaders.some((h) => h.name === UA))
      copy.requestHeaders.push({ name: UA, value });
    return copy;
  });
}

function findingOf(model: SessionModel, code: string) {
  const found = model.findings.filter((f) => f.code === code);
  expect(found, code).toHaveLength(1);
  return found[0] as (typeof found)[number];
}

function shape(model: SessionModel) {
  return model.findings.map((f) => [f.code, f.exchange]);
}

/** A login, a step-up for transfer:write, one wrong code, the right one, the step-up refresh. */
async function wrongThenRight() {
  const { flow, challenge } = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
  const checks = flow.exchanges.flatMap((e, i) => (e.url.endsWith('/v1/session/otp/check') ? [i] : []));
  return { exchanges: flow.exchanges, challenge, wrong: checks[0] as number, right: checks[1] as number };
}

describe('a wrong code, then the right one', () => {
  it("the wrong code's finding names BadRequestError, the BadCheckCode trap and the check to use", async () => {
    const { exchanges, challenge, wrong, right } = await wrongThenRight();
    const model = await analyse(exchanges);
    const finding = findingOf(model, 'challenge.bad_code');
    expect(finding.exchange).toBe(wrong);
    expect(finding.message).toBe(
      `Wrong code for verify_sms of challenge ${challenge.id} (attempt 1). ` +
        'Prelude JS SDK 0.6.0: otpCheck rejects with BadRequestError (PrldErrors.BadRequest), message "error bad_check_code". ' +
        "Never PrldErrors.BadCheckCode: Prelude's step-up and password-reset guides test `err instanceof PrldErrors.BadCheckCode`, " +
        'which is always false in 0.6.0, so a wrong-code branch written that way never runs. ' +
        "Fix: in the catch of otpCheck, test `err instanceof PrldErrors.BadRequest` (or `err.name === 'BadRequestError'`); " +
        'the error carries no code, so on otpCheck it means a wrong or expired code unless the proof was refused ' +
        '(invalid_dpop_proof, dpop_key_mismatch and missing_dpop_proof are BadRequestError too).',
    );
    // Told once, in the finding: no note repeats it; the right code is a plain success.
    expect(model.exchanges[wrong]?.notes).toEqual([]);
    expect(model.exchanges[right]?.notes).toEqual([]);
    expect(model.challenges[0]).toMatchObject({ status: 'completed', scopeGranted: true });
  });

  it('adds no finding and changes no other: only the text differs from a capture without the SDK header', async () => {
    const { exchanges } = await wrongThenRight();
    const withSdk = await analyse(exchanges);
    const without = await analyse(withUserAgent(exchanges, undefined));
    expect(shape(withSdk)).toEqual(shape(without));
    expect(
      withSdk.findings.filter((f, i) => f.message !== without.findings[i]?.message).map((f) => f.code),
    ).toEqual(['challenge.bad_code']);
  });

  it('without a readable SDK version the text stays as it was', async () => {
    const { exchanges, challenge } = await wrongThenRight();
    const plain = `Wrong code for verify_sms of challenge ${challenge.id} (attempt 1).`;
    for (const value of [
      undefined,
      'Prelude/0.6',
      'Prelude/0.6.0 Core/0.1.2 (Web)\u202e',
      'Prelude/1.4.2 (Apple; iOS 18.1; iPhone15,2)',
      `Prelude/0.6.0 Core/${'9'.repeat(5000)} (Web)`,
    ]) {
      const model = await analyse(withUserAgent(exchanges, value));
      expect(findingOf(model, 'challenge.bad_code').message, String(value)).toBe(plain);
      expect(model.exchanges.flatMap((e) => e.notes)).toEqual([]);
    }
  });

  it('a native SDK (User-Agent, no X-SDK-User-Agent) gets no JS SDK text', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1, platform: 'ios' });
    const model = await analyse(flow.exchanges);
    expect(findingOf(model, 'challenge.bad_code').message).toMatch(
      /^Wrong code for verify_sms of challenge \S+ \(attempt 1\)\.$/,
    );
  });

  it('another SDK version: what 0.6.0 does, and that this version was not verified', async () => {
    const { exchanges } = await wrongThenRight();
    const model = await analyse(withUserAgent(exchanges, 'Prelude/0.7.0 Core/0.2.0 (Web)'));
    expect(findingOf(model, 'challenge.bad_code').message).toContain(
      'Prelude JS SDK 0.7.0 (this version was not verified; what follows is what 0.6.0 does): otpCheck rejects with BadRequestError',
    );
  });

  it("the inspector's own replay is not the app's call", async () => {
    const { exchanges, wrong } = await wrongThenRight();
    const replayed = exchanges.map((e, i) => (i === wrong ? { ...e, initiator: 'inspector' as const } : e));
    const model = await analyse(replayed);
    expect(findingOf(model, 'challenge.bad_code').message).not.toContain('Prelude JS SDK');
  });
});

describe('the other answers whose class is not the documented one', () => {
  it('an expired challenge answered bad_check_code: the same BadRequestError as a wrong code', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', expiresIn: 5 });
    flow.otpSend(challenge);
    flow.wait(10_000);
    await flow.otpCheck(challenge);
    const model = await analyse(flow.exchanges);
    const message = findingOf(model, 'challenge.expired').message;
    expect(message).toContain(
      'Prelude JS SDK 0.6.0: otpCheck rejects with BadRequestError (PrldErrors.BadRequest)',
    );
    expect(message).toContain('an expired challenge gets the same BadRequestError as a wrong code');
    expect(message).toContain("compare the challenge token's exp with the time otpCheck failed");
  });

  it('a wrong login code (checkOTP) is BadRequestError too', async () => {
    const model = await analyse([
      anExchange({
        path: '/login/otp/check',
        requestJson: { code: '000000' },
        status: 400,
        responseJson: errorBody('bad_check_code'),
      }),
    ]);
    expect(findingOf(model, 'prelude.bad_check_code').message).toMatch(
      /^Login: check OTP answered 400 bad_check_code: error bad_check_code\. Prelude JS SDK 0\.6\.0: checkOTP rejects with BadRequestError .*Fix: in the catch of checkOTP/,
    );
  });

  it('missing_challenge_token from the server is GenericError, which MissingChallengeToken does not catch', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge, { error: 'missing_challenge_token' });
    const model = await analyse(flow.exchanges);
    const message = findingOf(model, 'prelude.missing_challenge_token').message;
    expect(message).toContain(
      'otpCreate rejects with GenericError (PrldErrors.Generic), message "error missing_challenge_token"',
    );
    expect(message).toContain('Not PrldErrors.MissingChallengeToken');
    expect(message).toContain("`err.name === 'GenericError'`");
  });

  it('insufficient_scope and direct_scope_identifier_mismatch have no class: GenericError', async () => {
    for (const code of ['insufficient_scope', 'direct_scope_identifier_mismatch']) {
      const flow = await aLoginFlow();
      await flow.stepUp({ scope: 'prld:phone:register', error: code });
      const model = await analyse(flow.exchanges);
      const message = findingOf(model, `prelude.${code}`).message;
      expect(message).toContain(`requestStepUp rejects with GenericError (PrldErrors.Generic)`);
      expect(message).toContain(`0.6.0 has no class for ${code}`);
    }
  });

  it('HTTP 422 is never UnprocessableEntityError', async () => {
    const model = await analyse([
      anExchange({
        path: '/stepup/request',
        requestJson: { scope: 'x' },
        status: 422,
        responseJson: errorBody('invalid_metadata'),
      }),
    ]);
    const message = findingOf(model, 'prelude.invalid_metadata').message;
    expect(message).toContain('requestStepUp rejects with InvalidMetadataError');
    expect(message).toContain('HTTP 422 does not make it PrldErrors.UnprocessableEntity');
  });

  it('a code the SDK does not know is GenericError', async () => {
    const model = await analyse([
      anExchange({ path: '/otp/retry', status: 400, responseJson: errorBody('brand_new_error') }),
    ]);
    expect(findingOf(model, 'prelude.unknown_error').message).toContain(
      'otpRetry rejects with GenericError (PrldErrors.Generic), message "error brand_new_error". 0.6.0 has no class for brand_new_error',
    );
  });
});

describe('notes: what the SDK does with answers no finding explains', () => {
  it('a class the app can test as documented: the finding is unchanged, a note names the class', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    const sent = flow.exchanges.length;
    flow.otpSend(challenge, { error: 'rate_limited' });
    const model = await analyse(flow.exchanges);
    expect(findingOf(model, 'prelude.rate_limited').message).toBe(
      'Step-up: send OTP answered 429 rate_limited: error rate_limited.',
    );
    expect(model.exchanges[sent]?.notes).toEqual([
      'Prelude JS SDK 0.6.0: otpCreate rejects with RateLimitedError (PrldErrors.RateLimited), message "error rate_limited".',
    ]);
  });

  it('nonce rotation: the SDK re-sends once, and only the re-send reaches the app', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', nonceRotation: true });
    const model = await analyse(flow.exchanges);
    const rotation = model.exchanges.find((e) => e.errorCode === 'use_dpop_nonce');
    expect(rotation?.notes).toEqual([
      "Prelude JS SDK 0.6.0: refresh signs a new proof with this response's DPoP-Nonce and re-sends once; only the re-send's answer reaches the app (use_dpop_nonce again: BadRequestError).",
    ]);
  });

  it('a nonce the page cannot read (not exposed by CORS): GenericError after 3 requests', async () => {
    const flow = await aLoginFlow({ exposeHeaders: false });
    await flow.refresh({ nonceRotation: true });
    const model = await analyse(flow.exchanges);
    const rotation = model.exchanges.find((e) => e.errorCode === 'use_dpop_nonce');
    expect(rotation?.notes.join(' ')).toContain(
      'refresh rejects with GenericError (PrldErrors.Generic), message "Server requested nonce but did not provide one", after sending this request 3 times: the page cannot read',
    );
  });

  it('a same-origin page reads the nonce whatever the expose list says', async () => {
    const flow = await aLoginFlow({ exposeHeaders: false, apiBase: 'https://app.example.com/v1/session' });
    await flow.refresh({ nonceRotation: true });
    const model = await analyse(flow.exchanges);
    const rotation = model.exchanges.find((e) => e.errorCode === 'use_dpop_nonce');
    expect(rotation?.notes.join(' ')).toContain("refresh signs a new proof with this response's DPoP-Nonce");
  });

  it('an HTML error page on /refresh: SyntaxError after 3 requests, and no finding', async () => {
    const flow = await aLoginFlow();
    const refresh = await flow.refresh();
    refresh.status = 502;
    refresh.responseBody = {
      kind: 'text',
      text: '<html><body>Bad gateway</body></html>',
      mimeType: 'text/html',
    };
    const model = await analyse(flow.exchanges);
    expect(model.findings.filter((f) => f.exchange === flow.exchanges.length - 1)).toEqual([]);
    expect(model.exchanges.at(-1)?.notes).toEqual([
      'Prelude JS SDK 0.6.0: refresh rejects with SyntaxError, after sending this request 3 times: the SDK parses this error body as JSON and this body is not JSON.',
    ]);
  });

  it('a 2xx with an error body counts as success', async () => {
    const flow = await aLoginFlow();
    await flow.stepUp({ scope: 'transfer:write', block: true });
    const request = flow.exchanges.at(-1) as HttpExchange;
    request.responseBody = { kind: 'text', text: JSON.stringify(errorBody('scope_not_allowed')) };
    const model = await analyse(flow.exchanges);
    expect(model.exchanges.at(-1)?.notes.join(' ')).toContain(
      'requestStepUp resolves: a 2xx answer counts as success whatever its body, so this scope_not_allowed never reaches the app as an error.',
    );
  });

  it('a 401 on a Bearer call: the SDK refreshes and re-sends first', async () => {
    const flow = await aLoginFlow();
    await flow.stepUp({ scope: 'transfer:write', error: 'unauthorized' });
    (flow.exchanges.at(-1) as HttpExchange).status = 401;
    const model = await analyse(flow.exchanges);
    expect(model.exchanges.at(-1)?.notes.join(' ')).toContain(
      'requestStepUp drops its access token, refreshes and re-sends this request once',
    );
  });

  it('no response: the SDK re-sends it', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge, { stalled: true });
    const model = await analyse(flow.exchanges);
    expect(model.exchanges.at(-1)?.notes).toEqual([
      'No response (net::ERR_TIMED_OUT): the outcome is unknown.',
      expect.stringMatching(/^Prelude JS SDK 0\.6\.0: otpCreate re-sends a request that gets no response/),
    ]);
  });

  it('a body not captured says nothing', async () => {
    const { flow } = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
    const model = await analyse(
      flow.exchanges.map((e) => ({ ...e, responseBody: { kind: 'absent' as const } })),
    );
    expect(model.findings.every((f) => !f.message.includes('Prelude JS SDK'))).toBe(true);
    expect(model.exchanges.flatMap((e) => e.notes).filter((n) => n.includes('Prelude JS SDK'))).toEqual([]);
  });
});
