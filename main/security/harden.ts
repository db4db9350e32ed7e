/**
 * Handlers that close what Electron leaves open by default: navigation away
 * from the app, new windows, webviews, and every permission (camera,
 * notifications, HID, serial...). The kiosk needs none of them from the web
 * page; devices are the gateway's business.
 */
import type { Session, WebContents } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-protocol.ts';

/** Is this URL a page of our app (same origin)? */
export function isAppUrl(url: string): boolean {
  try {
    // Scheme and host, not URL.origin: WHATWG gives a custom scheme's origin as "null" outside Electron.
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

type Preventable = { preventDefault(): void };

/** Registers the navigation guards on one WebContents (call from app 'web-contents-created'). */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  // In-app route changes are history.pushState, not navigations: any real navigation elsewhere is refused.
  const onNavigate = (event: Preventable, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', onNavigate as never);
  contents.on('will-redirect', onNavigate as never);
  contents.on('will-frame-navigate', ((event: Preventable & { url: string }) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  }) as never);
  contents.on('will-attach-webview', ((event: Preventable) => event.preventDefault()) as never);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Every permission request and check is refused (default deny). */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
