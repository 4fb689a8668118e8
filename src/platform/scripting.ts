/**
 * The page hook's platform side: the registered content scripts (the MAIN-world hook and its isolated-world
 * relay), and the user's hook settings in `storage.local`. Which scripts should be registered is decided by
 * the worker (src/background/page-hooks.ts); this module only reaches the browser.
 *
 * Firefox runs registered scripts in the MAIN world, and takes `matchOriginAsFallback`, from version 128 (the
 * add-on's minimum). Its match patterns have no port (see permissions.ts): a registration covers every port
 * of its host, and a switched-off port cannot be excluded by a pattern. There the relay asks the settings
 * when it starts and, on an origin where the hook is not on, tells the hook to stand down
 * ({@link pageHookStandsDown}); the worker drops whatever such a frame still reports, in both browsers.
 */
import {
  NO_PAGE_HOOK_SETTINGS,
  pageHookOn,
  parsePageHookSettings,
  type PageHookSettings,
} from '../shared/permissions.ts';
import { storageKeys } from '../shared/messages.ts';
import { browser } from './browser.ts';
import { isFirefox } from './target.ts';

/** One registered content script, as far as the page hook's registrations use the fields. */
export interface ContentScript {
  id: string;
  matches: string[];
  excludeMatches?: string[];
  js: string[];
  runAt: 'document_start' | 'document_end' | 'document_idle';
  allFrames: boolean;
  matchOriginAsFallback: boolean;
  world?: 'ISOLATED' | 'MAIN';
  persistAcrossSessions: boolean;
}

/** The scripting calls the worker's registry makes (a fake in the unit tests). */
export interface ScriptingPort {
  /** The extension's registered content scripts (every field the browser reports; absent ones at their defaults). */
  registered(): Promise<Partial<ContentScript>[]>;
  register(scripts: ContentScript[]): Promise<void>;
  /** Replaces every field of already registered scripts, in one step (no page loads between two states). */
  update(scripts: ContentScript[]): Promise<void>;
  unregister(ids: string[]): Promise<void>;
}

type Scripting = NonNullable<typeof browser.scripting>;
type RegisteredScript = Parameters<Scripting['registerContentScripts']>[0][number];

function scripting(): Scripting {
  // `scripting` is part of the install; a build without it cannot register anything.
  const api = (browser as { scripting?: Scripting }).scripting;
  if (!api) throw new Error('the scripting permission is missing from this build of the extension');
  return api;
}

const toBrowser = (script: ContentScript): RegisteredScript => script as unknown as RegisteredScript;

export const scriptingPort: ScriptingPort = {
  async registered() {
    return (await scripting().getRegisteredContentScripts()) as Partial<ContentScript>[];
  },
  async register(scripts) {
    if (scripts.length > 0) await scripting().registerContentScripts(scripts.map(toBrowser));
  },
  async update(scripts) {
    if (scripts.length > 0) await scripting().updateContentScripts(scripts.map(toBrowser));
  },
  async unregister(ids) {
    if (ids.length > 0) await scripting().unregisterContentScripts({ ids });
  },
};

/** The page hook settings in `storage.local` (the browser keeps it across restarts; the worker writes it). */
export const hookSettingsStore = {
  async read(): Promise<unknown> {
    return (await browser.storage.local.get(storageKeys.pageHookSettings))[storageKeys.pageHookSettings];
  },
  write(settings: PageHookSettings): Promise<void> {
    return browser.storage.local.set({ [storageKeys.pageHookSettings]: settings });
  },
};

/**
 * Whether the page hook injected in this frame must stand down: true only in Firefox, on an origin where the
 * user does not want it (its patterns could not leave the frame out). In Chrome the registrations match
 * exactly the origins where the hook is on, so nothing is asked.
 */
export async function pageHookStandsDown(origin: string): Promise<boolean> {
  if (!isFirefox()) return false;
  const settings = parsePageHookSettings(await hookSettingsStore.read());
  return !pageHookOn(settings ?? NO_PAGE_HOOK_SETTINGS, origin);
}
