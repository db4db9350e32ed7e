/**
 * The child's side of supervision: wait for the start message (credentials and
 * configuration), set up, say ready, and shut down cleanly on SIGTERM or when
 * the gateway goes away (the IPC channel closes).
 */
import type { DeviceCredentials } from '../bus/index.ts';

export type StartMessage = { type: 'start'; credentials: DeviceCredentials; config: unknown };
export type ChildToSupervisor = { type: 'ready'; pid: number } | { type: string; [key: string]: unknown };

export type RunningDevice = { close(): Promise<void> };

export type DeviceProcessContext = {
  credentials: DeviceCredentials;
  config: unknown;
  /** Further messages from the supervisor (scripted HID input and the like). */
  onMessage(listener: (message: unknown) => void): void;
  /** A message to the supervisor. */
  send(message: object): void;
};

export function runDeviceProcess(setup: (context: DeviceProcessContext) => Promise<RunningDevice>): void {
  if (!process.send) {
    process.stderr.write('this module runs as a supervised driver process (fork with an IPC channel)\n');
    process.exit(2);
  }
  const listeners = new Set<(message: unknown) => void>();
  let running: RunningDevice | undefined;
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    await running?.close().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('disconnect', () => void shutdown(0));
  process.on('message', (message: unknown) => {
    if (running === undefined && isStart(message)) {
      void setup({
        credentials: message.credentials,
        config: message.config,
        onMessage: (listener) => listeners.add(listener),
        send: (m) => process.send?.(m),
      }).then(
        (device) => {
          running = device;
          process.send?.({ type: 'ready', pid: process.pid });
        },
        (err: unknown) => {
          // Loaded only now: a driver process starts without the log's modules (start-up is timed by the supervisor).
          void import('../logging/gateway-log.ts').then(({ gatewayLog }) =>
            gatewayLog('driver', { deviceId: message.credentials.deviceId }).error({ event: 'driver-start-failed', err }, 'driver failed to start'),
          );
          process.exit(1);
        },
      );
      return;
    }
    for (const listener of listeners) listener(message);
  });
}

function isStart(message: unknown): message is StartMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'start';
}
