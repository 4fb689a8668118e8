/**
 * The match patterns the page hook is registered and asked for with (src/platform/permissions.ts), in each
 * browser: Chrome's name the port, also the scheme's default one (a pattern without a port matches every port
 * of the host); Firefox's cannot name one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

async function patternsIn(extensionUrl: string) {
  vi.resetModules();
  vi.doMock('../../../src/platform/browser.ts', () => ({
    browser: { runtime: { getURL: () => extensionUrl } },
  }));
  return import('../../../src/platform/permissions.ts');
}

afterEach(() => {
  vi.doUnmock('../../../src/platform/browser.ts');
  vi.resetModules();
});

describe('page patterns', () => {
  it('in Chrome, name exactly one origin, its port included', async () => {
    const { pagePattern, originPattern, patternsHavePorts } = await patternsIn('chrome-extension://abc/');
    expect(patternsHavePorts()).toBe(true);
    expect(pagePattern('http://localhost:5173')).toBe('http://localhost:5173/*');
    expect(pagePattern('http://localhost')).toBe('http://localhost:80/*');
    expect(pagePattern('https://app.example')).toBe('https://app.example:443/*');
    expect(pagePattern('http://[::1]:3000')).toBe('http://[::1]:3000/*');
    // The permission asked for an origin keeps its own form.
    expect(originPattern('https://app.example')).toBe('https://app.example/*');
  });

  it('in Firefox, cover every port of the host', async () => {
    const { pagePattern, originPattern, patternsHavePorts } = await patternsIn('moz-extension://abc/');
    expect(patternsHavePorts()).toBe(false);
    expect(pagePattern('http://localhost:5173')).toBe('http://localhost/*');
    expect(pagePattern('https://[::1]:8443')).toBe('https://[::1]/*');
    expect(originPattern('https://app.example:8443')).toBe('https://app.example/*');
  });
});
