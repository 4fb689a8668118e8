/** chrome.devtools.*: only available in the DevTools page and the panels it creates. */
import { browser } from './browser.ts';

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

export async function createPanel(title: string, iconPath: string, pagePath: string): Promise<void> {
  await browser.devtools.panels.create(title, iconPath, pagePath);
}

/**
 * Every request DevTools' network log finishes, while DevTools is open on the tab, whichever panel is shown.
 * Chrome's own callback-style object is used rather than the polyfill's, whose wrapping of getContent
 * differs between versions.
 */
export function onRequestFinished(listener: (request: FinishedRequest) => void): void {
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
