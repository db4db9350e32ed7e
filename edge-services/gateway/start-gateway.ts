/**
 * The gateway runtime's entry point. Today it owns the ledger; the bus,
 * drivers, recognition and replication attach here as they are built.
 */
import { join, resolve } from 'node:path';
import { openLedger, type Ledger } from '../../sync/index.ts';

export type GatewayOptions = {
  /** Folder for everything the gateway keeps on disk. */
  dataDir: string;
};

export type Gateway = {
  readonly ledger: Ledger;
  readonly dataDir: string;
  /** Counts per collection, for the console and the demo. */
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
};

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const dataDir = resolve(options.dataDir);
  const ledger = await openLedger({ directory: join(dataDir, 'ledger') });
  return {
    ledger,
    dataDir,
    async counts() {
      const out: Record<string, number> = {};
      for (const [name, collection] of Object.entries(ledger.db.collections)) out[name] = await collection.count().exec();
      return out;
    },
    stop: () => ledger.close(),
  };
}
