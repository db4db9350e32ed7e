/** Messages between the main process and the gateway's utility process. */
import type { GatewayEvent } from '../../core/index.ts';
import type { ApiMethod, IpcResult } from '../ipc/channels.ts';

export type HostMessage = { type: 'call'; id: number; method: ApiMethod; args: unknown[] };
export type GatewayMessage = { type: 'ready' } | { type: 'result'; id: number; result: IpcResult } | { type: 'event'; event: GatewayEvent };
