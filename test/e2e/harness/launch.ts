/**
 * Launching the Debian Chromium with the unpacked extension, the way every e2e test and `npm run demo` do
 * (recipes in /work/shared/reference/chromium-e2e.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ensureChromium } from '../../../scripts/ensure-chromium.mjs';
import { waitForExtensionId } from './extension.ts';

/** Flags for a quiet, deterministic Chromium: no sync, no component updates, no QUIC, no first-run UI. */
export const BASE_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /** Default: headless. Headed needs a display (DISPLAY / WAYLAND_DISPLAY). */
  headless?: boolean;
  /** Absolute path of the unpacked extension, or null/undefined to run without it. */
  extensionPath?: string | null;
  /** More flags (the stack's host-resolver rule, `--auto-open-devtools-for-tabs`…). */
  args?: readonly string[];
  /** Page viewport; `null` lets a headed window size itself. Default 1280×800. */
  viewport?: { width: number; height: number } | null;
  /** Chromium executable; default from scripts/ensure-chromium.mjs (CHROME_PATH or /usr/bin/chromium). */
  executablePath?: string;
  /** A profile directory to reuse (kept on close: its owner removes it); default a new temporary one. */
  profileDir?: string;
}

/** A running persistent Chromium context. */
export interface LaunchedChromium {
  context: BrowserContext;
  /** The profile directory (removed by {@link LaunchedChromium.close} when launchChromium made it). */
  profileDir: string;
  /** The extension's id, or null when no extension was loaded (or it did not start). */
  extensionId: string | null;
  /** Closes Chromium and removes the profile directory. Safe to call twice. */
  close(): Promise<void>;
}

/** Launches a persistent context (extensions need one) on a fresh temporary profile. */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<LaunchedChromium> {
  const executablePath = options.executablePath ?? ensureChromium();
  const ownProfile = options.profileDir === undefined;
  const profileDir = options.profileDir ?? (await mkdtemp(join(tmpdir(), 'stepup-inspector-profile-')));
  const extensionArgs = options.extensionPath
    ? // Playwright adds --disable-extensions by default; --disable-extensions-except re-enables ours only.
      [`--disable-extensions-except=${options.extensionPath}`, `--load-extension=${options.extensionPath}`]
    : [];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless: options.headless ?? true,
      args: [...BASE_CHROMIUM_ARGS, ...extensionArgs, ...(options.args ?? [])],
      viewport: options.viewport === undefined ? { width: 1280, height: 800 } : options.viewport,
      // Playwright's own Ctrl-C handling closes the browser and exits at once, before the temporary profile
      // is removed: the owner (npm run demo, the test fixtures) handles signals and calls close() instead.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    if (ownProfile) await rm(profileDir, { recursive: true, force: true });
    const full = (err as Error).message;
    const hint = /Missing X server|\$DISPLAY/.test(full)
      ? ' (no X display: run headless, or under xvfb-run)'
      : '';
    // Playwright's message ends with the whole browser log: keep its first line; the rest is in `cause`.
    throw new Error(`Could not launch Chromium at ${executablePath}${hint}: ${full.split('\n')[0]}`, {
      cause: err,
    });
  }
  const extensionId = options.extensionPath ? await waitForExtensionId(context, options.extensionPath) : null;
  let closing: Promise<void> | undefined;
  return {
    context,
    profileDir,
    extensionId,
    close() {
      closing ??= (async () => {
        await context.close().catch(() => undefined);
        if (ownProfile) await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return closing;
    },
  };
}
