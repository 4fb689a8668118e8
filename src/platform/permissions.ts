/**
 * Host permissions and match patterns. The page hook is on by default on the loopback hosts, granted at
 * install with `scripting` (src/shared/permissions.ts); another origin is asked for one at a time when the
 * user turns the hook on there: one request, one prompt at most.
 *
 * Firefox differs: a match pattern with a port (`http://localhost:5173/*`) is accepted but never matches
 * (Firefox's patterns have no port, and `permissions.contains` says false even with `http://localhost/*`
 * granted), so the port is dropped there and the pattern covers every port of the host. Firefox also lets
 * the user withdraw any host permission, the manifest's `host_permissions` included, at any time
 * (granted at install from Firefox 127); callers check with `hasOrigin` rather than assume. The request must
 * still be the first call of the click handler: Firefox refuses it outside a user gesture.
 */
import { browser } from './browser.ts';
import { isFirefox } from './target.ts';

/** The match pattern a permission for one origin is asked and checked with: `<origin>/*` (in Firefox without the port). */
export function originPattern(origin: string): string {
  if (isFirefox()) {
    const url = new URL(origin);
    return `${url.protocol}//${url.hostname}/*`;
  }
  return `${origin}/*`;
}

/** Whether this browser's match patterns tell ports apart (Chrome), or cover every port of a host (Firefox). */
export function patternsHavePorts(): boolean {
  return !isFirefox();
}

/**
 * The narrowest match pattern for the pages of `origin`. In Chrome it names the port even when it is the
 * scheme's default (`https://app.example:443/*`): a pattern without one matches every port of the host. In
 * Firefox it covers every port of the host ({@link originPattern}).
 */
export function pagePattern(origin: string): string {
  if (isFirefox()) return originPattern(origin);
  const url = new URL(origin);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${url.hostname}:${port}/*`;
}

/**
 * Asks for host access to `origin`, which the page hook needs there (`scripting` is part of the install). Must
 * run inside a user gesture in an extension page, as the first call of the click handler (Firefox refuses it
 * after an await). Resolves at once, with no prompt, when the access is held (the loopback hosts).
 */
export function requestPageHookAccess(origin: string): Promise<boolean> {
  return browser.permissions.request({ origins: [originPattern(origin)] });
}

export function hasOrigin(origin: string): Promise<boolean> {
  return browser.permissions.contains({ origins: [originPattern(origin)] });
}

export function removeOrigin(origin: string): Promise<boolean> {
  return browser.permissions.remove({ origins: [originPattern(origin)] });
}

/** Calls back after any permission was granted or withdrawn (register at the worker's top level). */
export function onPermissionsChanged(callback: () => void): void {
  browser.permissions.onAdded.addListener(callback);
  browser.permissions.onRemoved.addListener(callback);
}
