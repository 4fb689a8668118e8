/**
 * Isolated-world relay between the MAIN-world page hook and the service worker. The page can post
 * anything with the hook's tag, so this only checks the envelope and the size; the worker validates the
 * content and marks it page-reported. Messages are forwarded one at a time to keep their order.
 */
import {
  HOOK_MESSAGE_TAG,
  MAX_PAGE_MESSAGE_CHARS,
  PROTOCOL_VERSION,
  isHookMessage,
} from '../shared/messages.ts';
import { sendToBackground } from '../platform/runtime.ts';

let chain: Promise<unknown> = Promise.resolve();

function forward(exchange: unknown): void {
  chain = chain
    .then(() => sendToBackground({ v: PROTOCOL_VERSION, type: 'pageExchange', exchange }))
    .catch(() => undefined);
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window) return;
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || (data as { tag?: unknown }).tag !== HOOK_MESSAGE_TAG)
    return;
  if (!isHookMessage(data)) return forward(null);
  let size: number;
  try {
    size = JSON.stringify(data.exchange)?.length ?? 0;
  } catch {
    size = Infinity;
  }
  // Oversized or unserialisable: forwarded as null so the worker counts the rejection.
  forward(size > MAX_PAGE_MESSAGE_CHARS ? null : data.exchange);
});
