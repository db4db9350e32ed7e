/**
 * Versioned SQL migrations, run at start. Files `NNN_name.sql` in
 * ./migrations apply in order, each in its own transaction, and are recorded
 * in schema_migrations. A transaction-scoped advisory lock makes servers that
 * start together take turns, so each migration runs once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
/** Arbitrary constant: the advisory lock key of EdgePay's migrations. */
const MIGRATION_LOCK = 7_331_001;

export type Migration = { version: number; name: string; sql: string };

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

export async function migrate(db: Db, migrations = loadMigrations()): Promise<number[]> {
  await db
    .query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
    .catch(async (err) => {
      // Two servers creating the table at once: one wins, the other sees a
      // unique violation on the catalog; the table exists either way.
      if (!String(err?.message).includes('already exists') && err?.code !== '23505') throw err;
    });
  const applied: number[] = [];
  for (const m of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.rows.length > 0) return false;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}

/**
 * Our migration files hold statements that end with `;` at the end of a line;
 * a `$$ ... $$` body (PL/pgSQL) is kept whole.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let inDollar = false;
  for (const line of sql.split('\n')) {
    if (!inDollar && /^\s*--/.test(line)) continue;
    current.push(line);
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inDollar = !inDollar;
    if (!inDollar && /;\s*$/.test(line)) {
      out.push(current.join('\n').replace(/;\s*$/, '').trim());
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) out.push(rest);
  return out.filter(Boolean);
}
