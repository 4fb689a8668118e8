/**
 * Scripts in Firefox's own browser window (the privileged "chrome" scope), for what WebDriver BiDi has no
 * command for: opening DevTools, suspending the add-on's event page. With `--remote-allow-system-access`,
 * BiDi lists the browser window as a `moz:scope: "chrome"` context and evaluates scripts in it.
 */
import type { Browser } from 'puppeteer-core';

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

interface EvaluateResult {
  type: 'success' | 'exception';
  result?: { type: string; value?: unknown };
  exceptionDetails?: { text?: string };
}

function connectionOf(browser: Browser): BidiConnection {
  const connection = (browser as unknown as { connection?: BidiConnection }).connection;
  if (!connection) throw new Error('not a WebDriver BiDi session');
  return connection;
}

/** Evaluates `expression` (awaited; its value as a string) in the browser window's chrome scope. */
export async function inBrowserWindow(browser: Browser, expression: string): Promise<string> {
  const connection = connectionOf(browser);
  const tree = (await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' })).result as {
    contexts: { context: string; url: string }[];
  };
  const window = tree.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
  if (!window)
    throw new Error('no browser window in the chrome scope (is --remote-allow-system-access set?)');
  const { result } = (await connection.send('script.evaluate', {
    expression,
    target: { context: window.context },
    awaitPromise: true,
    resultOwnership: 'none',
  })) as { result: EvaluateResult };
  if (result.type !== 'success')
    throw new Error(`chrome-scope script failed: ${result.exceptionDetails?.text ?? 'unknown error'}`);
  return String(result.result?.value ?? '');
}

const withExtension = (addonId: string, body: string) => `(async () => {
  const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
  const extension = ExtensionParent.GlobalManager.getExtension(${JSON.stringify(addonId)});
  if (!extension) throw new Error('add-on not running: ' + ${JSON.stringify(addonId)});
  ${body}
})()`;

/** The event page's state: `starting`, `running`, `suspending` or `stopped`. */
export function backgroundState(browser: Browser, addonId: string): Promise<string> {
  return inBrowserWindow(browser, withExtension(addonId, 'return extension.backgroundState;'));
}

/**
 * Suspends the add-on's event page now, as Firefox does after 30 s idle (`extensions.background.idle.timeout`),
 * skipping the checks that would postpone it. The next event it listens to starts it again, with empty memory.
 * Resolves with the state after the suspension (`stopped`).
 */
export function suspendBackground(browser: Browser, addonId: string): Promise<string> {
  return inBrowserWindow(
    browser,
    withExtension(
      addonId,
      `if (extension.backgroundState === 'running')
         await extension.terminateBackground({ ignoreDevToolsAttached: true, disableResetIdleForTest: true });
       return extension.backgroundState;`,
    ),
  );
}
