/**
 * The Electron entry (package.json "main" after bundling). Configuration from
 * the environment: EDGEPAY_KIOSK=0 for a normal window (development),
 * EDGEPAY_SCREEN=console for the operator's screen.
 */
import * as electron from 'electron';
import { join } from 'node:path';
import { DEFAULT_WINDOW } from './security/web-preferences.ts';
import { startMain } from './start-main.ts';

const here = import.meta.dirname;
startMain(electron, {
  window: { ...DEFAULT_WINDOW, kiosk: process.env.EDGEPAY_KIOSK !== '0', devTools: process.env.EDGEPAY_DEVTOOLS === '1' },
  uiDir: join(here, '..', 'renderer', 'dist'),
  preloadPath: join(here, 'preload.cjs'),
  gatewayEntry: join(here, 'gateway-process.mjs'),
  screen: process.env.EDGEPAY_SCREEN === 'console' ? 'console' : 'kiosk',
});
