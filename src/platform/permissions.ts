/**
 * Optional host permissions, asked for one site at a time when the user turns the page hook on, together
 * with the optional `scripting` permission the hook is registered with (src/shared/permissions.ts): one
 * request, one prompt at most (Chrome and Firefox show none for `scripting` itself).
 *
 * Firefox differs: a match pattern with a port (`http://localhost:5173/*`) is accepted but never matches
 * (Firefox's patterns have no port, and `permissions.contains` says false even with `http://localhost/*`
 * granted), so the port is dropped there and the pattern covers every port of the host. Firefox also lets
 * the user withdraw any host permission, the manifest's `host_permissions` included, at any time
 * (granted at install from Firefox 127); callers check with `hasOrigin` rather than assume. The request must
 * still be the first call of the click handler: Firefox refuses it outside a user gesture.
 */
import { PAGE_HOOK_PERMISSIONS } from '../shared/permissions.ts';
import { browser } from './browser.ts';
import { isFirefox } from './target.ts';

/** The match pattern of one origin's pages: `<origin>/*` (in Firefox without the port). */
export function originPattern(origin: string): string {
  if (isFirefox()) {
    const url = new URL(origin);
    return `${url.protocol}//${url.hostname}/*`;
  }
  return `${origin}/*`;
}

/**
 * Asks for what the page hook on `origin` needs: host access to the origin and `scripting`. Must run inside
 * a user gesture in an extension page, as the first call of the click handler (Firefox refuses it after an
 * await).
 */
export function requestPageHookAccess(origin: string): Promise<boolean> {
  return browser.permissions.request({
    origins: [originPattern(origin)],
    permissions: [...PAGE_HOOK_PERMISSIONS],
  });
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
