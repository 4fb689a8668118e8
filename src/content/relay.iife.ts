/**
 * Isolated-world relay between the MAIN-world page hook and the service worker. The page can dispatch the
 * hook's event itself, so this only checks the envelope and the size (the JSON text's length); the worker
 * validates the content and marks it page-reported.
 *
 * The hook hands exchanges over in bursts, once the page is quiet (page-hook.iife.ts): everything one burst
 * brings is sent as one runtime message (or a few, at most MAX_PAGE_BATCH exchanges and
 * MAX_PAGE_MESSAGE_CHARS each) when the hook's dispatching is over, in order: one runtime message per
 * exchange cost the page main-thread time and the worker a storage write for each (docs/performance.md).
 */
import {
  HOOK_EVENT,
  HOOK_OFF_EVENT,
  MAX_PAGE_BATCH,
  MAX_PAGE_MESSAGE_CHARS,
  PROTOCOL_VERSION,
  parseHookDetail,
} from '../shared/messages.ts';
import { sendToBackground } from '../platform/runtime.ts';
import { pageHookStandsDown } from '../platform/scripting.ts';

/** Exchanges received since the last send, in order (null: refused here, counted by the worker), and sizes. */
let pending: { exchange: unknown; chars: number }[] = [];
let scheduled = false;

/**
 * Where the hook must not run and the browser could not leave this frame out (Firefox's patterns have no
 * port), the hook is told to stand down and nothing is forwarded; the worker drops such a frame's reports
 * anyway. `location` here is the isolated world's, which the page cannot replace. Sends wait for the answer.
 */
let standingDown = false;
let chain: Promise<unknown> = pageHookStandsDown(location.origin).then(
  (down) => {
    if (!down) return;
    standingDown = true;
    pending = [];
    document.dispatchEvent(new CustomEvent(HOOK_OFF_EVENT));
  },
  () => undefined,
);

function send(exchanges: unknown[]): void {
  // Chained so batches arrive in order; sendToBackground retries while the worker restarts.
  chain = chain
    .then(() =>
      standingDown ? undefined : sendToBackground({ v: PROTOCOL_VERSION, type: 'pageExchanges', exchanges }),
    )
    .catch(() => undefined);
}

function flush(): void {
  scheduled = false;
  const items = pending;
  pending = [];
  let batch: unknown[] = [];
  let chars = 0;
  for (const { exchange, chars: size } of items) {
    if (batch.length > 0 && (batch.length >= MAX_PAGE_BATCH || chars + size > MAX_PAGE_MESSAGE_CHARS)) {
      send(batch);
      batch = [];
      chars = 0;
    }
    batch.push(exchange);
    chars += size;
  }
  if (batch.length > 0) send(batch);
}

document.addEventListener(HOOK_EVENT, (event: Event) => {
  if (standingDown) return;
  const detail: unknown = (event as CustomEvent<unknown>).detail;
  const exchange = parseHookDetail(detail);
  pending.push({ exchange, chars: exchange === null ? 4 : (detail as string).length });
  // The hook dispatches a burst synchronously: the microtask runs once it is done (also inside pagehide).
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flush);
  }
});
