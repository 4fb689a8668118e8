/**
 * Which colour theme the panel wears: DevTools' own theme setting, which is what a user changes, read from
 * `devtools.panels.themeName` and followed as it changes. Chrome reports `default` or `dark` and calls the one
 * handler given to `setThemeChangeHandler` (Chrome 99+) when the user switches, without reloading the panel;
 * Firefox reports `light`, `dark` (or the retired `firebug`) and fires `onThemeChanged`. Where that API is
 * missing (the panel opened as a tab) the OS colour scheme stands in, followed too. `?theme=dark|light` in the
 * panel's URL wins over both and never changes (tests and screenshots pin a theme with it).
 *
 * Chrome resolves its "System preference" setting itself: `themeName` is already the theme DevTools shows.
 *
 * The choice is pure ({@link chooseTheme}); {@link liveThemeSources} reads the browser, the rest takes what it
 * reads as arguments, so tests drive it with fakes.
 */

export type PanelTheme = 'light' | 'dark';

/** The part of `devtools.panels` about the theme, in either browser's shape. */
export interface DevtoolsThemeApi {
  themeName?: unknown;
  /** Chrome. */
  setThemeChangeHandler?: (callback?: (themeName: unknown) => void) => void;
  /** Firefox. */
  onThemeChanged?: { addListener(listener: (themeName: unknown) => void): void };
}

/** The `(prefers-color-scheme: dark)` media query, or what stands for it. */
export interface ColorSchemeQuery {
  matches: boolean;
  addEventListener(type: 'change', listener: (event: { matches: boolean }) => void): void;
}

/** Everything the theme is decided from. */
export interface ThemeSources {
  /** The panel page's query string (`?theme=`). */
  search: string;
  /** DevTools' theme API; null outside DevTools. */
  devtools: DevtoolsThemeApi | null;
  /** The OS scheme; null where the browser has no matchMedia. */
  colorScheme: ColorSchemeQuery | null;
}

/** `?theme=dark|light`, or null. */
export function themeFromQuery(search: string): PanelTheme | null {
  const value = new URLSearchParams(search).get('theme');
  return value === 'dark' || value === 'light' ? value : null;
}

/** DevTools' theme name in the panel's terms; null for a name neither browser documents. */
export function themeFromDevtools(themeName: unknown): PanelTheme | null {
  if (themeName === 'dark') return 'dark';
  // Chrome's light theme is `default`; Firefox's `firebug` theme is a light one.
  if (themeName === 'default' || themeName === 'light' || themeName === 'firebug') return 'light';
  return null;
}

/** The query if it names a theme, else DevTools' theme if known, else the OS scheme. */
export function chooseTheme(input: {
  query: PanelTheme | null;
  devtools: PanelTheme | null;
  osPrefersDark: boolean;
}): PanelTheme {
  return input.query ?? input.devtools ?? (input.osPrefersDark ? 'dark' : 'light');
}

/** The theme to start with. */
export function currentTheme(sources: ThemeSources): PanelTheme {
  return chooseTheme({
    query: themeFromQuery(sources.search),
    devtools: sources.devtools ? themeFromDevtools(sources.devtools.themeName) : null,
    osPrefersDark: sources.colorScheme?.matches ?? false,
  });
}

/**
 * Calls back with the theme each time it changes after {@link currentTheme} was read: from DevTools' change
 * notification inside DevTools, from the OS scheme outside it, never under `?theme=`. Returns which source is
 * followed.
 */
export function followTheme(
  sources: ThemeSources,
  listener: (theme: PanelTheme) => void,
): 'query' | 'devtools' | 'os' | 'none' {
  if (themeFromQuery(sources.search) !== null) return 'query';
  const devtools = sources.devtools;
  if (devtools && themeFromDevtools(devtools.themeName) !== null) {
    const changed = (themeName: unknown) => {
      const theme = themeFromDevtools(themeName);
      if (theme !== null) listener(theme);
    };
    if (typeof devtools.setThemeChangeHandler === 'function') {
      devtools.setThemeChangeHandler(changed);
      return 'devtools';
    }
    if (typeof devtools.onThemeChanged?.addListener === 'function') {
      devtools.onThemeChanged.addListener(changed);
      return 'devtools';
    }
    // A DevTools without a change notification: its theme holds until the panel is opened again.
    return 'none';
  }
  if (sources.colorScheme) {
    sources.colorScheme.addEventListener('change', (event) => listener(event.matches ? 'dark' : 'light'));
    return 'os';
  }
  return 'none';
}

/** The sources of the running panel page. */
export function liveThemeSources(): ThemeSources {
  const global = globalThis as {
    chrome?: { devtools?: { panels?: DevtoolsThemeApi } };
    browser?: { devtools?: { panels?: DevtoolsThemeApi } };
  };
  const chromePanels = global.chrome?.devtools?.panels;
  // Chrome's own object has the change handler; in Firefox, `browser` is where onThemeChanged is documented.
  const panels =
    typeof chromePanels?.setThemeChangeHandler === 'function'
      ? chromePanels
      : (global.browser?.devtools?.panels ?? chromePanels ?? null);
  return {
    search: location.search,
    devtools: panels,
    colorScheme: typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null,
  };
}
