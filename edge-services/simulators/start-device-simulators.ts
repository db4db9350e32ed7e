/**
 * Starts one simulator process per device kind on a running bus, each under
 * the driver supervisor (so the demo shows restarts and status like real
 * drivers). Device ids: terminal-1, elevator-1, ble-1, pos-1, cart-1, printer-1.
 */
import { fileURLToPath } from 'node:url';
import type { RunningBus } from '../bus/index.ts';
import { DriverSupervisor, type BackoffPolicy, type DriverStatus } from '../drivers/index.ts';
import { SIMULATOR_KINDS, type SimulatorName } from './simulator-catalog.ts';

export const SIMULATOR_ENTRY = fileURLToPath(new URL('./simulator-main.ts', import.meta.url));

export const SIMULATOR_DEVICE_IDS: Readonly<Record<SimulatorName, string>> = {
  'card-terminal': 'terminal-1',
  elevator: 'elevator-1',
  'ble-reader': 'ble-1',
  'pos-agent': 'pos-1',
  cart: 'cart-1',
  printer: 'printer-1',
  gate: 'gate-1',
  'payment-device': 'paydev-1',
};

/** Started when `only` is not given: the exit gate runs only where carts do (ask for it by name). */
export const DEFAULT_SIMULATORS: readonly SimulatorName[] = ['card-terminal', 'elevator', 'ble-reader', 'pos-agent', 'cart', 'printer'];

export type StartDeviceSimulatorsOptions = {
  /** Which simulators (default: those of DEFAULT_SIMULATORS; the gate only when named). */
  only?: SimulatorName[];
  /** Per-simulator options (speeds, dongles, fields...), see each PROTOCOL.md. */
  options?: Partial<Record<SimulatorName, Record<string, unknown>>>;
  backoff?: Partial<BackoffPolicy>;
};

export type DeviceSimulators = {
  readonly supervisor: DriverSupervisor;
  /** Device id per simulator. */
  readonly deviceIds: Readonly<Partial<Record<SimulatorName, string>>>;
  /** Simulation input that is not on the bus, e.g. control('cart', {action: 'add-item', label: 'baguette'}). */
  control(simulator: SimulatorName, message: Record<string, unknown>): boolean;
  status(): DriverStatus[];
  /** Resolves when every simulator process is running and on the bus. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

export function startDeviceSimulators(bus: RunningBus, options: StartDeviceSimulatorsOptions = {}): DeviceSimulators {
  const names = options.only ?? [...DEFAULT_SIMULATORS];
  const supervisor = new DriverSupervisor({ enroll: (id, kind) => bus.enrollNewDevice(id, kind), ...(options.backoff ? { backoff: options.backoff } : {}) });
  const deviceIds: Partial<Record<SimulatorName, string>> = {};
  for (const name of names) {
    const deviceId = SIMULATOR_DEVICE_IDS[name];
    deviceIds[name] = deviceId;
    supervisor.add({ name: deviceId, deviceId, kind: SIMULATOR_KINDS[name], entry: SIMULATOR_ENTRY, config: { simulator: name, options: options.options?.[name] ?? {} } });
  }
  return {
    supervisor,
    deviceIds,
    control: (simulator, message) => {
      const deviceId = deviceIds[simulator];
      return deviceId !== undefined && supervisor.send(deviceId, { ...message, type: 'sim' });
    },
    status: () => supervisor.status(),
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!supervisor.status().every((s) => s.state === 'running')) {
        if (Date.now() > deadline) throw new Error(`simulators not running after ${timeoutMs} ms: ${JSON.stringify(supervisor.status())}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => supervisor.stop(),
  };
}
