/**
 * The relay flow's console method: the registries (apps, terminals and their
 * pairing, POS agents with their last sign of life) live on the server; the
 * gateway asks it with its own credential for its site's. Offline is said at
 * once (CHECKOUT_SERVER_UNREACHABLE), not after a timeout.
 */
import { EdgePayError, edgePayErrorFromJSON, type GatewayHandlers, type relay } from '../../../core/index.ts';
import type { GatewayServiceParts } from './parts.ts';

type RelayHandlers = Pick<GatewayHandlers, 'relayRegistry'>;

export function relayHandlers(parts: GatewayServiceParts): RelayHandlers {
  return {
    async relayRegistry() {
      const server = parts.server;
      if (!server) throw new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'this gateway has no server' });
      let res: Response;
      try {
        res = await fetch(server.serverUrl + '/relay/v1/registry', { headers: { authorization: 'Bearer ' + server.credential }, signal: AbortSignal.timeout(server.timeoutMs ?? 15_000) });
      } catch (err) {
        throw new EdgePayError('CHECKOUT_SERVER_UNREACHABLE', undefined, { cause: err });
      }
      const json = await res.json().catch(() => undefined);
      if (res.status >= 500 || json === undefined) throw new EdgePayError('CHECKOUT_SERVER_UNREACHABLE');
      if (res.status >= 400) throw edgePayErrorFromJSON(json);
      return json as relay.RelayRegistryView;
    },
  };
}
