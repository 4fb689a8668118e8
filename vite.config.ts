import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

export default defineConfig({
  plugins: [preact(), crx({ manifest })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Source maps would ship token-handling code paths in readable form to every page that can fetch
    // web-accessible resources; the unpacked build is for developers who have the source anyway.
    sourcemap: false,
    rollupOptions: {
      // The panel is opened by chrome.devtools.panels.create, not by the manifest: crxjs cannot find it alone.
      input: { panel: 'src/panel/panel.html' },
    },
  },
});
