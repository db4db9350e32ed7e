/**
 * The Electron entry (package.json "main" after bundling). Configuration: the
 * gateway's one configuration (edge-services/config, .env.example):
 * EDGEPAY_KIOSK=0 for a normal window (development), EDGEPAY_SCREEN=console
 * for the operator's screen, EDGEPAY_DEVTOOLS=1; the gateway process checks
 * the rest.
 */
import * as electron from 'electron';
import { join } from 'node:path';
import { environmentWithEnvFile, loadGatewayConfig } from '../edge-services/index.ts';
import { DEFAULT_WINDOW } from './security/web-preferences.ts';
import { startMain } from './start-main.ts';

const here = import.meta.dirname;
const { electron: settings } = loadGatewayConfig(environmentWithEnvFile());
startMain(electron, {
  window: { ...DEFAULT_WINDOW, kiosk: settings.kiosk, devTools: settings.devTools },
  uiDir: join(here, '..', 'renderer', 'dist'),
  preloadPath: join(here, 'preload.cjs'),
  gatewayEntry: join(here, 'gateway-process.mjs'),
  screen: settings.screen,
});
