import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Build of the demo bank page. It is served by demo/app/server.ts (not by `vite dev`) so that the page,
 * its API and the step-up hook share one origin, like a real app's frontend and backend.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  // The SDK starts its wasm core in `new Worker(new URL('./core-worker.js', import.meta.url), { type: 'module' })`:
  // module workers need ES output (the default iife format cannot be loaded as a module worker).
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The SDK's worker inlines its wasm core as base64 (~300 kB); that is expected, not a bloat warning.
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
