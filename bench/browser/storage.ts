/**
 * What the capture log costs the browser: chrome.storage.session bytes per 1,000 captured exchanges, and the
 * service worker's JS heap after capturing them.
 *
 * 1,000 exchanges of the generated session (real access, challenge and verification tokens, DPoP proofs,
 * bodies: what the Session API really sends) are captured for one tab through the worker's
 * `captureExchange` message (the DevTools page's path: validation, merge look-up, storage write), one at a time.
 * Bytes: `chrome.storage.session.getBytesInUse` of that tab's keys (`tab:<id>` and its `ex:` keys). The worker
 * heap: CDP `Runtime.getHeapUsage` on the worker target after a forced GC.
 */
import type { CDPSession } from 'playwright-core';
import { generateSession } from '../gen-session.ts';
import type { BenchMeasure, Figure } from '../types.ts';
import { browserBench, openTab, type BrowserBench } from './harness.ts';

type Send = (method: string, params?: object) => Promise<unknown>;

/** Runs CDP commands on the extension's service worker (attached from the browser session, not flattened). */
async function onWorker<T>(bench: BrowserBench, run: (send: Send) => Promise<T>): Promise<T> {
  const browser = bench.context.browser();
  if (!browser) throw new Error('no browser');
  const cdp: CDPSession = await browser.newBrowserCDPSession();
  const raw = (cdp.send as (method: string, params?: object) => Promise<unknown>).bind(cdp);
  try {
    const { targetInfos } = (await raw('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string; url: string }[];
    };
    const worker = targetInfos.find(
      (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${bench.extensionId}/`),
    );
    if (!worker) throw new Error('the extension service worker is not running');
    const { sessionId } = (await raw('Target.attachToTarget', {
      targetId: worker.targetId,
      flatten: false,
    })) as {
      sessionId: string;
    };
    let nextId = 1;
    const waiting = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
    cdp.on(
      'Target.receivedMessageFromTarget' as never,
      ((event: { sessionId: string; message: string }) => {
        if (event.sessionId !== sessionId) return;
        const message = JSON.parse(event.message) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        if (message.id !== undefined) waiting.get(message.id)?.(message);
      }) as never,
    );
    const send: Send = (method, params = {}) => {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
        void raw('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({ id, method, params }),
        });
      });
    };
    const result = await run(send);
    await raw('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    return result;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

export const storageMeasure: BenchMeasure = {
  id: 'storage',
  title: 'Capture log footprint (Chromium)',
  async run({ quick, build, log }): Promise<Figure[]> {
    const bench = await browserBench(log, build);
    const count = quick ? 200 : 1_000;
    const session = await generateSession({ exchanges: count, challenges: Math.round(count / 10) });
    // Captured now: the log ignores captures older than its last clear.
    const shift = Date.now() - (session.exchanges[0]?.startedAt ?? Date.now());
    const exchanges = session.exchanges.map((x) => ({
      ...x,
      startedAt: x.startedAt + shift,
      ...(x.endedAt !== undefined ? { endedAt: x.endedAt + shift } : {}),
    }));
    const page = await openTab(bench.context, `${bench.plainOrigin}/?storage`);
    const tabId = await bench.tabIdOf(page);
    try {
      await bench.send({ v: 1, type: 'clearLog', tabId });
      const heapBefore = await onWorker(bench, async (send) => {
        await send('HeapProfiler.collectGarbage');
        return ((await send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
      }).catch((error: unknown) => {
        log(`worker heap not readable: ${String(error)}`);
        return Number.NaN;
      });
      const started = performance.now();
      const result = await bench.probe.evaluate(
        async ({ tabId, exchanges }) => {
          let failed = 0;
          for (const exchange of exchanges) {
            const reply = (await chrome.runtime.sendMessage({
              v: 1,
              type: 'captureExchange',
              source: 'devtools',
              tabId,
              exchange,
            })) as { ok?: boolean };
            if (reply?.ok !== true) failed += 1;
          }
          const state = (await chrome.storage.session.get(`tab:${tabId}`))[`tab:${tabId}`] as
            { ids: string[] } | undefined;
          const keys = [`tab:${tabId}`, ...(state?.ids ?? []).map((id) => `ex:${id}`)];
          const area = chrome.storage.session as { getBytesInUse(keys: string[]): Promise<number> };
          return { failed, stored: state?.ids.length ?? 0, bytes: await area.getBytesInUse(keys) };
        },
        { tabId, exchanges },
      );
      const elapsed = performance.now() - started;
      const heapAfter = await onWorker(bench, async (send) => {
        await send('HeapProfiler.collectGarbage');
        return ((await send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
      }).catch(() => Number.NaN);
      log(
        `${result.stored} exchanges stored (${result.failed} refused) in ${elapsed.toFixed(0)} ms; ${result.bytes} bytes; worker heap ${(heapBefore / 1e6).toFixed(1)} → ${(heapAfter / 1e6).toFixed(1)} MB`,
      );
      const stored = Math.max(1, result.stored);
      return [
        {
          id: 'storage.bytes_per_1000',
          label: 'storage.session bytes per 1,000 captured exchanges',
          unit: 'bytes',
          measured: (result.bytes / stored) * 1000,
          note: `${result.stored.toLocaleString('en')} generated Session API exchanges (tokens, proofs, bodies); ${(elapsed / stored).toFixed(2)} ms per capture through the worker; quota 10 MiB`,
        },
        {
          id: 'storage.worker_heap',
          label: `service worker JS heap after ${result.stored.toLocaleString('en')} captures`,
          unit: 'bytes',
          measured: heapAfter,
          note: Number.isFinite(heapBefore)
            ? `${(heapBefore / 1024 / 1024).toFixed(1)} MiB before (after GC)`
            : 'CDP on the worker target',
        },
      ];
    } finally {
      await bench.send({ v: 1, type: 'clearLog', tabId }).catch(() => undefined);
      await page.close().catch(() => undefined);
    }
  },
};
