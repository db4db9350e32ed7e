/**
 * Serves the built UI (Vite's output) from one folder: exact files with a
 * long cache for hashed assets, index.html for the app's routes (/kiosk,
 * /console), and a strict Content-Security-Policy on every page. Paths are
 * resolved inside the folder only.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The UI runs no inline script and loads nothing from elsewhere; it talks
 * only to its own origin (HTTP and WebSocket). Inline styles are allowed for
 * React's style attributes (the SVG chart).
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export type StaticFile = { body: Buffer; type: string; immutable: boolean };

export async function readUiFile(uiDir: string, urlPath: string): Promise<StaticFile | undefined> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  const root = normalize(uiDir + sep);
  const wanted = normalize(join(root, path));
  if (!wanted.startsWith(root)) return undefined;
  const asFile = await isFile(wanted);
  // App routes (no extension) get the app's page; a missing asset is a 404.
  const file = asFile ? wanted : extname(wanted) === '' ? join(root, 'index.html') : undefined;
  if (!file || !(await isFile(file))) return undefined;
  return {
    body: await readFile(file),
    type: TYPES[extname(file)] ?? 'application/octet-stream',
    immutable: file.includes(`${sep}assets${sep}`),
  };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
