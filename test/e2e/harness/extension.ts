/** Finding the extension, its tabs' ids, its panel page, and stopping its service worker. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { BACKGROUND_CAPTURE_HOSTS } from '../../../src/shared/permissions.ts';
import { launchChromium, type LaunchChromiumOptions, type LaunchedChromium } from './launch.ts';

/** Where crxjs puts the panel page inside the built extension. */
export const PANEL_PATH = 'src/panel/panel.html';
/** The DevTools page (declared as `devtools_page` in the manifest). */
export const DEVTOOLS_PAGE_PATH = 'src/devtools/devtools.html';

/**
 * The id Chromium gives an unpacked extension whose manifest has a `key`: the SHA-256 of the public key,
 * first 32 hex digits mapped 0-f → a-p. `null` when the manifest has no key (the id then depends on the path).
 */
export function extensionIdFromManifest(extensionPath: string): string | null {
  try {
    const manifest = JSON.parse(readFileSync(join(extensionPath, 'manifest.json'), 'utf8')) as {
      key?: unknown;
    };
    if (typeof manifest.key !== 'string') return null;
    const hex = createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex').slice(0, 32);
    return [...hex].map((c) => String.fromCharCode('a'.charCodeAt(0) + parseInt(c, 16))).join('');
  } catch {
    return null;
  }
}

function extensionWorker(context: BrowserContext, extensionId?: string): Worker | undefined {
  const prefix = extensionId ? `chrome-extension://${extensionId}/` : 'chrome-extension://';
  return context.serviceWorkers().find((w) => w.url().startsWith(prefix));
}

/**
 * The extension id, read from its service worker's URL (it starts ~1 s after launch); falls back to the
 * manifest `key`. `null` when neither is available.
 */
export async function waitForExtensionId(
  context: BrowserContext,
  extensionPath: string,
  timeoutMs = 10_000,
): Promise<string | null> {
  const worker =
    extensionWorker(context) ??
    (await context
      .waitForEvent('serviceworker', {
        predicate: (w) => w.url().startsWith('chrome-extension://'),
        timeout: timeoutMs,
      })
      .catch(() => undefined));
  const fromWorker = worker ? new URL(worker.url()).host : null;
  return fromWorker ?? extensionIdFromManifest(extensionPath);
}

/**
 * Waits until the worker has registered the page hook on the loopback hosts. Chrome clears registered scripts
 * when it installs or updates an extension (and `--load-extension` counts as one at every launch); the worker
 * registers them again as it starts, and a page loaded before that moment has no hook until it reloads, as it
 * would for a user who installs the extension with the app already open.
 */
export async function loopbackHookReady(
  context: BrowserContext,
  extensionId: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const worker = await serviceWorkerOf(context, extensionId, timeoutMs);
    const ids = await worker
      .evaluate(async () => (await chrome.scripting.getRegisteredContentScripts()).map((s) => s.id))
      .catch(() => [] as string[]);
    if (ids.includes('stepup-loopback:hook') && ids.includes('stepup-loopback:relay')) return;
    if (Date.now() > deadline)
      throw new Error(`the page hook was not registered on the loopback hosts within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The extension's service worker, waiting for it to (re)start if needed. */
export async function serviceWorkerOf(
  context: BrowserContext,
  extensionId: string,
  timeoutMs = 10_000,
): Promise<Worker> {
  return (
    extensionWorker(context, extensionId) ??
    (await context.waitForEvent('serviceworker', {
      predicate: (w) => w.url().startsWith(`chrome-extension://${extensionId}/`),
      timeout: timeoutMs,
    }))
  );
}

/**
 * Answers Chrome's permission prompt for `hosts` ahead of time, as a user granting them on the extension's
 * page in chrome://extensions ("Site access") would: the page's own `developerPrivate.addHostPermission`.
 * Chrome records the grant, and a later `permissions.request` of optional hosts it covers is granted without
 * a prompt (PermissionsRequestFunction leaves out hosts already granted at run time). A headless browser has
 * no way to click the prompt itself: a request that needs one never settles.
 */
export async function allowHostsWithoutPrompt(
  context: BrowserContext,
  extensionId: string,
  hosts: readonly string[],
): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto('chrome://extensions/');
    const errors = await page.evaluate(
      async ({ id, patterns }) => {
        const api = (
          globalThis as unknown as {
            chrome: { developerPrivate: { addHostPermission(id: string, host: string): Promise<void> } };
          }
        ).chrome.developerPrivate;
        const failed: string[] = [];
        for (const host of patterns)
          await api.addHostPermission(id, host).catch((e: unknown) => failed.push(`${host}: ${String(e)}`));
        return failed;
      },
      { id: extensionId, patterns: [...hosts] },
    );
    if (errors.length > 0) throw new Error(`chrome://extensions refused the hosts: ${errors.join('; ')}`);
  } finally {
    await page.close();
  }
}

/**
 * Grants background capture from an extension page, as the panel's box does: the optional `webRequest`
 * permission and the step-up API hosts, in one request (the hosts' prompt answered ahead by
 * {@link allowHostsWithoutPrompt}). Chromium applies webRequest from the extension's next load
 * (src/platform/background-capture.ts): see {@link launchWithBackgroundCapture}.
 */
export async function grantBackgroundCapture(context: BrowserContext, extensionId: string): Promise<void> {
  await allowHostsWithoutPrompt(context, extensionId, BACKGROUND_CAPTURE_HOSTS);
  const page = await context.newPage();
  try {
    await page.goto(`chrome-extension://${extensionId}/${PANEL_PATH}`);
    const granted = await page.evaluate(
      (origins) => chrome.permissions.request({ permissions: ['webRequest'], origins }),
      [...BACKGROUND_CAPTURE_HOSTS],
    );
    if (!granted) throw new Error('background capture (webRequest and the step-up API hosts) was refused');
  } finally {
    await page.close();
  }
}

/**
 * Grants what the page hook on `origin` needs from an extension page, as the panel's toggle does: host
 * access to the origin (`scripting` is part of the install; so are the loopback hosts: no prompt there).
 */
export async function grantPageHook(probe: Page, origin: string): Promise<void> {
  const granted = await probe.evaluate((o) => chrome.permissions.request({ origins: [`${o}/*`] }), origin);
  if (!granted) throw new Error(`the page hook's permissions for ${origin} were refused`);
}

/**
 * Chromium with the extension and background capture in effect, as for a user who turned it on and
 * restarted Chrome: a first start on a new profile grants the permission, the second start (same profile)
 * loads the extension holding it. Closing removes the profile.
 */
export async function launchWithBackgroundCapture(
  options: LaunchChromiumOptions & { extensionPath: string },
): Promise<LaunchedChromium> {
  const profileDir = await mkdtemp(join(tmpdir(), 'stepup-inspector-profile-'));
  try {
    const first = await launchChromium({ ...options, profileDir });
    if (!first.extensionId) throw new Error('the extension did not start');
    await grantBackgroundCapture(first.context, first.extensionId);
    await first.close();
    const second = await launchChromium({ ...options, profileDir });
    return {
      ...second,
      async close() {
        await second.close();
        await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
      },
    };
  } catch (error) {
    await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  }
}

/**
 * The Chrome tab id of `page`, asked from the extension's service worker. Matches on the URL when the
 * extension may read tab URLs; otherwise brings the page to the front and takes the active tab.
 */
export async function tabIdOf(context: BrowserContext, extensionId: string, page: Page): Promise<number> {
  const worker = await serviceWorkerOf(context, extensionId);
  const url = page.url();
  const byUrl = await worker.evaluate(async (target: string) => {
    const tabs = await chrome.tabs.query({});
    const matches = tabs.filter((t) => t.url === target || t.pendingUrl === target);
    return { ids: matches.map((t) => t.id ?? -1), anyUrl: tabs.some((t) => typeof t.url === 'string') };
  }, url);
  if (byUrl.ids.length === 1 && byUrl.ids[0] !== undefined && byUrl.ids[0] >= 0) return byUrl.ids[0];
  if (byUrl.ids.length > 1) throw new Error(`Several tabs show ${url}: give the page a unique URL.`);
  // No "tabs" permission: tab URLs are hidden. The active tab of the focused window is the page we raised.
  await page.bringToFront();
  const active = await worker.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id ?? -1;
  });
  if (active < 0)
    throw new Error(`Cannot find the tab id of ${url}${byUrl.anyUrl ? '' : ' (no tab URL is visible)'}.`);
  return active;
}

/**
 * Opens the inspector's panel page as an ordinary tab, told which tab to inspect with `?tabId=`
 * (`chrome.devtools` does not exist there). The cheap way to test the panel.
 */
export async function openPanelAsTab(
  context: BrowserContext,
  extensionId: string,
  tabId: number,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/${PANEL_PATH}?tabId=${tabId}`);
  return page;
}

/**
 * Stops every service worker (the extension's included) through CDP, as Chrome does after 30 s idle, and
 * waits until the extension's workers report `stopped`. The next extension event restarts the worker with
 * empty memory. Playwright keeps its old `Worker` handle, which then evaluates in the new instance.
 */
export async function stopServiceWorker(context: BrowserContext, timeoutMs = 10_000): Promise<void> {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  try {
    interface Version {
      versionId: string;
      scriptURL: string;
      runningStatus: string;
    }
    const running = new Map<string, string>();
    let onChange: () => void = () => undefined;
    cdp.on('ServiceWorker.workerVersionUpdated', (event: { versions: Version[] }) => {
      for (const v of event.versions) {
        if (v.scriptURL.startsWith('chrome-extension://')) running.set(v.versionId, v.runningStatus);
      }
      onChange();
    });
    await cdp.send('ServiceWorker.enable');
    const allStopped = () => [...running.values()].every((status) => status === 'stopped');
    await cdp.send('ServiceWorker.stopAllWorkers');
    if (allStopped()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Service workers still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
      onChange = () => {
        if (allStopped()) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * Turns the page hook on for `origin` the way the panel does: `scripting` and the origin granted from an
 * extension page, then `setHook` naming a tab that the browser reports on that origin (the worker checks it).
 * Opens a page on `origin` for that and closes it again; the registration outlives it.
 */
export async function enablePageHookFor(
  context: BrowserContext,
  extensionId: string,
  probe: Page,
  origin: string,
): Promise<void> {
  await grantPageHook(probe, origin);
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/?stepup-hook-setup=${Date.now()}`);
    const tabId = await tabIdOf(context, extensionId, page);
    const reply = (await probe.evaluate(
      ([o, t]) => chrome.runtime.sendMessage({ v: 1, type: 'setHook', origin: o, enabled: true, tabId: t }),
      [origin, tabId] as const,
    )) as { ok?: boolean } | undefined;
    if (reply?.ok !== true) throw new Error(`setHook ${origin}: ${JSON.stringify(reply)}`);
  } finally {
    await page.close();
  }
}
