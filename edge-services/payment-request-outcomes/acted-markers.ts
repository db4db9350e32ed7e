/**
 * The gateway's durable record of the outcomes it has acted on: one row per
 * request (a request has one final state), in a small SQLite file next to the
 * ledger, fsynced on every write (synchronous=FULL), owner-only as the ledger.
 *
 * Why not in the ledger: the ledger holds replicated collections only (core's
 * registry), and `payment-requests` is pulled and overwritten by the server; a
 * marker there would be lost at the next pull. A local SQLite table is the
 * smallest durable store that survives restarts (better-sqlite3 is already the
 * ledger's engine).
 */
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

export const ACTED_MARKERS_FILE = 'payment-request-outcomes.sqlite';

export class ActedMarkers {
  readonly #db: Database.Database;
  readonly #has: Database.Statement<[string]>;
  readonly #mark: Database.Statement<[string, string, string]>;
  readonly filePath: string;

  constructor(directory: string) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    this.filePath = join(directory, ACTED_MARKERS_FILE);
    // Created 0600 before SQLite opens it; its -wal and -shm take its mode.
    closeSync(openSync(this.filePath, 'a', 0o600));
    this.#db = new Database(this.filePath);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec('CREATE TABLE IF NOT EXISTS acted (request_id TEXT PRIMARY KEY, state TEXT NOT NULL, acted_at TEXT NOT NULL)');
    this.#has = this.#db.prepare('SELECT 1 FROM acted WHERE request_id = ?');
    this.#mark = this.#db.prepare('INSERT OR IGNORE INTO acted (request_id, state, acted_at) VALUES (?, ?, ?)');
  }

  has(requestId: string): boolean {
    return this.#has.get(requestId) !== undefined;
  }

  /** Durable when it returns (the commit is fsynced). */
  mark(requestId: string, state: string): void {
    this.#mark.run(requestId, state, new Date().toISOString());
  }

  close(): void {
    this.#db.close();
  }
}
