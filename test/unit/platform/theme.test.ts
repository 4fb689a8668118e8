import { describe, expect, it, vi } from 'vitest';
import {
  chooseTheme,
  currentTheme,
  followTheme,
  themeFromDevtools,
  themeFromQuery,
  type ColorSchemeQuery,
  type DevtoolsThemeApi,
  type ThemeSources,
} from '../../../src/platform/theme.ts';

function fakeScheme(matches: boolean): ColorSchemeQuery & { fire(matches: boolean): void } {
  const listeners: ((event: { matches: boolean }) => void)[] = [];
  return {
    matches,
    addEventListener: (_type, listener) => listeners.push(listener),
    fire: (next) => listeners.forEach((l) => l({ matches: next })),
  };
}

/** Chrome's shape: `default` | `dark`, one handler set with setThemeChangeHandler. */
function chromePanels(themeName: string): DevtoolsThemeApi & { fire(name: string): void } {
  let handler: ((name: unknown) => void) | undefined;
  return {
    themeName,
    setThemeChangeHandler: (callback) => {
      handler = callback;
    },
    fire: (name) => handler?.(name),
  };
}

/** Firefox's shape: `light` | `dark` | `firebug`, an onThemeChanged event. */
function firefoxPanels(themeName: string): DevtoolsThemeApi & { fire(name: string): void } {
  const listeners: ((name: unknown) => void)[] = [];
  return {
    themeName,
    onThemeChanged: { addListener: (listener) => listeners.push(listener) },
    fire: (name) => listeners.forEach((l) => l(name)),
  };
}

function sources(partial: Partial<ThemeSources>): ThemeSources {
  return { search: '', devtools: null, colorScheme: null, ...partial };
}

describe('the theme the panel wears', () => {
  it('reads both browsers’ theme names; anything else is unknown', () => {
    expect(themeFromDevtools('dark')).toBe('dark');
    expect(themeFromDevtools('default')).toBe('light');
    expect(themeFromDevtools('light')).toBe('light');
    expect(themeFromDevtools('firebug')).toBe('light');
    expect(themeFromDevtools(undefined)).toBeNull();
    expect(themeFromDevtools('solarized')).toBeNull();
    expect(themeFromQuery('?tabId=3&theme=dark')).toBe('dark');
    expect(themeFromQuery('?theme=blue')).toBeNull();
  });

  it('?theme= wins, then DevTools, then the OS scheme', () => {
    expect(chooseTheme({ query: 'light', devtools: 'dark', osPrefersDark: true })).toBe('light');
    expect(chooseTheme({ query: null, devtools: 'dark', osPrefersDark: false })).toBe('dark');
    expect(chooseTheme({ query: null, devtools: 'light', osPrefersDark: true })).toBe('light');
    expect(chooseTheme({ query: null, devtools: null, osPrefersDark: true })).toBe('dark');
    expect(chooseTheme({ query: null, devtools: null, osPrefersDark: false })).toBe('light');
  });

  it('in Chrome’s DevTools: follows themeName and its change handler, not the OS scheme', () => {
    const panels = chromePanels('dark');
    const scheme = fakeScheme(false);
    const s = sources({ devtools: panels, colorScheme: scheme });
    expect(currentTheme(s)).toBe('dark');
    const listener = vi.fn();
    expect(followTheme(s, listener)).toBe('devtools');
    panels.fire('default');
    scheme.fire(true);
    expect(listener.mock.calls).toEqual([['light']]);
  });

  it('in Firefox’s DevTools: follows themeName and onThemeChanged', () => {
    const panels = firefoxPanels('light');
    const s = sources({ devtools: panels, colorScheme: fakeScheme(true) });
    expect(currentTheme(s)).toBe('light');
    const listener = vi.fn();
    expect(followTheme(s, listener)).toBe('devtools');
    panels.fire('dark');
    panels.fire('something new');
    expect(listener.mock.calls).toEqual([['dark']]);
  });

  it('as a tab (no DevTools API): the OS scheme, followed', () => {
    const scheme = fakeScheme(true);
    const s = sources({ colorScheme: scheme });
    expect(currentTheme(s)).toBe('dark');
    const listener = vi.fn();
    expect(followTheme(s, listener)).toBe('os');
    scheme.fire(false);
    expect(listener.mock.calls).toEqual([['light']]);
  });

  it('a DevTools that reports no theme name falls back to the OS scheme', () => {
    const scheme = fakeScheme(true);
    const s = sources({ devtools: { themeName: undefined }, colorScheme: scheme });
    expect(currentTheme(s)).toBe('dark');
    expect(followTheme(s, vi.fn())).toBe('os');
  });

  it('?theme= pins the theme: nothing is followed', () => {
    const panels = chromePanels('dark');
    const scheme = fakeScheme(true);
    const s = sources({ search: '?tabId=1&theme=light', devtools: panels, colorScheme: scheme });
    expect(currentTheme(s)).toBe('light');
    const listener = vi.fn();
    expect(followTheme(s, listener)).toBe('query');
    panels.fire('dark');
    scheme.fire(true);
    expect(listener).not.toHaveBeenCalled();
  });
});
