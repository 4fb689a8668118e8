/**
 * `npm run demo` without a display shows what it ran: the demo's own Prelude flows (demo/flows.ts, the code
 * the demo runs) in a Chromium of their own, on a fresh profile set up as the demo sets it up, with no capture
 * switch touched. The inspector, opened only afterwards, must show their exchanges and a lane per requested
 * scope; the shared browser of the other specs is no use here (background capture is on there).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDevToolsPreferences } from '../../demo/devtools-prefs.ts';
import {
  PRELUDE_SCOPES,
  inspectorSummary,
  readInspector,
  runPreludeFlows,
  uncapturedProblem,
} from '../../demo/flows.ts';
import { openDevToolsWindow, selectPanel } from './harness/devtools.ts';
import { demo, expect, launchChromium, OtpReader, openPanelAsTab, tabIdOf, test } from './fixtures.ts';

/** The width demo/run-demo.ts docks DevTools at. */
const DEVTOOLS_WIDTH = 720;

test('demo, headless: the Prelude flows show in the inspector with nothing switched on, DevTools docked wide', async ({
  stack,
  extensionPath,
}) => {
  test.skip(extensionPath === null, 'needs the built extension in dist/');
  if (extensionPath === null) return;
  test.setTimeout(120_000);
  stack.emulator.reset();
  const profileDir = await mkdtemp(join(tmpdir(), 'stepup-inspector-demo-test-'));
  await writeDevToolsPreferences(profileDir, { dock: 'right', size: DEVTOOLS_WIDTH });
  const session = await launchChromium({
    headless: true,
    extensionPath,
    profileDir,
    viewport: null,
    args: [...stack.chromiumArgs, '--window-size=1440,900'],
  });
  try {
    const { context, extensionId } = session;
    if (extensionId === null) throw new Error('the extension did not start');
    const page = await context.newPage();
    await demo.openDemo(page, `${stack.demoUrl}?run=demo-inspector`);
    await runPreludeFlows(page, new OtpReader(() => stack.emulator.inbox), () => undefined);

    const panel = await openPanelAsTab(context, extensionId, await tabIdOf(context, extensionId, page));
    const view = await readInspector(panel);
    expect(view.exchanges).toBeGreaterThan(0);
    expect(view.lanes).toEqual([
      { scope: 'transfer:write', status: 'completed' },
      { scope: 'kyc:approve', status: 'completed' },
      { scope: 'prld:pwd:write', status: 'completed' },
      { scope: 'admin:root', status: 'blocked' },
      { scope: 'payments:admin', status: 'failed' },
      { scope: 'report:read', status: 'completed' },
    ]);
    expect(inspectorSummary(view)).toBe(`inspector: ${view.exchanges} exchanges captured, 6 challenges`);
    expect(uncapturedProblem('Prelude tab', view, PRELUDE_SCOPES)).toBeNull();
    await panel.close();

    // The real DevTools on the demo tab: docked right at the profile's width, the same log in its panel.
    const devtools = await openDevToolsWindow(context, page, { extensionId });
    const frame = await selectPanel(devtools, extensionId, 20_000);
    const box = await (await frame.frameElement()).boundingBox();
    expect(box?.width ?? 0).toBeGreaterThanOrEqual(DEVTOOLS_WIDTH - 4);
    expect(box?.width ?? 0).toBeLessThanOrEqual(DEVTOOLS_WIDTH);
    expect(box?.x ?? 0).toBeGreaterThan(600); // beside the page, not over it
    const inDevTools = await readInspector(frame);
    expect(inDevTools.exchanges).toBe(view.exchanges);
    expect(inDevTools.lanes).toEqual(view.lanes);
  } finally {
    await session.close();
    await rm(profileDir, { recursive: true, force: true });
  }
});
