/** The device bus: gateway side (startBus, GatewayBus), device side (DeviceBusClient), enrolment and ZAP. */
export { startBus, type RunningBus, type StartBusOptions } from './start-bus.ts';
export { GatewayBus, type GatewayBusOptions, type CommandOptions, type BusEventListener, type DevicePresence } from './gateway-bus.ts';
export { DeviceBusClient, DeviceCommandError, type DeviceCredentials, type CommandHandler, type DeviceClientOptions } from './device-client.ts';
export { EnrolledDevices, type EnrolledDevice } from './enrolled-devices.ts';
export { startZapHandler, ZAP_DOMAIN, ZAP_ENDPOINT, type ZapHandler, type ZapDecision } from './zap-handler.ts';
export { BusMetrics, DROP_LOG_INTERVAL_MS, type BusMetricsSnapshot, type BusLogger } from './bus-metrics.ts';
export { isCurveKey, type CurveKeyPair } from './curve-keys.ts';
// makeEnvelope: for a device's adapter (or a benchmark) that speaks the wire without DeviceBusClient.
export { DEFAULT_MAX_MESSAGE_BYTES, makeEnvelope } from './wire.ts';
