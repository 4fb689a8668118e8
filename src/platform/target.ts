/**
 * Which browser runs the extension, and the few facts about it the other platform modules need. Decided at
 * run time from the extension's own URL scheme (`moz-extension:` in Firefox), so one source serves both
 * builds and every context (worker/event page, DevTools page, panel, content scripts) agrees without a
 * build-time flag. Everything that differs between Chrome and Firefox is decided in src/platform, using this:
 *
 * | difference | Chrome | Firefox | handled in |
 * |---|---|---|---|
 * | background | service worker | event page (`background.scripts`), same top-level-listener rules | vite.config.ts (manifest); nothing at run time |
 * | webRequest `extraHeaders` | needed to see every header | not a valid option (addListener throws); every header reported anyway | web-request.ts |
 * | DevTools network bodies | `getContent(cb(content, encoding))` | `getContent()` → `[content, mimeType]`, rejects when the monitor has no body | devtools.ts |
 * | `devtools.panels.create` paths | from the extension root | from the calling page | devtools.ts |
 * | storage.session quota | 10 MB of JSON, enforced | 10 MB of structured-clone bytes, enforced only in recent versions | storage.ts |
 * | match pattern with a port | matches that port | accepted but matches nothing: the port is dropped (every port); a switched-off port is left out by the relay and the worker | permissions.ts, scripting.ts |
 * | host permissions | granted at install | granted at install (127+), withdrawable by the user at any time | permissions.ts |
 * | background capture | optional `webRequest` + step-up API hosts, asked together | part of the install | vite.config.ts (manifest), background-capture.ts |
 * | `scripting` | part of the install (the page hook is on by default on loopback), no warning | the same | manifest |
 */
import { browser } from './browser.ts';

export type BrowserName = 'chrome' | 'firefox';

let detected: BrowserName | undefined;

/** The running browser, from the scheme of the extension's own URLs. */
export function browserName(): BrowserName {
  detected ??= browser.runtime.getURL('').startsWith('moz-extension:') ? 'firefox' : 'chrome';
  return detected;
}

export function isFirefox(): boolean {
  return browserName() === 'firefox';
}
