/**
 * Test support: a Db whose transactions wait a random moment after their
 * work and before COMMIT. That widens the window in which a naive design
 * (order by a value taken before commit) lets a reader step past a row that
 * commits later. Used by the checkpoint tests; never by the server itself.
 */
import type { Db } from '../db/index.ts';

export function withSlowCommits(db: Db, maxDelayMs: number): Db {
  return {
    ...db,
    kind: db.kind,
    query: db.query.bind(db),
    listen: db.listen.bind(db),
    close: db.close.bind(db),
    transaction: (fn) =>
      db.transaction(async (tx) => {
        const result = await fn(tx);
        await new Promise((r) => setTimeout(r, Math.random() * maxDelayMs));
        return result;
      }),
  };
}
