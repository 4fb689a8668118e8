/**
 * What builds of the extension cost a page, against a browser without the extension, in one run:
 * `npx tsx bench/tools/extension-cost.ts name=dir [name=dir…]` (a dir of a built extension, or `none`).
 *
 * One Chromium per variant, same flags; in each, a page on a loopback origin (where the page hook is
 * registered when `hook` is in the variant's name) runs blocks of sequential fetches: non-session GETs
 * of the page server's JSON, and session-API GETs on the emulator. Blocks rotate over the variants round
 * after round, so machine load drifts hit every variant alike; each line is the median per-round ratio to
 * the first variant. Used to find where the extension's cost comes from (docs/performance.md).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { startEmulator } from '../../demo/emulator/server.ts';
import { launchChromium, type LaunchedChromium } from '../../test/e2e/harness/launch.ts';
import { enablePageHookFor, PANEL_PATH } from '../../test/e2e/harness/extension.ts';

const DOMAIN = 'demo.session.prelude.dev';
const variants = process.argv.slice(2).map((arg) => {
  const [name, dir] = arg.split('=') as [string, string];
  return { name, dir: dir === 'none' ? null : dir };
});
if (variants.length < 2) throw new Error('usage: extension-cost.ts base=none|dir other=dir …');
const rounds = Number(process.env['ROUNDS'] ?? 30);
const block = Number(process.env['BLOCK'] ?? 25);
const kinds = (process.env['KINDS'] ?? 'app,session').split(',') as ('app' | 'session')[];

const body = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, label: `item ${i}` })) });
const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const json = path === '/api/data';
  res.writeHead(200, {
    'content-type': json ? 'application/json' : 'text/html',
    'cache-control': 'no-store',
  });
  res.end(json ? body : '<!doctype html><title>bench</title><h1>bench</h1>');
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const emulator = await startEmulator({ port: 0, quiet: true, domain: DOMAIN });

interface Runner {
  name: string;
  browser: LaunchedChromium;
  page: Page;
  times: Record<'app' | 'session', number[]>;
}
const runners: Runner[] = [];
try {
  for (const v of variants) {
    const browser = await launchChromium({
      extensionPath: v.dir,
      args: [`--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1:${emulator.port}`, '--ignore-certificate-errors'],
    });
    if (v.dir && v.name.includes('hook')) {
      if (!browser.extensionId) throw new Error(`${v.name}: the extension did not start`);
      const probe = await browser.context.newPage();
      await probe.goto(`chrome-extension://${browser.extensionId}/${PANEL_PATH}`);
      await enablePageHookFor(browser.context, browser.extensionId, probe, origin);
      await probe.close();
    }
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    runners.push({ name: v.name, browser, page, times: { app: [], session: [] } });
  }
  const run = (r: Runner, kind: 'app' | 'session', offset: number, count: number) =>
    r.page.evaluate(
      async ({ kind, url, offset, count }) => {
        const start = performance.now();
        for (let i = 0; i < count; i += 1) {
          const response = await fetch(
            `${url}?i=${offset + i}`,
            kind === 'app' ? undefined : { credentials: 'include', headers: { accept: 'application/json' } },
          );
          await response.text();
        }
        const elapsed = performance.now() - start;
        await new Promise((resolve) => setTimeout(resolve, 15));
        return elapsed;
      },
      {
        kind,
        url: kind === 'app' ? `${origin}/api/data` : `https://${DOMAIN}/v1/session/password/compliancy`,
        offset,
        count,
      },
    );
  for (const r of runners) for (const kind of kinds) await run(r, kind, 9_000_000, 40);
  for (let round = 0; round < rounds; round += 1) {
    const rotated = runners.map((_, i) => runners[(i + round) % runners.length] as Runner);
    for (const kind of kinds)
      for (const r of round % 2 ? rotated.reverse() : rotated)
        r.times[kind].push(await run(r, kind, round * block, block));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const base = runners[0] as Runner;
  for (const kind of kinds) {
    console.log(`${kind}: ${rounds} rounds × ${block} fetches`);
    for (const r of runners) {
      const ratios = r.times[kind].map((t, i) => t / (base.times[kind][i] as number));
      const sorted = [...ratios].sort((a, b) => a - b);
      const q = (p: number) => (sorted[Math.floor(p * (sorted.length - 1))] as number).toFixed(3);
      console.log(
        `  ${r.name.padEnd(18)} ${(med(r.times[kind]) / block).toFixed(3)} ms/fetch  ${med(ratios).toFixed(3)}× ${base.name} (IQR ${q(0.25)}–${q(0.75)})`,
      );
    }
  }
} finally {
  for (const r of runners) await r.browser.close();
  await emulator.close();
  server.close();
  server.closeAllConnections();
}
