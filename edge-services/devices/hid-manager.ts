/**
 * Finds the HID devices a driver is responsible for, opens them, feeds their
 * reports through their pipelines and follows hot-plug: node-hid has no
 * attach/detach events, so the device list is polled and compared; an open
 * device also reports its own removal through its transport.
 */
import type { DeviceOutput } from './report-pipeline.ts';
import { createReportPipeline, type ReportPipeline } from './report-pipeline.ts';
import type { DeviceRegistry, HidDriverKind, RegistryEntry } from './device-registry.ts';
import type { HidBackend, HidDeviceInfo, HidTransport } from './hid-transport.ts';
import { gatewayLog } from '../logging/gateway-log.ts';

export type HidManagerEvent =
  | DeviceOutput
  | { type: 'hid.attached'; payload: { vendorId: number; productId: number; path: string; product?: string } }
  | { type: 'hid.detached'; payload: { vendorId: number; productId: number; path: string } };

export type HidManagerOptions = {
  backend: HidBackend;
  registry: DeviceRegistry;
  /** The registry drivers this manager takes (one driver process: scanners, another: token readers). */
  drivers: readonly HidDriverKind[];
  /** Key for token readers' tokens. */
  tokenKey: Buffer;
  /** Called in order for everything to publish. */
  emit(event: HidManagerEvent): void;
  pollIntervalMs?: number;
};

type Attached = { info: HidDeviceInfo; entry: RegistryEntry; pipeline: ReportPipeline; transport?: HidTransport; gone: boolean };

export class HidManager {
  readonly #attached = new Map<string, Attached>();
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(private readonly options: HidManagerOptions) {}

  /** Looks for devices now and then every pollIntervalMs. */
  async start(): Promise<void> {
    await this.rescan();
    this.#timer = setInterval(() => void this.rescan(), this.options.pollIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  /** One comparison of the device list with what is open (serialised: polls never overlap). */
  rescan(): Promise<void> {
    this.#scanning = this.#scanning
      .then(() => this.#scan())
      .catch((err: unknown) => {
        gatewayLog('hid').error({ event: 'hid-list-failed', err }, 'listing HID devices failed');
      });
    return this.#scanning;
  }

  attachedPaths(): string[] {
    return [...this.#attached.keys()];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#scanning;
    for (const path of [...this.#attached.keys()]) await this.#detach(path);
  }

  async #scan(): Promise<void> {
    if (this.#stopped) return;
    const present = await this.options.backend.list();
    const presentPaths = new Set(present.map((d) => d.path));
    for (const path of [...this.#attached.keys()]) if (!presentPaths.has(path)) await this.#detach(path);
    for (const info of present) {
      if (this.#attached.has(info.path)) continue;
      const entry = this.options.registry.match(info);
      if (!entry || !this.options.drivers.includes(entry.driver)) continue;
      await this.#attach(info, entry);
    }
  }

  async #attach(info: HidDeviceInfo, entry: RegistryEntry): Promise<void> {
    const attached: Attached = { info, entry, pipeline: createReportPipeline(entry, this.options.tokenKey), gone: false };
    this.#attached.set(info.path, attached);
    try {
      attached.transport = await this.options.backend.open(info, {
        report: (data, at) => {
          if (attached.gone) return;
          for (const output of attached.pipeline.report(data, at)) this.options.emit(output);
        },
        gone: () => void this.#detach(info.path),
      });
    } catch (err) {
      // Not ours to open (permissions, gone again): forget it so the next poll tries again.
      this.#attached.delete(info.path);
      gatewayLog('hid').error({ event: 'hid-open-failed', path: info.path, err }, 'cannot open a HID device');
      return;
    }
    this.options.emit({
      type: 'hid.attached',
      payload: { vendorId: info.vendorId, productId: info.productId, path: info.path, ...(info.product ? { product: info.product.slice(0, 128) } : {}) },
    });
  }

  async #detach(path: string): Promise<void> {
    const attached = this.#attached.get(path);
    if (!attached || attached.gone) return;
    attached.gone = true;
    this.#attached.delete(path);
    // What the device already sent comes out before we say it is gone.
    for (const output of attached.pipeline.detach()) this.options.emit(output);
    this.options.emit({ type: 'hid.detached', payload: { vendorId: attached.info.vendorId, productId: attached.info.productId, path } });
    await attached.transport?.close();
  }
}
