/**
 * Serves the wallet page built by Vite (renderer/vite.config.ts, input
 * `wallet/index.html`): /wallet/ is the page, /wallet/sw.js the service
 * worker (scope /wallet/), /wallet/manifest.webmanifest and the icon, and
 * /assets/* the hashed bundles the page loads. Files are read only from
 * inside the build folder; a strict CSP on every answer (no inline script,
 * nothing from elsewhere). Written here rather than @fastify/static, which
 * is not installed; it is the same few rules as the gateway's static-ui.ts.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EdgePayError } from '../../core/index.ts';

export const DEFAULT_UI_DIR = join(import.meta.dirname, '..', '..', 'renderer', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

export const WALLET_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

async function fileInside(root: string, relative: string): Promise<string | undefined> {
  const base = normalize(root + sep);
  const wanted = normalize(join(base, relative));
  if (!wanted.startsWith(base)) return undefined;
  try {
    return (await stat(wanted)).isFile() ? wanted : undefined;
  } catch {
    return undefined;
  }
}

async function send(reply: FastifyReply, path: string | undefined, cache: 'immutable' | 'no-cache') {
  if (!path) throw new EdgePayError('NOT_FOUND');
  return reply
    .header('content-type', TYPES[extname(path)] ?? 'application/octet-stream')
    .header('cache-control', cache === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('content-security-policy', WALLET_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(await readFile(path));
}

export function registerWalletPage(app: FastifyInstance, uiDir: string): void {
  // The service worker's scope is /wallet/, which /wallet is not: always use the slash.
  app.get('/wallet', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/wallet/'));
  app.get('/wallet/', { schema: { hide: true } }, async (_req, reply) => {
    const page = await fileInside(uiDir, 'wallet/index.html');
    if (!page) throw new EdgePayError('WALLET_PAGE_NOT_BUILT');
    return send(reply, page, 'no-cache');
  });
  for (const name of ['sw.js', 'manifest.webmanifest', 'icon.svg']) {
    app.get(`/wallet/${name}`, { schema: { hide: true } }, async (_req, reply) => send(reply, await fileInside(uiDir, `wallet/${name}`), 'no-cache'));
  }
  app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    return send(reply, await fileInside(join(uiDir, 'assets'), rest), 'immutable');
  });
}
