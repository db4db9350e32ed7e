/**
 * The gateway process's side: answers the host's calls through the
 * GatewayService's one way in (`call`: a declared method, the operator's
 * session, the declared argument checks) and forwards its events. Works over
 * Electron's parentPort or a Node child's IPC channel (both are "post a
 * message, get messages").
 */
import { EdgePayError, isEdgePayError } from '../../core/index.ts';
import type { GatewayService } from '../../edge-services/index.ts';
import type { GatewayMessage, HostMessage } from './messages.ts';

export type PortLike = { postMessage(m: GatewayMessage): void; onMessage(listener: (m: HostMessage) => void): void };

export function serveGatewayOverPort(port: PortLike, service: Pick<GatewayService, 'onEvent' | 'call'>): void {
  service.onEvent((event) => port.postMessage({ type: 'event', event }));
  port.onMessage(async (m) => {
    if (m?.type !== 'call') return;
    try {
      const value = await service.call(m.method, m.args);
      port.postMessage({ type: 'result', id: m.id, result: { ok: true, value } });
    } catch (err) {
      const e = isEdgePayError(err) ? err : new EdgePayError('INTERNAL');
      port.postMessage({ type: 'result', id: m.id, result: { ok: false, error: { code: e.code, message: e.message } } });
    }
  });
  port.postMessage({ type: 'ready' });
}
