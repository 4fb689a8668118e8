/**
 * The background service worker. Chrome stops it after ~30 s idle and restarts it for the next event, so:
 * every listener is registered synchronously at top level (events that wake the worker are delivered only
 * to listeners present after the first turn), and all state lives in chrome.storage.session.
 * See https://developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle
 */
import hookFile from '../content/page-hook.iife.ts?script';
import relayFile from '../content/relay.iife.ts?script';
import { toExchange } from '../core/http/log-file.ts';
import { parseToBackground, type BackgroundReply } from '../shared/messages.ts';
import { onMessage, type SenderInfo } from '../platform/runtime.ts';
import { sessionStorage } from '../platform/storage.ts';
import { onTabLoading, onTabRemoved } from '../platform/tabs.ts';
import {
  isObservingWebRequests as observing,
  observeWebRequests,
  stopObservingWebRequests,
} from '../platform/web-request.ts';
import {
  hasBackgroundCapturePermission,
  markBackgroundCapturePending,
} from '../platform/background-capture.ts';
import { onPermissionsChanged } from '../platform/permissions.ts';
import { registerHook, registeredHookOrigins, unregisterHook } from '../platform/scripting.ts';
import { CaptureStore, type Capture } from './capture-store.ts';
import { WebRequestCapture } from './web-request-capture.ts';
import { sanitisePageExchange } from './page-exchange.ts';

const store = new CaptureStore(sessionStorage);
const webRequests = new WebRequestCapture(sessionStorage, (tabId, capture) => store.add(tabId, capture));

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

async function handle(message: unknown, sender: SenderInfo): Promise<BackgroundReply> {
  const parsed = parseToBackground(message);
  if (!parsed) return { ok: false, error: 'unrecognised message' };

  if (parsed.type === 'pageExchanges') {
    // Page-reported: the tab comes from Chrome's sender info, never from the message.
    if (sender.tabId === undefined || sender.isExtensionPage)
      return { ok: false, error: 'page exchanges come from content scripts' };
    const captures: Capture[] = [];
    let rejected = 0;
    for (const raw of parsed.exchanges) {
      const exchange = sanitisePageExchange(raw);
      if (typeof exchange === 'string') rejected += 1;
      else captures.push(exchange);
    }
    if (rejected > 0) await store.countRejected(sender.tabId, rejected);
    if (captures.length > 0) await store.addMany(sender.tabId, captures);
    return rejected > 0 ? { ok: false, error: `${rejected} page exchange(s) rejected` } : { ok: true };
  }

  // Everything else changes state or records trusted data: only the extension's own pages may ask.
  if (!sender.isExtensionPage) return { ok: false, error: 'not allowed from a web page' };
  switch (parsed.type) {
    case 'captureExchange':
    case 'recordInspectorExchange': {
      const checked = toExchange(parsed.exchange);
      if (typeof checked === 'string') return { ok: false, error: checked };
      const { id: _id, ...capture } = checked;
      const source = parsed.type === 'captureExchange' ? 'devtools' : 'inspector';
      await store.add(parsed.tabId, {
        ...capture,
        sources: [source],
        ...(source === 'inspector' ? { initiator: 'inspector' as const } : {}),
      });
      return { ok: true };
    }
    case 'clearLog':
      await store.clear(parsed.tabId, Date.now());
      return { ok: true };
    case 'setPreserve':
      await store.setPreserve(parsed.tabId, parsed.preserve);
      return { ok: true };
    case 'setHook':
      if (parsed.enabled) await registerHook(parsed.origin, { hook: hookFile, relay: relayFile });
      else await unregisterHook(parsed.origin);
      return { ok: true, hookOrigins: await registeredHookOrigins() };
    case 'getHookOrigins':
      return { ok: true, hookOrigins: await registeredHookOrigins() };
  }
}

onMessage((message, sender) =>
  handle(message, sender).catch((error: unknown) => {
    report(error);
    return {
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    } satisfies BackgroundReply;
  }),
);

// A boot marker: tests stop the worker over CDP and use this to tell a restarted instance from the old one.
(globalThis as { __stepupBootedAt?: number }).__stepupBootedAt = Date.now();
