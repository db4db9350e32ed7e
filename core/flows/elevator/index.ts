/**
 * The elevator flow (DESIGN.md section 1): a courier at the lobby terminal asks
 * the orderer at a unit to approve a delivery; the server issues a single-use
 * virtual card to the lobby's card terminal; the goods elevator carries the
 * goods up. What the server, the gateway and the lobby screen share.
 */
export * from './delivery.ts';
export * from './lobby.ts';
export * from './sealed.ts';
