/**
 * Registering the opt-in page hook (MAIN world) and its relay (isolated world) for chosen sites.
 *
 * Firefox runs registered scripts in the MAIN world from version 128 (the add-on's minimum). Its match
 * patterns have no port (see permissions.ts), so there the hook of `http://localhost:5173` covers every port
 * of localhost, and two opted-in origins on one host share one pattern. The relay is then registered once
 * per pattern (two relays in a page would forward every exchange twice) and kept while any origin of the
 * pattern is opted in; the hook guards itself against running twice.
 */
import { PAGE_HOOK_PERMISSIONS } from '../shared/permissions.ts';
import { browser } from './browser.ts';
import { originPattern } from './permissions.ts';
import { isFirefox } from './target.ts';

export interface HookScripts {
  /** Built file of the MAIN-world hook. */
  hook: string;
  /** Built file of the isolated-world relay. */
  relay: string;
}

const HOOK_PREFIX = 'stepup-hook:';
const idFor = (origin: string, part: 'hook' | 'relay') => `stepup-${part}:${origin}`;
/** Firefox's relay id: one per match pattern. */
const sharedRelayId = (origin: string) => `stepup-relay:${originPattern(origin)}`;

/**
 * Whether the optional `scripting` permission is held (asked for with the page hook's origin). Without it
 * `browser.scripting` is undefined; after a grant both browsers expose it to running contexts at once.
 */
export function hasScripting(): Promise<boolean> {
  return browser.permissions.contains({ permissions: [...PAGE_HOOK_PERMISSIONS] });
}

/** The scripting API, or an error that says which permission is missing. */
function scripting(): NonNullable<typeof browser.scripting> {
  const api = (browser as { scripting?: typeof browser.scripting }).scripting;
  if (!api) throw new Error('the scripting permission is not granted: turn the page hook on from the panel');
  return api;
}

export async function registerHook(origin: string, files: HookScripts): Promise<void> {
  await unregisterHook(origin);
  const matches = [originPattern(origin)];
  const relayId = isFirefox() ? sharedRelayId(origin) : idFor(origin, 'relay');
  const relayPresent =
    isFirefox() && (await scripting().getRegisteredContentScripts({ ids: [relayId] })).length > 0;
  await scripting().registerContentScripts([
    // Both at document_start so the hook wraps fetch before the page's first script runs.
    ...(relayPresent
      ? []
      : [
          {
            id: relayId,
            matches,
            js: [files.relay],
            runAt: 'document_start' as const,
            allFrames: false,
            persistAcrossSessions: true,
          },
        ]),
    {
      id: idFor(origin, 'hook'),
      matches,
      js: [files.hook],
      runAt: 'document_start',
      allFrames: false,
      world: 'MAIN',
      persistAcrossSessions: true,
    },
  ]);
}

export async function unregisterHook(origin: string): Promise<void> {
  // Without the permission nothing can have been registered (or unregistered) through this module.
  if (!(await hasScripting())) return;
  const ids = isFirefox()
    ? await firefoxIdsToUnregister(origin)
    : [idFor(origin, 'hook'), idFor(origin, 'relay')];
  const existing = await scripting().getRegisteredContentScripts({ ids });
  if (existing.length > 0) await scripting().unregisterContentScripts({ ids: existing.map((s) => s.id) });
}

/** The origin's hook, and its pattern's relay unless another opted-in origin still uses it. */
async function firefoxIdsToUnregister(origin: string): Promise<string[]> {
  const hook = idFor(origin, 'hook');
  const relay = sharedRelayId(origin);
  const otherOrigins = (await registeredHookOrigins()).filter((o) => o !== origin);
  return otherOrigins.some((o) => sharedRelayId(o) === relay) ? [hook] : [hook, relay];
}

export async function registeredHookOrigins(): Promise<string[]> {
  if (!(await hasScripting())) return [];
  const scripts = await scripting().getRegisteredContentScripts();
  return scripts.filter((s) => s.id.startsWith(HOOK_PREFIX)).map((s) => s.id.slice(HOOK_PREFIX.length));
}
