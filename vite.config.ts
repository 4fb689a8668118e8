import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };
import { BACKGROUND_CAPTURE_HOSTS, BACKGROUND_CAPTURE_PERMISSIONS } from './src/shared/permissions.ts';

/** The Firefox add-on id: stable, so storage, granted permissions and `about:debugging` survive rebuilds. */
export const GECKO_ID = 'stepup-inspector@example.dev';
/**
 * The oldest Firefox with everything the extension uses: `scripting` with `world: 'MAIN'` (executeScript and
 * registerContentScripts, 128; `matchOriginAsFallback`, 128), `optional_host_permissions` (128), `storage.session` (115), module background
 * scripts (112). storage.session.getBytesInUse (131) is feature-detected in src/platform/storage.ts.
 */
export const GECKO_MIN_VERSION = '128.0';

type Manifest = typeof manifest;
/** The manifest fields that differ in Firefox; everything else comes from manifest.json unchanged. */
type FirefoxManifest = Omit<
  Manifest,
  | 'key'
  | 'minimum_chrome_version'
  | 'background'
  | 'permissions'
  | 'optional_permissions'
  | 'host_permissions'
  | 'optional_host_permissions'
> & {
  permissions: string[];
  optional_permissions: string[];
  host_permissions: string[];
  optional_host_permissions: string[];
  background: { scripts: string[]; type: 'module' };
  browser_specific_settings: {
    gecko: { id: string; strict_min_version: string; data_collection_permissions: { required: ['none'] } };
  };
};

/**
 * Chrome's manifest: manifest.json plus the providers' API hosts (BACKGROUND_CAPTURE_HOSTS, from each provider's
 * capture data), optional like the rest of background capture (src/platform/web-request.ts says why), so a provider
 * brings its hosts with its folder and manifest.json names none.
 */
export function chromeManifest(source: Manifest): Manifest {
  return {
    ...source,
    optional_host_permissions: [...BACKGROUND_CAPTURE_HOSTS, ...source.optional_host_permissions],
  };
}

/**
 * Derives Firefox's manifest from the one manifest.json: an event page (`background.scripts`) instead of a
 * service worker (Firefox has none), the gecko id, minimum version and data-collection declaration; no `key`
 * (Chrome's extension id) and no `minimum_chrome_version`, which mean nothing to Firefox; and background
 * capture part of the install (below). crxjs then points `background.scripts` at its loader, as it does
 * `service_worker` for Chrome.
 */
export function firefoxManifest(source: Manifest): FirefoxManifest {
  const {
    key: _key,
    minimum_chrome_version: _minimumChrome,
    background,
    permissions,
    optional_permissions: optional,
    host_permissions: hosts,
    optional_host_permissions: optionalHosts,
    ...rest
  } = source;
  const alwaysOn = new Set<string>(BACKGROUND_CAPTURE_PERMISSIONS);
  const alwaysOnHosts = new Set(BACKGROUND_CAPTURE_HOSTS);
  return {
    ...rest,
    // Background capture (webRequest) is optional in Chrome because Chromium then routes every request of
    // every page through the browser process (src/platform/web-request.ts). Firefox observes requests in
    // its network stack without that detour: there it is part of the install, always on, and so are the
    // step-up API hosts it observes (a feature on by default may hold its hosts from the install). The page
    // hook's `scripting` is part of the install in both (the hook is on by default on the loopback hosts).
    permissions: [...permissions, ...optional.filter((p) => alwaysOn.has(p))],
    optional_permissions: optional.filter((p) => !alwaysOn.has(p)),
    host_permissions: [...hosts, ...BACKGROUND_CAPTURE_HOSTS],
    optional_host_permissions: optionalHosts.filter((h) => !alwaysOnHosts.has(h)),
    background: { scripts: [background.service_worker], type: 'module' },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: GECKO_MIN_VERSION,
        // Firefox's built-in data consent (140+): the extension sends nothing anywhere (README, "Permissions").
        data_collection_permissions: { required: ['none'] },
      },
    },
  };
}

// `vite build` is the Chrome build (dist/); `vite build --mode firefox` the Firefox one (dist-firefox/).
export default defineConfig(({ mode }) => {
  const firefox = mode === 'firefox';
  return {
    plugins: [
      preact(),
      firefox
        ? crx({ manifest: firefoxManifest(manifest), browser: 'firefox' })
        : crx({ manifest: chromeManifest(manifest) }),
    ],
    build: {
      outDir: firefox ? 'dist-firefox' : 'dist',
      emptyOutDir: true,
      // Source maps would ship token-handling code paths in readable form to every page that can fetch
      // web-accessible resources; the unpacked build is for developers who have the source anyway.
      sourcemap: false,
      rollupOptions: {
        // The panel is opened by chrome.devtools.panels.create, not by the manifest: crxjs cannot find it alone.
        input: { panel: 'src/panel/panel.html' },
      },
    },
  };
});
