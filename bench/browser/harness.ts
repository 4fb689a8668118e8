/**
 * One Chromium for every browser measure of `npm run bench`: the Debian Chromium (scripts/ensure-chromium.mjs,
 * CHROME_PATH; never a download) with the built extension (see {@link extensionDir}), the Session API emulator for real
 * session-API traffic, and two loopback page servers (two origins: the page hook is on by default on both, as
 * on every loopback origin, and switched off on the second). Started on first use, closed by bench/run.ts at the
 * end.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { startEmulator, type EmulatorHandle } from '../../demo/emulator/server.ts';
import { launchChromium, type LaunchedChromium } from '../../test/e2e/harness/launch.ts';
import { PANEL_PATH, tabIdOf } from '../../test/e2e/harness/extension.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `npm run build`'s output. */
export const DIST = join(ROOT, 'dist');
/** The emulated Session API host (mapped to the emulator by a host-resolver rule). */
export const SESSION_DOMAIN = 'demo.session.prelude.dev';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dist/ is missing or older than what it is built from. */
export function extensionBuildIsStale(): boolean {
  const manifest = join(DIST, 'manifest.json');
  if (!existsSync(manifest)) return true;
  const builtAt = statSync(manifest).mtimeMs;
  const inputs = ['src', 'manifest.json', 'vite.config.ts', 'package-lock.json'].map((p) => join(ROOT, p));
  return inputs.some((p) => newestMtime(p) > builtAt);
}

/** `vite build` (what `npm run build` runs) into `outDir`, in a child process. */
export function buildExtension(outDir: string): Promise<void> {
  const vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}):\n${output}`)),
    );
  });
}

let extension: Promise<{ dir: string; temporary: boolean }> | undefined;

/**
 * The unpacked extension every measure of this run uses (resolved once, so all measure the same build):
 * `STEPUP_BENCH_DIST` when set (another build, e.g. an older version's, to compare); dist/ when it is up to
 * date with src/; otherwise a fresh build in a temporary directory, so that dist/ (which the e2e tests and the
 * demo may be using at this moment) is never rewritten under them. With `--no-build`, dist/ as it is.
 */
export function extensionDir(log: (m: string) => void, allowBuild: boolean): Promise<string> {
  extension ??= (async () => {
    const given = process.env['STEPUP_BENCH_DIST'];
    if (given !== undefined) {
      if (!existsSync(join(given, 'manifest.json')))
        throw new Error(`STEPUP_BENCH_DIST=${given} holds no manifest.json`);
      log(`measuring the extension in ${given} (STEPUP_BENCH_DIST)`);
      return { dir: given, temporary: false };
    }
    if (!extensionBuildIsStale()) return { dir: DIST, temporary: false };
    if (!allowBuild) {
      if (!existsSync(join(DIST, 'manifest.json')))
        throw new Error('dist/ holds no built extension: run `npm run build` (or drop --no-build)');
      log('dist/ is older than src/ (--no-build: measuring it anyway)');
      return { dir: DIST, temporary: false };
    }
    const dir = await mkdtemp(join(tmpdir(), 'stepup-bench-dist-'));
    log(
      'dist/ is missing or older than src/: building the extension into a temporary directory (vite build)…',
    );
    const start = performance.now();
    await buildExtension(dir);
    log(`built in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return { dir, temporary: true };
  })();
  return extension.then((e) => e.dir);
}

/** Removes the temporary build, if this run made one. */
export async function removeTemporaryBuild(): Promise<void> {
  const made = await extension?.catch(() => undefined);
  extension = undefined;
  if (made?.temporary) await rm(made.dir, { recursive: true, force: true });
}

/** A small JSON body like an app API's (about 1 KB). */
const APP_BODY = JSON.stringify({
  account: { id: 'acc_01HZX3', currency: 'EUR', balance: 1234.56, status: 'active' },
  transactions: Array.from({ length: 8 }, (_, i) => ({
    id: `tx_${1000 + i}`,
    amount: (i + 1) * 12.5,
    label: `Card payment ${i + 1}`,
    at: `2026-11-2${i % 10}T10:0${i}:00Z`,
  })),
});

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>bench page</title></head>
<body><h1>bench page</h1></body></html>`;

/** A loopback origin serving a blank page (`/`) and an app API (`/api/data`, no-store). */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE_HTML);
    } else if (path === '/api/data') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(APP_BODY);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export interface BrowserBench {
  chromium: LaunchedChromium;
  context: BrowserContext;
  extensionId: string;
  emulator: EmulatorHandle;
  /** Loopback origin with the page hook, as by default (no click). */
  hookedOrigin: string;
  /** Loopback origin with the page hook switched off (the user's switch). */
  plainOrigin: string;
  /** `https://demo.session.prelude.dev/v1/session`, served by the emulator. */
  sessionApi: string;
  /** An extension page, for messages to the worker and storage reads. */
  probe: Page;
  /** Sends a message to the worker from the probe page; throws unless it answers ok. */
  send(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  tabIdOf(page: Page): Promise<number>;
  /**
   * The panel opened as a tab, inspecting `tabId`; with `newWindow`, in a window of its own, so that it stays
   * visible (frames keep coming) while the inspected page is the active tab of its window, as with DevTools.
   */
  openPanel(tabId: number, options?: { newWindow?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

let session: Promise<BrowserBench> | undefined;

/** The shared browser session (started on first call). */
export function browserBench(log: (m: string) => void, allowBuild: boolean): Promise<BrowserBench> {
  session ??= start(log, allowBuild);
  return session;
}

/** Closes the shared session if one was started. */
export async function closeBrowserBench(): Promise<void> {
  if (session === undefined) return;
  const s = await session.catch(() => undefined);
  session = undefined;
  await s?.close();
}

async function start(log: (m: string) => void, allowBuild: boolean): Promise<BrowserBench> {
  const extensionPath = await extensionDir(log, allowBuild);
  const [emulator, hooked, plain] = await Promise.all([
    startEmulator({ port: 0, quiet: true, domain: SESSION_DOMAIN }),
    startPageServer(),
    startPageServer(),
  ]);
  const chromium = await launchChromium({
    headless: true,
    extensionPath,
    args: [
      `--host-resolver-rules=MAP ${SESSION_DOMAIN} 127.0.0.1:${emulator.port}`,
      '--ignore-certificate-errors',
    ],
  });
  const { context } = chromium;
  if (!chromium.extensionId) throw new Error('the extension did not start (no service worker)');
  const extensionId = chromium.extensionId;
  const probe = await context.newPage();
  await probe.goto(`chrome-extension://${extensionId}/${PANEL_PATH}`);
  const send = async (message: Record<string, unknown>) => {
    const reply = (await probe.evaluate((m) => chrome.runtime.sendMessage(m), message)) as Record<
      string,
      unknown
    >;
    if (reply?.['ok'] !== true) throw new Error(`${String(message['type'])}: ${JSON.stringify(reply)}`);
    return reply;
  };
  await send({ v: 1, type: 'setHook', origin: plain.origin, enabled: false });
  log(`Chromium ${context.browser()?.version() ?? ''}, extension ${extensionId}`);
  return {
    chromium,
    context,
    extensionId,
    emulator,
    hookedOrigin: hooked.origin,
    plainOrigin: plain.origin,
    sessionApi: `https://${SESSION_DOMAIN}/v1/session`,
    probe,
    send,
    tabIdOf: (page) => tabIdOf(context, extensionId, page),
    async openPanel(tabId, options = {}) {
      const url = `chrome-extension://${extensionId}/${PANEL_PATH}?tabId=${tabId}`;
      const page = options.newWindow ? await openWindow(context, url) : await openTab(context, url);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.getByTestId('panel-app').waitFor();
      return page;
    },
    async close() {
      await chromium.close();
      await Promise.allSettled([
        emulator.close(),
        new Promise((r) => hooked.server.close(r)),
        new Promise((r) => plain.server.close(r)),
      ]);
      hooked.server.closeAllConnections();
      plain.server.closeAllConnections();
    },
  };
}

/**
 * Opens `url` in a new window of `context` (CDP Target.createTarget), so that it is the active, visible tab of
 * its window: a background tab's timers are throttled, and bringing a tab to the front is work of its own.
 */
export async function openWindow(context: BrowserContext, url: string): Promise<Page> {
  const browser = context.browser();
  if (!browser) throw new Error('no browser to open a window in');
  const cdp = await browser.newBrowserCDPSession();
  try {
    const opened = context.waitForEvent('page', { predicate: (p) => p.url() === url });
    // Target.createTarget is missing from Playwright's protocol typings: an untyped send.
    await (cdp.send as (method: string, params: object) => Promise<unknown>)('Target.createTarget', {
      url,
      newWindow: true,
    });
    const page = await opened;
    await page.waitForLoadState();
    return page;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** Opens `url` in a new tab of `context` and waits for it to load. */
export async function openTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  return page;
}
