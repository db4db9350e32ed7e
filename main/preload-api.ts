/**
 * What the preload script exposes to the page as `window.edgepay`: the same
 * GatewayClient the browser transport gives, over IPC. It never hands the
 * page ipcRenderer itself, only these functions (contextBridge copies them).
 */
import { edgePayErrorFromJSON, type GatewayClient, type GatewayEvent } from '../core/index.ts';
import { IPC_CALL, IPC_EVENT, IPC_EVENTS_AUTH, type ApiMethod, type IpcResult } from './ipc/channels.ts';

/** The part of Electron's ipcRenderer the bridge uses. */
export type IpcRendererLike = {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  send(channel: string, ...args: unknown[]): void;
};

export function createPreloadApi(ipc: IpcRendererLike): GatewayClient {
  const call = async (method: ApiMethod, ...args: unknown[]): Promise<any> => {
    const r = (await ipc.invoke(IPC_CALL, method, args)) as IpcResult;
    if (!r.ok) throw edgePayErrorFromJSON(r.error);
    return r.value;
  };
  return {
    kioskState: () => call('kioskState'),
    scan: (barcode) => call('scan', barcode),
    cameraFrame: (frame) => call('cameraFrame', frame),
    setQuantity: (productId, quantity) => call('setQuantity', productId, quantity),
    remove: (productId) => call('remove', productId),
    clear: () => call('clear'),
    pay: () => call('pay'),
    signIn: (pin) => call('signIn', pin),
    signOut: (token) => call('signOut', token),
    overview: (token) => call('overview', token),
    syncStatus: (token) => call('syncStatus', token),
    devices: (token) => call('devices', token),
    payments: (token, filter) => call('payments', token, filter),
    payment: (token, id) => call('payment', token, id),
    declinedAfterForward: (token) => call('declinedAfterForward', token),
    site: (token) => call('site', token),
    unsent: (token) => call('unsent', token),
    network: (token) => call('network', token),
    setNetwork: (token, enabled) => call('setNetwork', token, enabled),
    enrolments: (token) => call('enrolments', token),
    enrolProduct: (token, request) => call('enrolProduct', token, request),
    forgetProduct: (token, productId) => call('forgetProduct', token, productId),
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
}
