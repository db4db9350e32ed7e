/**
 * Runs each driver (and each device simulator) in its own Node process and
 * keeps it running: a crash, a native module that segfaults, or a kill only
 * ends that process; it is started again after an exponentially growing delay.
 * A driver that keeps crashing right after start is marked failed (and stays
 * down) rather than restarted forever; its status says so.
 *
 * The child gets its bus credentials over the IPC channel (not argv or env,
 * which other local users can read), connects to the bus itself and says
 * `ready`. It exits by itself when the IPC channel closes, so a gateway that
 * dies does not leave drivers behind.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EdgePayError, type DeviceKind, type EdgePayErrorJSON } from '../../core/index.ts';
import type { DeviceCredentials } from '../bus/index.ts';
import { DEFAULT_BACKOFF, restartDelay, type BackoffPolicy } from './backoff.ts';
import type { ChildToSupervisor, StartMessage } from './driver-process.ts';
import { gatewayLog } from '../logging/gateway-log.ts';

export type DriverDefinition = {
  /** Unique name in this supervisor (usually the device id). */
  name: string;
  deviceId: string;
  kind: DeviceKind;
  /** Absolute path of the module the child runs. */
  entry: string;
  /** Passed to the child as is (JSON). */
  config?: unknown;
};

export type DriverState = 'starting' | 'running' | 'backoff' | 'failed' | 'stopped';

export type DriverStatus = {
  name: string;
  deviceId: string;
  kind: DeviceKind;
  state: DriverState;
  pid?: number;
  /** How many times it was started again after an exit. */
  restarts: number;
  consecutiveCrashes: number;
  lastExit?: { code: number | null; signal: string | null; at: number; uptimeMs: number };
  /** When state is backoff: the delay chosen before the next start, and what is left of it. */
  backoffMs?: number;
  nextStartInMs?: number;
  /** When state is failed. */
  error?: EdgePayErrorJSON;
};

export type SupervisorOptions = {
  /** Gives a driver its bus credentials (called once per driver; the keys survive restarts). */
  enroll(deviceId: string, kind: DeviceKind): DeviceCredentials;
  backoff?: Partial<BackoffPolicy>;
  /** How long a started child may take to say ready before it is killed and counted as a crash. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
};

type Managed = {
  definition: DriverDefinition;
  credentials: DeviceCredentials;
  status: DriverStatus;
  child?: ChildProcess;
  startedAt: number;
  restartTimer?: NodeJS.Timeout;
  nextStartAt?: number;
  readyTimer?: NodeJS.Timeout;
  messageListeners: Set<(message: unknown) => void>;
};

const TSX_LOADER = import.meta.resolve('tsx');

export class DriverSupervisor {
  readonly #drivers = new Map<string, Managed>();
  readonly #policy: BackoffPolicy;
  readonly #statusListeners = new Set<(status: DriverStatus) => void>();
  #stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.#policy = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  add(definition: DriverDefinition): void {
    if (this.#drivers.has(definition.name)) throw new Error(`driver ${definition.name} is already supervised`);
    const managed: Managed = {
      definition,
      credentials: this.options.enroll(definition.deviceId, definition.kind),
      status: { name: definition.name, deviceId: definition.deviceId, kind: definition.kind, state: 'starting', restarts: 0, consecutiveCrashes: 0 },
      startedAt: 0,
      messageListeners: new Set(),
    };
    this.#drivers.set(definition.name, managed);
    this.#spawn(managed);
  }

  status(): DriverStatus[] {
    return [...this.#drivers.values()].map((m) => this.#snapshot(m));
  }

  statusOf(name: string): DriverStatus | undefined {
    const managed = this.#drivers.get(name);
    return managed && this.#snapshot(managed);
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Sends a message to a driver's process (e.g. scripted HID input); false if it is not running. */
  send(name: string, message: unknown): boolean {
    const child = this.#drivers.get(name)?.child;
    if (!child?.connected) return false;
    child.send(message as object);
    return true;
  }

  /** Messages a driver's process sends besides `ready`. */
  onMessage(name: string, listener: (message: unknown) => void): () => void {
    const managed = this.#drivers.get(name);
    if (!managed) throw new Error(`no driver ${name}`);
    managed.messageListeners.add(listener);
    return () => managed.messageListeners.delete(listener);
  }

  /** Stops every driver: SIGTERM, then SIGKILL after the grace period. Resolves when all have exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const exits: Promise<void>[] = [];
    for (const managed of this.#drivers.values()) {
      clearTimeout(managed.restartTimer);
      clearTimeout(managed.readyTimer);
      managed.status.state = 'stopped';
      const child = managed.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), this.options.stopGraceMs ?? 3_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(exits);
  }

  #snapshot(managed: Managed): DriverStatus {
    const status = { ...managed.status };
    if (managed.child?.pid !== undefined && (status.state === 'running' || status.state === 'starting')) status.pid = managed.child.pid;
    else delete status.pid;
    if (status.state === 'backoff' && managed.nextStartAt !== undefined) status.nextStartInMs = Math.max(0, managed.nextStartAt - Date.now());
    else delete status.backoffMs;
    return status;
  }

  #changed(managed: Managed): void {
    const snapshot = this.#snapshot(managed);
    for (const listener of this.#statusListeners) {
      try {
        listener(snapshot);
      } catch {
        // A status listener must not break supervision.
      }
    }
  }

  #spawn(managed: Managed): void {
    if (this.#stopping) return;
    const { definition } = managed;
    const child = fork(definition.entry, [], {
      execArgv: ['--import', TSX_LOADER],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    managed.child = child;
    managed.startedAt = Date.now();
    managed.status.state = 'starting';
    this.#changed(managed);

    managed.readyTimer = setTimeout(() => {
      // Hung during start: as good as a crash.
      if (managed.status.state === 'starting') child.kill('SIGKILL');
    }, this.options.readyTimeoutMs ?? 20_000);

    child.on('message', (message: ChildToSupervisor) => {
      if (typeof message === 'object' && message !== null && message.type === 'ready') {
        clearTimeout(managed.readyTimer);
        if (managed.child === child && managed.status.state === 'starting') {
          managed.status.state = 'running';
          this.#changed(managed);
        }
        return;
      }
      for (const listener of managed.messageListeners) listener(message);
    });
    // 'error' (e.g. the IPC channel failing) must not become an uncaught exception in the gateway.
    child.on('error', (err) => gatewayLog('supervisor', { driver: definition.name }).error({ event: 'driver-process-error', err }, 'driver process error'));
    child.on('exit', (code, signal) => this.#onExit(managed, child, code, signal));

    const start: StartMessage = { type: 'start', credentials: managed.credentials, config: definition.config ?? {} };
    child.send(start, (err) => {
      if (err) gatewayLog('supervisor', { driver: definition.name }).error({ event: 'driver-start-not-sent', err }, 'could not send start to the driver');
    });
  }

  #onExit(managed: Managed, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (managed.child !== child) return;
    clearTimeout(managed.readyTimer);
    const now = Date.now();
    const uptimeMs = now - managed.startedAt;
    managed.status.lastExit = { code, signal, at: now, uptimeMs };
    if (this.#stopping || managed.status.state === 'stopped') {
      managed.status.state = 'stopped';
      this.#changed(managed);
      return;
    }
    managed.status.consecutiveCrashes = uptimeMs >= this.#policy.stableAfterMs ? 1 : managed.status.consecutiveCrashes + 1;
    if (managed.status.consecutiveCrashes >= this.#policy.maxConsecutiveCrashes) {
      managed.status.state = 'failed';
      managed.status.error = new EdgePayError('DRIVER_FAILED', { name: managed.definition.name, crashes: managed.status.consecutiveCrashes }).toJSON();
      gatewayLog('supervisor', { driver: managed.definition.name }).error({ event: 'driver-failed', error: managed.status.error }, 'driver failed');
      this.#changed(managed);
      return;
    }
    const delay = restartDelay(this.#policy, managed.status.consecutiveCrashes);
    managed.status.state = 'backoff';
    managed.status.backoffMs = delay;
    managed.nextStartAt = now + delay;
    this.#changed(managed);
    managed.restartTimer = setTimeout(() => {
      managed.status.restarts++;
      this.#spawn(managed);
    }, delay);
  }
}
