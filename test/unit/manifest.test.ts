/**
 * The two manifests: Chrome's manifest.json as written, Firefox's derived from it by vite.config.ts.
 * Importing vite.config.ts loads its Vite plugins (preact, crxjs); they only register, nothing is built.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GECKO_ID, GECKO_MIN_VERSION, firefoxManifest } from '../../vite.config.ts';

type Manifest = Parameters<typeof firefoxManifest>[0];

/** Read from disk rather than imported, so no earlier import or mutation can change what is checked. */
function chromeManifest(): Manifest {
  return JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as Manifest;
}

describe('Chrome manifest (manifest.json)', () => {
  const manifest = chromeManifest();

  it('asks for webRequest only as an optional permission', () => {
    expect(manifest.permissions).not.toContain('webRequest');
    expect(manifest.optional_permissions).toEqual(['webRequest']);
  });

  it('keeps storage and scripting as install permissions', () => {
    expect(manifest.permissions).toEqual(expect.arrayContaining(['storage', 'scripting']));
  });
});

describe('Firefox manifest (firefoxManifest in vite.config.ts)', () => {
  const source = chromeManifest();
  const manifest = firefoxManifest(source) as Record<string, unknown> & {
    permissions: string[];
    background: unknown;
    browser_specific_settings: { gecko: { id: string; strict_min_version: string } };
  };

  it('has webRequest as an install permission and no optional_permissions', () => {
    expect(manifest.permissions).toContain('webRequest');
    expect(manifest).not.toHaveProperty('optional_permissions');
  });

  it('keeps storage and scripting, each permission once', () => {
    expect(manifest.permissions).toEqual(expect.arrayContaining(['storage', 'scripting', 'webRequest']));
    expect(new Set(manifest.permissions).size).toBe(manifest.permissions.length);
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

  it('keeps the host permissions and leaves manifest.json as it was', () => {
    expect(manifest.host_permissions).toEqual(source.host_permissions);
    expect(manifest.optional_host_permissions).toEqual(source.optional_host_permissions);
    expect(source).toEqual(chromeManifest());
  });
});
