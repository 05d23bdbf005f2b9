/**
 * Builds the renderer (renderer/ → dist/renderer). `base: './'` keeps asset URLs relative,
 * so the same build loads from the browser-mode server and from Electron's studio:// protocol.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  // Options live here; there is no svelte.config.js to look for.
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or styles: the page's CSP allows only 'self' scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
});
