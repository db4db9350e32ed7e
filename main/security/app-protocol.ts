/**
 * The UI comes from a custom protocol, app://edgepay/, not file://: a
 * file:// page could read any local file and has an opaque origin that the
 * IPC check could not tell apart. Only files inside the built UI folder are
 * served, every page with a strict CSP.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { UI_CSP } from '../../edge-services/index.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'edgepay';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** For protocol.registerSchemesAsPrivileged before app ready: a standard, secure scheme (it gets an origin, fetch works). */
export const APP_SCHEME_PRIVILEGES = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false } },
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
};

/** The handler for protocol.handle(APP_SCHEME, ...): a web Request in, a Response out. */
export function createAppProtocolHandler(uiDir: string): (request: Request) => Promise<Response> {
  const root = normalize(uiDir + sep);
  return async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || request.method !== 'GET') {
      return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return new Response('Bad request', { status: 400, headers: SECURITY_HEADERS });
    }
    const wanted = normalize(join(root, path));
    if (!wanted.startsWith(root)) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    // App routes (/kiosk, /console) get the app's page; missing assets are 404s.
    const file = (await isFile(wanted)) ? wanted : extname(wanted) === '' ? join(root, 'index.html') : undefined;
    if (!file || !(await isFile(file))) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    const body = await readFile(file);
    return new Response(new Uint8Array(body), { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' } });
  };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
