/**
 * The DevTools preferences `npm run demo` writes into its fresh Chromium profile (demo/devtools-prefs.ts), and the
 * demo's reading of what the inspector showed (demo/flows.ts): the line it prints and when it fails.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DevToolsPrefsError,
  devtoolsPreferences,
  writeDevToolsPreferences,
} from '../../../demo/devtools-prefs.ts';
import { PRELUDE_SCOPES, inspectorSummary, uncapturedProblem } from '../../../demo/flows.ts';

let profile: string;
const prefsFile = () => join(profile, 'Default', 'Preferences');
const readPrefs = async () => JSON.parse(await readFile(prefsFile(), 'utf8')) as Record<string, unknown>;

beforeEach(async () => {
  profile = await mkdtemp(join(tmpdir(), 'devtools-prefs-test-'));
});
afterEach(async () => {
  await rm(profile, { recursive: true, force: true });
});

describe('devtoolsPreferences', () => {
  it('docks DevTools right at the given width, each value JSON-encoded as Chromium stores it', () => {
    expect(devtoolsPreferences({ dock: 'right', size: 720 })).toEqual({
      currentDockState: '"right"',
      'inspector-view.split-view-state': '{"vertical":{"size":720}}',
    });
  });

  it('sizes the stacked split when docked at the bottom, and docks right by default', () => {
    expect(devtoolsPreferences({ dock: 'bottom', size: 400 })['inspector-view.split-view-state']).toBe(
      '{"horizontal":{"size":400}}',
    );
    expect(devtoolsPreferences({ size: 720 })['currentDockState']).toBe('"right"');
  });

  it.each([0, 150, 720.5, 5000, Number.NaN])('refuses the size %s', (size) => {
    expect(() => devtoolsPreferences({ size })).toThrow(DevToolsPrefsError);
  });
});

describe('writeDevToolsPreferences', () => {
  it('creates Default/Preferences in a fresh profile', async () => {
    const path = await writeDevToolsPreferences(profile, { dock: 'right', size: 720 });
    expect(path).toBe(prefsFile());
    expect(await readPrefs()).toEqual({
      devtools: {
        preferences: {
          currentDockState: '"right"',
          'inspector-view.split-view-state': '{"vertical":{"size":720}}',
        },
      },
    });
  });

  it("keeps the profile's other settings, and DevTools' other preferences", async () => {
    await mkdir(join(profile, 'Default'), { recursive: true });
    await writeFile(
      prefsFile(),
      JSON.stringify({
        browser: { check_default_browser: false },
        devtools: {
          last_open_timestamp: '1',
          preferences: { currentDockState: '"bottom"', 'panel-tab-order': '{"elements":10}' },
        },
      }),
    );
    await writeDevToolsPreferences(profile, { dock: 'right', size: 800 });
    expect(await readPrefs()).toEqual({
      browser: { check_default_browser: false },
      devtools: {
        last_open_timestamp: '1',
        preferences: {
          currentDockState: '"right"',
          'panel-tab-order': '{"elements":10}',
          'inspector-view.split-view-state': '{"vertical":{"size":800}}',
        },
      },
    });
  });

  it('refuses a Preferences file that is not a JSON object, and leaves it as it was', async () => {
    await mkdir(join(profile, 'Default'), { recursive: true });
    for (const text of ['{"devtools": ', '[1, 2]']) {
      await writeFile(prefsFile(), text);
      await expect(writeDevToolsPreferences(profile, { size: 720 })).rejects.toThrow(DevToolsPrefsError);
      expect(await readFile(prefsFile(), 'utf8')).toBe(text);
    }
  });
});

describe("the demo's check of what the inspector showed", () => {
  const lanes = PRELUDE_SCOPES.map((scope) => ({ scope, status: 'completed' }));

  it('prints the counts as "inspector: N exchanges captured, M challenges"', () => {
    expect(inspectorSummary({ exchanges: 31, lanes })).toBe('inspector: 31 exchanges captured, 6 challenges');
  });

  it('fails a tab whose flows left no exchange or no challenge, naming the tab', () => {
    expect(uncapturedProblem('Prelude tab', { exchanges: 0, lanes: [] })).toMatch(
      /^Prelude tab: the inspector shows 0 exchanges and 0 challenges/,
    );
    expect(uncapturedProblem('Dynamic/RFC 9470 tab', { exchanges: 12, lanes: [] })).toMatch(
      /^Dynamic\/RFC 9470 tab: .* 12 exchanges and 0 challenges/,
    );
  });

  it('fails a tab when a requested scope has no lane, and passes one that shows them all', () => {
    expect(uncapturedProblem('Prelude tab', { exchanges: 31, lanes: lanes.slice(1) }, PRELUDE_SCOPES)).toBe(
      'Prelude tab: no lane in the inspector for transfer:write.',
    );
    expect(uncapturedProblem('Prelude tab', { exchanges: 31, lanes }, PRELUDE_SCOPES)).toBeNull();
  });
});
