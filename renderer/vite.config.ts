/**
 * Builds the UI into renderer/dist (gitignored), which the gateway serves
 * over HTTP and Electron over its app:// protocol. Relative asset paths
 * ('./') so both origins work; no inline scripts (the CSP forbids them).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // A module preload polyfill would be an inline script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
