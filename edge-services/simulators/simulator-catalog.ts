/** The device simulators by name, with the device kind each speaks as. */
import type { DeviceKind } from '../../core/index.ts';
import { startBleReaderSimulator } from './ble-reader/ble-reader-simulator.ts';
import { startCardTerminalSimulator } from './card-terminal/card-terminal-simulator.ts';
import { startCartSimulator } from './cart/cart-simulator.ts';
import { startGateSimulator } from './gate/gate-simulator.ts';
import { startElevatorSimulator } from './elevator/elevator-simulator.ts';
import { startPosAgentSimulator } from './pos-agent/pos-agent-simulator.ts';
import { startPrinterSimulator } from './printer/printer-simulator.ts';
import { startPaymentDeviceSimulator } from './payment-device/payment-device-simulator.ts';
import type { SimulatorFactory } from './simulator-types.ts';

export const SIMULATORS = {
  'card-terminal': startCardTerminalSimulator,
  elevator: startElevatorSimulator,
  'ble-reader': startBleReaderSimulator,
  'pos-agent': startPosAgentSimulator,
  cart: startCartSimulator,
  printer: startPrinterSimulator,
  gate: startGateSimulator,
  'payment-device': startPaymentDeviceSimulator,
} as const satisfies Record<string, SimulatorFactory>;

export type SimulatorName = keyof typeof SIMULATORS;

export const SIMULATOR_KINDS: Readonly<Record<SimulatorName, DeviceKind>> = {
  'card-terminal': 'card-terminal',
  elevator: 'elevator',
  'ble-reader': 'ble-reader',
  'pos-agent': 'pos-agent',
  cart: 'cart',
  printer: 'printer',
  gate: 'gate',
  'payment-device': 'payment-device',
};
