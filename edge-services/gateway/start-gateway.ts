/**
 * The gateway runtime's entry point: the ledger, (when a server is
 * configured) its sync with the central server, and (when asked) product
 * recognition for its site. The bus and the kiosk attach to what this returns.
 */
import { join, resolve } from 'node:path';
import type { CollectionRegistry, SyncStatus } from '../../core/index.ts';
import { GatewaySync, openLedger, type GatewaySyncOptions, type Ledger } from '../../sync/index.ts';
import { SiteRecognition, type RecognitionServiceOptions } from '../recognition/index.ts';

export type GatewayOptions = {
  /** Folder for everything the gateway keeps on disk. */
  dataDir: string;
  /** The central server and this gateway's credential; without it the gateway runs standalone. */
  server?: { url: string; credential: string; backoff?: GatewaySyncOptions['backoff'] };
  /** Ledger database name (default `edgepay-ledger`); one per gateway in one process. */
  ledgerName?: string;
  /**
   * The collections of the ledger and its sync (default: core's registry). Tests
   * that run several gateways in one process leave some out: RxDB's open-source
   * build allows 16 collections per process.
   */
  collections?: CollectionRegistry;
  /** Start product recognition for this site (a worker thread; loads the detector, about a second). */
  recognition?: RecognitionServiceOptions & { siteId: string; gatewayId: string };
};

export type Gateway = {
  readonly ledger: Ledger;
  readonly dataDir: string;
  readonly sync: GatewaySync | undefined;
  readonly recognition: SiteRecognition | undefined;
  /** Counts per collection, for the console and the demo. */
  counts(): Promise<Record<string, number>>;
  syncStatus(): Promise<SyncStatus | undefined>;
  stop(): Promise<void>;
};

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const dataDir = resolve(options.dataDir);
  const collections = options.collections ? { collections: options.collections } : {};
  const ledger = await openLedger({ directory: join(dataDir, 'ledger'), ...(options.ledgerName ? { name: options.ledgerName } : {}), ...collections });
  const sync = options.server
    ? new GatewaySync(ledger.db as any, {
        serverUrl: options.server.url,
        credential: options.server.credential,
        ...(options.server.backoff ? { backoff: options.server.backoff } : {}),
        ...collections,
      })
    : undefined;
  sync?.start();
  let recognition: SiteRecognition | undefined;
  try {
    recognition = options.recognition ? await SiteRecognition.start({ ...options.recognition, enrolments: ledger.db.enrolments, products: ledger.db.products, sites: ledger.db.sites }) : undefined;
  } catch (err) {
    await sync?.stop();
    await ledger.close();
    throw err;
  }
  return {
    ledger,
    dataDir,
    sync,
    recognition,
    async counts() {
      const out: Record<string, number> = {};
      // By name: RxDB lists collections in the order they finished opening, which
      // changes with migrations (a collection above version 0 opens later).
      for (const [name, collection] of Object.entries(ledger.db.collections).sort(([a], [b]) => (a < b ? -1 : 1))) out[name] = await collection.count().exec();
      return out;
    },
    syncStatus: async () => sync?.status(),
    async stop() {
      await recognition?.stop();
      await sync?.stop();
      await ledger.close();
    },
  };
}
