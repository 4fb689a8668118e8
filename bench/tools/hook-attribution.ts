/**
 * Where the page hook's cost on session-API fetches comes from: `npx tsx bench/tools/hook-attribution.ts`.
 *
 * In one page of the hooked origin, blocks of 10 session-API fetches, interleaved for 30 rounds:
 * - native: the unwrapped fetch of a same-origin iframe (the baseline);
 * - clone: native fetch, plus what the hook does with the response (clone, read the copy, list the headers);
 * - clone+post-other: the same, plus a postMessage of the exchange under a tag the relay ignores;
 * - clone+post-hooktag: the same message under the hook's tag, so the relay forwards it to the worker, which
 *   validates, merges and stores it: the hook's work by hand, without the hook;
 * - hooked: the page's own (hooked) fetch.
 * Each line is the median ratio to native of the per-round pairs. Set STEPUP_BENCH_DIST to try another build.
 */
import { browserBench, closeBrowserBench, openTab, removeTemporaryBuild } from '../browser/harness.ts';

const VARIANTS = ['native', 'clone', 'clone+post-other', 'clone+post-hooktag', 'hooked'] as const;

const bench = await browserBench(console.log, true);
try {
  const page = await openTab(bench.context, `${bench.hookedOrigin}/`);
  await page.evaluate(async () => {
    const frame = document.createElement('iframe');
    document.body.append(frame);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const view = frame.contentWindow as Window & typeof globalThis;
    (window as { __nativeFetch?: typeof fetch }).__nativeFetch = view.fetch.bind(view);
  });
  const url = `${bench.sessionApi}/password/compliancy`;
  const run = (variant: string, count: number) =>
    page.evaluate(
      async ({ url, variant, count }) => {
        const nativeFetch = (window as { __nativeFetch?: typeof fetch }).__nativeFetch as typeof fetch;
        const init: RequestInit = { credentials: 'include', headers: { accept: 'application/json' } };
        const start = performance.now();
        for (let i = 0; i < count; i += 1) {
          const target = `${url}?i=${i}`;
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
              const tag = variant === 'clone+post-hooktag' ? 'stepup-inspector:hook' : 'other';
              window.postMessage({ tag, v: 1, exchange }, location.origin);
            });
          }
          await (await pending).text();
        }
        const elapsed = performance.now() - start;
        await new Promise((resolve) => setTimeout(resolve, 15));
        return elapsed;
      },
      { url, variant, count },
    );
  for (const variant of VARIANTS) await run(variant, 20);
  const times: Record<string, number[]> = {};
  for (let round = 0; round < 30; round += 1) {
    const order = round % 2 === 0 ? [...VARIANTS] : [...VARIANTS].reverse();
    for (const variant of order) (times[variant] ??= []).push(await run(variant, 10));
  }
  const base = times['native'] as number[];
  for (const variant of VARIANTS) {
    const list = times[variant] as number[];
    const ratios = list.map((t, i) => t / (base[i] as number)).sort((a, b) => a - b);
    const perFetch = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
    console.log(
      `${variant.padEnd(20)} ${(perFetch / 10).toFixed(2)} ms per fetch, ${(ratios[Math.floor(ratios.length / 2)] as number).toFixed(3)}× native`,
    );
  }
} finally {
  await closeBrowserBench();
  await removeTemporaryBuild();
}
