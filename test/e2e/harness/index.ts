/** The e2e harness: everything here uses playwright-core only, so `npm run demo` can reuse it too. */
export {
  BASE_CHROMIUM_ARGS,
  launchChromium,
  type LaunchChromiumOptions,
  type LaunchedChromium,
} from './launch.ts';
export {
  DEVTOOLS_PAGE_PATH,
  PANEL_PATH,
  allowHostsWithoutPrompt,
  grantBackgroundCapture,
  grantPageHook,
  launchWithBackgroundCapture,
  extensionIdFromManifest,
  openPanelAsTab,
  serviceWorkerOf,
  stopServiceWorker,
  tabIdOf,
  waitForExtensionId,
} from './extension.ts';
export { openDevToolsPanel, undockDevTools, type DevToolsPanel } from './devtools.ts';
export { OtpReader, type InboxMessage, type OtpQuery } from './otp.ts';
export * as demo from './demo-driver.ts';
