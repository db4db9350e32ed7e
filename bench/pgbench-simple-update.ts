/**
 * pgbench's built-in simple-update script (`pgbench -N`) on a scratch
 * database of the test PostgreSQL, created and dropped here: the ceiling a
 * bench compares its PostgreSQL writes against in the same run.
 * Used by bench/payments.ts and bench/wallet.ts; the caller names the
 * database and the thread count.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { serverTesting } from '../server/index.ts';
import { defer } from './cleanup.ts';
import { log } from './report.ts';

export function findPgbench(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  }
  return existsSync('/usr/bin/pgbench') ? '/usr/bin/pgbench' : undefined;
}

function execText(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

/** `tps = N (without initial connection time)` (PostgreSQL 14+) or `(excluding connections establishing)`. */
export function parseTps(output: string): number {
  const lines = [...output.matchAll(/^tps = ([0-9.]+) \(([^)]*)\)/gm)];
  const pick = lines.find((m) => /without initial|excluding/.test(m[2]!)) ?? lines[0];
  const tps = pick ? Number(pick[1]) : NaN;
  if (!Number.isFinite(tps)) throw new Error(`no 'tps = ...' line in pgbench's output:\n${output.slice(-2000)}`);
  return tps;
}

/** Runs `pgbench -i -s 1` then `pgbench -N -c clients -j threads -T seconds` on `dbName`; answers tps. */
export async function pgbenchSimpleUpdate(options: { pgbench: string; dbName: string; clients: number; threads: number; seconds: number }): Promise<number> {
  const url = new URL(serverTesting.TEST_PG_URL);
  const adminQuery = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: serverTesting.TEST_PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await adminQuery(`DROP DATABASE IF EXISTS ${options.dbName} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${options.dbName}`);
  const drop = defer(`drop database ${options.dbName}`, () => adminQuery(`DROP DATABASE IF EXISTS ${options.dbName} WITH (FORCE)`));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username || 'postgres'),
      PGDATABASE: options.dbName,
      ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
    };
    await execText(options.pgbench, ['-i', '-q', '-s', '1'], env, 120_000);
    const args = ['-N', '-c', String(options.clients), '-j', String(options.threads), '-T', String(options.seconds)];
    const stdout = await execText(options.pgbench, args, env, (options.seconds + 60) * 1000);
    const tps = parseTps(stdout);
    log(`pgbench ${args.join(' ')}: tps = ${tps.toFixed(1)}; ${/^latency average = .*$/m.exec(stdout)?.[0] ?? ''}`);
    return tps;
  } finally {
    await drop();
  }
}
