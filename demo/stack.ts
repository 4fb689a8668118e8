/**
 * The whole local demo stack: the Prelude Session API emulator (HTTPS, for `demo.session.prelude.dev`), the
 * Dynamic SDK API emulator (HTTPS, for `app.dynamicauth.com` and its `logs.dynamicauth.com` telemetry host), the
 * RFC 9470 demo API (authorization + resource server, plain HTTP on `http://localhost:<port>`) and the demo bank's
 * server (page + API + step-up hook + app JWKS), wired to each other, plus the Chromium flags that send the SDKs'
 * traffic to the emulators.
 *
 * Used by `npm run demo` (demo/run-demo.ts) and by the Playwright fixtures (test/e2e/fixtures.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoStepUpConfig, startEmulator, type EmulatorHandle } from './emulator/server.ts';
import { startDemoServer, type DemoServerHandle } from './app/server.ts';
import {
  DYNAMIC_API_HOST,
  DYNAMIC_LOGS_HOST,
  startDynamicEmulator,
  type DynamicEmulatorHandle,
} from './dynamic/server.ts';
import { startRfc9470Server, type Rfc9470Handle } from './rfc9470/server.ts';

/** The repository root. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Sources and output of the demo page build. */
export const DEMO_APP_DIR = join(PROJECT_ROOT, 'demo', 'app');
export const DEMO_APP_DIST = join(DEMO_APP_DIR, 'dist');
/** The unpacked extension `npm run build` produces. */
export const EXTENSION_DIST = join(PROJECT_ROOT, 'dist');
/** The host the demo page's SDK talks to. */
export const DEMO_DOMAIN = 'demo.session.prelude.dev';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Emulator port; 0 (default) picks a free one. */
  emulatorPort?: number;
  /** Demo server port; 0 (default) picks a free one. */
  demoPort?: number;
  /** Emulated API host (default {@link DEMO_DOMAIN}). */
  domain?: string;
  /** Make every OTP this code (handy by hand); unset: random codes, read from the inbox. */
  fixedOtp?: string;
  /** Dynamic emulator port; 0 (default) picks a free one. */
  dynamicPort?: number;
  /** RFC 9470 demo API port; 0 (default) picks a free one. */
  rfc9470Port?: number;
  /** No console output from either server. */
  quiet?: boolean;
  /** Build demo/app first when its output is missing or stale (default true). */
  build?: boolean;
}

/** A running stack. */
export interface Stack {
  emulator: EmulatorHandle;
  demo: DemoServerHandle;
  /** The Dynamic SDK API emulator (`https://app.dynamicauth.com` in Chromium). */
  dynamic: DynamicEmulatorHandle;
  /** The RFC 9470 authorization + resource server (`http://localhost:<port>`). */
  rfc9470: Rfc9470Handle;
  /** The emulated API host. */
  domain: string;
  /** The demo page (`http://localhost:<port>/`). */
  demoUrl: string;
  /**
   * Chromium flags sending `https://<domain>` to the emulator and the Dynamic hosts to the Dynamic emulator
   * (one `--host-resolver-rules` flag, comma-separated rules). Playwright passes arguments without a shell:
   * the rules must not be quoted.
   */
  chromiumArgs: string[];
  /** Stops every server. Safe to call twice. */
  close(): Promise<void>;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when demo/app/dist is missing or older than the page's sources, its config or the SDK. */
export function demoAppIsStale(): boolean {
  const built = join(DEMO_APP_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const sources = [
    join(DEMO_APP_DIR, 'index.html'),
    join(DEMO_APP_DIR, 'vite.config.ts'),
    join(DEMO_APP_DIR, 'src'),
    join(PROJECT_ROOT, 'node_modules', '@prelude.so', 'js-sdk', 'package.json'),
    join(PROJECT_ROOT, 'node_modules', '@dynamic-labs-sdk', 'client', 'package.json'),
    join(PROJECT_ROOT, 'demo', 'dynamic', 'client-replica.ts'),
  ];
  if (sources.some((source) => newestMtime(source) > builtAt)) return true;
  return dynamicSdkChanged();
}

/**
 * True when the build used another Dynamic SDK source than the one available now (the SDK was installed or
 * removed, or DYNAMIC_SDK_NODE_MODULES changed): demo/app/vite.config.ts writes what it used to
 * dist/dynamic-sdk.json.
 */
function dynamicSdkChanged(): boolean {
  const marker = join(DEMO_APP_DIST, 'dynamic-sdk.json');
  if (!existsSync(marker)) return true;
  const external = process.env['DYNAMIC_SDK_NODE_MODULES'] ?? '';
  const local = existsSync(join(PROJECT_ROOT, 'node_modules', '@dynamic-labs-sdk', 'client', 'package.json'));
  const wanted = external !== '' ? `external:${external}` : local ? 'local' : 'missing';
  try {
    const used = (JSON.parse(readFileSync(marker, 'utf8')) as { source?: unknown }).source;
    return used !== wanted;
  } catch {
    return true;
  }
}

/** Runs `node <bin> <args>` in the project root; rejects with its output when it fails. */
export function runNode(bin: string, args: string[], options: { quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: PROJECT_ROOT,
      stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${args.join(' ')} failed (${signal ?? `exit ${code}`})${output ? `:\n${output}` : ''}`),
        );
    });
  });
}

/** Builds demo/app with Vite (in a child process, so callers need not load Vite). */
export async function buildDemoApp(options: { quiet?: boolean } = {}): Promise<void> {
  const vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  await runNode(vite, ['build', '--config', join(DEMO_APP_DIR, 'vite.config.ts')], options);
}

/** Builds demo/app only when {@link demoAppIsStale}. Returns whether it built. */
export async function ensureDemoAppBuilt(
  options: { quiet?: boolean; force?: boolean } = {},
): Promise<boolean> {
  if (!options.force && !demoAppIsStale()) return false;
  await buildDemoApp(options);
  return true;
}

/** The extension's output directory when `npm run build` has produced one, else `null`. */
export function extensionDistDir(): string | null {
  return existsSync(join(EXTENSION_DIST, 'manifest.json')) ? EXTENSION_DIST : null;
}

/**
 * Chromium flags that resolve `domain` to the emulator (and, when `dynamicPort` is given, Dynamic's API and
 * telemetry hosts to the Dynamic emulator) and accept the self-signed certificates. Chromium reads one
 * `--host-resolver-rules` flag: the rules are comma-separated in it.
 */
export function chromiumArgsFor(domain: string, emulatorPort: number, dynamicPort?: number): string[] {
  const rules = [`MAP ${domain} 127.0.0.1:${emulatorPort}`];
  if (dynamicPort !== undefined) {
    rules.push(
      `MAP ${DYNAMIC_API_HOST} 127.0.0.1:${dynamicPort}`,
      `MAP ${DYNAMIC_LOGS_HOST} 127.0.0.1:${dynamicPort}`,
    );
  }
  return [`--host-resolver-rules=${rules.join(',')}`, '--ignore-certificate-errors'];
}

/**
 * Starts the demo server, then the emulator configured with the demo step-up policy whose hook and JWKS
 * point at the demo server, then tells the demo server where the emulator is.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (options.build !== false) await ensureDemoAppBuilt({ quiet: options.quiet ?? false });
  const domain = options.domain ?? DEMO_DOMAIN;
  // The emulator's config needs the demo server's URL (hook, JWKS) and the demo server needs the emulator's:
  // start the demo server first and give it the emulator URL afterwards.
  const demo = await startDemoServer({ port: options.demoPort ?? 0, quiet: options.quiet ?? false });
  let emulator: EmulatorHandle;
  try {
    emulator = await startEmulator({
      port: options.emulatorPort ?? 0,
      domain,
      quiet: options.quiet ?? false,
      ...(options.fixedOtp ? { fixedOtp: options.fixedOtp } : {}),
      config: demoStepUpConfig({
        hookUrl: `${demo.url}/hooks/stepup`,
        appJwksUrl: `${demo.url}/.well-known/jwks.json`,
      }),
    });
  } catch (err) {
    await demo.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || /EADDRINUSE|in use/i.test(e.message)) {
      throw new Error(
        `Port ${options.emulatorPort} is already in use: the emulator cannot start there (pick another port).`,
        { cause: err },
      );
    }
    throw err;
  }
  demo.setEmulatorUrl(emulator.url);
  const [dynamicStart, rfc9470Start] = await Promise.allSettled([
    startDynamicEmulator({
      port: options.dynamicPort ?? 0,
      quiet: options.quiet ?? false,
      ...(options.fixedOtp ? { fixedOtp: options.fixedOtp } : {}),
    }),
    startRfc9470Server({ port: options.rfc9470Port ?? 0, quiet: options.quiet ?? false }),
  ]);
  if (dynamicStart.status === 'rejected' || rfc9470Start.status === 'rejected') {
    await Promise.allSettled([
      emulator.close(),
      demo.close(),
      ...(dynamicStart.status === 'fulfilled' ? [dynamicStart.value.close()] : []),
      ...(rfc9470Start.status === 'fulfilled' ? [rfc9470Start.value.close()] : []),
    ]);
    throw dynamicStart.status === 'rejected'
      ? dynamicStart.reason
      : (rfc9470Start as PromiseRejectedResult).reason;
  }
  const dynamic = dynamicStart.value;
  const rfc9470 = rfc9470Start.value;
  demo.setRfc9470Url(rfc9470.url);
  let closed: Promise<void> | undefined;
  return {
    emulator,
    demo,
    dynamic,
    rfc9470,
    domain,
    demoUrl: `${demo.url}/`,
    chromiumArgs: chromiumArgsFor(domain, emulator.port, dynamic.port),
    close() {
      closed ??= Promise.allSettled([emulator.close(), demo.close(), dynamic.close(), rfc9470.close()]).then(
        () => undefined,
      );
      return closed;
    },
  };
}
