/**
 * The panel opened as a tab (`?tabId=`) on the demo page, with "Capture before DevTools opens" turned on from
 * its toolbar so bodies are captured without DevTools: every demo flow's timeline, failures (a wrong code, an
 * expired challenge, a nonce rotation), the DPoP checklist of a broken proof in an imported HAR, and export →
 * import with redaction.
 */
import { readFileSync } from 'node:fs';
import { toHar } from '../../src/core/http/har.ts';
import type { HttpExchange } from '../../src/core/http/exchange.ts';
import { aLoginFlow, aStepUpFlow } from '../fixtures/flows.ts';
import { demo, expect, openPanelAsTab, test } from './fixtures.ts';
import { keepScreenshot, lane, marks, openPanelWithHook } from './panel-support.ts';

const { DEMO_PHONE, ADA } = demo;

test.describe('Step-Up panel (as a tab)', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  test('kyc:approve: three steps in order, the custom step continued, the scope granted', async ({
    context,
    extensionId,
    demoPage,
    otp,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1280, height: 640 });
    await demo.loginWithPhone(demoPage, otp);
    await demo.stepUpKyc(demoPage, otp);

    const kyc = lane(panel, 'kyc:approve');
    await expect(kyc).toHaveAttribute('data-status', 'completed');
    const pills = kyc.getByTestId('step-pills').locator('li');
    await expect(pills).toHaveText(['✓verify_email', '✓verify_sms', '✓kyc_review']);
    await expect(marks(kyc, 'factor_sent')).toHaveCount(2);
    await expect(marks(kyc, 'factor_verified:code')).toHaveCount(2);
    await expect(marks(kyc, 'factor_verified:assertion')).toHaveCount(1);
    await expect(marks(kyc, 'step_completed')).toHaveText([
      /verify_email done/,
      /verify_sms done/,
      /kyc_review done/,
    ]);
    await expect(marks(kyc, 'granted')).toContainText('kyc:approve granted');
    await keepScreenshot(panel, testInfo, 'tab-timeline-kyc');

    // The continue mark opens the verification token with its checks against the challenge.
    await marks(kyc, 'factor_verified:assertion').click();
    const detail = panel.getByTestId('exchange-detail');
    await expect(
      detail.getByTestId('token-tab').filter({ hasText: 'verification_token (sent)' }),
    ).toHaveAttribute('aria-selected', 'true');
    const checks = detail.getByTestId('verification-checks');
    await expect(checks.locator('tr[data-status="pass"]')).toHaveCount(7);
    await expect(checks.locator('tr[data-status="fail"]')).toHaveCount(0);
    await keepScreenshot(panel, testInfo, 'tab-verification-token');
  });

  test('password reset: prld:pwd:write consumed by the reset, the second reset refused', async ({
    context,
    extensionId,
    demoPage,
    otp,
  }) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await demo.loginWithPassword(demoPage);
    await demo.stepUpPasswordReset(demoPage, otp, ADA.email);
    expect(await demo.saveNewPassword(demoPage)).toBe('ok');
    expect(await demo.saveNewPassword(demoPage)).toBe('rejected');

    const reset = lane(panel, 'prld:pwd:write');
    await expect(reset).toHaveAttribute('data-status', 'completed');
    await expect(reset.getByTestId('grant-state')).toHaveText('grant consumed');
    await expect(marks(reset, 'consumed')).toHaveCount(1);
    await expect(marks(reset, 'refused')).toContainText('insufficient_scope');
    const access = panel.getByTestId('access-lane').getByTestId('timeline-mark');
    await expect(access.filter({ hasText: '+prld:pwd:write' })).toHaveCount(1);
    await expect(access.filter({ hasText: '−prld:pwd:write' })).toHaveCount(1);
  });

  test('scope policies: blocked, not allowed, granted at once', async ({
    context,
    extensionId,
    demoPage,
    otp,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1280, height: 560 });
    await demo.loginWithPhone(demoPage, otp);
    await demo.requestPolicyScope(demoPage, 'admin');
    await demo.requestPolicyScope(demoPage, 'payments');
    await demo.requestPolicyScope(demoPage, 'report');

    const blocked = lane(panel, 'admin:root');
    await expect(blocked).toHaveAttribute('data-status', 'blocked');
    await expect(marks(blocked, 'blocked')).toHaveCount(1);
    const notAllowed = lane(panel, 'payments:admin');
    await expect(notAllowed).toHaveAttribute('data-status', 'failed');
    await expect(marks(notAllowed, 'request_failed')).toContainText('scope_not_allowed');
    const granted = lane(panel, 'report:read');
    await expect(granted).toHaveAttribute('data-status', 'completed');
    await expect(marks(granted, 'granted')).toHaveCount(1);
    // A blocked request has no challenge to send codes for.
    await expect(blocked.getByTestId('replay-otp')).toHaveCount(0);
    await keepScreenshot(panel, testInfo, 'tab-timeline-policies');
  });

  test('a wrong code: the failed check carries bad_check_code in the timeline, the table and the findings', async ({
    context,
    extensionId,
    demoPage,
    otpMessage,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1280, height: 600 });
    await demo.loginWithPhone(demoPage, async (q) => (await otpMessage(q)).code);
    await demoPage.getByTestId('transfer-request').click();
    const message = await otpMessage({ to: DEMO_PHONE, purpose: 'stepup' });
    const wrong = message.code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    await demoPage.getByTestId('transfer-otp-code').fill(wrong);
    await demoPage.getByTestId('transfer-otp-verify').click();

    const transfer = lane(panel, 'transfer:write');
    await expect(marks(transfer, 'factor_failed:code')).toHaveText(/check ✗ bad_check_code/);
    await expect(transfer).toHaveAttribute('data-status', 'pending');
    await expect(transfer.getByTestId('replay-otp')).toBeEnabled();

    // `/` jumps to the exchanges search; the failed check is one filter away.
    await panel.locator('body').press('/');
    await expect(panel.getByTestId('search')).toBeFocused();
    await panel.keyboard.type('bad_check_code');
    const rows = panel.getByTestId('exchange-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('OTP check');
    await panel.keyboard.press('Enter');
    await panel.keyboard.press('Enter');
    await expect(panel.getByTestId('exchange-detail')).toContainText('bad_check_code');
    await keepScreenshot(panel, testInfo, 'tab-exchanges-search');
    await panel.keyboard.press('Escape');
    await expect(panel.getByTestId('exchange-detail')).toHaveCount(0);

    await panel.getByTestId('tab-findings').click();
    await expect(panel.locator('[data-testid="finding"][data-code="challenge.bad_code"]')).toHaveCount(1);
  });

  test('an expired challenge: the send is refused, the lane says expired, OTP actions say why not', async ({
    context,
    extensionId,
    demoPage,
    stack,
    otp,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1280, height: 480 });
    await demo.loginWithPhone(demoPage, otp);
    // The challenge expires server-side just before its first code is sent.
    stack.emulator.faults.set({ kind: 'expire_challenges', path: '/otp', times: 1 });
    await demoPage.getByTestId('transfer-request').click();

    const transfer = lane(panel, 'transfer:write');
    await expect(transfer).toHaveAttribute('data-status', 'expired');
    await expect(marks(transfer, 'factor_send_failed')).toContainText('expired_challenge_token');
    await expect(marks(transfer, 'expired')).toHaveCount(1);
    for (const id of ['replay-otp', 'retry-otp']) {
      const button = transfer.getByTestId(id);
      await expect(button).toBeDisabled();
      await expect(button).toHaveAttribute('title', /expired/);
    }
    // One cause, said once next to both buttons.
    await expect(transfer.getByTestId('otp-actions-reason')).toHaveText(/expired/);
    await keepScreenshot(panel, testInfo, 'tab-timeline-expired');
  });

  test('a nonce rotation: use_dpop_nonce then the retry with the new nonce', async ({
    context,
    extensionId,
    demoPage,
    stack,
    otp,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1280, height: 720 });
    await demo.loginWithPhone(demoPage, otp);
    stack.emulator.faults.set({ kind: 'use_dpop_nonce', path: '/refresh', times: 1 });
    await demo.stepUpTransfer(demoPage, otp);

    await panel.getByTestId('tab-exchanges').click();
    await panel.getByTestId('search').fill('refresh');
    const refreshes = panel.getByTestId('exchange-row');
    await expect(refreshes).toHaveCount(2);
    await expect(refreshes.nth(0)).toContainText('use_dpop_nonce');
    await refreshes.nth(1).click();
    const detail = panel.getByTestId('exchange-detail');
    await detail.getByTestId('detail-tab-dpop').click();
    await expect(detail.locator('tr[data-check="nonce"]')).toHaveAttribute('data-status', 'pass');
    await keepScreenshot(panel, testInfo, 'tab-dpop-nonce-retry');

    // Replay verbatim, as a replay-protection test: the refresh token and the proof were single-use.
    await detail.getByTestId('replay-verbatim').click();
    const verdict = detail.getByTestId('replay-result');
    await expect(verdict).toHaveAttribute('data-tone', 'good');
    await expect(verdict).toContainText('replay protection works');
    await panel.getByTestId('search').fill('');
    await expect(panel.locator('[data-testid="exchange-row"] .flag-inspector')).toHaveCount(1);
    await keepScreenshot(panel, testInfo, 'tab-replay-verbatim');
  });

  test('a tampered DPoP proof in an imported HAR fails its checklist row, as a separate session', async ({
    context,
    extensionId,
    demoPage,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.setViewportSize({ width: 1280, height: 720 });
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(challenge);
    await flow.otpCheck(challenge, {
      proof: {
        htu: 'https://demo.session.prelude.dev/v1/session/otp/elsewhere',
        jti: 'not-the-challenge-jti',
      },
    });
    const har = JSON.stringify(toHar(flow.exchanges));

    const chooser = panel.waitForEvent('filechooser');
    await panel.getByTestId('import-button').click();
    await (
      await chooser
    ).setFiles({ name: 'tampered-proof.har', mimeType: 'application/json', buffer: Buffer.from(har) });
    await expect(panel.getByTestId('session-select')).toHaveValue(/^import-/);
    await expect(panel.getByTestId('session-select').locator('option:checked')).toHaveText(
      /tampered-proof\.har/,
    );

    const transfer = lane(panel, 'transfer:write');
    await marks(transfer, 'factor_verified:code').click();
    const detail = panel.getByTestId('exchange-detail');
    await detail.getByTestId('detail-tab-dpop').click();
    const list = detail.getByTestId('dpop-checklist');
    await expect(list.locator('tr[data-check="htu"]')).toHaveAttribute('data-status', 'fail');
    await expect(list.locator('tr[data-check="challenge_jti"]')).toHaveAttribute('data-status', 'fail');
    await expect(list.locator('tr[data-check="htu"] a')).toHaveText('§4.3');
    // Nothing can be sent from an imported session.
    await expect(detail.getByTestId('replay-verbatim')).toBeDisabled();
    await keepScreenshot(panel, testInfo, 'tab-dpop-checklist-broken');

    // Back to the live log.
    await panel.getByTestId('session-select').selectOption('live');
    await expect(panel.getByTestId('exchange-detail')).toHaveCount(0);
  });

  test('SDK state: the cached challenge and access token, the DPoP key thumbprint and nonce, refresh token present (dark theme)', async ({
    context,
    extensionId,
    demoPage,
    otp,
  }, testInfo) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    await panel.goto(`${panel.url()}&theme=dark`);
    await expect(panel.locator('html')).toHaveAttribute('data-theme', 'dark');
    await panel.setViewportSize({ width: 1280, height: 720 });
    await demo.loginWithPhone(demoPage, otp);
    await demoPage.getByTestId('transfer-request').click();
    await otp({ to: DEMO_PHONE, purpose: 'stepup' });
    await expect(lane(panel, 'transfer:write')).toHaveAttribute('data-status', 'pending');
    await expect(marks(lane(panel, 'transfer:write'), 'factor_sent')).toHaveCount(1);
    await expect(lane(panel, 'transfer:write').getByTestId('replay-otp')).toBeEnabled();
    await keepScreenshot(panel, testInfo, 'tab-dark-timeline-pending');

    await panel.getByTestId('tab-sdk').click();
    await panel.getByTestId('read-sdk-state').click();
    const result = panel.getByTestId('sdk-result');
    await expect(result.getByTestId('sdk-challenges')).toContainText('transfer:write');
    await expect(result.getByTestId('sdk-challenges')).toContainText('verify_sms');
    await expect(result.getByTestId('sdk-access-tokens')).toBeVisible();
    await expect(result.getByTestId('sdk-dpop-keys')).toContainText(/[A-Za-z0-9_-]{43}/);
    await expect(result.getByTestId('sdk-refresh')).toContainText('present');
    await keepScreenshot(panel, testInfo, 'tab-dark-sdk-state');
  });

  test('export (redacted by default) → import round trip; no OTP code or signature in the file', async ({
    context,
    extensionId,
    demoPage,
    otp,
  }) => {
    const { panel } = await openPanelWithHook(context, extensionId ?? '', demoPage);
    const codes: string[] = [];
    const remember = async (q: Parameters<typeof otp>[0]) => {
      const code = await otp(q);
      codes.push(code);
      return code;
    };
    await demo.loginWithPhone(demoPage, remember);
    await demo.stepUpTransfer(demoPage, remember);
    const transfer = lane(panel, 'transfer:write');
    await expect(transfer).toHaveAttribute('data-status', 'completed');
    const captured = Number((await panel.getByTestId('count-exchanges').textContent())?.match(/\d+/)?.[0]);

    await panel.getByTestId('export-button').click();
    await panel.getByTestId('export-secrets').check();
    await expect(panel.getByTestId('export-secrets-warning')).toContainText('live tokens');
    await panel.getByTestId('export-secrets').uncheck();
    await panel.getByTestId('export-run').click();
    // A redacted file is shown as a summary first; nothing is saved before Save.
    await expect(panel.getByTestId('export-summary')).toContainText('OTP code');
    const download = panel.waitForEvent('download');
    await panel.getByTestId('export-save').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/redacted\.har$/);
    const text = readFileSync(await file.path(), 'utf8');
    expect(codes.length).toBeGreaterThanOrEqual(2);
    for (const code of codes) expect(text).not.toContain(code);
    const signatures = [...text.matchAll(/eyJ[\w-]+\.eyJ[\w-]*\.([\w-]*)/g)].map((m) => m[1]);
    expect(signatures.length).toBeGreaterThan(3);
    expect(new Set(signatures)).toEqual(new Set(['REDACTED']));

    const chooser = panel.waitForEvent('filechooser');
    await panel.getByTestId('import-button').click();
    await (
      await chooser
    ).setFiles({ name: file.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(text) });
    await expect(panel.getByTestId('session-select')).toHaveValue(/^import-/);
    await expect(lane(panel, 'transfer:write')).toHaveAttribute('data-status', 'completed');
    await expect(panel.getByTestId('tab-exchanges').locator('.tab-count')).toHaveText(String(captured));
  });

  test('a 10,000-exchange HAR imports with progress and scrolls as a window of rows', async ({
    context,
    extensionId,
  }, testInfo) => {
    const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
    const many: HttpExchange[] = [];
    for (let i = 0; many.length < 10_000; i += 1) {
      for (const x of exchanges) many.push({ ...x, id: `${x.id}-${i}`, startedAt: x.startedAt + i * 20_000 });
    }
    const har = JSON.stringify(toHar(many.slice(0, 10_000)));
    const panel = await openPanelAsTab(context, extensionId ?? '', 1);
    await panel.setViewportSize({ width: 1280, height: 600 });
    const chooser = panel.waitForEvent('filechooser');
    await panel.getByTestId('import-button').click();
    await (
      await chooser
    ).setFiles({ name: 'big.har', mimeType: 'application/json', buffer: Buffer.from(har) });
    await expect(panel.getByTestId('import-progress')).toBeVisible();
    await expect(panel.getByTestId('session-select')).toHaveValue(/^import-/, { timeout: 30_000 });
    await keepScreenshot(panel, testInfo, 'tab-timeline-crowded-import');

    await panel.getByTestId('tab-exchanges').click();
    await expect(panel.getByTestId('row-count')).toHaveText(/^(\d+ \/ )?10000 exchanges$/);
    await panel.getByTestId('filter-api-only').uncheck();
    await expect(panel.getByTestId('row-count')).toHaveText('10000 exchanges');
    const rows = panel.getByTestId('exchange-row');
    expect(await rows.count()).toBeLessThan(80);
    await panel.getByTestId('exchanges-table').click();
    await panel.keyboard.press('End');
    await expect(panel.locator('[data-testid="exchange-row"][aria-selected="true"] .c-num')).toHaveText(
      '10000',
    );
    expect(await rows.count()).toBeLessThan(80);
  });
});
