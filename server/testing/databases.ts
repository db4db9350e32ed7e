/**
 * Databases for server tests: PGlite always, and the real PostgreSQL server
 * (CI: 127.0.0.1:5432, trust auth, database `test`; override with
 * EDGEPAY_TEST_PG_URL). Each PostgreSQL test database is a fresh schema that
 * is dropped afterwards. On CI an unreachable PostgreSQL is an error; on a
 * developer machine without one the PostgreSQL cases run on PGlite instead,
 * and say so.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const TEST_PG_URL = process.env.EDGEPAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabase = {
  readonly label: string;
  /** For the server: a connection string, or undefined for in-memory PGlite. */
  readonly databaseUrl: string | undefined;
  drop(): Promise<void>;
};

let reachable: boolean | undefined;

export async function postgresReachable(): Promise<boolean> {
  if (reachable !== undefined) return reachable;
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    reachable = true;
  } catch {
    reachable = false;
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!reachable && process.env.CI) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_PG_URL}; on CI the PostgreSQL tests must not be skipped`);
  }
  if (!reachable) console.error(`PostgreSQL not reachable at ${TEST_PG_URL}: running the PostgreSQL cases on PGlite`);
  return reachable;
}

/**
 * A fresh, empty PostgreSQL schema (or PGlite when PostgreSQL is absent off CI).
 * `connectionLimit`: the URL logs in as a role of its own that PostgreSQL lets
 * hold only that many connections (`CONNECTION LIMIT`; more are refused with
 * 53300, as when max_connections is reached), without taking any from others.
 */
export async function freshPostgres(options: { connectionLimit?: number } = {}): Promise<TestDatabase> {
  if (!(await postgresReachable())) return { label: 'pglite (no PostgreSQL here)', databaseUrl: undefined, drop: async () => undefined };
  const schema = 'edgepay_t_' + randomBytes(6).toString('hex');
  const limited = options.connectionLimit !== undefined;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  if (limited) {
    // Not a superuser: PostgreSQL does not hold superusers to a role's limit.
    await admin.query(`CREATE ROLE ${schema} LOGIN CONNECTION LIMIT ${Math.floor(options.connectionLimit!)}`);
    await admin.query(`GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${schema}`);
  }
  await admin.end();
  const url = new URL(TEST_PG_URL);
  if (limited) url.username = schema;
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    label: limited ? `postgres (${options.connectionLimit} connections)` : 'postgres',
    databaseUrl: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      if (limited) {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [schema]);
        await c.query(`DROP ROLE IF EXISTS ${schema}`);
      }
      await c.end();
    },
  };
}

export function pglite(): TestDatabase {
  return { label: 'pglite', databaseUrl: undefined, drop: async () => undefined };
}
