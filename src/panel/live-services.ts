/**
 * The real services behind the views: the platform layer (background messages, permissions, the inspected
 * page) and the panel services other modules provide. The only panel file that reaches the browser APIs.
 */
import { canReplayOtp, canRetryOtp, canReplayVerbatim } from '../core/actions/rules.ts';
import { exportLog, importLog } from '../core/export/export.ts';
import type { BackgroundReply } from '../shared/messages.ts';
import { runInPage } from '../platform/page.ts';
import { requestOrigin } from '../platform/permissions.ts';
import { sendToBackground } from '../platform/runtime.ts';
import { downloadText, type PanelServices } from './panel-services.ts';
import { replayOtp, replayVerbatim, retryOtp } from './services/actions.ts';
import { fetchJwksAndVerify } from './services/jwks.ts';
import { readSdkState } from './services/sdk-state.ts';

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
    replayOtp,
    retryOtp,
    replayVerbatim,
    readSdkState,
    fetchJwksAndVerify,
    exportLog,
    importLog,
    download: downloadText,
    now: () => Date.now(),
  };
}
