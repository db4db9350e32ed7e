/**
 * PostgreSQL through `pg`: a pool for queries and transactions, plus one
 * dedicated connection per process for LISTEN, re-established with backoff
 * if it drops.
 */
import pg from 'pg';
import { EdgePayError } from '../../core/index.ts';
import type { Db, Queryable, Row } from './db.ts';

/**
 * `poolSize` (default 20, or EDGEPAY_PG_POOL): at least the number of requests
 * expected at once, since a payment holds a connection for its transaction.
 * `connectRetryMs` (default 15 s, or EDGEPAY_PG_CONNECT_RETRY_MS): how long a
 * refused new connection is asked again (see `connectWithRetry`).
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
  let refused = 0;
  const connect = () => connectWithRetry(pool, connectRetryMs, () => refused++);
  (await connect()).release();
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
      return refused;
    },
    async query<T extends Row = Row>(sql: string, params: unknown[] = []) {
      const client = await connect();
      try {
        const result = await run(client).query<T>(sql, params);
        client.release();
        return result;
      } catch (err) {
        // An error the server answered (it has a SQLSTATE) leaves the connection usable; any other may not.
        client.release(hasSqlState(err) ? undefined : (err as Error));
        throw err;
      }
    },
    async transaction(fn) {
      const client = await connect();
      try {
        await client.query('BEGIN');
        const result = await fn(run(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
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

/**
 * A connection from the pool; a new one that PostgreSQL refuses (too many
 * clients, starting up, shutting down, unreachable for a moment) is asked again
 * with a capped, jittered backoff for up to `budgetMs`: nothing ran on it, so
 * the caller's query or transaction simply waits. Without this a request that
 * came when the database was full failed with a 500 (the relay's 1,000-code run
 * lost sales to PostgreSQL's max_connections, shared with other processes).
 * Other connect errors (wrong password, no such database) fail at once.
 */
async function connectWithRetry(pool: pg.Pool, budgetMs: number, onRefused: () => void): Promise<pg.PoolClient> {
  const until = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.connect();
    } catch (err) {
      if (!isRefusedConnection(err) || Date.now() >= until) {
        if (isRefusedConnection(err)) throw new EdgePayError('DATABASE_BUSY', { reason: (err as Error).message.slice(0, 120) });
        throw err;
      }
      onRefused();
      const backoff = Math.min(500, 10 * 2 ** Math.min(attempt, 6));
      await new Promise((r) => setTimeout(r, Math.min(backoff / 2 + Math.random() * backoff, Math.max(1, until - Date.now()))));
    }
  }
}

/** SQLSTATEs of a refused connection: too_many_connections, cannot_connect_now, admin/crash shutdown, connection exceptions. */
const REFUSED_STATES = new Set(['53300', '57P03', '57P01', '57P02', '08000', '08001', '08004', '08006']);
const REFUSED_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

export function isRefusedConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return REFUSED_STATES.has(code) || REFUSED_NET.has(code);
  return err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

const hasSqlState = (err: unknown) => typeof (err as { code?: unknown } | null)?.code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('bad channel name ' + name);
  return name;
}
