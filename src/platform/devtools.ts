/** chrome.devtools.*: only available in the DevTools page and the panels it creates. */
import { browser } from './browser.ts';
import { isFirefox } from './target.ts';

export interface FinishedRequest {
  /** The HAR 1.2 entry DevTools reports (no response body: that comes from getContent). */
  entry: unknown;
  getContent(): Promise<{ text?: string; encoding?: string }>;
}

export function isDevtoolsContext(): boolean {
  return typeof chrome !== 'undefined' && chrome.devtools?.inspectedWindow !== undefined;
}

export function inspectedTabId(): number {
  return browser.devtools.inspectedWindow.tabId;
}

/**
 * Paths are relative to the extension's root, as Chrome reads them. Firefox resolves them against the calling
 * page (src/devtools/devtools.html), which would make `src/panel/panel.html` a missing
 * `src/devtools/src/panel/panel.html`, and wants relative URLs: there they are made root-relative.
 */
export async function createPanel(title: string, iconPath: string, pagePath: string): Promise<void> {
  const fromRoot = (path: string) => (isFirefox() ? `/${path.replace(/^\/+/, '')}` : path);
  const panel = await browser.devtools.panels.create(title, fromRoot(iconPath), fromRoot(pagePath));
  // Only this page holds the panel object: its onShown reaches the panel's page through a channel of the tab
  // (see onPanelRevealed). Firefox does not pass the panel's window to the listener, a channel needs none.
  const channel = new BroadcastChannel(panelShownChannel(inspectedTabId()));
  panel.onShown.addListener(() => channel.postMessage('shown'));
}

const panelShownChannel = (tabId: number) => `stepup-inspector:panel-shown:${tabId}`;

/**
 * Calls back whenever the panel comes back into view: DevTools shows it again (its onShown, relayed by the
 * DevTools page, which alone holds the panel object), or its window regains focus or becomes visible (a
 * detached DevTools window, the panel opened as a tab). Repeats are possible: listeners must be idempotent.
 */
export function onPanelRevealed(listener: () => void): void {
  if (isDevtoolsContext()) {
    const channel = new BroadcastChannel(panelShownChannel(inspectedTabId()));
    channel.addEventListener('message', () => listener());
  }
  window.addEventListener('focus', () => listener());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') listener();
  });
}

/**
 * Every request DevTools' network log finishes, while DevTools is open on the tab, whichever panel is shown.
 * Chrome's own callback-style object is used rather than the polyfill's, whose wrapping of getContent
 * differs between versions.
 */
export function onRequestFinished(listener: (request: FinishedRequest) => void): void {
  if (isFirefox()) {
    onRequestFinishedInFirefox(listener);
    return;
  }
  chrome.devtools.network.onRequestFinished.addListener((request) => {
    listener({
      entry: request,
      getContent: () =>
        new Promise((resolve) => {
          request.getContent((content, encoding) => {
            const out: { text?: string; encoding?: string } = {};
            if (typeof content === 'string') out.text = content;
            if (typeof encoding === 'string' && encoding) out.encoding = encoding;
            resolve(out);
          });
        }),
    });
  });
}

/** Firefox's HAR entry: `getContent()` resolves with `[content, mimeType]` (a MIME type, not an encoding). */
interface FirefoxHarEntry {
  getContent(): Promise<[unknown, unknown]>;
}

/**
 * Firefox differs in three ways. Its network monitor only starts collecting when something asks for it: MDN
 * says onRequestFinished fires only once the Network panel has been opened, and recent versions start the
 * monitor when the first listener is added; asking for the HAR once starts it too, so requests are seen
 * from the moment the DevTools page loads, whichever panel is shown. Its `getContent()` resolves with
 * `[content, mimeType]`: the second value is never an encoding, and base64 bodies cannot be told apart, so
 * only text is kept. And it rejects when the monitor no longer holds the body (a request from before
 * the monitor started, or evicted): the capture then goes on without a body, as in Chrome when a body is
 * unavailable, and the webRequest or page-hook capture of the same request can still supply one.
 */
function onRequestFinishedInFirefox(listener: (request: FinishedRequest) => void): void {
  browser.devtools.network.onRequestFinished.addListener((request: unknown) => {
    listener({
      entry: request,
      getContent: async () => {
        try {
          const [content] = await (request as FirefoxHarEntry).getContent();
          return typeof content === 'string' ? { text: content } : {};
        } catch {
          return {};
        }
      },
    });
  });
  void browser.devtools.network.getHAR().catch(() => undefined);
}

/**
 * Calls back with the URL of each page the inspected tab navigates to while DevTools is open: DevTools' own
 * record of the navigation, reported by the browser (not read from the page, which can fake anything it is
 * asked). Does nothing outside DevTools (the panel opened as a tab).
 */
export function onInspectedNavigation(listener: (url: string) => void): void {
  if (!isDevtoolsContext()) return;
  browser.devtools.network.onNavigated.addListener((url: unknown) => {
    if (typeof url === 'string') listener(url);
  });
}

/**
 * Evaluates an expression in the inspected page's main world (its cookies, its CORS origin).
 * Resolves with the JSON-serialisable value, or rejects with DevTools' or the page's error.
 */
export function evalInInspectedPage<T>(expression: string): Promise<T> {
  return new Promise((resolve, reject) => {
    chrome.devtools.inspectedWindow.eval(
      expression,
      (result: unknown, info?: chrome.devtools.inspectedWindow.EvaluationExceptionInfo) => {
        if (info && (info.isError || info.isException))
          reject(new Error(info.value ?? info.description ?? 'evaluation failed'));
        else resolve(result as T);
      },
    );
  });
}

/**
 * Resolves once the inspected page has loaded (`document.readyState` is `complete`), or after 10 s: for a read of
 * what the page did while loading, after DevTools reported a navigation. The page answers the question itself,
 * so this decides only when to look, nothing else.
 */
export async function inspectedPageLoaded(): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 250) {
    const state = await evalInInspectedPage<unknown>('document.readyState').catch(() => null);
    if (state === 'complete') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
