/** Optional host permissions, asked for one site at a time when the user turns the page hook on. */
import { browser } from './browser.ts';

export function originPattern(origin: string): string {
  return `${origin}/*`;
}

/** Must run inside a user gesture in an extension page (the panel's button handler). */
export function requestOrigin(origin: string): Promise<boolean> {
  return browser.permissions.request({ origins: [originPattern(origin)] });
}

export function hasOrigin(origin: string): Promise<boolean> {
  return browser.permissions.contains({ origins: [originPattern(origin)] });
}

export function removeOrigin(origin: string): Promise<boolean> {
  return browser.permissions.remove({ origins: [originPattern(origin)] });
}
