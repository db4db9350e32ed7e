/** edge-services/flows/elevator: the lobby terminal's orchestration on the building gateway. */
export { LobbyDesk, type LobbyConfig } from './lobby-desk.ts';
export { deliveryClient, type DeliveryClient } from './delivery-client.ts';
