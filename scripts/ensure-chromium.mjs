#!/usr/bin/env node
/**
 * Finds the Chromium the e2e tests and `npm run demo` drive, installing Debian's `chromium` package if needed.
 * Playwright's own browser download does not work in this project's environments: never `playwright install`.
 *
 * Order: `CHROME_PATH` (when executable), then `/usr/bin/chromium`, then `apt-get install -y chromium` (root only).
 * Usable as a script (`node scripts/ensure-chromium.mjs`, prints the path) and as a module (`ensureChromium()`).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

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
 * The Chromium to use without installing anything, or `null`.
 * @returns {string | null}
 */
export function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return fromEnv;
    console.warn(`CHROME_PATH=${fromEnv} is not an executable file; looking for ${DEBIAN_CHROMIUM} instead.`);
  }
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : null;
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
 * Returns the path of a usable Chromium, installing Debian's package when running as root.
 * Throws (with the command to run) when it cannot.
 * @returns {string}
 */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      "Chromium not found. Install Debian's chromium package:\n  sudo apt-get update && sudo apt-get install -y chromium\n" +
        'or set CHROME_PATH to a Chromium/Chrome executable.',
    );
  }
  console.log("Chromium not found: installing Debian's chromium package (apt-get install -y chromium)…");
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'chromium']);
  if (!existsSync(DEBIAN_CHROMIUM))
    throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing.`);
  return DEBIAN_CHROMIUM;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
