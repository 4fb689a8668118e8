#!/usr/bin/env node
/**
 * The Chromium the e2e tests and `npm run demo` drive: `CHROME_PATH` (when executable), then `/usr/bin/chromium`,
 * then `apt-get install -y chromium` (root only). Usable as a script (`node scripts/ensure-chromium.mjs`, prints
 * the path) and as a module (`ensureChromium()`).
 */
import { ensureBrowser, findBrowser, runAsScript } from './debian-browser.mjs';

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const CHROMIUM = {
  name: 'Chromium',
  envVar: 'CHROME_PATH',
  path: DEBIAN_CHROMIUM,
  pkg: 'chromium',
  envHint: 'a Chromium/Chrome executable',
};

/** @returns {string | null} */
export function findChromium() {
  return findBrowser(CHROMIUM);
}

/** @returns {string} */
export function ensureChromium() {
  return ensureBrowser(CHROMIUM);
}

runAsScript(import.meta.url, ensureChromium);
