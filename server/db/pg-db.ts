/**
 * PostgreSQL through `pg`: a pool for queries and transactions, plus one
 * dedicated connection per process for LISTEN, re-established with backoff
 * if it drops.
 */
import pg from 'pg';
import { ConnectionGate } from './connection-gate.ts';
import type { Db, Queryable, Row } from './db.ts';

/**
 * `poolSize` (default 20, or EDGEPAY_PG_POOL): at least the number of requests
 * expected at once, since a payment holds a connection for its transaction.
 * `connectRetryMs` (default 15 s, or EDGEPAY_PG_CONNECT_RETRY_MS): how long a
 * request waits while PostgreSQL refuses new connections (`ConnectionGate`).
 */
export async function openPostgresDb(
  connectionString: string,
  poolSize = Number(process.env.EDGEPAY_PG_POOL ?? 20),
  connectRetryMs = Number(process.env.EDGEPAY_PG_CONNECT_RETRY_MS ?? 15_000),
): Promise<Db> {
  // Idle connections are kept 5 minutes (pg's default is 10 s): a new
  // connection costs a backend start, and that backend's first statements
  // plan with cold catalog caches. With 10 s, a site's first push after a
  // short pause took about 80 ms more on a 2-core machine.
  const pool = new pg.Pool({ connectionString, max: poolSize, idleTimeoutMillis: 300_000 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const gate = new ConnectionGate(pool, poolSize, connectRetryMs);
  (await gate.checkout()).done();
  const listeners = new Map<string, Set<{ onMessage: (p: string) => void; onReconnect?: () => void }>>();
  let listenClient: pg.Client | undefined;
  let closed = false;
  let connecting: Promise<void> | undefined;

  async function connectListener(isReconnect: boolean): Promise<void> {
    for (let attempt = 0; !closed; attempt++) {
      const client = new pg.Client({ connectionString });
      try {
        await client.connect();
        client.on('notification', (msg) => {
          for (const l of listeners.get(msg.channel) ?? []) l.onMessage(msg.payload ?? '');
        });
        client.on('error', () => {
          if (listenClient === client) listenClient = undefined;
          client.end().catch(() => undefined);
          if (!closed) connecting = connectListener(true);
        });
        for (const channel of listeners.keys()) await client.query(`LISTEN ${ident(channel)}`);
        listenClient = client;
        if (isReconnect) for (const set of listeners.values()) for (const l of set) l.onReconnect?.();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  const run = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T extends Row = Row>(sql: string, params: unknown[] = []) {
      const name = params.length > 0 ? statementName(sql) : undefined;
      const r = name === undefined ? await c.query(sql, params as any[]) : await c.query({ name, text: sql, values: params as any[] });
      return { rows: r.rows as T[] };
    },
  });
  return {
    kind: 'postgres',
    get connectionsRefused() {
      return gate.refused;
    },
    async query<T extends Row = Row>(sql: string, params: unknown[] = []) {
      const { client, done } = await gate.checkout();
      try {
        const result = await run(client).query<T>(sql, params);
        done();
        return result;
      } catch (err) {
        // An error the server answered (it has a SQLSTATE) leaves the connection usable; any other may not.
        done(hasSqlState(err) ? undefined : (err as Error));
        throw err;
      }
    },
    async transaction(fn) {
      const { client, done } = await gate.checkout();
      try {
        await client.query('BEGIN');
        const result = await fn(run(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        done();
      }
    },
    async listen(channel, onMessage, onReconnect) {
      let set = listeners.get(channel);
      const isNewChannel = !set;
      if (!set) listeners.set(channel, (set = new Set()));
      const entry = onReconnect ? { onMessage, onReconnect } : { onMessage };
      set.add(entry);
      if (!listenClient) await (connecting ??= connectListener(false));
      else if (isNewChannel) await listenClient.query(`LISTEN ${ident(channel)}`);
      return async () => {
        set!.delete(entry);
      };
    },
    async close() {
      closed = true;
      gate.close();
      await listenClient?.end().catch(() => undefined);
      await pool.end();
    },
  };
}

/**
 * Statements with parameters run as named prepared statements (issue 24):
 * `pg` parses each one once per connection and then only binds and executes
 * it, so PostgreSQL skips parsing and planning on the hot paths (a payment's
 * statements run thousands of times a second). The server's SQL texts are
 * constants, so the names stay few; past PREPARED_MAX distinct texts (SQL
 * built with values inside would be a bug, but must not grow without bound)
 * statements run unnamed as before. EDGEPAY_PG_PREPARE=0 turns it off.
 */
const PREPARED_MAX = 2000;
const PREPARE = process.env.EDGEPAY_PG_PREPARE !== '0';
const statementNames = new Map<string, string>();

function statementName(sql: string): string | undefined {
  if (!PREPARE) return undefined;
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < PREPARED_MAX) statementNames.set(sql, (name = 'ep' + statementNames.size));
  return name;
}

const hasSqlState = (err: unknown) => typeof (err as { code?: unknown } | null)?.code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('bad channel name ' + name);
  return name;
}
