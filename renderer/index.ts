/**
 * renderer: the UIs (kiosk checkout and operator console, React + Vite). It
 * imports core only and reaches the gateway through one typed API: the
 * preload bridge in Electron, HTTP + WebSocket in a browser.
 * The app's entry is main.tsx (built by vite.config.ts into renderer/dist).
 */
export { createHttpClient } from './api/http-client.ts';
export { MESSAGES, LOCALES, type Lang, type MessageKey } from './i18n/messages.ts';
/** Where the built UI is, relative to the repository root. */
export const RENDERER_DIST = 'renderer/dist';
