/*
 * The wallet's service worker (scope /wallet/). It keeps the shell (the page,
 * its bundles, the manifest and icon) so the wallet opens without a network;
 * the page itself shows the last known state from localStorage, marked as
 * offline. The API is never cached here: answers about sessions, cards and
 * requests must come from the server or be shown as old.
 *
 * Pages: network first, the cached shell when offline. Bundles (hashed file
 * names, so never stale): cache first. Plain JS, not built: a service worker
 * must sit at a fixed URL.
 */
const SHELL = 'edgepay-wallet-shell-v1';
const SHELL_URLS = ['/wallet/', '/wallet/manifest.webmanifest', '/wallet/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(SHELL_URLS);
      // The page names its hashed bundles: keep them too.
      const page = await (await cache.match('/wallet/')).text();
      const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== SHELL) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/wallet/api/') || url.pathname.startsWith('/wallet/demo/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      (async () => {
        try {
          const fresh = await fetch(request);
          if (fresh.ok && url.pathname === '/wallet/') (await caches.open(SHELL)).put('/wallet/', fresh.clone());
          return fresh;
        } catch {
          return (await caches.match('/wallet/')) ?? Response.error();
        }
      })(),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/') || SHELL_URLS.includes(url.pathname)) {
    event.respondWith(
      (async () => {
        const cached = await caches.match(request);
        if (cached) return cached;
        const fresh = await fetch(request);
        if (fresh.ok) (await caches.open(SHELL)).put(request, fresh.clone());
        return fresh;
      })(),
    );
  }
});
