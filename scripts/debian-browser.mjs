/**
 * Finding a browser for the e2e tests and the demo, installing Debian's package when it is missing. Nothing
 * is ever downloaded any other way (no `playwright install`, no puppeteer browser download, no geckodriver):
 * the only registries this project's machines reach are npm's and Debian's.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} DebianBrowser
 * @property {string} name      for messages ("Chromium")
 * @property {string} envVar    an override holding an executable path ("CHROME_PATH")
 * @property {string} path      where the Debian package puts its launcher ("/usr/bin/chromium")
 * @property {string} pkg       the Debian package ("chromium")
 * @property {string} envHint   what the override may point at ("a Chromium/Chrome executable")
 */

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
 * The browser to use without installing anything: the override when executable, else the Debian path, else null.
 * @param {DebianBrowser} browser
 * @returns {string | null}
 */
export function findBrowser(browser) {
  const fromEnv = process.env[browser.envVar];
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return fromEnv;
    console.warn(
      `${browser.envVar}=${fromEnv} is not an executable file; looking for ${browser.path} instead.`,
    );
  }
  return existsSync(browser.path) ? browser.path : null;
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
 * The path of a usable browser, installing its Debian package when running as root. Throws, with the command
 * to run, when it cannot.
 * @param {DebianBrowser} browser
 * @returns {string}
 */
export function ensureBrowser(browser) {
  const found = findBrowser(browser);
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `${browser.name} not found. Install Debian's ${browser.pkg} package:\n  sudo apt-get update && sudo apt-get install -y ${browser.pkg}\n` +
        `or set ${browser.envVar} to ${browser.envHint}.`,
    );
  }
  console.log(
    `${browser.name} not found: installing Debian's ${browser.pkg} package (apt-get install -y ${browser.pkg})…`,
  );
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', browser.pkg]);
  if (!existsSync(browser.path))
    throw new Error(`apt-get installed ${browser.pkg} but ${browser.path} is missing.`);
  return browser.path;
}

/**
 * Runs `ensure` when `moduleUrl` is the script node was started with: prints the path, or the reason and exit 1.
 * @param {string} moduleUrl
 * @param {() => string} ensure
 */
export function runAsScript(moduleUrl, ensure) {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  try {
    console.log(ensure());
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
