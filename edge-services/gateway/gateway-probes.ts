/**
 * The gateway's health and metrics (issue 26): what a supervisor (systemd,
 * Electron's main process, a monitoring agent on the shop PC) asks a running
 * gateway, served on its HTTP server as `GET /healthz` and `GET /metrics`
 * (Prometheus text, prom-client like the server's).
 *
 * Health answers 200 while the gateway can take a sale: its ledger answers a
 * read. Being offline is not unhealthy (the gateway sells offline by design),
 * so the sync's state is reported, not judged; a stalled device is shown too.
 * 503 only when the ledger does not answer: then nothing can be recorded.
 *
 * Metrics are read when scraped (prom-client's collect callbacks), from the
 * same sources the console reads: nothing is counted twice.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { SyncStatus, UnsentSummary } from '../../core/index.ts';
import { UnsentPayments, type GatewaySync, type LedgerDatabase } from '../../sync/index.ts';
import type { BusMetricsSnapshot } from '../bus/index.ts';
import type { DeviceStatusRow } from '../drivers/index.ts';

export type GatewayProbeSources = {
  siteId: string;
  gatewayId: string;
  db: LedgerDatabase;
  sync?: GatewaySync | undefined;
  busMetrics: () => BusMetricsSnapshot;
  devices: () => DeviceStatusRow[];
  now?: () => number;
};

export type GatewayHealth = {
  status: 'ok' | 'failing';
  siteId: string;
  gatewayId: string;
  ledger: 'ok' | 'failing';
  /** Absent for a gateway without a server (standalone). */
  sync?: { online: boolean; unsent: number; lastSuccessAt?: string };
  devices: { deviceId: string; state: string; lastSeenSecondsAgo?: number }[];
};

export type GatewayProbes = {
  health(): Promise<{ httpStatus: 200 | 503; body: GatewayHealth }>;
  metrics(): Promise<{ contentType: string; body: string }>;
};

export function createGatewayProbes(sources: GatewayProbeSources): GatewayProbes {
  const now = sources.now ?? Date.now;
  const registry = new Registry();
  registry.setDefaultLabels({ site: sources.siteId, gateway: sources.gatewayId });
  collectDefaultMetrics({ register: registry, prefix: 'edgepay_gateway_' });

  // One read each per scrape, shared by the gauges that show it.
  let scrape: Promise<SyncStatus | undefined> | undefined;
  let unsentScrape: Promise<UnsentSummary> | undefined;
  const syncStatus = () => (scrape ??= sources.sync ? sources.sync.status() : Promise.resolve(undefined));
  // From the ledger by core's one rule, so a gateway without a server (standalone) counts too.
  // Kept by the ledger's tracker (sync/ledger/unsent-payments.ts): no documents read per scrape.
  const readUnsent = () => UnsentPayments.of(sources.db.payments).summary();
  const unsent = () => (unsentScrape ??= readUnsent());

  new Gauge({
    name: 'edgepay_gateway_sync_online',
    help: '1 while the gateway reaches the central server, 0 while it sells offline',
    registers: [registry],
    async collect() {
      const s = await syncStatus();
      this.set(s?.online ? 1 : 0);
    },
  });
  new Gauge({
    name: 'edgepay_gateway_unsent_payments',
    help: 'Payments stored offline and not yet taken over by the server (core/payments/unsent.ts)',
    registers: [registry],
    async collect() {
      this.set((await unsent()).count);
    },
  });
  new Gauge({
    name: 'edgepay_gateway_unsent_amount_minor',
    help: 'Sum of the unsent payments per currency, in minor units',
    labelNames: ['currency'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of (await unsent()).sums) this.set({ currency: s.currency }, s.amount);
    },
  });
  new Gauge({
    name: 'edgepay_gateway_sync_last_success_seconds',
    help: 'Unix time of the last successful call to the server (0: none yet)',
    registers: [registry],
    async collect() {
      const at = (await syncStatus())?.lastSuccessAt;
      this.set(at ? Date.parse(at) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'edgepay_gateway_sync_refused_documents',
    help: 'Ledger documents the server refused, set aside (the console lists them)',
    registers: [registry],
    async collect() {
      this.set(sources.sync ? (await sources.sync.refusedDocuments()).length : 0);
    },
  });
  const bus = (name: string, help: string, read: (m: BusMetricsSnapshot) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(sources.busMetrics()));
      },
    });
  bus('edgepay_gateway_bus_received_total', 'Valid messages taken on the device bus', (m) => m.received);
  bus('edgepay_gateway_bus_commands_sent_total', 'Commands sent to devices', (m) => m.commandsSent);
  bus('edgepay_gateway_bus_command_timeouts_total', 'Commands no device answered in time', (m) => m.commandTimeouts);
  bus('edgepay_gateway_bus_handshakes_refused_total', 'CURVE handshakes refused (unknown or revoked keys, broken handshakes)', (m) => m.handshakesRefused);
  new Gauge({
    name: 'edgepay_gateway_bus_dropped_total',
    help: 'Device messages dropped, by reason (invalid, replayed, stale, ...)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(sources.busMetrics().droppedByReason)) this.set({ reason }, n ?? 0);
    },
  });
  new Gauge({
    name: 'edgepay_gateway_device_last_seen_seconds',
    help: 'Seconds since each enrolled device last sent a valid message (-1: never)',
    labelNames: ['device', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of sources.devices()) this.set({ device: d.deviceId, kind: d.kind }, d.lastSeen === undefined ? -1 : Math.max(0, (now() - d.lastSeen) / 1000));
    },
  });

  return {
    async health() {
      let ledger: GatewayHealth['ledger'] = 'ok';
      try {
        await sources.db.payments.count().exec();
      } catch {
        ledger = 'failing';
      }
      const s = sources.sync ? await sources.sync.status().catch(() => undefined) : undefined;
      const body: GatewayHealth = {
        status: ledger === 'ok' ? 'ok' : 'failing',
        siteId: sources.siteId,
        gatewayId: sources.gatewayId,
        ledger,
        ...(s ? { sync: { online: s.online, unsent: s.pending.count, ...(s.lastSuccessAt ? { lastSuccessAt: s.lastSuccessAt } : {}) } } : {}),
        devices: sources.devices().map((d) => ({
          deviceId: d.deviceId,
          state: d.driver?.state ?? (d.lastSeen === undefined ? 'never-seen' : 'seen'),
          ...(d.lastSeen !== undefined ? { lastSeenSecondsAgo: Math.round((now() - d.lastSeen) / 1000) } : {}),
        })),
      };
      return { httpStatus: ledger === 'ok' ? 200 : 503, body };
    },
    async metrics() {
      scrape = unsentScrape = undefined;
      try {
        return { contentType: registry.contentType, body: await registry.metrics() };
      } finally {
        scrape = unsentScrape = undefined;
      }
    },
  };
}
