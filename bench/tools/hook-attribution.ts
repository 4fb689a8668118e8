/**
 * Where the page hook's cost on session-API fetches comes from: `npx tsx bench/tools/hook-attribution.ts`.
 *
 * In one page of the hooked origin, one fetch at a time, variants in turn (order rotating every round):
 * - native: the unwrapped fetch of a same-origin iframe (the baseline);
 * - clone: native fetch, plus what the hook does with the response (clone, read the copy, list the headers);
 * - clone+post-other: the same, plus a postMessage of the exchange under a tag the relay ignores;
 * - clone+post-hooktag: the same message under the hook's tag, so the relay batches it to the worker, which
 *   validates and stores it: the hook's work by hand, without the hook;
 * - hooked: the page's own (hooked) fetch.
 * After each fetch that leads to a capture, the tool waits until it is stored (outside the timing), as the
 * bench does. Each line is the median of the per-round ratios to native. ROUNDS (default 1500) sets the
 * sample; set STEPUP_BENCH_DIST to try another build.
 */
import { browserBench, closeBrowserBench, openTab, removeTemporaryBuild } from '../browser/harness.ts';

const VARIANTS = ['native', 'clone', 'clone+post-other', 'clone+post-hooktag', 'hooked'] as const;
type Variant = (typeof VARIANTS)[number];
const ROUNDS = Number(process.env['ROUNDS'] ?? 400);

const bench = await browserBench(console.log, true);
try {
  const page = await openTab(bench.context, `${bench.hookedOrigin}/`);
  await page.evaluate(async () => {
    const frame = document.createElement('iframe');
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    await loaded;
    const view = frame.contentWindow as Window & typeof globalThis;
    (window as { __nativeFetch?: typeof fetch }).__nativeFetch = view.fetch.bind(view);
  });
  const tabKey = `tab:${await bench.tabIdOf(page)}`;
  let stored = 0;
  const settle = async () => {
    stored += 4;
    await bench.probe.evaluate(
      `new Promise((resolve) => { const key = ${JSON.stringify(tabKey)}; const want = ${stored};
        const check = () => chrome.storage.session.get(key).then((i) => (i[key]?.seq ?? 0) >= want ? resolve() : setTimeout(check, 2));
        check(); })`,
    );
  };
  const url = `${bench.sessionApi}/password/compliancy`;
  const run = (variant: Variant, n: number) =>
    page.evaluate(
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
  for (let i = 0; i < 20; i += 1)
    for (const v of VARIANTS) {
      await run(v, 1_000_000 + i);
      if (captures(v)) await settle();
    }
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round += 1) {
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
