#!/usr/bin/env node
/**
 * Finds the Firefox the Firefox e2e tests drive (over WebDriver BiDi, with puppeteer-core), installing Debian's
 * `firefox-esr` package if needed. Nothing is ever downloaded any other way: no puppeteer browser download, no
 * geckodriver.
 *
 * Order: `FIREFOX_PATH` (when executable), then `/usr/bin/firefox-esr`, then `apt-get install -y firefox-esr`
 * (root only). Usable as a script (`node scripts/ensure-firefox.mjs`, prints the path) and as a module
 * (`ensureFirefox()`).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where Debian's `firefox-esr` package puts its launcher. */
export const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

/** @param {string} path */
function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Firefox to use without installing anything, or `null`.
 * @returns {string | null}
 */
export function findFirefox() {
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return fromEnv;
    console.warn(`FIREFOX_PATH=${fromEnv} is not an executable file; looking for ${DEBIAN_FIREFOX} instead.`);
  }
  return existsSync(DEBIAN_FIREFOX) ? DEBIAN_FIREFOX : null;
}

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw new Error(`Could not run ${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

/**
 * Returns the path of a usable Firefox, installing Debian's `firefox-esr` when running as root.
 * Throws (with the command to run) when it cannot.
 * @returns {string}
 */
export function ensureFirefox() {
  const found = findFirefox();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      "Firefox not found. Install Debian's firefox-esr package:\n  sudo apt-get update && sudo apt-get install -y firefox-esr\n" +
        'or set FIREFOX_PATH to a Firefox executable (128 or newer).',
    );
  }
  console.log("Firefox not found: installing Debian's firefox-esr package (apt-get install -y firefox-esr)…");
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'firefox-esr']);
  if (!existsSync(DEBIAN_FIREFOX))
    throw new Error(`apt-get installed firefox-esr but ${DEBIAN_FIREFOX} is missing.`);
  return DEBIAN_FIREFOX;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(ensureFirefox());
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
