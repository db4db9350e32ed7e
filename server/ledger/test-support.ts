/**
 * Test fixtures of the ledger tests: a migrated database (PGlite in memory,
 * or a fresh PostgreSQL schema) and a few accounts.
 */
import { openDatabase } from '../start-server.ts';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';
import type { Db } from '../db/db.ts';
import { openAccount } from './accounts.ts';
import type { OpenAccountInput } from './types.ts';

export type LedgerTestDb = { db: Db; label: string; isPostgres: boolean; close(): Promise<void> };

export async function ledgerTestDb(which: 'pglite' | 'postgres'): Promise<LedgerTestDb> {
  const database: TestDatabase = which === 'pglite' ? pglite() : await freshPostgres();
  const db = await openDatabase(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {});
  return {
    db,
    label: database.label,
    isPostgres: db.kind === 'postgres',
    async close() {
      await db.close();
      await database.drop();
    },
  };
}

export async function openAccounts(db: Db, accounts: OpenAccountInput[]): Promise<void> {
  for (const a of accounts) await openAccount(db, a);
}
