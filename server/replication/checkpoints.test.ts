/**
 * "Checkpoints must never skip a commit" (DESIGN.md section 3).
 *
 * Several gateways push concurrently while a reader pulls continuously from
 * its checkpoint in small pages; every commit is slowed by a random delay
 * between the work and COMMIT. At the end the reader must hold every
 * document. Run in one server process (PGlite and PostgreSQL) and across two
 * server processes sharing PostgreSQL.
 *
 * The negative control runs the same harness against the naive design (a
 * sequence value taken inside the transaction, visible only at commit) and
 * requires it to lose documents: so this test can tell the two apart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { uuidV7 } from '../../core/index.ts';
import { buildApp, openDatabase, type Db } from '../index.ts';
import { freshPostgres, pglite, postgresReachable, TEST_PG_URL, type TestDatabase } from '../testing/databases.ts';
import { withSlowCommits } from '../testing/slow-commit-db.ts';

const ADMIN = 'checkpoint-admin-token-123456';
const WRITERS = 4;
const PUSHES_PER_WRITER = 25;

function payment(gatewayId: string) {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId: 'site-cp',
    gatewayId,
    flow: 'kiosk',
    amount: 100,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'x', quantity: 1, unitAmount: 100, lineAmount: 100 }],
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
    _deleted: false,
  };
}

async function json(url: string, init: RequestInit & { token: string }): Promise<any> {
  // A reused keep-alive socket can be closed under us on a loaded machine
  // (undici: "other side closed"). Pulls are safe to repeat; pushes are
  // repeated by the caller, which accepts the server's copy of its own rows.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        ...init,
        headers: { authorization: 'Bearer ' + init.token, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
      const body = await res.json();
      if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(body)}`);
      return body;
    } catch (err) {
      const socketError = (err as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET';
      if (!socketError || attempt >= 3) throw err;
    }
  }
}

/**
 * Writers push through the given server URLs (round robin) while a reader
 * pulls from the first one. Returns what was written and what the reader saw.
 */
async function race(urls: string[]): Promise<{ written: Set<string>; seen: Set<string> }> {
  const enrol = (i: number) => json(urls[i % urls.length] + '/admin/gateways', { method: 'POST', token: ADMIN, body: JSON.stringify({ siteId: 'site-cp', name: 'w' + i }) });
  const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => enrol(i)));
  const reader = await enrol(99);
  const written = new Set<string>();
  const seen = new Set<string>();
  let writing = true;

  const write = async (w: any, i: number) => {
    for (let n = 0; n < PUSHES_PER_WRITER; n++) {
      const docs = Array.from({ length: 1 + (n % 3) }, () => payment(w.gatewayId));
      const url = urls[(i + n) % urls.length]!;
      const conflicts: any[] = await json(url + '/sync/payments/1/push', {
        method: 'POST',
        token: w.credential,
        body: JSON.stringify(docs.map((d) => ({ newDocumentState: d }))),
      });
      // Conflicts only when a repeated push found its own rows already stored.
      for (const c of conflicts)
        assert.ok(
          docs.some((d) => d.id === c.id),
          'conflict with a foreign row',
        );
      for (const d of docs) written.add(d.id);
    }
  };
  const read = async () => {
    let cp: { id: string; lwt: number } | null = null;
    for (;;) {
      const stillWriting = writing;
      const q: string = cp ? `?id=${cp.id}&lwt=${cp.lwt}&limit=5` : '?limit=5';
      const page: any = await json(urls[0] + '/sync/payments/1/pull' + q, { token: reader.credential });
      for (const d of page.documents) seen.add(d.id);
      if (page.checkpoint) cp = page.checkpoint;
      if (page.documents.length === 0) {
        if (!stillWriting) return;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  };
  const reading = read();
  await Promise.all(writers.map((w, i) => write(w, i)));
  writing = false;
  await reading;
  return { written, seen };
}

async function startInProcess(db: Db): Promise<{ url: string; close(): Promise<void> }> {
  const { app } = await buildApp({ db: withSlowCommits(db, 15), adminToken: ADMIN });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

function startChildServer(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../testing/slow-commit-server.ts')], {
      env: { ...process.env, DATABASE_URL: databaseUrl, EDGEPAY_ADMIN_TOKEN: ADMIN, SLOW_COMMIT_MS: '15' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /EDGEPAY_SERVER_URL=(\S+)/.exec(err);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

describe('checkpoints never skip a commit', () => {
  for (const which of ['pglite', 'postgres'] as const) {
    it(`one server process on ${which}: a continuous puller ends with every document`, { timeout: 120_000 }, async () => {
      const database: TestDatabase = which === 'pglite' ? pglite() : await freshPostgres();
      const db = await openDatabase(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {});
      const server = await startInProcess(db);
      try {
        const { written, seen } = await race([server.url]);
        const perWriter = Array.from({ length: PUSHES_PER_WRITER }, (_, n) => 1 + (n % 3)).reduce((a, b) => a + b, 0);
        assert.equal(written.size, WRITERS * perWriter);
        const missing = [...written].filter((id) => !seen.has(id));
        assert.deepEqual(missing, []);
      } finally {
        await server.close();
        await db.close();
        await database.drop();
      }
    });
  }

  it('two server processes sharing PostgreSQL: a continuous puller ends with every document', { timeout: 180_000 }, async (t) => {
    if (!(await postgresReachable())) return t.skip('needs PostgreSQL (two processes cannot share PGlite)');
    const database = await freshPostgres();
    await (await openDatabase({ databaseUrl: database.databaseUrl! })).close(); // migrate once
    const servers = await Promise.all([startChildServer(database.databaseUrl!), startChildServer(database.databaseUrl!)]);
    try {
      const { written, seen } = await race(servers.map((s) => s.url));
      const missing = [...written].filter((id) => !seen.has(id));
      assert.deepEqual(missing, []);
    } finally {
      for (const s of servers) s.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => new Promise((r) => s.child.once('exit', r))));
      await database.drop();
    }
  });

  it('negative control: the same race against a sequence-ordered feed loses documents', { timeout: 120_000 }, async (t) => {
    if (!(await postgresReachable())) return t.skip('needs PostgreSQL');
    const schema = 'edgepay_naive_' + Math.random().toString(36).slice(2, 8);
    const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 12 });
    try {
      await pool.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.feed (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL)`);
      const written = new Set<string>();
      const seen = new Set<string>();
      let writing = true;
      const writer = async () => {
        for (let n = 0; n < PUSHES_PER_WRITER * 2; n++) {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            const id = uuidV7();
            await c.query(`INSERT INTO ${schema}.feed (id) VALUES ($1)`, [id]);
            await new Promise((r) => setTimeout(r, Math.random() * 15));
            await c.query('COMMIT');
            written.add(id);
          } finally {
            c.release();
          }
        }
      };
      const reader = async () => {
        let cp = 0;
        for (;;) {
          const stillWriting = writing;
          const { rows } = await pool.query(`SELECT seq, id FROM ${schema}.feed WHERE seq > $1 ORDER BY seq LIMIT 5`, [cp]);
          for (const r of rows) seen.add(r.id);
          if (rows.length) cp = Number(rows[rows.length - 1].seq);
          else if (!stillWriting) return;
          else await new Promise((r) => setTimeout(r, 2));
        }
      };
      const reading = reader();
      await Promise.all(Array.from({ length: WRITERS }, writer));
      writing = false;
      await reading;
      const missing = [...written].filter((id) => !seen.has(id));
      assert.ok(missing.length > 0, 'the naive design must lose documents under this race, or the race proves nothing');
    } finally {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    }
  });
});
