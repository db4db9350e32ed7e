/**
 * server/db: the one database interface (PostgreSQL through pg, or PGlite), its migrations and owner-only files. Infrastructure: every context may use it.
 * Other contexts reach it only through this file (tests/architecture.test.ts).
 */
export type { Db, Queryable } from './db.ts';
export { migrate } from './migrate.ts';
export { openPostgresDb } from './pg-db.ts';
export { openPgliteDb } from './pglite-db.ts';
export { makeOwnerOnlyFile } from './owner-only.ts';
export { lookUntil } from './look-until.ts';
