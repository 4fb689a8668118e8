/**
 * DevTools preferences for the demo's fresh Chromium profile, written before launch so that DevTools opens
 * docked beside the page and wide enough to read the Step-Up panel (its default is a narrow strip).
 *
 * Chromium keeps DevTools' settings in the profile's `Default/Preferences` JSON under `devtools.preferences`,
 * each value a JSON-encoded string: `currentDockState` is the dock side, `inspector-view.split-view-state` the
 * size of DevTools beside (`vertical`) or under (`horizontal`) the page.
 *
 * Which panel DevTools opens on is not set here: `panel-selected-tab` is restored only among the built-in
 * panels (DevTools applies it before extensions register theirs, and selects none added later), so the demo
 * selects the Step-Up panel itself once DevTools is open.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where DevTools sits: beside the page, under it, or in a window of its own. */
export type DockSide = 'right' | 'bottom' | 'undocked';

/** Options of {@link devtoolsPreferences}. */
export interface DevToolsLayout {
  /** Default `right`. */
  dock?: DockSide;
  /** Width (docked right; undocked: its width when docked again) or height (docked bottom) in CSS pixels. */
  size: number;
}

/** A bad size or Preferences file. */
export class DevToolsPrefsError extends Error {
  override name = 'DevToolsPrefsError';
}

/** The `devtools.preferences` entries for `layout`. */
export function devtoolsPreferences(layout: DevToolsLayout): Record<string, string> {
  const dock = layout.dock ?? 'right';
  const { size } = layout;
  if (!Number.isInteger(size) || size < 200 || size > 4000) {
    throw new DevToolsPrefsError(`DevTools size ${size} is not a whole number of pixels from 200 to 4000.`);
  }
  const split = dock === 'bottom' ? { horizontal: { size } } : { vertical: { size } };
  return {
    currentDockState: JSON.stringify(dock),
    'inspector-view.split-view-state': JSON.stringify(split),
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges {@link devtoolsPreferences} into `<profileDir>/Default/Preferences`, creating the file (and folders)
 * for a new profile and keeping every other setting of an existing one. Returns the file's path.
 */
export async function writeDevToolsPreferences(profileDir: string, layout: DevToolsLayout): Promise<string> {
  const entries = devtoolsPreferences(layout);
  const path = join(profileDir, 'Default', 'Preferences');
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let prefs: Json = {};
  if (text !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new DevToolsPrefsError(`${path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (!isObject(parsed)) throw new DevToolsPrefsError(`${path} does not hold a JSON object.`);
    prefs = parsed;
  }
  const devtools = isObject(prefs['devtools']) ? prefs['devtools'] : {};
  const existing = isObject(devtools['preferences']) ? devtools['preferences'] : {};
  prefs['devtools'] = { ...devtools, preferences: { ...existing, ...entries } };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(prefs));
  return path;
}
