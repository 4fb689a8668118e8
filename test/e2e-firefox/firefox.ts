/**
 * Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core (no geckodriver, nothing downloaded),
 * with the built add-on (dist-firefox/) installed temporarily into a fresh profile.
 *
 * - The add-on's internal UUID is fixed through `extensions.webextensions.uuids`, so its pages have a known
 *   `moz-extension://<uuid>/` origin.
 * - Firefox 153 lets WebDriver navigate only to http(s)/file/blob URLs unless started with
 *   `--remote-allow-system-access`; the tests need it to open the add-on's pages (and it opens the browser
 *   window's chrome scope, see chrome-scope.ts). Even then puppeteer never sees a navigation to a
 *   `moz-extension:` page finish (apparently because the document moves to the extension process), so
 *   {@link openExtensionPage} starts it and waits on the document itself.
 * - `acceptInsecureCerts` accepts the emulator's self-signed certificate; the proxy auto-config sends the
 *   emulated API host to the emulator (see proxy.ts).
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The add-on id (`browser_specific_settings.gecko.id` in the Firefox manifest, see vite.config.ts). */
export const ADDON_ID = 'stepup-inspector@example.dev';
/** The add-on's internal UUID in the test profile. */
export const ADDON_UUID = '5d1f0c4e-3b7a-4f21-9c1e-7a2b8d6e4f10';
export const EXTENSION_ORIGIN = `moz-extension://${ADDON_UUID}`;
export const PANEL_PATH = 'src/panel/panel.html';

export interface LaunchFirefoxOptions {
  executablePath: string;
  /** The unpacked add-on (dist-firefox/). */
  extensionPath: string;
  /** `network.proxy.autoconfig_url`; no proxy when absent. */
  pacUrl?: string;
  headless?: boolean;
}

export interface LaunchedFirefox {
  browser: Browser;
  /** The installed add-on's id, as Firefox reports it. */
  addonId: string;
  version: string;
  close(): Promise<void>;
}

export async function launchFirefox(options: LaunchFirefoxOptions): Promise<LaunchedFirefox> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: options.executablePath,
    headless: options.headless ?? true,
    acceptInsecureCerts: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [ADDON_ID]: ADDON_UUID }),
      // MV3 host permissions are granted at install (Firefox 127+) unless this is off: keep it explicit.
      'extensions.originControls.grantByDefault': true,
      // A taller docked toolbox, so the DevTools screenshot shows more of the panel.
      'devtools.toolbox.footer.height': 560,
      ...(options.pacUrl ? { 'network.proxy.type': 2, 'network.proxy.autoconfig_url': options.pacUrl } : {}),
    },
  });
  try {
    const addonId = await browser.installExtension(options.extensionPath);
    const version = await browser.version();
    return { browser, addonId, version, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens one of the add-on's pages in a new tab and waits until its document has loaded. */
export async function openExtensionPage(browser: Browser, path: string): Promise<Page> {
  const url = `${EXTENSION_ORIGIN}/${path}`;
  const page = await browser.newPage();
  // Never settles for moz-extension: pages in Firefox 153 (see above); the document is watched instead.
  page.goto(url, { timeout: 20_000 }).catch(() => undefined);
  await waitFor(`${url} to load`, () =>
    page.evaluate((expected) => location.href === expected && document.readyState === 'complete', url),
  );
  return page;
}

/** The WebExtension `browser` global of an extension page, typed like `chrome` (promise-returning in MV3). */
export type ExtensionApi = typeof chrome;
