/**
 * The real services behind the views: the platform layer (background messages, permissions, the inspected
 * page) and the panel services other modules provide. The only panel file that reaches the browser APIs.
 */
import { canReplayOtp, canRetryOtp, canReplayVerbatim } from '../core/actions/rules.ts';
import type { BackgroundReply } from '../shared/messages.ts';
import {
  backgroundCaptureState,
  disableBackgroundCapture,
  enableBackgroundCapture,
} from '../platform/background-capture.ts';
import { runInPage } from '../platform/page.ts';
import { requestOrigin } from '../platform/permissions.ts';
import { sendToBackground } from '../platform/runtime.ts';
import { downloadText, type PanelServices } from './panel-services.ts';

// Import/export (with redaction), the page actions, SDK state and JWKS verification run on a click: their
// code is fetched on first use (then cached), not parsed before the panel's first paint.
const exportModule = () => import('../core/export/export.ts');
const actionsModule = () => import('./services/actions.ts');

/** Fetches the importer/exporter ahead of use (after the first paint), so the first import does not wait for it. */
export function preloadServices(): void {
  void exportModule().catch(() => undefined);
}

/** The inspected page's origin, read in the page itself (works in DevTools and in the panel-as-tab). */
async function inspectedOrigin(tabId: number): Promise<string | null> {
  try {
    const origin = await runInPage(tabId, () => location.origin, null);
    return typeof origin === 'string' && /^https?:\/\//.test(origin) ? origin : null;
  } catch {
    return null;
  }
}

export function createLiveServices(): PanelServices {
  return {
    rules: { canReplayOtp, canRetryOtp, canReplayVerbatim },
    sendToBackground: (message) => sendToBackground<BackgroundReply>(message),
    inspectedOrigin,
    requestOrigin,
    replayOtp: async (...args) => (await actionsModule()).replayOtp(...args),
    retryOtp: async (...args) => (await actionsModule()).retryOtp(...args),
    replayVerbatim: async (...args) => (await actionsModule()).replayVerbatim(...args),
    readSdkState: async (...args) => (await import('./services/sdk-state.ts')).readSdkState(...args),
    fetchJwksAndVerify: async (...args) => (await import('./services/jwks.ts')).fetchJwksAndVerify(...args),
    exportLog: async (...args) => (await exportModule()).exportLog(...args),
    importLog: async (...args) => (await exportModule()).importLog(...args),
    backgroundCapture: backgroundCaptureState,
    // Not async: enableBackgroundCapture must reach permissions.request within the click's user gesture.
    setBackgroundCapture: (enabled) => (enabled ? enableBackgroundCapture() : disableBackgroundCapture()),
    download: downloadText,
    now: () => Date.now(),
  };
}
