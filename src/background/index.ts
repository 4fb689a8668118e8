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
import { observeWebRequests } from '../platform/web-request.ts';
import { registerHook, registeredHookOrigins, unregisterHook } from '../platform/scripting.ts';
import { CaptureStore } from './capture-store.ts';
import { WebRequestCapture } from './web-request-capture.ts';
import { sanitisePageExchange } from './page-exchange.ts';

const store = new CaptureStore(sessionStorage);
const webRequests = new WebRequestCapture(sessionStorage, (tabId, capture) => store.add(tabId, capture));

function report(error: unknown): void {
  // The worker has no UI; the error is visible in chrome://extensions → "service worker" console.
  console.error('[step-up inspector]', error);
}

observeWebRequests((event) => {
  webRequests.handle(event).catch(report);
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

  if (parsed.type === 'pageExchange') {
    // Page-reported: the tab comes from Chrome's sender info, never from the message.
    if (sender.tabId === undefined || sender.isExtensionPage)
      return { ok: false, error: 'page exchanges come from content scripts' };
    const exchange = sanitisePageExchange(parsed.exchange);
    if (typeof exchange === 'string') {
      await store.countRejected(sender.tabId);
      return { ok: false, error: exchange };
    }
    await store.add(sender.tabId, exchange);
    return { ok: true };
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
