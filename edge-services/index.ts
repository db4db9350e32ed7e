/**
 * edge-services: the gateway runtime in the store (device drivers, the ZeroMQ
 * bus, product recognition, flow orchestration, the local API).
 * startGatewayRuntime() is the one composition root; startGateway() is its
 * ledger + sync + recognition part.
 */
export { startGateway } from './gateway/start-gateway.ts';
export type { Gateway, GatewayOptions } from './gateway/start-gateway.ts';
export { startGatewayRuntime, type GatewayRuntime, type GatewayRuntimeConfig, type GatewayDevicesConfig } from './gateway/start-gateway-runtime.ts';
export { createGatewayProbes, type GatewayProbes, type GatewayProbeSources, type GatewayHealth } from './gateway/gateway-probes.ts';
// The device bus, supervised drivers, HID devices and simulators (issue 4).
export * from './bus/index.ts';
export * from './drivers/index.ts';
export * from './devices/index.ts';
export * from './simulators/index.ts';
// Receipts on paper: ESC/POS for the receipt printer (issue 26).
export { receiptEscPos, decodeEscPos, EscPosError, type PrintedReceipt, type PrintedLine } from './receipts/index.ts';
// The kiosk checkout (issue 5).
export * from './checkout/index.ts';
export * from './recognition/index.ts';
// The gateway's local API for the kiosk and console UIs (issue 7).
export * from './api/index.ts';
// Requests to pay: the gateway as requester, and the outcomes its flows act on once (issue 18).
export * from './payment-request-outcomes/index.ts';
export { cancelPaymentRequest, createPaymentRequest, getPaymentRequest } from './server-client/index.ts';
// The relay flow (issue 22): relay terminal, POS agent, POS program simulator.
export * as relayFlow from './flows/relay/index.ts';
// The smart cart flow (issue 20).
export * from './flows/cart/index.ts';
export { LobbyDesk, deliveryClient, type LobbyConfig, type DeliveryClient } from './flows/elevator/index.ts';
// The flows' gateway orchestration (edge-services/flows/<flow>/).
export * as twoChannelDevice from './flows/two-channel/index.ts';
export { gatewayLog, setGatewayLogLevel, setGatewayLogDestination, LOG_LEVELS, type GatewayLogger, type LogLevel } from './logging/gateway-log.ts';
export {
  GATEWAY_SETTINGS,
  RENAMED_SETTINGS,
  SHOP_REQUIRED,
  GatewayConfigError,
  loadGatewayConfig,
  environmentWithEnvFile,
  envExample,
  type GatewayConfig,
  type GatewaySettingName,
} from './config/gateway-config.ts';
