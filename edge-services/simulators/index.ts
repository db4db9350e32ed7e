/** Device simulators: one process per device kind, speaking the protocol in each folder's PROTOCOL.md. */
export { startDeviceSimulators, SIMULATOR_DEVICE_IDS, SIMULATOR_ENTRY, type DeviceSimulators, type StartDeviceSimulatorsOptions } from './start-device-simulators.ts';
export { SIMULATORS, SIMULATOR_KINDS, type SimulatorName } from './simulator-catalog.ts';
export { TEST_AMOUNT_FATES, PIN_THRESHOLD } from './card-terminal/card-terminal-simulator.ts';
export { DEFAULT_POS_FIELDS } from './pos-agent/pos-agent-simulator.ts';
export type { Simulator, SimulatorFactory } from './simulator-types.ts';
export { newTerminalKey, openCard, sealAuthorisation, x25519Private, x25519Public } from './card-terminal/virtual-card-crypto.ts';
// The dongle of the two-channel flow (not a bus device: it broadcasts over the simulated air).
export { DongleChip, startDongleSimulator, type DongleConfig, type DongleSimulator, type DongleReader } from './dongle/index.ts';
