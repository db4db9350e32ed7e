/**
 * The named peer of `npm run bench -- credit` (subject `fastify-pg-transaction`):
 * a bare Fastify route doing one PostgreSQL transaction per order, the floor
 * an approval cannot go below on this machine and database. It takes the same
 * requests as the PG's order route (the merchant's signed order, its bearer
 * and Idempotency-Key) but checks nothing: it reads the buyer and amount from
 * the JWS payload unverified, and in one transaction moves the buyer's line
 * under its row lock (the limit checked in the UPDATE) and stores the order.
 * No signatures, no ledger, no sealing, no idempotency, no request to pay.
 * Same database layer (pg pool, prepared statements) and the same Fastify as
 * the server.
 *
 * Env: PEER_DATABASE_URL. Prints `listening <url>`; SIGTERM closes it.
 */
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../server/index.ts';

// The server's own database layer (the bench database is already migrated by the credit server).
const db = await openDatabase({ databaseUrl: process.env.PEER_DATABASE_URL! });
await db.query(`CREATE TABLE IF NOT EXISTS bench_peer_lines (id TEXT PRIMARY KEY, credit_limit BIGINT NOT NULL, used BIGINT NOT NULL DEFAULT 0 CHECK (used <= credit_limit))`);
await db.query(
  `CREATE TABLE IF NOT EXISTS bench_peer_orders (id TEXT PRIMARY KEY, line_id TEXT NOT NULL, amount BIGINT NOT NULL, message TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
);

const app = Fastify({ logger: false });
app.put('/peer/lines/:id', async (request) => {
  const id = (request.params as { id: string }).id;
  await db.query('INSERT INTO bench_peer_lines (id, credit_limit) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, (request.body as { limit: number }).limit]);
  return { id };
});
app.post('/peer/orders', async (request, reply) => {
  const message = (request.body as { message: string }).message;
  const order = JSON.parse(Buffer.from(message.split('.')[1]!, 'base64url').toString('utf8')) as { buyer: { userId: string }; amount: number };
  const id = randomUUID();
  const approved = await db.transaction(async (tx) => {
    const { rows } = await tx.query('UPDATE bench_peer_lines SET used = used + $2 WHERE id = $1 AND used + $2 <= credit_limit RETURNING used', [order.buyer.userId, order.amount]);
    if (rows.length === 0) return false;
    await tx.query('INSERT INTO bench_peer_orders (id, line_id, amount, message) VALUES ($1, $2, $3, $4)', [id, order.buyer.userId, order.amount, message]);
    return true;
  });
  return reply.status(201).send({ loan: { id, state: approved ? 'awaiting-buyer' : 'declined' } });
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await app.close();
    await db.close();
    process.exit(0);
  })();
});
