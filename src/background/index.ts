/**
 * The background service worker. Chrome stops it after ~30 s idle and restarts it for the next event, so:
 * every listener is registered synchronously at top level (events that wake the worker are delivered only
 * to listeners present after the first turn), and all state lives in chrome.storage.session.
 * See https://developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle
 */
import hookFile from '../content/page-hook.iife.ts?script';
import relayFile from '../content/relay.iife.ts?script';
import { describe } from '../core/util.ts';
import type { BackgroundReply } from '../shared/messages.ts';
import { onMessage } from '../platform/runtime.ts';
import { sessionStorage } from '../platform/storage.ts';
import { onTabLoading, onTabRemoved, tabUrl } from '../platform/tabs.ts';
import {
  isObservingWebRequests as observing,
  observeWebRequests,
  stopObservingWebRequests,
} from '../platform/web-request.ts';
import {
  hasBackgroundCapturePermission,
  markBackgroundCapturePending,
} from '../platform/background-capture.ts';
import { hasOrigin, onPermissionsChanged, pagePattern, patternsHavePorts } from '../platform/permissions.ts';
import { hookSettingsStore, scriptingPort } from '../platform/scripting.ts';
import { CaptureStore } from './capture-store.ts';
import { WebRequestCapture } from './web-request-capture.ts';
import { createHandler } from './handler.ts';
import { PageHooks } from './page-hooks.ts';

const store = new CaptureStore(sessionStorage);
const webRequests = new WebRequestCapture(sessionStorage, (tabId, capture) => store.add(tabId, capture));
const hooks = new PageHooks({
  scripting: scriptingPort,
  settings: hookSettingsStore,
  files: { hook: hookFile, relay: relayFile },
  pattern: pagePattern,
  patternsHavePorts: patternsHavePorts(),
});
const handle = createHandler({
  store,
  hooks,
  tabUrl,
  hasHookAccess: hasOrigin,
  now: () => Date.now(),
});

function report(error: unknown): void {
  // The worker has no UI; the error is visible in chrome://extensions → "service worker" console.
  console.error('[step-up inspector]', error);
}

function onWebRequest(event: Parameters<WebRequestCapture['handle']>[0]): void {
  webRequests.handle(event).catch(report);
}

// Background capture is opt-in (the optional webRequest permission): subscribed at the top level when it
// is granted, so a request can wake the worker, and on the fly when the user grants or withdraws it.
observeWebRequests(onWebRequest);
onPermissionsChanged(() => {
  // Asked, not inferred from chrome.webRequest: a running worker keeps the API object after a withdrawal.
  hasBackgroundCapturePermission()
    .then((granted) => {
      if (!granted) return stopObservingWebRequests();
      // In Chrome the events only flow from the extension's next load (platform/background-capture.ts).
      if (!observing()) markBackgroundCapturePending().catch(report);
      observeWebRequests(onWebRequest);
    })
    .catch(report);
});

onTabRemoved((tabId) => {
  store.removeTab(tabId).catch(report);
});

onTabLoading((tabId) => {
  store.navigated(tabId, Date.now()).catch(report);
});

onMessage((message, sender) =>
  handle(message, sender).catch((error: unknown) => {
    report(error);
    return {
      ok: false,
      error: describe(error),
    } satisfies BackgroundReply;
  }),
);

// Every start (install, update, browser start, a restart of the worker) checks the page hook's registrations
// against the settings and repairs what differs: on by default on the loopback hosts, from their first page.
hooks
  .ensure()
  .then(({ registered, updated, removed }) => {
    // For the tests, like the boot marker below: what this start had to repair.
    (globalThis as { __stepupHookRepairs?: unknown }).__stepupHookRepairs = { registered, updated, removed };
    const changed = [...registered, ...updated, ...removed];
    if (changed.length > 0)
      console.info(
        '[step-up inspector] page hook registrations repaired:',
        JSON.stringify({ registered, updated, removed }),
      );
  })
  .catch(report);

// A boot marker: tests stop the worker over CDP and use this to tell a restarted instance from the old one.
(globalThis as { __stepupBootedAt?: number }).__stepupBootedAt = Date.now();
