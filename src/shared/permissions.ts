/**
 * Which optional permissions each opt-in feature asks for, in one place: the manifests (built from manifest.json
 * by vite.config.ts, which adds the hosts below), the platform layer that asks for them and the unit test that
 * holds the two together all read them here. Least privilege: nothing a feature that is off by default needs
 * is granted at install; a feature asks for everything it needs in one request, from the click that turns
 * it on (one prompt).
 */
import { CAPTURE_HOST_PERMISSIONS } from '../core/providers/capture.ts';

/**
 * The hosted step-up APIs background capture observes (each provider's `hostPermissions`), asked for together
 * with `webRequest` when the user ticks **Background capture** (webRequest sees only hosts the extension may
 * access). The loopback hosts are granted at install and need no asking.
 */
export const BACKGROUND_CAPTURE_HOSTS: readonly string[] = CAPTURE_HOST_PERMISSIONS;

/** API permissions background capture asks for (its hosts are {@link BACKGROUND_CAPTURE_HOSTS}). */
export const BACKGROUND_CAPTURE_PERMISSIONS = ['webRequest'] as const;

/**
 * API permissions the page hook asks for, together with its one origin, when the user turns on "Capture
 * before DevTools opens" (registering content scripts; also what lets the panel opened as a tab run code in
 * the page).
 */
export const PAGE_HOOK_PERMISSIONS = ['scripting'] as const;
