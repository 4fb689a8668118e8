/**
 * Where the page hook's cost on session-API fetches comes from: `npx tsx bench/tools/hook-attribution.ts`.
 *
 * In one page of the hooked origin (a loopback origin: the hook is on by default), one fetch at a time, variants
 * in turn (order rotating every round):
 * - native: the fetch of a same-origin iframe whose hook was told to stand down (the baseline: the hook is in
 *   every frame of the origin, about:blank ones too; standing down, its wrapper is one call and one test before
 *   the browser's fetch);
 * - clone: native fetch, plus what the hook does with the response (clone, read the copy, list the headers);
 * - clone+post-other: the same, plus a postMessage of the exchange under a tag the relay ignores;
 * - clone+post-hooktag: the same message under the hook's tag, so the relay batches it to the worker, which
 *   validates and stores it: the hook's work by hand, without the hook;
 * - hooked: the page's own (hooked) fetch.
 * After each fetch that leads to a capture, the tool waits until it is stored (outside the timing), as the
 * bench does, and it moves to a fresh page of the origin every 100 captures, between rounds (the hook's reports
 * have a budget per tab). Each line is the median of the per-round ratios to native. ROUNDS (default 400) sets the
 * sample; set STEPUP_BENCH_DIST to try another build.
 */
import { HOOK_OFF_EVENT } from '../../src/shared/messages.ts';
import { browserBench, closeBrowserBench, openTab, removeTemporaryBuild } from '../browser/harness.ts';

const VARIANTS = ['native', 'clone', 'clone+post-other', 'clone+post-hooktag', 'hooked'] as const;
type Variant = (typeof VARIANTS)[number];
const ROUNDS = Number(process.env['ROUNDS'] ?? 400);

/** Captures per tab before the page is replaced: the hook's reports have a budget per tab (page-budget.ts). */
const CAPTURES_PER_TAB = 100;

const bench = await browserBench(console.log, true);
try {
  let tabs = 0;
  /** A page of the hooked origin, with the baseline's iframe; replaced when its tab's budget runs low. */
  const fresh = async () => {
    const page = await openTab(bench.context, `${bench.hookedOrigin}/?tab=${(tabs += 1)}`);
    const nativeReady = await page.evaluate(async (off) => {
      const frame = document.createElement('iframe');
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      document.body.append(frame);
      await loaded;
      const view = frame.contentWindow as Window & typeof globalThis;
      view.document.dispatchEvent(new CustomEvent(off));
      (window as { __nativeFetch?: typeof fetch }).__nativeFetch = view.fetch.bind(view);
      return (view as { __stepupHook?: boolean }).__stepupHook === true;
    }, HOOK_OFF_EVENT);
    if (!nativeReady) console.log("(the iframe had no hook: its fetch is the browser's own)");
    return { page, tabKey: `tab:${await bench.tabIdOf(page)}`, stored: 0 };
  };
  let current = await fresh();
  /** Between rounds (a round's variants share one page): a round captures 8 exchanges. */
  const renewIfDue = async () => {
    if (current.stored + 8 <= CAPTURES_PER_TAB) return;
    const old = current.page;
    current = await fresh();
    await old.close();
  };
  const settle = async () => {
    current.stored += 4;
    await bench.probe.evaluate(
      `new Promise((resolve, reject) => { const key = ${JSON.stringify(current.tabKey)}; const want = ${current.stored};
        const given = setTimeout(() => reject(new Error(key + ': ' + want + ' exchanges not stored in 10 s')), 10000);
        const check = () => chrome.storage.session.get(key).then((i) => (i[key]?.seq ?? 0) >= want ? (clearTimeout(given), resolve()) : setTimeout(check, 2));
        check(); })`,
    );
  };
  const url = `${bench.sessionApi}/password/compliancy`;
  const run = (variant: Variant, n: number) =>
    current.page.evaluate(
      async ({ url, variant, n }) => {
        const nativeFetch = (window as { __nativeFetch?: typeof fetch }).__nativeFetch as typeof fetch;
        const init: RequestInit = { credentials: 'include', headers: { accept: 'application/json' } };
        const start = performance.now();
        for (let k = 0; k < 4; k += 1) {
          const target = `${url}?i=${n}-${k}`;
          if (variant === 'hooked') {
            await (await fetch(target, init)).text();
            continue;
          }
          const pending = nativeFetch(target, init);
          if (variant !== 'native') {
            void pending.then(async (response) => {
              const text = await response.clone().text();
              const headers: { name: string; value: string }[] = [];
              response.headers.forEach((value, name) => headers.push({ name, value }));
              if (!variant.includes('post')) return;
              const exchange = {
                method: 'GET',
                url: target,
                requestHeaders: [{ name: 'accept', value: 'application/json' }],
                requestBody: { kind: 'absent' },
                status: response.status,
                statusText: response.statusText,
                responseHeaders: headers,
                responseBody: { kind: 'text', text },
                startedAt: Date.now(),
                endedAt: Date.now(),
              };
              const type = variant === 'clone+post-hooktag' ? 'stepup-inspector:hook' : 'other';
              document.dispatchEvent(new CustomEvent(type, { detail: JSON.stringify({ v: 1, exchange }) }));
            });
          }
          await (await pending).text();
        }
        return performance.now() - start;
      },
      { url, variant, n },
    );
  const captures = (v: Variant) => v === 'hooked' || v === 'clone+post-hooktag';
  for (let i = 0; i < 20; i += 1) {
    await renewIfDue();
    for (const v of VARIANTS) {
      await run(v, 1_000_000 + i);
      if (captures(v)) await settle();
    }
  }
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    await renewIfDue();
    const rotated = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length] as Variant);
    for (const v of Math.floor(round / VARIANTS.length) % 2 ? rotated.reverse() : rotated) {
      (times[v] ??= []).push(await run(v, round));
      if (captures(v)) await settle();
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const base = times['native'] as number[];
  for (const v of VARIANTS) {
    const list = times[v] as number[];
    console.log(
      `${v.padEnd(20)} ${(med(list) / 4).toFixed(3)} ms per fetch, ${med(list.map((t, i) => t / (base[i] as number))).toFixed(3)}× native`,
    );
  }
} finally {
  await closeBrowserBench();
  await removeTemporaryBuild();
}
