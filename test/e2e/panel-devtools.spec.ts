/**
 * The panel inside the real Chrome DevTools, for the main flow with the real SDK: phone login, transfer:write
 * step-up, one transfer, a second transfer refused. The timeline shows the challenge, its steps, the scope
 * granted and its consumption; Replay OTP on a pending challenge makes the emulator send a new code.
 */
import { demo, expect, openDevToolsPanel, test, undockDevTools } from './fixtures.ts';
import { keepScreenshot, lane, marks } from './panel-support.ts';

test.describe('Step-Up panel in DevTools', () => {
  test.beforeEach(({ extensionPath }) => {
    test.skip(!extensionPath, 'dist/ holds no built extension (run npm run build)');
  });

  test('main flow: the timeline tells the step-up story, Replay OTP sends a new code', async ({
    context,
    extensionId,
    demoPage,
    stack,
    otp,
  }, testInfo) => {
    await demoPage.setViewportSize({ width: 1280, height: 560 });
    const { devtools, panel } = await openDevToolsPanel(context, demoPage, { extensionId });
    await expect(panel.getByTestId('empty-state')).toContainText('No session-API traffic yet');

    await demo.loginWithPhone(demoPage, otp);
    await demo.stepUpTransfer(demoPage, otp);
    expect(await demo.sendTransfer(demoPage)).toBe('ok');
    expect(await demo.sendTransfer(demoPage)).toBe('rejected');

    const transfer = lane(panel, 'transfer:write');
    await expect(transfer).toHaveAttribute('data-status', 'completed');
    await expect(transfer.locator('[data-step="verify_sms"]')).toHaveAttribute('data-state', 'done');
    for (const kind of ['requested', 'factor_sent', 'factor_verified:code', 'completed', 'redeemed']) {
      await expect(marks(transfer, kind), kind).toHaveCount(1);
    }
    await expect(marks(transfer, 'granted')).toContainText('transfer:write granted');
    await expect(marks(transfer, 'consumed')).toHaveCount(1);
    await expect(transfer.getByTestId('grant-state')).toHaveText('grant consumed');
    await expect(
      panel.getByTestId('access-lane').getByTestId('timeline-mark').filter({ hasText: '+transfer:write' }),
    ).toHaveCount(1);
    await keepScreenshot(devtools, testInfo, 'devtools-timeline-main-flow');

    // Selecting the grant mark opens the exchange and its token.
    await marks(transfer, 'granted').click();
    const detail = panel.getByTestId('exchange-detail');
    await expect(detail).toBeVisible();
    await expect(detail.getByTestId('token-scopes')).toContainText('+transfer:write');
    await expect(detail.getByTestId('signature-state')).toHaveAttribute('data-state', 'decoded');
    // Only on request: the JWKS is fetched and the signature checked.
    await detail.getByTestId('verify-signature').click();
    await expect(detail.getByTestId('signature-state')).toHaveAttribute('data-state', 'verified');
    await keepScreenshot(devtools, testInfo, 'devtools-token-inspector');
    await keepScreenshot(devtools, testInfo, 'devtools-docked-detail');
    // Esc closes the detail (docked narrow, the detail covers the timeline until then).
    await detail.getByTestId('detail-tab-headers').click();
    await devtools.keyboard.press('Escape');
    await expect(detail).toHaveCount(0);

    // A new step-up left pending: Replay OTP sends another code.
    await demoPage.getByTestId('transfer-request').click();
    await otp({ to: demo.DEMO_PHONE, purpose: 'stepup' });
    const pending = lane(panel, 'transfer:write');
    await expect(pending).toHaveAttribute('data-status', 'pending');
    await expect(pending.getByTestId('countdown').first()).toContainText(/step verify_sms \d+m \d\ds/);
    const replay = pending.getByTestId('replay-otp');
    await expect(replay).toBeEnabled();
    const inboxBefore = stack.emulator.inbox.length;
    await replay.click();
    await expect(pending.getByTestId('otp-action-result')).toHaveAttribute('data-tone', 'good');
    await expect.poll(() => stack.emulator.inbox.length).toBe(inboxBefore + 1);
    // The replay lands in the log, marked as sent by the inspector.
    await expect(pending.locator('.mark.by-inspector')).toHaveCount(1);
    await keepScreenshot(devtools, testInfo, 'devtools-replay-otp');

    await panel.getByTestId('tab-findings').click();
    await expect(panel.getByTestId('finding-group').first()).toBeVisible();
    await keepScreenshot(devtools, testInfo, 'devtools-findings');

    // Undocked into its own window, the panel has room: the same story at full width.
    if (await undockDevTools(devtools)) {
      await devtools.setViewportSize({ width: 1280, height: 720 }).catch(() => undefined);
      await panel.getByTestId('tab-timeline').click();
      await expect(lane(panel, 'transfer:write')).toBeVisible();
      await keepScreenshot(devtools, testInfo, 'devtools-undocked-timeline');
    }
  });
});
