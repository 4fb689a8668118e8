/**
 * Background capture: the worker's webRequest observer (web-request.ts), behind the optional `webRequest`
 * permission. Chromium decides whether to route a profile's requests through the extension system when an
 * extension loads (WebRequestAPI counts loaded extensions holding the permission), not when a permission
 * is granted: a grant takes effect from the extension's next load (in practice Chrome's next start), and a
 * withdrawal stops the listeners at once but the routing only at that next load. The `pending` flag lives in
 * chrome.storage.session, which Chrome empties at exactly those moments. (`runtime.reload()` would be the
 * quicker way, but in Chromium 156 it left the unpacked extension unloaded: tried, see docs/performance.md.)
 * Firefox has no such detour and keeps the permission in the install (vite.config.ts): always on there.
 *
 * webRequest only reports requests to hosts the extension may access: the hosted step-up APIs
 * (BACKGROUND_CAPTURE_HOSTS) are optional hosts in Chrome, asked for in the same request as the permission
 * (one prompt, from the same click); host grants take effect at once. In Firefox they are part of the
 * install, with the permission.
 */
import { storageKeys } from '../shared/messages.ts';
import { BACKGROUND_CAPTURE_HOSTS, BACKGROUND_CAPTURE_PERMISSIONS } from '../shared/permissions.ts';
import { browser, type Permissions } from './browser.ts';
import { isFirefox } from './target.ts';

/** off; on; granted but waiting for the extension's next start; part of the install (Firefox). */
export type BackgroundCaptureState = 'off' | 'on' | 'pending' | 'always';

const PERMISSION: Permissions.Permissions = { permissions: [...BACKGROUND_CAPTURE_PERMISSIONS] };
/** What the box asks for and gives back: the permission and the hosts it observes. */
const FEATURE: Permissions.Permissions = {
  permissions: [...BACKGROUND_CAPTURE_PERMISSIONS],
  origins: [...BACKGROUND_CAPTURE_HOSTS],
};

/** Whether the permission is held now (granted, in effect or not). */
export function hasBackgroundCapturePermission(): Promise<boolean> {
  return browser.permissions.contains(PERMISSION);
}

export async function backgroundCaptureState(): Promise<BackgroundCaptureState> {
  if (isFirefox()) return 'always';
  if (!(await hasBackgroundCapturePermission())) return 'off';
  const key = storageKeys.backgroundCapturePending;
  const pending = (await browser.storage.session.get(key))[key] === true;
  return pending ? 'pending' : 'on';
}

/** Records that the permission was granted while the extension runs (the worker, on permissions.onAdded). */
export async function markBackgroundCapturePending(): Promise<void> {
  if (isFirefox()) return;
  await browser.storage.session.set({ [storageKeys.backgroundCapturePending]: true });
}

/**
 * Asks for the permission and the step-up API hosts in one request (Chrome prompts for the hosts; webRequest
 * itself has no warning). The request must be the first call of a click handler, before any await.
 */
export async function enableBackgroundCapture(): Promise<BackgroundCaptureState> {
  const granted = await browser.permissions.request(FEATURE);
  if (!granted) return 'off';
  await markBackgroundCapturePending();
  return backgroundCaptureState();
}

export async function disableBackgroundCapture(): Promise<BackgroundCaptureState> {
  if (isFirefox()) return 'always';
  await browser.permissions.remove(FEATURE);
  await browser.storage.session.remove(storageKeys.backgroundCapturePending);
  return 'off';
}
