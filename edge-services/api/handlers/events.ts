/**
 * The gateway's live events: listeners, and the sources that feed them
 * (scanner reads from the bus into the basket, payment changes, and the sync
 * and device status, polled and sent only when they change).
 */
import type { GatewayEvent } from '../../../core/index.ts';
import type { KioskDesk } from './kiosk-desk.ts';
import { DEVICE_PING_MS, type GatewayReads, type GatewayServiceParts } from './parts.ts';

type Listener = (event: GatewayEvent) => void;

export class GatewayEvents {
  private readonly listeners = new Set<Listener>();

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: GatewayEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener (a closed socket) must not stop the others.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Starts the event sources; returns what stops them. */
export function startEventSources(parts: GatewayServiceParts, desk: KioskDesk, events: GatewayEvents, reads: GatewayReads): { stop(): void; poll(): Promise<void> } {
  const stops: (() => void)[] = [desk.follow()];
  if (parts.bus) {
    stops.push(
      parts.bus.onEvent((env) => {
        if (env.type !== 'scanner.scan') return;
        const p = env.payload as { code: string; complete?: boolean };
        // A code cut short by an unplug could name another product: never add it.
        if (p.complete === false) return;
        void desk.scan(p.code).catch(() => undefined);
      }),
    );
  }
  let lastUnsent = '';
  let lastSync = '';
  let lastDevices = '';
  const refreshUnsent = async () => {
    const key = JSON.stringify(await reads.unsentSummary());
    if (key !== lastUnsent) {
      lastUnsent = key;
      await desk.changed();
    }
  };
  const sub = parts.db.payments.$.subscribe(() => {
    events.emit({ type: 'payments-changed' });
    void refreshUnsent().catch(() => undefined);
  });
  stops.push(() => sub.unsubscribe());

  /** Sends sync and device events when something changed since the last look. */
  const poll = async () => {
    try {
      const status = await reads.syncView();
      reads.sampleBacklog(status?.pending.count ?? 0);
      const network = reads.networkState();
      // lastSuccessAt moves on every call: comparing it would send an event each poll.
      const key = JSON.stringify([status && { ...status, lastSuccessAt: undefined, nextAttemptAt: undefined }, network]);
      if (key !== lastSync) {
        lastSync = key;
        events.emit({ type: 'sync', status, network });
        // The kiosk's offline banner follows the sync's view of the network.
        void desk.changed().catch(() => undefined);
      }
      const devices = reads.deviceRows();
      const dkey = JSON.stringify(devices.map((d) => [d.deviceId, d.driver?.state, d.driver?.restarts, d.status]));
      if (dkey !== lastDevices) {
        lastDevices = dkey;
        events.emit({ type: 'devices', devices });
      }
    } catch {
      // Closing down: the ledger may be gone under a last poll.
    }
  };
  const timer = setInterval(() => void poll(), parts.pollMs ?? 500);
  timer.unref();
  stops.push(() => clearInterval(timer));
  if (parts.pingDevices) {
    // A heartbeat: every device answers a ping, which is what "last seen" counts.
    const ping = () => void parts.pingDevices!().catch(() => undefined);
    ping();
    const pinger = setInterval(ping, DEVICE_PING_MS);
    pinger.unref();
    stops.push(() => clearInterval(pinger));
  }
  return {
    poll,
    stop() {
      for (const s of stops.splice(0)) s();
    },
  };
}
