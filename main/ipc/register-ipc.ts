/**
 * The main process's side of the bridge: each call is checked (sender,
 * method, arguments are plain JSON) and passed to the gateway, which runs in
 * its own utility process. Errors go back as `{code, message}`.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { EdgePayError, isEdgePayError } from '../../core/index.ts';
import { API_METHODS, IPC_CALL, type ApiMethod, type IpcResult } from './channels.ts';
import { isTrustedSender } from './sender-check.ts';

export type GatewayCall = (method: ApiMethod, args: unknown[]) => Promise<unknown>;

export async function handleCall(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, method: unknown, args: unknown, call: GatewayCall): Promise<IpcResult> {
  try {
    if (!isTrustedSender(event as never)) throw new EdgePayError('AUTH_FORBIDDEN');
    if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
      throw new EdgePayError('REQUEST_INVALID', { reason: 'unknown method' });
    }
    if (!Array.isArray(args) || args.length > 3 || JSON.stringify(args).length > 16_384) {
      throw new EdgePayError('REQUEST_INVALID', { reason: 'arguments must be a short JSON array' });
    }
    return { ok: true, value: await call(method as ApiMethod, args) };
  } catch (err) {
    const e = isEdgePayError(err) ? err : new EdgePayError('INTERNAL');
    return { ok: false, error: { code: e.code, message: e.message } };
  }
}

export function registerGatewayIpc(ipcMain: Pick<IpcMain, 'handle'>, call: GatewayCall): void {
  ipcMain.handle(IPC_CALL, (event, method: unknown, args: unknown) => handleCall(event, method, args, call));
}
