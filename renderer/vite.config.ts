/**
 * Builds the UI into renderer/dist (gitignored), which the gateway serves
 * over HTTP and Electron over its app:// protocol. Relative asset paths
 * ('./') so both origins work; no inline scripts (the CSP forbids them).
 * Two pages: index.html (kiosk and console, served by the gateway) and
 * wallet/index.html (the phone wallet, served by the central server at
 * /wallet/). The wallet's fixed-URL files (service worker, manifest, icon)
 * are the public folder, renderer/wallet/public/wallet/ -> dist/wallet/.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: 'wallet/public',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // A module preload polyfill would be an inline script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { main: `${import.meta.dirname}/index.html`, wallet: `${import.meta.dirname}/wallet/index.html` },
    },
  },
});
