/**
 * What the preload script exposes to the page as `window.edgepay`: the same
 * GatewayClient the browser transport gives, over IPC, one function per
 * declared method (core's method table; no per-method code here). It never
 * hands the page ipcRenderer itself, only these functions (contextBridge
 * copies them: a plain object, not a Proxy, which contextBridge cannot copy).
 */
import { edgePayErrorFromJSON, gatewayMethods, type ClientOf, type GatewayClient, type GatewayEvent, type GatewayEventsClient, type MethodTable } from '../core/index.ts';
import { IPC_CALL, IPC_EVENT, IPC_EVENTS_AUTH, type IpcResult } from './ipc/channels.ts';

/** The part of Electron's ipcRenderer the bridge uses. */
export type IpcRendererLike = {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  send(channel: string, ...args: unknown[]): void;
};

export function createPreloadApi(ipc: IpcRendererLike): GatewayClient;
export function createPreloadApi<M extends MethodTable>(ipc: IpcRendererLike, methods: M): ClientOf<M> & GatewayEventsClient;
export function createPreloadApi(ipc: IpcRendererLike, methods: MethodTable = gatewayMethods): GatewayEventsClient & Record<string, (...args: never[]) => unknown> {
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const r = (await ipc.invoke(IPC_CALL, method, args)) as IpcResult;
    if (!r.ok) throw edgePayErrorFromJSON(r.error);
    return r.value;
  };
  const calls = Object.fromEntries(Object.keys(methods).map((name) => [name, (...args: unknown[]) => call(name, args)])) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const events: GatewayEventsClient = {
    onEvent(listener) {
      // The page gets the event only, never Electron's event object (it holds the sender).
      const wrapped = (_e: unknown, event: unknown) => listener(event as GatewayEvent);
      ipc.on(IPC_EVENT, wrapped);
      return () => void ipc.removeListener(IPC_EVENT, wrapped);
    },
    authenticateEvents(token) {
      ipc.send(IPC_EVENTS_AUTH, token);
    },
    onConnection(listener) {
      listener(true); // IPC to our own main process does not drop
      return () => undefined;
    },
  };
  return { ...calls, ...events };
}
