/**
 * The IPC contract between the preload bridge and the main process: one
 * invoke channel for API calls (method name from an allow-list, arguments as
 * JSON) and one channel for events. Results come back wrapped, because
 * Electron drops an Error's own fields (the code) when an invoke rejects.
 */
import type { ConsoleApi, EdgePayErrorJSON, KioskApi } from '../../core/index.ts';

export const IPC_CALL = 'edgepay:call';
export const IPC_EVENT = 'edgepay:event';
export const IPC_EVENTS_AUTH = 'edgepay:events-auth';

export type ApiMethod = keyof KioskApi | keyof ConsoleApi;

/** Every method the renderer may call; anything else is refused before it reaches the gateway. */
export const API_METHODS: readonly ApiMethod[] = [
  'kioskState', 'scan', 'cameraFrame', 'setQuantity', 'remove', 'clear', 'pay',
  'signIn', 'signOut', 'overview', 'syncStatus', 'devices', 'payments', 'payment',
  'declinedAfterForward', 'site', 'unsent', 'network', 'setNetwork',
  'enrolments', 'enrolProduct', 'forgetProduct',
];

export type IpcResult = { ok: true; value: unknown } | { ok: false; error: EdgePayErrorJSON };
