/**
 * The IPC contract between the preload bridge and the main process: one
 * invoke channel for API calls (a method name declared in core's method
 * table, arguments checked by its declaration) and one channel for events.
 * Results come back wrapped, because Electron drops an Error's own fields
 * (the code) when an invoke rejects.
 */
import { gatewayMethods, type EdgePayErrorJSON, type GatewayMethodName } from '../../core/index.ts';

export const IPC_CALL = 'edgepay:call';
export const IPC_EVENT = 'edgepay:event';
export const IPC_EVENTS_AUTH = 'edgepay:events-auth';

export type ApiMethod = GatewayMethodName;

/** Every method the renderer may call (core's declarations); anything else is refused before it reaches the gateway. */
export const API_METHODS: readonly ApiMethod[] = Object.keys(gatewayMethods) as ApiMethod[];

export type IpcResult = { ok: true; value: unknown } | { ok: false; error: EdgePayErrorJSON };
