/**
 * edge-services: the gateway runtime in the store (device drivers, the ZeroMQ
 * bus, product recognition, flow orchestration, the local API).
 * Built so far: starting the gateway with its ledger.
 */
export { startGateway } from './gateway/start-gateway.ts';
export type { Gateway, GatewayOptions } from './gateway/start-gateway.ts';
