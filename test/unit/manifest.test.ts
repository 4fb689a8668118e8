/**
 * The two manifests, both derived by vite.config.ts from the one manifest.json: Chrome's adds the providers' API
 * hosts (from their capture data, src/core/providers/<id>/capture.ts), Firefox's more (below).
 * Importing vite.config.ts loads its Vite plugins (preact, crxjs); they only register, nothing is built.
 *
 * Least privilege: every install-time permission and host is used by a feature that is on by default; what
 * an opt-in feature needs is optional and asked for by the click that turns the feature on
 * (src/shared/permissions.ts), which can only ask for what the manifest lists as optional.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GECKO_ID, GECKO_MIN_VERSION, chromeManifest, firefoxManifest } from '../../vite.config.ts';
import { PROVIDERS } from '../../src/core/providers/registry.ts';
import {
  BACKGROUND_CAPTURE_HOSTS,
  BACKGROUND_CAPTURE_PERMISSIONS,
  LOOPBACK_HOST_PERMISSIONS,
  PAGE_HOOK_PERMISSIONS,
} from '../../src/shared/permissions.ts';

type Manifest = Parameters<typeof firefoxManifest>[0];

/** Read from disk rather than imported, so no earlier import or mutation can change what is checked. */
function sourceManifest(): Manifest {
  return JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as Manifest;
}

/** Install-time grants and the default-on feature that uses each. */
const INSTALL_TIME_PERMISSIONS = {
  storage: 'the capture log in storage.session, the page hook settings in storage.local',
  scripting: 'the page hook, on by default on the loopback hosts (no warning in Chrome or Firefox)',
};
/** Where the page hook is on by default, any port: pinned, since each is a host granted at install. */
const LOOPBACK_HOSTS = [
  'http://localhost/*',
  'https://localhost/*',
  'http://127.0.0.1/*',
  'https://127.0.0.1/*',
  'http://[::1]/*',
  'https://[::1]/*',
];

/** The match pattern the page hook asks for: any one http(s) origin (platform/permissions.ts). */
const HOOK_ORIGIN_PATTERNS = ['https://*/*', 'http://*/*'];

/**
 * The hosted APIs background capture asks for, as the registered providers declare them. Pinned: a provider that
 * adds a host adds a permission prompt, which deserves a deliberate change here.
 */
const PROVIDER_API_HOSTS = ['https://*.session.prelude.dev/*', 'https://app.dynamicauth.com/*'];

describe('background capture hosts (src/shared/permissions.ts)', () => {
  it("are the registered providers' capture hosts, in registry order", () => {
    expect(BACKGROUND_CAPTURE_HOSTS).toEqual(PROVIDERS.flatMap((p) => [...p.capture.hostPermissions]));
    expect(BACKGROUND_CAPTURE_HOSTS).toEqual(PROVIDER_API_HOSTS);
  });

  it('name hosts, never every site', () => {
    for (const host of BACKGROUND_CAPTURE_HOSTS) {
      expect(host).toMatch(/^https:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+\/\*$/);
      expect(HOOK_ORIGIN_PATTERNS).not.toContain(host);
    }
  });
});

describe('manifest.json', () => {
  it('names no provider host: vite.config.ts adds them from the providers', () => {
    const source = sourceManifest();
    expect(source.optional_host_permissions).toEqual(HOOK_ORIGIN_PATTERNS);
    for (const host of BACKGROUND_CAPTURE_HOSTS) {
      expect(source.host_permissions).not.toContain(host);
      expect(source.optional_host_permissions).not.toContain(host);
    }
  });
});

describe('Chrome manifest (chromeManifest in vite.config.ts)', () => {
  const source = sourceManifest();
  const manifest = chromeManifest(source);

  it('holds at install only what default-on features use: storage, and the page hook on the loopback hosts', () => {
    expect(manifest.permissions).toEqual(Object.keys(INSTALL_TIME_PERMISSIONS));
    expect(manifest.permissions).toEqual(['storage', ...PAGE_HOOK_PERMISSIONS]);
    expect(manifest.host_permissions).toEqual(LOOPBACK_HOSTS);
    expect(manifest.host_permissions).toEqual(LOOPBACK_HOST_PERMISSIONS);
    expect(manifest.permissions).not.toContain('webRequest');
    for (const host of BACKGROUND_CAPTURE_HOSTS) expect(manifest.host_permissions).not.toContain(host);
  });

  it('lists as optional everything the opt-in features ask for: background capture, the hook on other origins', () => {
    expect(manifest.optional_permissions).toEqual([...BACKGROUND_CAPTURE_PERMISSIONS]);
    expect(manifest.optional_host_permissions).toEqual([
      ...BACKGROUND_CAPTURE_HOSTS,
      ...HOOK_ORIGIN_PATTERNS,
    ]);
  });

  it('runs in a Chrome that registers scripts for the frames pages create (matchOriginAsFallback, 119)', () => {
    expect(Number(manifest.minimum_chrome_version)).toBeGreaterThanOrEqual(119);
  });

  it('grants no site-wide access at install', () => {
    const installed = [...manifest.permissions, ...manifest.host_permissions];
    for (const everySite of ['<all_urls>', '*://*/*', ...HOOK_ORIGIN_PATTERNS])
      expect(installed).not.toContain(everySite);
  });

  it('differs from manifest.json only in its optional hosts, and leaves manifest.json as it was', () => {
    const { optional_host_permissions: _hosts, ...rest } = manifest;
    const { optional_host_permissions: _sourceHosts, ...sourceRest } = source;
    expect(rest).toEqual(sourceRest);
    expect(source).toEqual(sourceManifest());
  });
});

describe('Firefox manifest (firefoxManifest in vite.config.ts)', () => {
  const source = sourceManifest();
  const manifest = firefoxManifest(source) as ReturnType<typeof firefoxManifest> & Record<string, unknown>;

  it('has background capture in the install, webRequest and the step-up API hosts, as it is always on there', () => {
    expect(manifest.permissions).toEqual([
      'storage',
      ...PAGE_HOOK_PERMISSIONS,
      ...BACKGROUND_CAPTURE_PERMISSIONS,
    ]);
    expect(manifest.host_permissions).toEqual([...LOOPBACK_HOSTS, ...BACKGROUND_CAPTURE_HOSTS]);
    for (const host of BACKGROUND_CAPTURE_HOSTS)
      expect(manifest.optional_host_permissions).not.toContain(host);
  });

  it("has the page hook's scripting in the install too (on by default on loopback), each permission once", () => {
    expect(manifest.optional_permissions).toEqual([]);
    expect(manifest.optional_host_permissions).toEqual(HOOK_ORIGIN_PATTERNS);
    const all = [...manifest.permissions, ...manifest.optional_permissions];
    expect(new Set(all).size).toBe(all.length);
  });

  it('swaps the service worker for an event page and drops the Chrome-only fields', () => {
    expect(manifest.background).toEqual({ scripts: [source.background.service_worker], type: 'module' });
    expect(manifest).not.toHaveProperty('key');
    expect(manifest).not.toHaveProperty('minimum_chrome_version');
    expect(manifest.browser_specific_settings.gecko).toMatchObject({
      id: GECKO_ID,
      strict_min_version: GECKO_MIN_VERSION,
    });
  });

  it('leaves manifest.json as it was', () => {
    expect(source).toEqual(sourceManifest());
  });
});
