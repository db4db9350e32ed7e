/**
 * The gateway's ledger: the RxDB database that holds every payment, the
 * catalogue and the site settings on the device.
 *
 * It runs on the SQLite RxStorage with synchronous=FULL (a payment is
 * acknowledged only after its commit reached the disk), behind RxDB's ajv
 * schema validator (a document that breaks the schema is refused before it
 * reaches the storage; see validated-storage.ts), with the migration plugin so that schema versions can
 * move forward on devices in the field.
 *
 * Its collections, their schemas and their migrations are the declarations in
 * core's collection registry; the ledger keeps no list of its own.
 */
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { join } from 'node:path';
import { EdgePayError, edgePayCollections, isEdgePayError, type CollectionDocs, type CollectionName, type CollectionRegistry } from '../../core/index.ts';
import { databaseFileName, getRxStorageSQLite, type SQLiteSynchronous } from '../sqlite-storage/index.ts';
import { validatedLedgerStorage } from './validated-storage.ts';
import { forgetFailedMigrations } from './failed-migrations.ts';

addRxPlugin(RxDBMigrationSchemaPlugin);
// Local documents: the gateway's own state that never replicates (e.g. the
// elevator flow's refunds still owed to the server), durable in the same file.
addRxPlugin(RxDBLocalDocumentsPlugin);

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
  /**
   * The collections (default: core's registry). Tests pass a copy with a
   * throwaway collection, or with another schema version and migrations.
   */
  collections?: CollectionRegistry;
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
  const storage = validatedLedgerStorage(getRxStorageSQLite({ directory: options.directory, synchronous, checkIntegrityOnOpen: true }), options.collections ?? edgePayCollections);
  let db: LedgerDatabase | undefined;
  try {
    db = await createRxDatabase<LedgerCollections>({
      name,
      storage,
      // One gateway process owns the ledger; the UI reaches it through the
      // gateway's API, never by opening the file.
      multiInstance: false,
      eventReduce: true,
      localDocuments: true,
    });
    const declared = (options.collections ?? edgePayCollections).list();
    await forgetFailedMigrations(
      db as unknown as RxDatabase,
      declared.map((c) => ({ name: c.name, version: c.schema.version })),
    );
    const collections = Object.fromEntries(
      declared.map((c) => [
        c.name,
        {
          schema: c.schema,
          migrationStrategies: c.migrations,
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
