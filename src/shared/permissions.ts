/**
 * What each feature is granted, and where the page hook runs, in one place: the manifests (built from
 * manifest.json by vite.config.ts, which adds the hosts below), the platform layer that asks for them, the worker
 * that registers the hook and the unit test that holds them together all read them here. Least privilege: an
 * install-time grant serves a feature that is on by default; an opt-in feature asks for everything it needs in
 * one request, from the click that turns it on (one prompt).
 */
import { CAPTURE_HOST_PERMISSIONS } from '../core/providers/capture.ts';
import { isConcreteOrigin } from './messages.ts';

/**
 * The hosted step-up APIs background capture observes (each provider's `hostPermissions`), asked for together
 * with `webRequest` when the user ticks **Background capture** (webRequest sees only hosts the extension may
 * access). The loopback hosts are granted at install and need no asking.
 */
export const BACKGROUND_CAPTURE_HOSTS: readonly string[] = CAPTURE_HOST_PERMISSIONS;

/** API permissions background capture asks for (its hosts are {@link BACKGROUND_CAPTURE_HOSTS}). */
export const BACKGROUND_CAPTURE_PERMISSIONS = ['webRequest'] as const;

/**
 * The loopback hosts, where developers run the apps they debug: the page hook runs there from page load by
 * default, on any port, over http and https. Granted at install (manifest.json's `host_permissions`).
 */
export const LOOPBACK_HOST_PERMISSIONS = [
  'http://localhost/*',
  'https://localhost/*',
  'http://127.0.0.1/*',
  'https://127.0.0.1/*',
  'http://[::1]/*',
  'https://[::1]/*',
] as const;

/** Host names as the URL parser writes them (IPv6 in brackets). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * API permissions the page hook is registered with. Part of the install: the hook is on by default on the
 * loopback hosts. It is also what lets the panel opened as a tab run code in the page. Opting in another
 * origin asks for that origin only.
 */
export const PAGE_HOOK_PERMISSIONS = ['scripting'] as const;

/** Whether `origin` is an http(s) origin on a loopback host, any port: the page hook is on there by default. */
export function isLoopbackOrigin(origin: string): boolean {
  if (!isConcreteOrigin(origin)) return false;
  return LOOPBACK_HOSTS.has(new URL(origin).hostname);
}

/**
 * Where the user wants the page hook, apart from the default (stored by the worker in `storage.local`, so it
 * survives restarts of the browser). Both lists hold concrete origins.
 */
export interface PageHookSettings {
  /** Loopback origins the user switched off. */
  off: string[];
  /** Other origins the user opted in (each granted with its own permission request). */
  on: string[];
}

export const NO_PAGE_HOOK_SETTINGS: PageHookSettings = { off: [], on: [] };

/** Whether the page hook runs in pages (and frames) of `origin`: on loopback unless switched off, else opted in. */
export function pageHookOn(settings: PageHookSettings, origin: string | null): boolean {
  if (origin === null || !isConcreteOrigin(origin)) return false;
  return isLoopbackOrigin(origin) ? !settings.off.includes(origin) : settings.on.includes(origin);
}

/**
 * The settings in a stored value, or null when it holds none (never written, or not this shape). Anything that
 * is not a concrete origin of the right kind is left out: the lists become match patterns.
 */
export function parsePageHookSettings(value: unknown): PageHookSettings | null {
  if (typeof value !== 'object' || value === null) return null;
  const { off, on } = value as Record<string, unknown>;
  if (!Array.isArray(off) || !Array.isArray(on)) return null;
  const unique = (list: unknown[], loopback: boolean) => [
    ...new Set(list.filter((o): o is string => isConcreteOrigin(o) && isLoopbackOrigin(o) === loopback)),
  ];
  return { off: unique(off, true), on: unique(on, false) };
}
