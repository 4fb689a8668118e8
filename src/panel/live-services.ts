/**
 * The real services behind the commands and the session sources: the platform layer (the tab's log,
 * background messages, permissions, the inspected page) and the panel services other modules provide. With the
 * implementations it loads (`services/`), the only panel code that reaches the browser APIs.
 */
import { canReplayOtp, canRetryOtp, canReplayVerbatim } from '../core/actions/rules.ts';
import {
  PROTOCOL_VERSION,
  concreteOriginOf,
  isConcreteOrigin,
  type BackgroundReply,
} from '../shared/messages.ts';
import {
  backgroundCaptureState,
  disableBackgroundCapture,
  enableBackgroundCapture,
} from '../platform/background-capture.ts';
import {
  inspectedPageLoaded,
  inspectedTabId,
  isDevtoolsContext,
  onInspectedNavigation,
  onPanelRevealed,
} from '../platform/devtools.ts';
import { writeClipboard } from '../platform/clipboard.ts';
import { onTabLoadStatus, readResourceTiming, reloadInspectedPage } from '../platform/page.ts';
import { requestPageHookAccess } from '../platform/permissions.ts';
import { sendToBackground } from '../platform/runtime.ts';
import { RESOURCE_HINT_LIMITS } from '../core/capture/gaps.ts';
import { downloadText, type PanelServices } from './panel-services.ts';
import { followLog, loadLog } from './services/tab-log.ts';

// Import/export (with redaction), the page actions, SDK state and JWKS verification run on a click: their
// code is fetched on first use (then cached), not parsed before the panel's first paint.
const exportModule = () => import('../core/export/export.ts');
const actionsModule = () => import('./services/actions.ts');

/** Fetches the importer/exporter ahead of use (after the first paint), so the first import does not wait for it. */
export function preloadServices(): void {
  void exportModule().catch(() => undefined);
}

/**
 * The tab the panel inspects: inside DevTools, the one chrome.devtools names; opened as a tab (tests, a
 * detached window), the one `?tabId=` names; otherwise none.
 */
export function resolveInspectedTab(search: string): number | null {
  if (isDevtoolsContext()) return inspectedTabId();
  const fromQuery = new URLSearchParams(search).get('tabId');
  return fromQuery !== null && /^\d+$/.test(fromQuery) ? Number(fromQuery) : null;
}

/**
 * The inspected page's origin as the browser reports it, never as the page does (script run in the page
 * answers whatever the page wants: it can replace Promise, or the globals such code reads). Two browser
 * sources: the tab's URL from the worker (`tabs.get`, given for pages the extension has host access to:
 * the loopback hosts, and every origin the user granted), and, inside DevTools, each navigation DevTools
 * reports. A page the extension cannot read and that has not navigated since DevTools opened stays
 * unknown (null) until it reloads; the toolbar says so. The newest report wins.
 */
function inspectedOrigin(tabId: number, onChange?: (origin: string | null) => void): Promise<string | null> {
  let navigated: { origin: string | null } | undefined;
  if (onChange)
    onInspectedNavigation((url) => {
      navigated = { origin: concreteOriginOf(url) };
      onChange(navigated.origin);
    });
  return sendToBackground<BackgroundReply>({ v: PROTOCOL_VERSION, type: 'getTabOrigin', tabId }).then(
    (reply) =>
      navigated ? navigated.origin : reply.ok && isConcreteOrigin(reply.origin) ? reply.origin : null,
    () => (navigated ? navigated.origin : null),
  );
}

export function createLiveServices(): PanelServices {
  return {
    loadLog,
    followLog,
    rules: { canReplayOtp, canRetryOtp, canReplayVerbatim },
    sendToBackground: (message) => sendToBackground<BackgroundReply>(message),
    inspectedOrigin,
    // Not async: the request must be the first call of the click handler (user gesture).
    requestOrigin: requestPageHookAccess,
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
    readPageTiming: (tabId) => readResourceTiming(tabId, RESOURCE_HINT_LIMITS),
    reloadInspectedPage: (tabId) => reloadInspectedPage(tabId),
    onInspectedPage: (tabId, listener) => {
      // DevTools reports a navigation once the new page is committed (then it is read once loaded);
      // tabs.onUpdated, where the context has it, the start and the end of every load.
      onInspectedNavigation(() => {
        listener('left');
        void inspectedPageLoaded().then(() => listener('loaded'));
      });
      onTabLoadStatus(tabId, (status) => listener(status === 'loading' ? 'left' : 'loaded'));
      onPanelRevealed(() => listener('revealed'));
    },
    download: downloadText,
    copyText: writeClipboard,
    now: () => Date.now(),
  };
}
