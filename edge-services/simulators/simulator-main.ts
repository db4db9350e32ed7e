/**
 * The process every device simulator runs in (under the driver supervisor).
 * config: { simulator: 'card-terminal' | 'elevator' | 'ble-reader' | 'pos-agent' | 'cart', options?: {...} }
 * Control messages from the supervisor: { type: 'sim', ...what the simulator's control() takes }.
 */
import { DeviceBusClient } from '../bus/index.ts';
import { runDeviceProcess } from '../drivers/index.ts';
import { SIMULATORS, type SimulatorName } from './simulator-catalog.ts';

runDeviceProcess(async ({ credentials, config, onMessage }) => {
  const { simulator: name, options = {} } = config as { simulator: SimulatorName; options?: Record<string, unknown> };
  const factory = SIMULATORS[name];
  if (!factory) throw new Error(`no simulator ${String(name)}`);
  const client = DeviceBusClient.connect(credentials, { model: `edgepay-sim-${name}`, firmware: '1.0.0' });
  const simulator = factory(client, options);
  onMessage((message) => {
    if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'sim') simulator.control(message as Record<string, unknown>);
  });
  await client.whenSubscribed(15_000);
  return {
    async close() {
      await simulator.close();
      await client.close();
    },
  };
});
