/**
 * The gateway's ledger: the RxDB database that holds every payment, the
 * catalogue and the site settings on the device.
 *
 * It runs on the SQLite RxStorage with synchronous=FULL (a payment is
 * acknowledged only after its commit reached the disk), behind RxDB's ajv
 * schema validator (a document that breaks the schema is refused before it
 * reaches the storage; see validated-storage.ts), with the migration plugin so that schema versions can
 * move forward on devices in the field.
 */
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { join } from 'node:path';
import {
  collectionSchemas,
  EdgePayError,
  isEdgePayError,
  type CollectionDocs,
  type CollectionName,
} from '../../core/index.ts';
import { databaseFileName, getRxStorageSQLite, type SQLiteSynchronous } from '../sqlite-storage/index.ts';
import { ledgerMigrations } from './migrations.ts';
import { validatedLedgerStorage } from './validated-storage.ts';
import { forgetFailedMigrations } from './failed-migrations.ts';

addRxPlugin(RxDBMigrationSchemaPlugin);

export type LedgerCollections = { [C in CollectionName]: RxCollection<CollectionDocs[C]> };
export type LedgerDatabase = RxDatabase<LedgerCollections>;

export type OpenLedgerOptions = {
  /** Folder for the ledger file. */
  directory: string;
  /** Database (and file) name; default `edgepay-ledger`. */
  name?: string;
  /**
   * Default FULL. Lowering it risks losing acknowledged payments on power
   * loss; only tests and benchmarks should.
   */
  synchronous?: SQLiteSynchronous;
  /** Overrides for tests of the migration path; production uses core's schemas. */
  schemas?: Partial<{ [C in CollectionName]: (typeof collectionSchemas)[C] }>;
  migrations?: Partial<typeof ledgerMigrations>;
};

export type Ledger = {
  readonly db: LedgerDatabase;
  readonly filePath: string;
  readonly synchronous: SQLiteSynchronous;
  close(): Promise<void>;
};

export const DEFAULT_LEDGER_NAME = 'edgepay-ledger';

export async function openLedger(options: OpenLedgerOptions): Promise<Ledger> {
  const name = options.name ?? DEFAULT_LEDGER_NAME;
  const synchronous = options.synchronous ?? 'FULL';
  const storage = validatedLedgerStorage(getRxStorageSQLite({ directory: options.directory, synchronous, checkIntegrityOnOpen: true }));
  let db: LedgerDatabase | undefined;
  try {
    db = await createRxDatabase<LedgerCollections>({
      name,
      storage,
      // One gateway process owns the ledger; the UI reaches it through the
      // gateway's API, never by opening the file.
      multiInstance: false,
      eventReduce: true,
    });
    const names = Object.keys(collectionSchemas) as CollectionName[];
    const schemaOf = (c: CollectionName) => options.schemas?.[c] ?? collectionSchemas[c];
    await forgetFailedMigrations(db as unknown as RxDatabase, names.map((c) => ({ name: c, version: schemaOf(c).version })));
    const collections = Object.fromEntries(
      names.map((c) => [
        c,
        {
          schema: schemaOf(c),
          migrationStrategies: options.migrations?.[c] ?? ledgerMigrations[c],
          // Migrate before the collection is handed out: a half-migrated
          // ledger must never take a payment.
          autoMigrate: true,
        },
      ]),
    );
    await db.addCollections(collections as any);
  } catch (err) {
    await db?.close().catch(() => undefined);
    if (isEdgePayError(err)) throw err;
    const code = (err as { code?: string })?.code;
    throw new EdgePayError(
      code === 'DM4' || code === 'DM1' ? 'LEDGER_MIGRATION_FAILED' : 'LEDGER_OPEN_FAILED',
      { directory: options.directory, name, reason: String((err as Error)?.message ?? err).slice(0, 500) },
      { cause: err },
    );
  }
  const opened = db;
  return {
    db: opened,
    filePath: join(options.directory, databaseFileName(name)),
    synchronous,
    close: async () => {
      await opened.close();
    },
  };
}
