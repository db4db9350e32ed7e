/**
 * The main process's side of the bridge: each call is checked (sender, a
 * declared method, its arguments by the method's declaration, a bounded
 * size) and passed to the gateway, which runs in its own utility process and
 * checks the operator's session. Errors go back as `{code, message}`.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { checkClientCall, EdgePayError, gatewayMethods, isEdgePayError, type MethodTable } from '../../core/index.ts';
import { IPC_CALL, type ApiMethod, type IpcResult } from './channels.ts';
import { isTrustedSender } from './sender-check.ts';

export type GatewayCall = (method: ApiMethod, args: unknown[]) => Promise<unknown>;

/** IPC arguments as JSON, unless the method declares more (camera frames, enrolments). */
const DEFAULT_MAX_BYTES = 16_384;

export async function handleCall(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, method: unknown, args: unknown, call: GatewayCall, methods: MethodTable = gatewayMethods): Promise<IpcResult> {
  try {
    if (!isTrustedSender(event as never)) throw new EdgePayError('AUTH_FORBIDDEN');
    const checked = checkClientCall(methods, method, args);
    if (JSON.stringify(checked.args).length > (methods[checked.name]!.maxBytes ?? DEFAULT_MAX_BYTES)) {
      throw new EdgePayError('REQUEST_INVALID', { reason: 'arguments too large' });
    }
    return { ok: true, value: await call(checked.name as ApiMethod, checked.args) };
  } catch (err) {
    const e = isEdgePayError(err) ? err : new EdgePayError('INTERNAL');
    return { ok: false, error: { code: e.code, message: e.message } };
  }
}

export function registerGatewayIpc(ipcMain: Pick<IpcMain, 'handle'>, call: GatewayCall, methods: MethodTable = gatewayMethods): void {
  ipcMain.handle(IPC_CALL, (event, method: unknown, args: unknown) => handleCall(event, method, args, call, methods));
}
