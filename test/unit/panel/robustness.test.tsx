// @vitest-environment happy-dom
/**
 * The panel never crashes on data. Hostile captures (times no Date can hold, `exp: 1e13`, tokens with odd
 * claims, giant strings, control characters, missing fields) go through the real analyser into the store, and
 * the whole App renders every view and the detail pane of several exchanges without throwing and without any
 * region falling back: the views themselves must be total. The error boundaries are the second line; the last
 * tests force one region to throw and check that only that region shows its fallback.
 */
import { act, cleanup, fireEvent, screen, within } from '@testing-library/preact';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { canReplayOtp, canReplayVerbatim, canRetryOtp } from '../../../src/core/actions/rules.ts';
import { sdkStateOf, type SdkState, type SdkStateResult } from '../../../src/core/actions/sdk-state.ts';
import type { Body, Header, HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse, createAnalyzer } from '../../../src/core/model/index.ts';
import type { Challenge, SessionModel } from '../../../src/core/model/types.ts';
import type { PanelServices } from '../../../src/panel/panel-services.ts';
import type { PanelStore } from '../../../src/panel/store/panel-store.ts';
import type { ViewId } from '../../../src/panel/store/types.ts';
import { App, ExchangeDetail, SdkStateView } from '../../../src/panel/views/App.tsx';
import { aDynamicSession, DYNAMIC_API } from '../../fixtures/dynamic.ts';
import { aLoginFlow, aStepUpFlow } from '../../fixtures/flows.ts';
import { anOAuthSession, RESOURCE, TOKEN_ENDPOINT } from '../../fixtures/rfc9470.ts';
import { API_BASE, ISSUER, T0 } from '../../fixtures/tokens.ts';
import { fakeServices, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

/** A clock shortly after the fixture flows. */
const NOW = T0 * 1000 + 30_000;

/** The provider's SDK-state reader, found through the registry as the panel finds it. */
function interpretSdkSnapshot(raw: unknown, nowMs: number): Promise<SdkStateResult> {
  const reader = sdkStateOf('prelude');
  if (reader === undefined) throw new Error('prelude has no SDK-state reader');
  return reader.interpret(raw, nowMs);
}

// ---------------------------------------------------------------------------------------------------------
// Hostile values

/** Epoch ms as a capture could (mis)report them: NaN, infinities, seconds-as-ms mistakes, the Date limits. */
const hostileMs = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e13,
    1e16,
    -1e16,
    8.64e15,
    -8.64e15,
    8.64e15 + 1,
    Number.MAX_VALUE,
    -1,
    0,
  ),
  fc.double(),
  fc.integer({ min: NOW - 1e7, max: NOW + 1e7 }),
);

/** JWT time claims: JSON has no NaN, but any other number, and the same mistakes in seconds. */
const hostileSeconds = fc.oneof(
  fc.constantFrom(1e13, -1e13, 8.64e12, 8.64e12 + 1, 1e300, -1e300, 0, -1, 1.5, T0 - 3600, T0 + 600),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const oddText = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000\u0007\u001b[2J\u007f',
    '\u202etxt.exe',
    'line\nbreak\r\n\ttab',
    '__proto__',
    'constructor',
    '<b>not html</b>',
    '💥'.repeat(40),
  ),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

const claimValue = fc.oneof(
  hostileSeconds,
  oddText,
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);

const stepClaim = fc.record(
  {
    key: fc.oneof(fc.constantFrom('verify_sms', 'verify_email', 'kyc_review'), oddText),
    order: fc.oneof(fc.integer(), hostileSeconds),
    expiration_duration: fc.oneof(hostileSeconds, claimValue),
    done: fc.oneof(fc.boolean(), claimValue),
  },
  { requiredKeys: [] },
);

/** Claims of a Prelude challenge, access or verification token, any of them missing or of the wrong type. */
const hostileClaims = fc.record(
  {
    iss: fc.oneof(fc.constant(ISSUER), oddText),
    sub: fc.oneof(fc.constant('usr_01'), oddText),
    sid: fc.oneof(fc.constant('ses_01'), oddText),
    challenge_id: fc.oneof(fc.constantFrom('chl_1', 'chl_2'), oddText),
    current_step: fc.oneof(fc.constantFrom('verify_sms', 'verify_email', 'completed'), claimValue),
    steps: fc.oneof(fc.array(stepClaim, { maxLength: 4 }), claimValue),
    scope_requested: fc.oneof(fc.constant('transfer:write'), claimValue),
    grant_mode: fc.oneof(fc.constantFrom('single-use', 'time-bound', 'session-start'), claimValue),
    scope: fc.oneof(fc.constantFrom('openid transfer:write', ''), claimValue),
    metadata: claimValue,
    iat: hostileSeconds,
    exp: hostileSeconds,
    nbf: hostileSeconds,
    auth_time: hostileSeconds,
    jti: fc.oneof(fc.uuid(), oddText),
    acr: claimValue,
    cnf: claimValue,
    granted_for: claimValue,
  },
  { requiredKeys: [] },
);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

const hostileToken = fc.oneof(
  hostileClaims.map((c) => `${b64({ alg: 'EdDSA', typ: 'JWT', kid: 'prelude-1' })}.${b64(c)}.c2ln`),
  fc
    .tuple(claimValue, hostileClaims)
    .map(([jwk, c]) => `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${b64({ ...c, htm: 'POST' })}.c2ln`),
  fc.jsonValue({ maxDepth: 2 }).map((v) => `${b64({ alg: 'none' })}.${b64(v)}.`),
  fc.constantFrom('a.b.c', 'eyJ.eyJ.', '...', ''),
  oddText,
);

const errorCode = fc.oneof(
  fc.constantFrom(
    'expired_challenge_token',
    'bad_check_code',
    'invalid_challenge_token',
    'use_dpop_nonce',
    'invalid_dpop_proof',
    'insufficient_scope',
    'token_reused',
    'insufficient_user_authentication',
  ),
  oddText,
);

const jsonBodyValue = fc.record(
  {
    challenge_token: hostileToken,
    access_token: hostileToken,
    verification_token: hostileToken,
    step_up_token: hostileToken,
    elevatedAccessToken: hostileToken,
    code: errorCode,
    error: errorCode,
    status: fc.oneof(fc.constantFrom('review', 'continue', 'block', 'completed'), claimValue),
    message: oddText,
    expires_at: hostileSeconds,
    expires_in: hostileSeconds,
    isRequired: claimValue,
  },
  { requiredKeys: [] },
);

const hostileBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'absent' }),
  jsonBodyValue.map((v): Body => ({ kind: 'text', text: JSON.stringify(v), mimeType: 'application/json' })),
  fc
    .tuple(oddText, fc.boolean(), hostileSeconds)
    .map(([text, truncated, size]): Body => ({ kind: 'text', text, truncated, size })),
  fc.base64String({ maxLength: 40 }).map((base64): Body => ({ kind: 'base64', base64 })),
  hostileSeconds.map((size): Body => ({ kind: 'absent', dropped: { reason: 'binary', size } })),
);

const hostileHeaders: fc.Arbitrary<Header[]> = fc.array(
  fc.oneof(
    fc.record({ name: oddText, value: oddText }),
    hostileToken.map((t) => ({ name: 'DPoP', value: t })),
    hostileToken.map((t) => ({ name: 'Authorization', value: `Bearer ${t}` })),
    oddText.map((v) => ({
      name: 'WWW-Authenticate',
      value: `Bearer error="insufficient_user_authentication", ${v}`,
    })),
    oddText.map((v) => ({ name: 'DPoP-Nonce', value: v })),
  ),
  { maxLength: 4 },
);

const PATHS = [
  '/stepup/request',
  '/stepup/continue',
  '/otp',
  '/otp/check',
  '/otp/retry',
  '/refresh',
  '/login/otp/check',
  '/me/password/reset',
].map((p) => `${API_BASE}${p}`);

/** A whole exchange made up from hostile parts. */
const hostileExchange = fc.record({
  url: fc.oneof(
    fc.constantFrom(
      ...PATHS,
      `${DYNAMIC_API}/stepUp/check`,
      `${DYNAMIC_API}/emailVerifications/verify`,
      RESOURCE,
      TOKEN_ENDPOINT,
      'not a url',
      'javascript:alert(1)',
      'https://user:pw@demo.session.prelude.dev/v1/session/otp',
    ),
    oddText,
  ),
  method: fc.oneof(fc.constantFrom('POST', 'GET', 'DELETE', 'TRACE'), oddText),
  status: fc.oneof(fc.constantFrom(200, 204, 400, 401, 403, 422, 500, 0), fc.integer(), fc.double()),
  statusText: fc.option(oddText, { nil: undefined }),
  error: fc.option(oddText, { nil: undefined }),
  startedAt: hostileMs,
  endedAt: fc.option(hostileMs, { nil: undefined }),
  requestHeaders: hostileHeaders,
  responseHeaders: hostileHeaders,
  requestBody: hostileBody,
  responseBody: hostileBody,
  initiator: fc.constantFrom<HttpExchange['initiator']>(undefined, 'page', 'inspector'),
  pageReported: fc.boolean(),
});

/** An edit of one exchange of a real flow: the flow stays recognisable, one part of it turns hostile. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('time' as const), at: fc.nat(), startedAt: hostileMs, endedAt: hostileMs }),
  fc.record({ op: fc.constant('token' as const), at: fc.nat(), token: hostileToken }),
  fc.record({ op: fc.constant('error' as const), at: fc.nat(), code: errorCode, status: fc.integer() }),
  fc.record({
    op: fc.constant('strip' as const),
    at: fc.nat(),
    what: fc.constantFrom('requestBody', 'responseBody', 'endedAt', 'requestHeaders', 'responseHeaders'),
  }),
  fc.record({
    op: fc.constant('text' as const),
    at: fc.nat(),
    where: fc.constantFrom('url', 'method', 'statusText', 'error', 'id'),
    text: oddText,
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

const JWS = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g;

function mutate(exchanges: readonly HttpExchange[], edits: readonly Mutation[]): HttpExchange[] {
  const out = structuredClone(exchanges) as HttpExchange[];
  for (const edit of edits) {
    const x = out[edit.at % out.length];
    if (!x) continue;
    switch (edit.op) {
      case 'time':
        x.startedAt = edit.startedAt;
        x.endedAt = edit.endedAt;
        break;
      case 'token': {
        const swap = (text: string) => text.replace(JWS, () => edit.token);
        for (const body of [x.requestBody, x.responseBody])
          if (body.kind === 'text') body.text = swap(body.text);
        for (const h of [...x.requestHeaders, ...x.responseHeaders]) h.value = swap(h.value);
        break;
      }
      case 'error':
        x.status = edit.status;
        x.responseBody = {
          kind: 'text',
          text: JSON.stringify({ code: edit.code, message: 'crafted' }),
          mimeType: 'application/json',
        };
        break;
      case 'strip':
        if (edit.what === 'endedAt') delete x.endedAt;
        else if (edit.what === 'requestHeaders' || edit.what === 'responseHeaders') x[edit.what] = [];
        else x[edit.what] = { kind: 'absent' };
        break;
      case 'text':
        if (edit.where === 'id') x.id = `${x.id}${edit.text}`;
        else x[edit.where] = edit.text;
        break;
    }
  }
  return out;
}

/** A minimal SDK page snapshot with hostile cache entries, through the real interpreter. */
const hostileSdkSnapshot = fc
  .record({
    origin: oddText,
    accessToken: hostileToken,
    challengeToken: hostileToken,
    expiresAt: fc.oneof(hostileSeconds, claimValue),
    refreshExpires: fc.oneof(oddText, hostileSeconds, fc.constant(null)),
    extractable: fc.constantFrom(true, false, null),
  })
  .map((s) => ({
    origin: s.origin,
    storage: {
      ok: true,
      entries: [
        {
          key: '__preludejs__::app',
          value: JSON.stringify({ body: { access_token: s.accessToken }, expiresAt: s.expiresAt }),
        },
        {
          key: 'prld.step-up.::chl_1',
          value: JSON.stringify({ body: { challenge_token: s.challengeToken }, expiresAt: s.expiresAt }),
        },
      ],
    },
    indexedDb: {
      status: 'ok',
      version: 1,
      stores: ['dpop_keys', 'refresh_tokens'],
      dpopKeys: [{ domain: s.origin, publicJwk: null, nonce: null, privateKeyExtractable: s.extractable }],
      refreshTokens: [{ domain: s.origin, present: true, expiresAt: s.refreshExpires }],
      errors: [],
    },
  }));

// ---------------------------------------------------------------------------------------------------------
// Driving the panel

/** Seed flows: the real traffic of each provider, complete or cut short. */
const seeds: Record<string, HttpExchange[]> = {};

beforeAll(async () => {
  seeds['prelude'] = (
    await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1, consume: 'app' })
  ).exchanges;
  const pending = await aLoginFlow();
  const challenge = await pending.stepUp({ scope: 'kyc:approve', steps: ['verify_email', 'kyc_review'] });
  pending.otpSend(challenge);
  seeds['pending'] = pending.exchanges;
  const dynamic = await aDynamicSession();
  dynamic.check({ scope: 'wallet:export' });
  dynamic.sendEmailOtp();
  await dynamic.verifyOtp();
  dynamic.protectedCall('wallet.export');
  seeds['dynamic'] = dynamic.exchanges;
  const oauth = await anOAuthSession();
  oauth.challenge({ acrValues: ['urn:example:acr:mfa'] });
  await oauth.stepUp({ acr: 'urn:example:acr:mfa' });
  oauth.call();
  seeds['oauth'] = oauth.exchanges;
  // The detail pane and the SDK view are loaded on first use; load them once so every render below is
  // synchronous.
  await Promise.all([ExchangeDetail.preload(), SdkStateView.preload()]);
});

/** Runs an analyser the way the panel does, then shows its snapshot in a store. */
async function analysedStore(exchanges: HttpExchange[]): Promise<{ store: PanelStore; model: SessionModel }> {
  const analyzer = createAnalyzer({ now: () => NOW });
  await analyzer.addMany(exchanges);
  const model = analyzer.snapshot();
  return { store: storeWith(exchanges, model), model };
}

/** Fails with the fallback's own words when any region fell back. */
function expectNoFallback(where: string) {
  const fallbacks = screen.queryAllByTestId('region-error');
  const said = fallbacks.map((f) => `${f.dataset['region']}: ${f.textContent}`).join('\n');
  expect(fallbacks, `${where}: a region fell back\n${said}`).toHaveLength(0);
}

function show(store: PanelStore, view: ViewId) {
  act(() => store.dispatch({ type: 'viewChanged', view }));
  expectNoFallback(view);
}

/** Every view, then the detail pane of some exchanges with each of its tabs and token tabs. */
async function walkThePanel(store: PanelStore, exchanges: readonly HttpExchange[], picks: readonly number[]) {
  expect(screen.getByTestId('panel-app')).toBeTruthy();
  expectNoFallback('timeline');
  show(store, 'exchanges');
  show(store, 'findings');
  show(store, 'sdk');
  fireEvent.click(screen.getByTestId('read-sdk-state'));
  await act(async () => undefined);
  expectNoFallback('sdk state read');
  show(store, 'timeline');
  for (const pick of picks) {
    const exchange = exchanges[pick % exchanges.length];
    if (!exchange) continue;
    act(() => store.dispatch({ type: 'exchangeSelected', id: exchange.id, open: true }));
    const detail = screen.queryByTestId('exchange-detail');
    expect(detail, `detail of exchange ${pick}`).not.toBeNull();
    const tabIds = [...(detail as HTMLElement).querySelectorAll('[data-testid^="detail-tab-"]')].map(
      (tab) => tab.getAttribute('data-testid') as string,
    );
    for (const tabId of tabIds) {
      fireEvent.click(screen.getByTestId(tabId));
      const tokenTabs = screen.queryAllByTestId('token-tab').length;
      for (let n = 0; n < tokenTabs; n += 1) {
        const tokenTab = screen.queryAllByTestId('token-tab')[n];
        if (tokenTab) fireEvent.click(tokenTab);
      }
      expectNoFallback(`detail tab ${tabId}`);
    }
    act(() => store.dispatch({ type: 'detailClosed' }));
  }
}

function servicesFor(sdkSnapshot: unknown, now = NOW): PanelServices {
  return fakeServices({
    now: () => now,
    readSdkState: vi.fn(() => interpretSdkSnapshot(sdkSnapshot, now)),
  });
}

describe('the panel renders hostile captures without throwing', () => {
  it('real flows with hostile edits (times, tokens, error codes, missing parts, odd text)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('prelude', 'pending', 'dynamic', 'oauth'),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        hostileSdkSnapshot,
        fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
        async (seed, edits, sdk, picks) => {
          const exchanges = mutate(seeds[seed] ?? [], edits);
          const { store } = await analysedStore(exchanges);
          renderPanel(<App onImportFile={() => undefined} />, store, servicesFor(sdk));
          try {
            await walkThePanel(store, exchanges, picks);
          } finally {
            cleanup();
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('exchanges made up entirely of hostile parts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileExchange, { minLength: 1, maxLength: 5 }),
        hostileSdkSnapshot,
        fc.constantFrom(NOW, 0, 1e16),
        async (parts, sdk, now) => {
          const exchanges: HttpExchange[] = parts.map((p, i) => ({ ...p, id: `h${i}`, sources: ['har'] }));
          const { store } = await analysedStore(exchanges);
          renderPanel(<App onImportFile={() => undefined} />, store, servicesFor(sdk, now));
          try {
            await walkThePanel(
              store,
              exchanges,
              exchanges.map((_, i) => i),
            );
          } finally {
            cleanup();
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  // The bug this file was written for: `new Date(1e16).toISOString()` threw in the replay/retry rules while
  // the lane rendered, and the whole panel went blank.
  it('regression: a challenge token with exp 1e13 answered expired_challenge_token renders its lane', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', claims: { exp: 1e13 } });
    flow.otpSend(challenge, { error: 'expired_challenge_token' });
    const { store, model } = await analysedStore(flow.exchanges);
    expect(model.challenges[0]?.expiresAt).toBe(1e16);
    renderPanel(<App onImportFile={() => undefined} />, store, servicesFor(null));

    const lane = screen.getByTestId('challenge-lane');
    expect(lane.dataset['status']).toBe('expired');
    expectNoFallback('lane');
    expect(within(lane).getByTestId('otp-actions-reason').textContent).toMatch(
      /expired \(its exp 10000000000000 is not a date\): the server would answer expired_challenge_token/,
    );
    // The token itself, in the inspector: its exp as the raw claim, not a made-up date.
    const request = flow.exchanges.find((x) => x.url.endsWith('/stepup/request')) as HttpExchange;
    const token = { location: 'response.body.challenge_token' as const, nth: 0 };
    act(() => store.dispatch({ type: 'exchangeSelected', id: request.id, token, open: true }));
    expect(screen.getByTestId('token-inspector').textContent).toContain('invalid time (10000000000000)');
    await walkThePanel(store, flow.exchanges, [0, 1, 2, 3]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Forced failures: one region throws, the rest of the panel keeps working

/** A copy of `target` whose `key` throws when read: a stand-in for whatever a view did not anticipate. */
function trapped<T extends object>(target: T, key: string, message = 'crafted failure'): T {
  const copy = { ...target };
  Object.defineProperty(copy, key, {
    get() {
      throw new Error(message);
    },
  });
  return copy;
}

/**
 * Two pending step-ups on an OTP step (their lanes ask the replay/retry rules), the session's tokens, and a
 * wrong code (a finding).
 */
async function twoChallenges() {
  const flow = await aLoginFlow();
  const good = await flow.stepUp({ scope: 'transfer:write', challengeId: 'chl_good' });
  flow.otpSend(good);
  await flow.otpCheck(good, { wrong: true });
  const bad = await flow.stepUp({ scope: 'kyc:approve', challengeId: 'chl_bad' });
  flow.otpSend(bad);
  const model = await analyse(flow.exchanges);
  return { exchanges: flow.exchanges, model };
}

function region(name: string): HTMLElement {
  const found = screen.getAllByTestId('region-error').filter((r) => r.dataset['region'] === name);
  expect(found, `fallback of the ${name}`).toHaveLength(1);
  return found[0] as HTMLElement;
}

describe('error boundaries', () => {
  it('a lane that throws shows its fallback with the challenge id; other lanes, views and the detail still work', async () => {
    const errors = vi.spyOn(console, 'error');
    const warnings = vi.spyOn(console, 'warn');
    const { exchanges, model } = await twoChallenges();
    let broken = true;
    const services = fakeServices({
      now: () => NOW,
      rules: {
        canReplayVerbatim,
        canRetryOtp,
        canReplayOtp: (challenge: Challenge, m: SessionModel, now: number) => {
          if (broken && challenge.challengeId === 'chl_bad') throw new RangeError('Invalid time value');
          return canReplayOtp(challenge, m, now);
        },
      },
    });
    const store = storeWith(exchanges, model);
    renderPanel(<App onImportFile={() => undefined} />, store, services);

    const fallback = region('challenge lane');
    expect(fallback.textContent).toContain('This challenge lane could not be shown for challenge chl_bad.');
    expect(within(fallback).getByTestId('region-error-message').textContent).toBe(
      'RangeError: Invalid time value',
    );
    const lanes = screen.getAllByTestId('challenge-lane');
    expect(lanes.map((l) => l.dataset['challengeId'])).toEqual(['chl_good']);
    expect(screen.getByTestId('access-lane')).toBeTruthy();
    expect(screen.getByTestId('timeline')).toBeTruthy();

    // The good lane's marks still open the detail pane; the other views still switch.
    fireEvent.click(within(lanes[0] as HTMLElement).getAllByTestId('timeline-mark')[0] as HTMLElement);
    expect(screen.getByTestId('exchange-detail')).toBeTruthy();
    fireEvent.click(screen.getByTestId('tab-exchanges'));
    expect(screen.getAllByTestId('exchange-row').length).toBe(exchanges.length);
    fireEvent.click(screen.getByTestId('tab-timeline'));
    expect(region('challenge lane').textContent).toContain('chl_bad');

    // Try again re-renders the lane: fixed, it draws.
    broken = false;
    fireEvent.click(within(region('challenge lane')).getByTestId('region-error-retry'));
    expect(screen.queryAllByTestId('region-error')).toHaveLength(0);
    expect(screen.getAllByTestId('challenge-lane').map((l) => l.dataset['challengeId'])).toEqual([
      'chl_good',
      'chl_bad',
    ]);
    // Nothing logged: the fallback is the report.
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
    errors.mockRestore();
    warnings.mockRestore();
  });

  it('a detail pane that throws names the exchange, can be closed, and the next exchange opens as usual', async () => {
    const { exchanges, model } = await twoChallenges();
    const victim = exchanges[2] as HttpExchange;
    const services = fakeServices({
      now: () => NOW,
      rules: {
        canReplayOtp,
        canRetryOtp,
        canReplayVerbatim: (x: HttpExchange) => {
          if (x.id === victim.id) throw new Error('crafted failure');
          return canReplayVerbatim(x);
        },
      },
    });
    const store = storeWith(exchanges, model);
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    act(() => store.dispatch({ type: 'exchangeSelected', id: victim.id, open: true }));
    const fallback = region('exchange detail');
    expect(fallback.textContent).toContain(`for exchange ${victim.id}.`);
    expect(fallback.textContent).toContain('Error: crafted failure');
    expect(screen.getAllByTestId('challenge-lane')).toHaveLength(2);

    fireEvent.click(within(fallback).getByText('Close'));
    expect(store.getState().detailOpen).toBe(false);
    act(() =>
      store.dispatch({ type: 'exchangeSelected', id: (exchanges[3] as HttpExchange).id, open: true }),
    );
    expect(screen.queryAllByTestId('region-error')).toHaveLength(0);
    expect(screen.getByTestId('exchange-detail')).toBeTruthy();
  });

  it('one token that throws falls back inside the token inspector; the tabs of the other tokens still work', async () => {
    const { exchanges, model } = await twoChallenges();
    const index = model.exchanges.findIndex((a) => a.tokens.length >= 2);
    const analysed = model.exchanges[index];
    if (!analysed) throw new Error('the fixture has no exchange with two tokens');
    const broken: SessionModel = {
      ...model,
      exchanges: model.exchanges.map((a, i) =>
        i === index
          ? {
              ...a,
              tokens: a.tokens.map((t, n) => (n === 0 ? { ...t, decoded: trapped(t.decoded, 'header') } : t)),
            }
          : a,
      ),
    };
    const store = storeWith(exchanges, broken);
    renderPanel(<App onImportFile={() => undefined} />, store, fakeServices({ now: () => NOW }));
    act(() => store.dispatch({ type: 'exchangeSelected', id: analysed.exchange.id, open: true }));
    expect(region('token').textContent).toContain(`of exchange ${analysed.exchange.id}`);
    const tabs = screen.getAllByTestId('token-tab');
    fireEvent.click(tabs[1] as HTMLElement);
    expect(screen.queryAllByTestId('region-error')).toHaveLength(0);
    expect(screen.getByTestId('token-inspector')).toBeTruthy();
  });

  it.each<{
    view: ViewId;
    region: string;
    breakIt: (exchanges: HttpExchange[], model: SessionModel) => [HttpExchange[], SessionModel];
  }>([
    {
      view: 'timeline',
      region: 'timeline',
      breakIt: (x, m) => [
        x,
        { ...m, challenges: m.challenges.map((c, i) => (i === 0 ? trapped(c, 'events') : c)) },
      ],
    },
    {
      view: 'findings',
      region: 'findings list',
      breakIt: (x, m) => [
        x,
        { ...m, findings: m.findings.map((f, i) => (i === 0 ? trapped(f, 'message') : f)) },
      ],
    },
    {
      view: 'exchanges',
      region: 'exchanges table',
      breakIt: (x, m) => [x.map((e, i) => (i === 0 ? trapped(e, 'url') : e)), m],
    },
  ])(
    'a $region that throws falls back in its own space; the tabs and the toolbar keep working',
    async ({ view, region: name, breakIt }) => {
      const { exchanges, model } = await twoChallenges();
      expect(model.findings.length).toBeGreaterThan(0);
      const [brokenExchanges, brokenModel] = breakIt(exchanges, model);
      const store = storeWith(brokenExchanges, brokenModel);
      renderPanel(<App onImportFile={() => undefined} />, store, fakeServices({ now: () => NOW }));
      act(() => store.dispatch({ type: 'viewChanged', view }));
      expect(region(name).textContent).toContain('Error: crafted failure');
      // The rest of the panel: another view renders, the toolbar still opens the export popover.
      fireEvent.click(screen.getByTestId(view === 'findings' ? 'tab-sdk' : 'tab-findings'));
      expect(screen.queryAllByTestId('region-error')).toHaveLength(0);
      fireEvent.click(screen.getByTestId('export-button'));
      expect(screen.getByTestId('export-menu')).toBeTruthy();
    },
  );

  it('an SDK state that throws falls back in the SDK view', async () => {
    const { exchanges, model } = await twoChallenges();
    const result = await interpretSdkSnapshot(
      {
        origin: 'https://app.example.com',
        storage: { ok: true, entries: [] },
        indexedDb: { status: 'absent' },
      },
      NOW,
    );
    if (!result.ok) throw new Error(result.reason);
    const state: SdkState = trapped(result.state, 'accessTokens');
    const store = storeWith(exchanges, model);
    renderPanel(
      <App onImportFile={() => undefined} />,
      store,
      fakeServices({ now: () => NOW, readSdkState: vi.fn(async () => ({ ok: true as const, state })) }),
    );
    fireEvent.click(screen.getByTestId('tab-sdk'));
    fireEvent.click(screen.getByTestId('read-sdk-state'));
    await screen.findByTestId('region-error');
    expect(region('SDK state view').textContent).toContain('Error: crafted failure');
    fireEvent.click(screen.getByTestId('tab-timeline'));
    expect(screen.getAllByTestId('challenge-lane')).toHaveLength(2);
  });
});
