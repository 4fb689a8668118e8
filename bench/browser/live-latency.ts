/**
 * Live update latency: a response received by the inspected page → its row painted in the panel.
 *
 * A page on the hooked loopback origin makes 500 session-API calls to the emulator
 * (`GET /v1/session/password/compliancy`), one every 50 ms (faster than any real SDK flow, slow enough that
 * each exchange is timed on its own rather than queued behind a burst). The panel is open as a tab on that
 * page's tab id, on the Exchanges view, in a window of its own (both stay visible, as with DevTools beside a
 * page; a hidden tab gets no frames). Both ends stamp `performance.timeOrigin + performance.now()` (one
 * clock for both renderers): the page when `fetch` resolves (response received), the panel when the row's
 * node is added (MutationObserver) and when the frame that paints it is done (requestAnimationFrame, then a
 * message-channel task). The path in between is the real one: webRequest and the page hook → service worker →
 * chrome.storage.session → storage.onChanged in the panel → store → analyser → table.
 *
 * The table is virtualised and does not follow the tail, so the calls are made in groups of 20, each group
 * with its own tag in the URL, and the panel's search box is set to the group's tag before the group starts:
 * each new row is then on screen, while the log, the analyser and the filter work on every exchange so far.
 *
 * The hook is the only source here (no DevTools, no background capture), and 20 calls a second outrun the
 * page's rate budget: the calls it refuses are counted by the worker and reported beside the figure, which is
 * the latency of the rows that were logged; a logged row never painted fails it.
 */
import { percentile, median, type BenchMeasure, type Figure } from '../types.ts';
import { browserBench, openTab } from './harness.ts';

interface Stamp {
  dom: number;
  painted?: number;
}

export const liveLatencyMeasure: BenchMeasure = {
  id: 'live',
  title: 'Live update latency (Chromium)',
  async run({ quick, build, log }): Promise<Figure[]> {
    const bench = await browserBench(log, build);
    const total = quick ? 100 : 500;
    const group = 20;
    const intervalMs = 50;
    const page = await openTab(bench.context, `${bench.hookedOrigin}/?live`);
    const tabId = await bench.tabIdOf(page);
    await bench.send({ v: 1, type: 'clearLog', tabId });
    const panel = await bench.openPanel(tabId, { newWindow: true });
    try {
      await panel.getByTestId('tab-exchanges').click();
      await panel.evaluate(() => {
        const w = window as { __rows?: Map<string, { dom: number; painted?: number }> };
        const rows = new Map<string, { dom: number; painted?: number }>();
        w.__rows = rows;
        // (No named closures in evaluated code: tsx would wrap them in a helper the page lacks.)
        new MutationObserver((records) => {
          const at = performance.timeOrigin + performance.now();
          const fresh: { dom: number; painted?: number }[] = [];
          for (const record of records) {
            for (const node of record.addedNodes) {
              if (!(node instanceof HTMLElement)) continue;
              const found = node.matches('[data-testid="exchange-row"]')
                ? [node]
                : Array.from(node.querySelectorAll<HTMLElement>('[data-testid="exchange-row"]'));
              for (const row of found) {
                const url = row.querySelector('.c-endpoint')?.getAttribute('title') ?? '';
                const k = /[?&]k=(\d+)/.exec(url)?.[1];
                if (k === undefined || rows.has(k)) continue;
                const stamp = { dom: at };
                rows.set(k, stamp);
                fresh.push(stamp);
              }
            }
          }
          if (fresh.length === 0) return;
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => {
              const painted = performance.timeOrigin + performance.now();
              for (const stamp of fresh) stamp.painted = painted;
            };
            channel.port2.postMessage(0);
          });
        }).observe(document.body, { childList: true, subtree: true });
      });
      const url = `${bench.sessionApi}/password/compliancy`;
      // One call first: with an empty log the view is the empty state, without the search box.
      await page.evaluate(
        (u) => fetch(`${u}?warm-up`, { credentials: 'include' }).then((r) => r.text()),
        url,
      );
      await panel.getByTestId('search').waitFor({ timeout: 15_000 });
      const received = new Map<string, number>();
      const search = panel.getByTestId('search');
      for (let g = 0; g * group < total; g += 1) {
        const tag = `grp-${g}-`;
        await search.fill(tag);
        // The previous group's rows are gone once the filter applied: nothing matches the new tag yet.
        await panel.waitForFunction(
          () => document.querySelectorAll('[data-testid="exchange-row"]').length === 0,
          undefined,
          { timeout: 10_000 },
        );
        const stamps = await page.evaluate(
          async ({ url, tag, from, count, intervalMs }) => {
            const out: [string, number][] = [];
            const start = performance.now();
            for (let i = 0; i < count; i += 1) {
              const wait = start + i * intervalMs - performance.now();
              if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
              const k = String(from + i);
              const response = await fetch(`${url}?k=${k}&tag=${tag}`, {
                credentials: 'include',
                headers: { accept: 'application/json' },
              });
              out.push([k, performance.timeOrigin + performance.now()]);
              await response.text();
            }
            return out;
          },
          { url, tag, from: g * group, count: Math.min(group, total - g * group), intervalMs },
        );
        for (const [k, t] of stamps) received.set(k, t);
        const want = stamps.map(([k]) => k);
        await panel
          .waitForFunction(
            (keys) => {
              const rows = (window as { __rows?: Map<string, { painted?: number }> }).__rows;
              return keys.every((k) => rows?.get(k)?.painted !== undefined);
            },
            want,
            { timeout: 10_000, polling: 50 },
          )
          .catch(() => log(`group ${g}: not every row was painted within 10 s`));
      }
      const seen = new Map(
        await panel.evaluate(() =>
          Array.from((window as { __rows?: Map<string, Stamp> }).__rows ?? new Map<string, Stamp>()),
        ),
      );
      const latencies: number[] = [];
      const domLatencies: number[] = [];
      let missing = 0;
      for (const [k, t] of received) {
        const stamp = seen.get(k);
        if (stamp?.painted === undefined) {
          missing += 1;
          continue;
        }
        latencies.push(stamp.painted - t);
        domLatencies.push(stamp.dom - t);
      }
      const { captured, refused } = await bench.probe.evaluate(async (id) => {
        const state = (await chrome.storage.session.get(`tab:${id}`))[`tab:${id}`] as
          { ids?: string[]; pageDropped?: { rate?: number } } | undefined;
        return { captured: state?.ids?.length ?? 0, refused: state?.pageDropped?.rate ?? 0 };
      }, tabId);
      // Calls over the page's rate budget (a burst, then a steady rate: the defence against a page flooding the
      // log) are refused by the worker and counted in the tab's state, never logged: they are reported, not
      // timed. Any other row that never showed counts as infinitely late: the p95 then fails rather than looks
      // better.
      const overBudget = Math.min(missing, refused);
      const lost = missing - overBudget;
      log(
        `${latencies.length}/${received.size} rows painted (${missing} missing: ${overBudget} refused by the page budget, ${lost} lost); ${captured} exchanges in the log; median ${median([...latencies]).toFixed(1)} ms, p95 ${percentile([...latencies], 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
      );
      const all = [...latencies, ...Array.from({ length: lost }, () => Number.POSITIVE_INFINITY)];
      return [
        {
          id: 'live.latency.p95',
          label: `live update, response received → row painted, p95 of the ${total - overBudget} logged`,
          unit: 'ms',
          measured: percentile([...all], 95),
          budget: 50,
          note: `median ${median([...latencies]).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; row in the DOM: median ${median([...domLatencies]).toFixed(1)} ms, p95 ${percentile([...domLatencies], 95).toFixed(1)} ms; ${overBudget} of ${total} calls refused by the page's rate budget (counted in the tab's state, not timed), ${lost} rows lost; one call every ${intervalMs} ms`,
        },
      ];
    } finally {
      await panel.close().catch(() => undefined);
      await page.close().catch(() => undefined);
    }
  },
};
