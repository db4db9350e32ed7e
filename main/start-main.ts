/**
 * The main process, written against the electron module passed in (so that
 * every handler can be tested without the Electron binary). Order matters:
 * the app:// scheme is privileged before ready; the session's permissions,
 * the protocol and the IPC are in place before the first window loads.
 */
import type * as Electron from 'electron';
import { IPC_EVENT, IPC_EVENTS_AUTH } from './ipc/channels.ts';
import { registerGatewayIpc } from './ipc/register-ipc.ts';
import { isTrustedSender } from './ipc/sender-check.ts';
import { GatewayHost } from './gateway/gateway-host.ts';
import { watchRenderer } from './renderer-watchdog.ts';
import { APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './security/app-protocol.ts';
import { denyAllPermissions, hardenWebContents } from './security/harden.ts';
import { kioskWindowOptions, type WindowConfig } from './security/web-preferences.ts';
import { KIOSK_EVENT_TYPES } from '../core/index.ts';

export type MainConfig = {
  window: WindowConfig;
  uiDir: string;
  preloadPath: string;
  /** The bundled gateway entry for utilityProcess.fork (see gateway-process-main.ts). */
  gatewayEntry: string;
  gatewayArgs?: string[];
  /** Which screen the window shows. */
  screen: 'kiosk' | 'console';
};

type ElectronLike = Pick<typeof Electron, 'app' | 'protocol' | 'session' | 'ipcMain' | 'BrowserWindow' | 'utilityProcess'>;

export function startMain(electron: ElectronLike, config: MainConfig): { host: GatewayHost } {
  const { app, protocol, session, ipcMain, BrowserWindow, utilityProcess } = electron;
  protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES);
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));
  // One kiosk per machine: a second start focuses nothing and quits.
  if (!app.requestSingleInstanceLock()) app.quit();

  const host = new GatewayHost({
    fork: () => utilityProcess.fork(config.gatewayEntry, config.gatewayArgs ?? [], { serviceName: 'EdgePay gateway', stdio: 'inherit' }) as never,
  });

  void app.whenReady().then(() => {
    denyAllPermissions(session.defaultSession);
    protocol.handle(APP_SCHEME, createAppProtocolHandler(config.uiDir));
    registerGatewayIpc(ipcMain, async (method, args) => {
      const r = await host.call(method, args);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { name: 'EdgePayError', code: r.error.code });
      return r.value;
    });
    host.start();

    const win = new BrowserWindow(kioskWindowOptions(config.window, config.preloadPath));
    // Console events go only to a window whose operator signed in (the token is checked by the gateway on each call).
    let consoleToken: string | null = null;
    ipcMain.on(IPC_EVENTS_AUTH, (event, token: unknown) => {
      if (isTrustedSender(event as never) && event.sender === win.webContents) consoleToken = typeof token === 'string' ? token : null;
    });
    host.onEvent((event) => {
      if (win.isDestroyed()) return;
      if (KIOSK_EVENT_TYPES.includes(event.type) || consoleToken) win.webContents.send(IPC_EVENT, event);
    });
    watchRenderer(win.webContents);
    win.once('ready-to-show', () => win.show());
    void win.loadURL(`${APP_ORIGIN}/${config.screen}`);
  });
  app.on('window-all-closed', () => {
    host.stop();
    app.quit();
  });
  return { host };
}
