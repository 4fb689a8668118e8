import { defineConfig } from '@playwright/test';

// Lets Playwright report the `devtools://` window opened by CDP Target.openDevTools as a page, so tests can
// drive the real DevTools panel (see test/e2e/harness/devtools.ts). Read at launch time: set it before any.
process.env['PW_CHROMIUM_ATTACH_TO_OTHER'] = '1';

/**
 * End-to-end tests in the Debian Chromium with the built extension (dist/) and the local demo stack.
 * One worker: the stack and the browser are worker-scoped fixtures shared by every spec (test/e2e/fixtures.ts).
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  outputDir: 'test-results',
  forbidOnly: !!process.env['CI'],
});
