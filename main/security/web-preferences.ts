/**
 * Electron's security checklist, as the options every window is made with.
 * The renderer gets no Node, runs sandboxed, and sees the preload's API only
 * through an isolated world; nothing can load remote code or webviews.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: false,
  };
}

export type WindowConfig = {
  /** Full-screen kiosk mode (no window frame, no way out by keyboard). */
  kiosk: boolean;
  width: number;
  height: number;
  devTools: boolean;
};

export const DEFAULT_WINDOW: WindowConfig = { kiosk: true, width: 1080, height: 1920, devTools: false };

export function kioskWindowOptions(config: WindowConfig, preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: config.width,
    height: config.height,
    kiosk: config.kiosk,
    fullscreen: config.kiosk,
    autoHideMenuBar: true,
    backgroundColor: '#f4f6f9',
    // Shown when the first paint is ready: no white flash on the shop floor.
    show: false,
    title: 'EdgePay',
    webPreferences: { ...secureWebPreferences(preloadPath), devTools: config.devTools },
  };
}
