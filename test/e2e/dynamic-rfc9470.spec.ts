/**
 * The Dynamic and RFC 9470 demo flows end to end in headless Chromium: the Dynamic card (the real
 * `@dynamic-labs-sdk/client` when installed, else its request replica) against the Dynamic emulator on
 * `app.dynamicauth.com`, and the generic OAuth card against the RFC 9470 demo API on `http://localhost:<port>`.
 * Each test checks the page, the wire (what the servers recorded) and the Step-Up panel (opened as a tab with
 * the page hook on): a challenge lane per scope with its marks.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { STATEMENTS_SCOPE } from '../../demo/rfc9470/server.ts';
import { PROJECT_ROOT } from '../../demo/stack.ts';
import { OtpReader, demo, expect, openPanelAsTab, tabIdOf, test, type Stack } from './fixtures.ts';

/** The page runs the real SDK when the build found it (installed here, or DYNAMIC_SDK_NODE_MODULES). */
const EXPECTED_DYNAMIC_CLIENT =
  process.env['DYNAMIC_SDK_NODE_MODULES'] ||
  existsSync(join(PROJECT_ROOT, 'node_modules', '@dynamic-labs-sdk', 'client', 'package.json'))
    ? 'sdk'
    : 'replica';
import { lane, marks, type PanelTab } from './panel-support.ts';

/** Dynamic SDK API calls the emulator recorded, as `METHOD path status[ code]` (path after the environment). */
function dynamicCalls(stack: Stack): string[] {
  const prefix = `/api/v0/sdk/${stack.dynamic.environmentId}/`;
  return stack.dynamic.requests
    .filter((r) => r.method !== 'OPTIONS' && r.path.startsWith(prefix))
    .map(
      (r) =>
        `${r.method} ${r.path.slice(prefix.length).replace(/[0-9a-f-]{36}/g, '{id}')} ${r.status}${r.code ? ` ${r.code}` : ''}`,
    );
}

/** RFC 9470 demo API calls, as `METHOD path status[ error]`. */
function rfc9470Calls(stack: Stack): string[] {
  return stack.rfc9470.requests
    .filter((r) => r.method !== 'OPTIONS')
    .map((r) => `${r.method} ${r.path} ${r.status}${r.error ? ` ${r.error}` : ''}`);
}

/**
 * Fresh Dynamic and RFC 9470 state (the shared `demoPage` fixture resets only the Prelude emulator), then the
 * page reloaded: it fetched Dynamic nonces at start-up, which the reset forgot. With the extension built, the
 * panel is opened as a tab with the page hook on (that reloads the page too); the flows run either way.
 */
async function freshStart(
  stack: Stack,
  context: BrowserContext,
  extensionId: string | null,
  page: Page,
): Promise<PanelTab | null> {
  stack.dynamic.reset();
  stack.rfc9470.reset();
  if (!extensionId) {
    await page.reload();
    await page.getByTestId('flow-login').waitFor();
    return null;
  }
  const tabId = await tabIdOf(context, extensionId, page);
  const panel = await openPanelAsTab(context, extensionId, tabId);
  await panel.setViewportSize({ width: 1280, height: 720 });
  // "Capture before DevTools opens": Dynamic lanes need response bodies, which only the page hook (or DevTools)
  // sees. The toggle settles asynchronously (permission check, worker round trip): click until it holds.
  const toggle = panel.getByTestId('hook-toggle');
  await expect(toggle).toBeEnabled();
  await expect(async () => {
    if (!(await toggle.isChecked())) await toggle.click();
    await expect(toggle).toBeChecked({ timeout: 5_000 });
  }).toPass({ timeout: 20_000 });
  await page.reload();
  await page.getByTestId('flow-login').waitFor();
  // The panel tab opened in front: a background page's timers are throttled to 1 s, which slows every flow.
  await page.bringToFront();
  return { panel, tabId };
}

/**
 * Exports the session from the panel with its default settings (HAR, redacted), after the summary it shows, and
 * proves the file holds none of the secrets the wire carried: the OTP codes typed (right and wrong), the
 * signatures of every token (session JWTs, elevated tokens) and any refresh token or cookie value.
 */
async function exportWithDefaultsLeaksNothing(panel: Page, stack: Stack): Promise<void> {
  const wire = JSON.stringify(stack.dynamic.requests);
  const secrets = new Set<string>();
  for (const match of wire.matchAll(/eyJ[\w-]+\.eyJ[\w-]+\.([\w-]{20,})/g)) secrets.add(match[1] ?? '');
  for (const request of stack.dynamic.requests) {
    const body = request.body as Record<string, unknown> | undefined;
    if (typeof body?.['verificationToken'] === 'string') secrets.add(body['verificationToken']);
    for (const [name, value] of Object.entries(request.headers)) {
      if (/refresh|cookie/i.test(name)) secrets.add(value);
    }
  }
  for (const message of stack.dynamic.inbox) secrets.add(message.code);
  expect([...secrets].filter((s) => /^\d{6}$/.test(s)).length).toBeGreaterThanOrEqual(3);
  expect([...secrets].filter((s) => s.length >= 20).length).toBeGreaterThanOrEqual(2);

  await panel.getByTestId('export-button').click();
  await panel.getByTestId('export-run').click();
  await expect(panel.getByTestId('export-summary')).toContainText('OTP code');
  await expect(panel.getByTestId('export-summary')).toContainText('token signature');
  const [download] = await Promise.all([
    panel.waitForEvent('download'),
    panel.getByTestId('export-save').click(),
  ]);
  const path = await download.path();
  const file = await readFile(path, 'utf8');
  const har = JSON.parse(file) as { log: { entries: unknown[]; _stepupInspector?: { redacted?: boolean } } };
  expect(har.log._stepupInspector?.redacted).toBe(true);
  expect(har.log.entries.length).toBeGreaterThan(5);
  expect(file).toContain('verificationToken');
  for (const secret of secrets) {
    const found = /^\d+$/.test(secret)
      ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(file)
      : file.includes(secret);
    expect(found, `the export holds ${secret.slice(0, 12)}…`).toBe(false);
  }
}

test.describe('Dynamic and RFC 9470 demo flows', () => {
  test('Dynamic: check → e-mail code (a wrong one first) → verify with requestedScopes → single-use export, multi-use signing', async ({
    context,
    extensionId,
    demoPage: page,
    stack,
  }) => {
    const panelTab = await freshStart(stack, context, extensionId, page);
    const reader = new OtpReader(() => stack.dynamic.inbox);
    const readOtp: demo.ReadDynamicOtp = async (query) => (await reader.next(query)).code;

    expect(await demo.dynamicClientReady(page)).toBe(EXPECTED_DYNAMIC_CLIENT);
    await demo.dynamicSignIn(page, readOtp);
    await demo.dynamicStepUp(page, readOtp, 'export', { wrongCode: true });
    await expect(page.locator('[data-testid="dynamic-token"][data-scope="wallet:export"]')).toHaveAttribute(
      'data-single-use',
      'true',
    );
    // With a valid token held, checkStepUpAuth answers locally: no stepUp/check call.
    expect(await demo.dynamicCheck(page, 'export')).toBe(false);

    expect(await demo.dynamicAction(page, 'export')).toBe('ok');
    // The client dropped the single-use token when it built the export: the second export goes without one.
    expect(await demo.dynamicAction(page, 'export')).toBe('rejected');
    await expect(demo.dynamicLastOutcome(page)).toContainText('elevated_token_required');
    // An app that kept its own copy of the spent token is refused by the server.
    expect(await demo.dynamicAction(page, 'replay')).toBe('rejected');
    await expect(demo.dynamicLastOutcome(page)).toContainText('elevated_token_already_used');

    await demo.dynamicStepUp(page, readOtp, 'sign');
    expect(await demo.dynamicAction(page, 'sign')).toBe('ok');
    expect(await demo.dynamicAction(page, 'sign')).toBe('ok');
    await expect(page.locator('[data-testid="dynamic-token"][data-scope="wallet:sign"]')).toHaveAttribute(
      'data-held',
      'true',
    );

    // The wire, as the emulator saw it.
    const calls = dynamicCalls(stack);
    expect(calls).toEqual(
      expect.arrayContaining([
        'GET settings?sdkVersion=ClientSDK%2F1.27.1 200',
        'POST emailVerifications/signin 200',
        'POST stepUp/check 200',
        'POST emailVerifications/verify 400 invalid_verification_code',
        'POST emailVerifications/verify 200',
        'POST waas/{id}/privateKey/export 200',
        'POST waas/{id}/privateKey/export 403 elevated_token_required',
        'POST waas/{id}/privateKey/export 403 elevated_token_already_used',
        'POST waas/{id}/signMessage 200',
      ]),
    );
    expect(calls.filter((c) => c === 'POST waas/{id}/signMessage 200')).toHaveLength(2);
    const verify = stack.dynamic.requests.find(
      (r) => r.path.endsWith('/emailVerifications/verify') && r.status === 200,
    );
    expect(verify?.body).toMatchObject({ requestedScopes: ['wallet:export'] });
    expect(verify?.headers).toMatchObject({
      'x-dyn-api-version': 'API/0.0.1125',
      'x-dyn-version': 'ClientSDK/1.27.1',
      'x-dynamic-platform': 'web',
    });
    expect(verify?.deviceSignature).toBe('valid');
    const exports = stack.dynamic.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/privateKey/export'),
    );
    expect(exports.map((r) => 'x-dyn-elevated-access-token' in r.headers)).toEqual([true, false, true]);

    if (!panelTab) return;
    const { panel } = panelTab;
    await panel.bringToFront();
    const exportLane = lane(panel, 'wallet:export');
    await expect(exportLane).toBeVisible();
    await expect(exportLane).toHaveAttribute('data-status', 'completed');
    await expect(marks(exportLane, 'factor_sent')).toHaveCount(1);
    await expect(marks(exportLane, 'factor_failed:code')).toHaveCount(1);
    await expect(marks(exportLane, 'factor_verified:code')).toHaveCount(1);
    await expect(marks(exportLane, 'consumed')).toHaveCount(1);
    await expect(marks(exportLane, 'refused')).not.toHaveCount(0);
    const signLane = lane(panel, 'wallet:sign');
    await expect(signLane).toHaveAttribute('data-status', 'completed');
    await expect(marks(signLane, 'consumed')).toHaveCount(0);

    await exportWithDefaultsLeaksNothing(panel, stack);
  });

  test('RFC 9470: 401 insufficient_user_authentication → re-authentication with acr_values → accepted; insufficient_scope → re-authorized', async ({
    context,
    extensionId,
    demoPage: page,
    stack,
  }) => {
    const panelTab = await freshStart(stack, context, extensionId, page);

    const { first, second } = await demo.oauthStepUpFlow(page);
    expect([first, second]).toEqual(['rejected', 'ok']);
    await expect(page.getByTestId('oauth-token')).toHaveAttribute('data-acr', 'urn:demo:mfa');

    expect(await demo.oauthAction(page, 'statements')).toBe('rejected');
    const challenge = page.getByTestId('oauth-challenge');
    await expect(challenge).toHaveAttribute('data-error', 'insufficient_scope');
    await expect(challenge).toHaveAttribute('data-scope', 'statements:read');
    await demo.oauthReauthenticate(page);
    await expect(page.getByTestId('oauth-token')).toHaveAttribute('data-scope', /statements:read/);
    expect(await demo.oauthAction(page, 'statements')).toBe('ok');

    expect(rfc9470Calls(stack)).toEqual([
      'POST /as/authorize 200',
      'POST /as/token 200',
      'POST /api/payments 401 insufficient_user_authentication',
      'POST /as/authorize 200',
      'POST /as/token 200',
      'POST /api/payments 201',
      'GET /api/statements 403 insufficient_scope',
      'POST /as/authorize 200',
      'POST /as/token 200',
      'GET /api/statements 200',
    ]);
    const refused = stack.rfc9470.requests.find((r) => r.status === 401);
    expect(refused?.wwwAuthenticate).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A stronger authentication is required (got urn:demo:sso)", acr_values="urn:demo:mfa urn:demo:pwd", max_age="300"',
    );

    if (!panelTab) return;
    const { panel } = panelTab;
    await panel.bringToFront();
    // The acr/max_age challenge has no scope: its lane is the one with the `reauthentication` step.
    const stepUpLane = panel
      .locator('[data-testid="challenge-lane"]')
      .filter({ has: panel.locator('[data-step="reauthentication"]') });
    await expect(stepUpLane).toHaveCount(1);
    await expect(stepUpLane).toHaveAttribute('data-status', 'completed');
    await expect(marks(stepUpLane, 'requested')).toHaveCount(1);
    await expect(marks(stepUpLane, 'factor_verified:assertion')).toHaveCount(1);
    await expect(marks(stepUpLane, 'completed')).toHaveCount(1);
    const scopeLane = lane(panel, STATEMENTS_SCOPE);
    await expect(scopeLane).toHaveAttribute('data-status', 'completed');
    await expect(scopeLane.locator('[data-step="reauthorization"]')).toHaveAttribute('data-state', 'done');
    await expect(marks(scopeLane, 'requested')).toHaveCount(1);
    await expect(marks(scopeLane, 'factor_verified:assertion')).toHaveCount(1);
  });

  test('RFC 9470: a broken IdP ignores acr_values and the automatic client loops', async ({
    context,
    extensionId,
    demoPage: page,
    stack,
  }) => {
    const panelTab = await freshStart(stack, context, extensionId, page);

    await demo.oauthSignIn(page);
    await demo.oauthSetBrokenIdp(page, true);
    await expect.poll(() => stack.rfc9470.brokenIdp).toBe(true);
    expect(await demo.oauthAction(page, 'pay-auto')).toBe('rejected');
    await expect(page.getByTestId('oauth-loop')).toContainText('2 step-ups');
    const challenges = stack.rfc9470.requests.filter((r) => r.error === 'insufficient_user_authentication');
    expect(challenges).toHaveLength(3);
    expect(new Set(challenges.map((r) => r.token?.acr))).toEqual(new Set(['urn:demo:sso']));

    if (!panelTab) return;
    const { panel } = panelTab;
    await panel.bringToFront();
    const loopLane = panel
      .locator('[data-testid="challenge-lane"]')
      .filter({ has: panel.locator('[data-step="reauthentication"]') })
      .first();
    await expect(loopLane).not.toHaveAttribute('data-status', 'completed');
    await panel.getByRole('tab', { name: /findings/i }).click();
    await expect(
      panel.locator('[data-testid="finding"][data-code="rfc9470.challenge_loop"]').first(),
    ).toBeVisible();
  });
});
