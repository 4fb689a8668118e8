/**
 * Launching the Debian Chromium with the unpacked extension, the way every e2e test and `npm run demo` do
 * (recipes in /work/shared/reference/chromium-e2e.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ensureChromium } from '../../../scripts/ensure-chromium.mjs';
import { loopbackHookReady, waitForExtensionId } from './extension.ts';

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
  /**
   * More host-resolver rules (`MAP app.demo.test 127.0.0.1`), merged into the one `--host-resolver-rules` flag
   * (Chromium reads only one: a second flag would replace the stack's rules).
   */
  hostRules?: readonly string[];
}

/** The host name the e2e serves the demo page under to make it a site like any other: not a loopback host. */
export const NON_LOOPBACK_DEMO_HOST = 'app.demo.test';

/** The rule that sends {@link NON_LOOPBACK_DEMO_HOST} to the demo server on this machine (same port). */
export const NON_LOOPBACK_DEMO_RULE = `MAP ${NON_LOOPBACK_DEMO_HOST} 127.0.0.1`;

/** `args` with `rules` added to their `--host-resolver-rules` flag (one flag, comma-separated rules). */
export function withHostRules(args: readonly string[], rules: readonly string[]): string[] {
  if (rules.length === 0) return [...args];
  const flag = '--host-resolver-rules=';
  const existing = args.filter((a) => a.startsWith(flag)).map((a) => a.slice(flag.length));
  return [...args.filter((a) => !a.startsWith(flag)), `${flag}${[...existing, ...rules].join(',')}`];
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
      args: withHostRules(
        [...BASE_CHROMIUM_ARGS, ...extensionArgs, ...(options.args ?? [])],
        options.hostRules ?? [],
      ),
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
  // Pages opened next must find the page hook in place (the product's default on the loopback hosts).
  if (extensionId !== null) await loopbackHookReady(context, extensionId);
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
