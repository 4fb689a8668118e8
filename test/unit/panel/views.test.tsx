// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { providerModule } from '../../../src/core/providers/registry.ts';
import { ExchangeDetail } from '../../../src/panel/views/ExchangeDetail.tsx';
import { ExchangesTable, ROW_HEIGHT } from '../../../src/panel/views/ExchangesTable.tsx';
import { FindingsView } from '../../../src/panel/views/FindingsView.tsx';
import { Timeline } from '../../../src/panel/views/Timeline.tsx';
import { TokenInspector } from '../../../src/panel/views/TokenInspector.tsx';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aLoginFlow, aStepUpFlow } from '../../fixtures/flows.ts';
import { T0 } from '../../fixtures/tokens.ts';
import { fakeServices, importUpdate, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

/** A clock a few seconds into the fixture flows (tokens minted at T0 are then still valid). */
const fixtureNow = () => T0 * 1000 + 30_000;

describe('Timeline', () => {
  it('draws one lane per challenge with its steps, failed checks with their code, completion, grant and consumption', async () => {
    const { exchanges } = await aStepUpFlow({
      scope: 'kyc:approve',
      steps: ['verify_email', 'verify_sms', 'kyc_review'],
      wrongCodes: 1,
      consume: 'app',
    });
    const model = await analyse(exchanges);
    const { store } = renderPanel(
      <Timeline />,
      storeWith(exchanges, model),
      fakeServices({ now: fixtureNow }),
    );

    const lanes = screen.getAllByTestId('challenge-lane');
    expect(lanes).toHaveLength(1);
    const lane = lanes[0]!;
    expect(lane.dataset['scope']).toBe('kyc:approve');
    expect(lane.dataset['status']).toBe('completed');
    const pills = within(lane).getAllByRole('listitem');
    expect(pills.map((p) => [p.dataset['step'], p.dataset['state']])).toEqual([
      ['verify_email', 'done'],
      ['verify_sms', 'done'],
      ['kyc_review', 'done'],
    ]);
    const marks = within(lane).getAllByTestId('timeline-mark');
    const kinds = marks.map((m) => m.dataset['kind']);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'requested',
        'factor_sent',
        'factor_failed:code',
        'factor_verified:assertion',
        'completed',
        'redeemed',
        'granted',
        'consumed',
      ]),
    );
    expect(marks.filter((m) => m.dataset['kind'] === 'factor_failed:code').map((m) => m.textContent)).toEqual(
      ['✕check ✗ bad_check_code'],
    );
    expect(within(lane).getByTestId('grant-state').textContent).toBe('grant consumed');

    // The access-token lane shows versions with their scope diff.
    const access = screen.getByTestId('access-lane');
    const versions = within(access).getAllByTestId('timeline-mark');
    expect(versions.map((v) => v.textContent)).toEqual([
      expect.stringContaining('AT1'),
      expect.stringContaining('+kyc:approve'),
      expect.stringContaining('−kyc:approve'),
    ]);

    // Clicking a mark opens its exchange with the token it is about.
    fireEvent.click(marks.find((m) => m.dataset['kind'] === 'redeemed')!);
    const state = store.getState();
    expect(state.detailOpen).toBe(true);
    expect(exchanges.find((x) => x.id === state.selection.exchangeId)?.url).toMatch(/\/refresh$/);
    expect(state.selection.token).toEqual({ location: 'request.body.step_up_token', nth: 0 });
  });

  it('moves a cursor between marks with the arrow keys and opens with Enter', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const model = await analyse(exchanges);
    const { store } = renderPanel(
      <Timeline />,
      storeWith(exchanges, model),
      fakeServices({ now: fixtureNow }),
    );
    const timeline = screen.getByTestId('timeline');
    fireEvent.keyDown(timeline, { key: 'ArrowRight' });
    const first = store.getState().selection.mark;
    expect(first).toMatch(/^challenge:/);
    fireEvent.keyDown(timeline, { key: 'ArrowRight' });
    expect(store.getState().selection.mark).not.toBe(first);
    fireEvent.keyDown(timeline, { key: 'ArrowDown' });
    expect(store.getState().selection.mark).toMatch(/^access:/);
    expect(document.querySelector('.mark.cursor')?.getAttribute('data-mark')).toBe(
      store.getState().selection.mark,
    );
    fireEvent.keyDown(timeline, { key: 'Enter' });
    expect(store.getState().detailOpen).toBe(true);
  });

  it('shows live countdowns for a pending challenge and ticks only while they run', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const flow = await aLoginFlow();
      const challenge = await flow.stepUp({ scope: 'transfer:write' });
      flow.otpSend(challenge);
      const model = await analyse(flow.exchanges);
      let now = T0 * 1000 + 10_000;
      renderPanel(<Timeline />, storeWith(flow.exchanges, model), fakeServices({ now: () => now }));
      const lane = screen.getByTestId('challenge-lane');
      const countdowns = () =>
        within(lane)
          .getAllByTestId('countdown')
          .map((c) => c.textContent);
      expect(countdowns()).toEqual(['step verify_sms 4m 52s', 'challenge 9m 52s']);
      now += 2000;
      await vi.advanceTimersByTimeAsync(1000);
      expect(countdowns()).toEqual(['step verify_sms 4m 50s', 'challenge 9m 50s']);
      expect(within(lane).getByTestId('replay-otp')).not.toHaveProperty('disabled', true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('offers the OTP actions on the lanes of a provider that has them, whatever its presentation says', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const model = await analyse(flow.exchanges);
    const presentation = providerModule(model.challenges[0]!.provider)!.presentation;
    const showsRequestStatus = presentation.showsRequestStatus;
    presentation.showsRequestStatus = !showsRequestStatus;
    try {
      renderPanel(<Timeline />, storeWith(flow.exchanges, model), fakeServices({ now: fixtureNow }));
      expect(screen.getByTestId('replay-otp')).not.toHaveProperty('disabled', true);
      expect(screen.getByTestId('retry-otp')).toBeDefined();
    } finally {
      presentation.showsRequestStatus = showsRequestStatus;
      cleanup();
    }
    // A provider without OTP actions, or one no module has (read from a file), gets none.
    for (const provider of ['rfc9470', 'not-a-provider']) {
      const other: SessionModel = {
        ...model,
        challenges: model.challenges.map((c) => ({ ...c, provider }) as typeof c),
      };
      renderPanel(<Timeline />, storeWith(flow.exchanges, other), fakeServices({ now: fixtureNow }));
      expect(screen.getByTestId('challenge-lane').dataset['status'], provider).toBe('pending');
      expect(screen.queryByTestId('replay-otp'), provider).toBeNull();
      expect(screen.queryByTestId('retry-otp'), provider).toBeNull();
      cleanup();
    }
  });

  it('says what to do when nothing was captured', () => {
    renderPanel(<Timeline />, storeWith([], null));
    expect(screen.getByTestId('empty-state').textContent).toMatch(/No session-API traffic yet/);
    expect(screen.getByTestId('empty-state').textContent).toMatch(/turn on From page load in the toolbar/);
  });
});

describe('TokenInspector and the DPoP checklist', () => {
  async function brokenProofExchange() {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    await flow.otpCheck(challenge, {
      proof: { htu: 'https://demo.session.prelude.dev/v1/session/otp/wrong' },
    });
    const model = await analyse(flow.exchanges);
    const analyzed = model.exchanges.at(-1)!;
    return { flow, model, analyzed };
  }

  it('shows every RFC 9449 check with its status and section, the failing one marked', async () => {
    const { model, analyzed } = await brokenProofExchange();
    renderPanel(
      <TokenInspector
        analyzed={analyzed}
        model={model}
        selected={{ location: 'request.dpop', nth: 0 }}
        onSelect={() => undefined}
        now={fixtureNow()}
      />,
      storeWith([], model),
    );
    const list = screen.getByTestId('dpop-checklist');
    const htu = list.querySelector('tr[data-check="htu"]') as HTMLElement;
    expect(htu.dataset['status']).toBe('fail');
    expect(htu.className).toContain('check-fail');
    expect(htu.textContent).toMatch(/✕ fail/);
    expect(within(htu).getByRole('link').getAttribute('href')).toMatch(/rfc9449\.html#section-4\.3$/);
    expect(list.querySelector('tr[data-check="signature"]')?.getAttribute('data-status')).toBe('pass');
    expect(list.textContent).toMatch(/1 failed/);
    expect(list.textContent).toContain(analyzed.dpop?.thumbprint ?? 'no thumbprint');
    expect(list.textContent).toMatch(/rode on\s*POST \/v1\/session\/otp\/check/);
  });

  it('shows raw and decoded side by side; "decoded" and "signature verified" look different', async () => {
    const { flow, model } = await brokenProofExchange();
    const request = model.exchanges.find((a) => a.classification?.endpoint === 'stepup.request')!;
    const services = fakeServices({ now: fixtureNow });
    const store = storeWith(flow.exchanges, model);
    store.dispatch({
      type: 'exchangeSelected',
      id: request.exchange.id,
      token: { location: 'response.body.challenge_token', nth: 0 },
    });
    renderPanel(<ExchangeDetail />, store, services);
    expect(screen.getByTestId('raw-token').textContent).toBe(
      request.tokens.find((t) => t.location === 'response.body.challenge_token')?.decoded.raw,
    );
    const before = screen.getByTestId('signature-state');
    expect(before.dataset['state']).toBe('decoded');
    expect(before.className).toContain('sig-decoded');
    expect(screen.getByTestId('challenge-steps').textContent).toMatch(/verify_sms\s*current/);
    expect(services.fetchJwksAndVerify).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('verify-signature'));
    await waitFor(() => expect(screen.getByTestId('signature-state').dataset['state']).toBe('verified'));
    const after = screen.getByTestId('signature-state');
    expect(after.className).toContain('sig-verified');
    expect(after.textContent).toMatch(/Signature verified · EdDSA · kid prelude-1/);
    expect(services.fetchJwksAndVerify).toHaveBeenCalledWith(
      expect.any(String),
      'https://demo.session.prelude.dev/v1/session',
    );
    // Claim times are human, the raw value on hover.
    const exp = Array.from(document.querySelectorAll('.claim-time')).find((e) =>
      e.getAttribute('title')?.startsWith('exp:'),
    );
    expect(exp?.textContent).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  });

  it('shows the scope diff of an access token against the previous one', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const model = await analyse(exchanges);
    const refresh = model.exchanges.find((a) =>
      a.tokens.some((t) => t.location === 'request.body.step_up_token'),
    )!;
    renderPanel(
      <TokenInspector
        analyzed={refresh}
        model={model}
        selected={{ location: 'response.body.access_token', nth: 0 }}
        onSelect={() => undefined}
        now={fixtureNow()}
      />,
      storeWith(exchanges, model),
    );
    const scopes = screen.getByTestId('token-scopes');
    expect(scopes.querySelector('.chip-added')?.textContent).toBe('+transfer:write');
    expect(scopes.textContent).toMatch(/vs access token 1/);
  });
});

describe('FindingsView', () => {
  it('groups findings by severity, errors first, with the catalogue text and a link to the exchange', async () => {
    const flow = await aLoginFlow({ exposeHeaders: false });
    const c = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(c);
    await flow.otpCheck(c, { wrong: true });
    await flow.otpCheck(c, { proof: { htu: 'https://demo.session.prelude.dev/v1/session/otp/wrong' } });
    await flow.completeStepUp(c);
    const model = await analyse(flow.exchanges);
    const { store } = renderPanel(<FindingsView />, storeWith(flow.exchanges, model));
    const groups = screen.getAllByTestId('finding-group');
    expect(groups.map((g) => g.dataset['severity'])).toEqual(['error', 'warning', 'info']);
    // One flat, virtualised list: each finding follows its severity's heading.
    const findings = screen.getAllByTestId('finding');
    const codes = (severity: string) =>
      findings.filter((f) => f.dataset['severity'] === severity).map((f) => f.dataset['code']);
    expect(codes('error').sort()).toEqual(['cors.expose_headers_missing', 'dpop.htu_mismatch']);
    expect(codes('warning')).toEqual(['cors.date_not_exposed']);
    expect(codes('info')).toEqual(['challenge.bad_code']);
    const order = Array.from(
      document.querySelectorAll('[data-testid="finding-group"], [data-testid="finding"]'),
    );
    expect(order.map((e) => (e as HTMLElement).dataset['severity'])).toEqual([
      'error',
      'error',
      'error',
      'warning',
      'warning',
      'info',
      'info',
    ]);
    const htu = document.querySelector(
      '[data-testid="finding"][data-code="dpop.htu_mismatch"]',
    ) as HTMLElement;
    expect(htu.textContent).toMatch(/Fix:/);
    expect(within(htu).getAllByRole('link')[0]?.getAttribute('href')).toMatch(/^https:\/\//);
    fireEvent.click(within(htu).getByRole('button'));
    expect(store.getState().selection.exchangeId).toBe(flow.exchanges[5]?.id);
    expect(store.getState().detailOpen).toBe(true);
  });
});

describe('ExchangesTable', () => {
  function manyExchanges(n: number): HttpExchange[] {
    const template = anExchange({ path: '/otp/check', status: 400 });
    return Array.from({ length: n }, (_, i) => ({
      ...template,
      id: `7-${i}`,
      startedAt: template.startedAt + i,
    }));
  }

  it('renders only a window of rows for 10,000 exchanges, and follows the scroll', () => {
    const exchanges = manyExchanges(10_000);
    renderPanel(<ExchangesTable />, storeWith(exchanges, null));
    const scroller = screen.getByTestId('exchanges-table');
    const rows = () => screen.getAllByTestId('exchange-row');
    expect(rows().length).toBeLessThan(60);
    // The spacer holds every row (and the sticky header above them).
    const spacer = scroller.firstElementChild as HTMLElement;
    expect(parseFloat(spacer.style.height)).toBeGreaterThanOrEqual(10_000 * ROW_HEIGHT);
    expect(parseFloat(spacer.style.height)).toBeLessThan(10_001 * ROW_HEIGHT + 30);
    expect(rows()[0]?.dataset['id']).toBe('7-0');
    scroller.scrollTop = 5000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
    expect(rows().length).toBeLessThan(60);
    const ids = rows().map((r) => Number(r.dataset['id']?.slice(2)));
    expect(Math.min(...ids)).toBeGreaterThan(4980);
    expect(ids).toContain(5000);
    expect(screen.getByTestId('row-count').textContent).toBe('10000 exchanges');
  });

  it('filters by search text and moves the selection with the arrow keys', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
    const model = await analyse(exchanges);
    const { store } = renderPanel(<ExchangesTable />, storeWith(exchanges, model));
    fireEvent.input(screen.getByTestId('search'), { target: { value: 'bad_check' } });
    expect(screen.getAllByTestId('exchange-row')).toHaveLength(1);
    expect(screen.getByTestId('row-count').textContent).toBe(`1 / ${exchanges.length} exchanges`);
    fireEvent.keyDown(screen.getByTestId('search'), { key: 'Escape' });
    expect(screen.getAllByTestId('exchange-row')).toHaveLength(exchanges.length);
    const table = screen.getByTestId('exchanges-table');
    fireEvent.keyDown(table, { key: 'ArrowDown' });
    fireEvent.keyDown(table, { key: 'ArrowDown' });
    expect(store.getState().selection.exchangeId).toBe(exchanges[1]?.id);
    fireEvent.keyDown(table, { key: 'Enter' });
    expect(store.getState().detailOpen).toBe(true);
    expect(screen.getAllByTestId('exchange-row')[1]?.getAttribute('aria-selected')).toBe('true');
  });
});

describe('actions are disabled with their reason', () => {
  it('Replay/Retry OTP on a challenge waiting on a custom step say why, as tooltip and text', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'kyc:approve', steps: ['verify_email', 'kyc_review'] });
    flow.otpSend(challenge);
    await flow.otpCheck(challenge);
    const model = await analyse(flow.exchanges);
    renderPanel(<Timeline />, storeWith(flow.exchanges, model), fakeServices({ now: fixtureNow }));
    const replay = screen.getByTestId('replay-otp') as HTMLButtonElement;
    expect(replay.disabled).toBe(true);
    expect(replay.title).toMatch(/not an OTP step/);
    const retry = screen.getByTestId('retry-otp') as HTMLButtonElement;
    expect(retry.disabled).toBe(true);
    // The same cause for both buttons is written once beside them.
    expect(screen.getByTestId('otp-actions-reason').textContent).toBe(replay.title);
    expect(retry.title).toBe(replay.title);
  });

  it('Replay OTP calls the service with the latest challenge token when it can run', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const model = await analyse(flow.exchanges);
    const replayOtp = vi.fn(async () => ({
      ok: true as const,
      exchange: { ...flow.exchanges.at(-1)!, status: 204 },
      verdict: 'a new code was sent',
      tone: 'good' as const,
      recorded: true,
    }));
    renderPanel(<Timeline />, storeWith(flow.exchanges, model), fakeServices({ now: fixtureNow, replayOtp }));
    fireEvent.click(screen.getByTestId('replay-otp'));
    await waitFor(() =>
      expect(screen.getByTestId('otp-action-result').textContent).toBe(
        'Replay OTP → 204: a new code was sent',
      ),
    );
    expect(replayOtp).toHaveBeenCalledWith(7, {
      provider: 'prelude',
      apiBase: 'https://demo.session.prelude.dev/v1/session',
      challengeToken: challenge.token,
    });
  });

  it('on an imported session every sending action is disabled with the reason', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    const model = await analyse(flow.exchanges);
    const store = storeWith([], null);
    store.dispatch(
      importUpdate({
        id: 'import-1',
        name: 'capture.har',
        kind: 'har',
        exchanges: flow.exchanges,
        skipped: 0,
        model,
      }),
    );
    store.dispatch({ type: 'exchangeSelected', id: flow.exchanges[2]!.id });
    renderPanel(
      <>
        <Timeline />
        <ExchangeDetail />
      </>,
      store,
      fakeServices({ now: fixtureNow }),
    );
    for (const id of ['replay-otp', 'retry-otp', 'replay-verbatim']) {
      const button = screen.getByTestId(id) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.title).toMatch(/imported session/);
    }
    expect(screen.getByTestId('otp-actions-reason').textContent).toMatch(/imported session/);
    expect(document.getElementById('replay-verbatim-reason')?.textContent).toMatch(/imported session/);
  });

  it('Replay verbatim shows a server rejection as the good outcome', async () => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
    const model = await analyse(exchanges);
    const target = exchanges.find((x) => x.url.endsWith('/otp/check'))!;
    const replayed: HttpExchange = {
      ...target,
      id: '7-99',
      status: 400,
      responseBody: { kind: 'text', text: '{"code":"invalid_dpop_proof","message":"jti reused"}' },
      initiator: 'inspector',
    };
    const replayVerbatim = vi.fn(async () => ({
      ok: true as const,
      exchange: replayed,
      verdict: 'Server refused the replay (invalid_dpop_proof): replay protection works.',
      tone: 'good' as const,
      recorded: true,
    }));
    const store = storeWith(exchanges, model);
    store.dispatch({ type: 'exchangeSelected', id: target.id });
    renderPanel(<ExchangeDetail />, store, fakeServices({ replayVerbatim }));
    fireEvent.click(screen.getByTestId('replay-verbatim'));
    const result = await screen.findByTestId('replay-result');
    expect(result.className).toContain('verdict-ok');
    expect(result.textContent).toMatch(
      /^Replay 400: Server refused the replay \(invalid_dpop_proof\): replay protection works\./,
    );
  });
});
