/** The lobby terminal's methods (the elevator flow); a gateway without a lobby answers ELEVATOR_UNAVAILABLE. */
import { EdgePayError, type GatewayHandlers } from '../../../core/index.ts';
import type { GatewayServiceParts, LobbyPart } from './parts.ts';

type LobbyHandlers = Pick<GatewayHandlers, 'lobbyState' | 'lobbyRequest' | 'lobbyConfirmLoad' | 'lobbyReset'>;

export function lobbyHandlers(parts: GatewayServiceParts): LobbyHandlers {
  const lobby = (): LobbyPart => {
    if (!parts.lobby) throw new EdgePayError('ELEVATOR_UNAVAILABLE');
    return parts.lobby;
  };
  return {
    lobbyState: async () => lobby().view(),
    lobbyRequest: async (entry) => lobby().request(entry),
    lobbyConfirmLoad: async () => lobby().confirmLoad(),
    lobbyReset: async () => lobby().reset(),
  };
}
