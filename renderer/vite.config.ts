/**
 * Builds the UI into renderer/dist (gitignored), which the gateway serves
 * over HTTP and Electron over its app:// protocol. Relative asset paths
 * ('./') so both origins work; no inline scripts (the CSP forbids them).
 * Two pages: index.html (kiosk and console, served by the gateway) and
 * wallet/index.html (the phone wallet, served by the central server at
 * /wallet/), with the wallet's fixed-URL files (service worker, manifest,
 * icon) copied from renderer/wallet/public to dist/wallet/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const walletPublic = join(import.meta.dirname, 'wallet', 'public');
const walletFiles: Plugin = {
  name: 'edgepay-wallet-files',
  generateBundle() {
    for (const name of readdirSync(walletPublic)) {
      this.emitFile({ type: 'asset', fileName: `wallet/${name}`, source: readFileSync(join(walletPublic, name)) });
    }
  },
};

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), walletFiles],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // A module preload polyfill would be an inline script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { main: join(import.meta.dirname, 'index.html'), wallet: join(import.meta.dirname, 'wallet', 'index.html') },
    },
  },
});
