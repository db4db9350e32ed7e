/**
 * The UI comes from a custom protocol, app://edgepay/, not file://: a
 * file:// page could read any local file and has an opaque origin that the
 * IPC check could not tell apart. Only files inside the built UI folder are
 * served, every page with a strict CSP.
 */
import { readUiFile, UI_CSP } from '../../edge-services/index.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'edgepay';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** For protocol.registerSchemesAsPrivileged before app ready: a standard, secure scheme (it gets an origin, fetch works). */
export const APP_SCHEME_PRIVILEGES = [{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false } }];

const SECURITY_HEADERS = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
};

/** The handler for protocol.handle(APP_SCHEME, ...): a web Request in, a Response out. */
export function createAppProtocolHandler(uiDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || request.method !== 'GET') {
      return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    }
    const path = url.pathname;
    try {
      decodeURIComponent(path);
    } catch {
      return new Response('Bad request', { status: 400, headers: SECURITY_HEADERS });
    }
    // The same resolution as the gateway's HTTP server: inside the UI folder only,
    // app routes (/kiosk, /console) get the app's page, missing assets are 404s.
    const found = await readUiFile(uiDir, path);
    if (!found) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(new Uint8Array(found.body), { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': found.type } });
  };
}
