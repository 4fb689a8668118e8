#!/usr/bin/env node
/**
 * The Firefox the Firefox e2e tests drive (WebDriver BiDi, puppeteer-core): `FIREFOX_PATH` (when executable), then
 * `/usr/bin/firefox-esr`, then `apt-get install -y firefox-esr` (root only). Usable as a script
 * (`node scripts/ensure-firefox.mjs`, prints the path) and as a module (`ensureFirefox()`).
 */
import { ensureBrowser, findBrowser, runAsScript } from './debian-browser.mjs';

/** Where Debian's `firefox-esr` package puts its launcher. */
export const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

const FIREFOX = {
  name: 'Firefox',
  envVar: 'FIREFOX_PATH',
  path: DEBIAN_FIREFOX,
  pkg: 'firefox-esr',
  envHint: 'a Firefox executable (128 or newer)',
};

/** @returns {string | null} */
export function findFirefox() {
  return findBrowser(FIREFOX);
}

/** @returns {string} */
export function ensureFirefox() {
  return ensureBrowser(FIREFOX);
}

runAsScript(import.meta.url, ensureFirefox);
