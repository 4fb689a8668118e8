import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('./dist', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

const VIRTUAL_ID = 'virtual:dynamic-sdk';
const RESOLVED_ID = `\0${VIRTUAL_ID}`;

/**
 * Where the page gets `@dynamic-labs-sdk/client` from:
 * - `DYNAMIC_SDK_NODE_MODULES=/path/to/node_modules`: an install outside this project (to try the real SDK
 *   before it is added here; see docs/emulator.md);
 * - the project's node_modules, once the SDK is installed;
 * - neither: the page runs the request replica demo/dynamic/client-replica.ts and says so.
 */
function dynamicSdkSource(): { source: string; client?: string; core?: string; version?: string } {
  const external = process.env['DYNAMIC_SDK_NODE_MODULES'];
  if (external) {
    const dir = join(external, '@dynamic-labs-sdk', 'client');
    if (!existsSync(join(dir, 'package.json')))
      throw new Error(`DYNAMIC_SDK_NODE_MODULES=${external} holds no @dynamic-labs-sdk/client`);
    return {
      source: `external:${external}`,
      client: join(dir, 'dist', 'index.esm.js'),
      core: join(dir, 'dist', 'core.esm.js'),
      version: readVersion(dir),
    };
  }
  const local = join(projectRoot, 'node_modules', '@dynamic-labs-sdk', 'client');
  if (existsSync(join(local, 'package.json')))
    return {
      source: 'local',
      client: '@dynamic-labs-sdk/client',
      core: '@dynamic-labs-sdk/client/core',
      version: readVersion(local),
    };
  return { source: 'missing' };
}

function readVersion(dir: string): string {
  try {
    return (
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?'
    );
  } catch {
    return '?';
  }
}

/**
 * `virtual:dynamic-sdk`: `{ dynamicSdkSource, dynamicSdkVersion, loadDynamicSdk() }`. The SDK is imported lazily
 * (its own chunk) and only when it is installed, so the page builds either way. Records what it used in
 * dist/dynamic-sdk.json (demo/stack.ts rebuilds the page when that changes).
 */
function dynamicSdk(): Plugin {
  const found = dynamicSdkSource();
  return {
    name: 'stepup-demo-dynamic-sdk',
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : undefined),
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      if (!found.client || !found.core)
        return [
          `export const dynamicSdkSource = 'missing';`,
          `export const dynamicSdkVersion = null;`,
          `export async function loadDynamicSdk() { throw new Error('@dynamic-labs-sdk/client is not installed'); }`,
        ].join('\n');
      return [
        `export const dynamicSdkSource = ${JSON.stringify(found.source.startsWith('external') ? 'external' : 'local')};`,
        `export const dynamicSdkVersion = ${JSON.stringify(found.version ?? null)};`,
        `export async function loadDynamicSdk() {`,
        `  const [client, core] = await Promise.all([import(${JSON.stringify(found.client)}), import(${JSON.stringify(found.core)})]);`,
        `  return { ...client, createApiClient: core.createApiClient };`,
        `}`,
      ].join('\n');
    },
    writeBundle() {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'dynamic-sdk.json'), `${JSON.stringify({ source: found.source })}\n`);
    },
  };
}

/**
 * Build of the demo bank page. It is served by demo/app/server.ts (not by `vite dev`) so that the page,
 * its API and the step-up hook share one origin, like a real app's frontend and backend.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [preact(), dynamicSdk()],
  // The SDK starts its wasm core in `new Worker(new URL('./core-worker.js', import.meta.url), { type: 'module' })`:
  // module workers need ES output (the default iife format cannot be loaded as a module worker).
  worker: { format: 'es' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The SDK's worker inlines its wasm core as base64 (~300 kB); that is expected, not a bloat warning.
    // The Dynamic SDK (when installed) is a lazily loaded chunk of about 1 MB.
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
