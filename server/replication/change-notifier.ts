/**
 * Change notices go out after COMMIT, coalesced, instead of `pg_notify` inside
 * each writing transaction.
 *
 * Why: PostgreSQL holds a database-wide lock from a notifying transaction's
 * pre-commit until its commit record is on disk, so notifying commits cannot
 * share an fsync. With a notify in every payment transaction the whole database
 * managed a few hundred commits per second (measured with pgbench: 3,425 tps
 * plain, 679 tps with pg_notify). A notice is only a hint (readers pull by
 * checkpoint), so sending it after the commit, once per site and collection per
 * few milliseconds, loses nothing: a lost notice is covered by the streams'
 * RESYNC and the forwarder's timer.
 */
import type { Db } from '../db/index.ts';

export const CHANGES_CHANNEL = 'edgepay_changes';

/**
 * `server`: only the server's own writes (outcomes, catalogue) since the last
 * notice of that site and collection, never a gateway's push; so nothing was
 * queued for forwarding (the forwarder looks only after pushes, issue 24: one
 * claim query per decision batch and process was a third of a payment's
 * round trips). Absent: a push may be among them.
 */
export type ChangeNotice = { collection: string; siteId: string; seq: number; server?: true };

const FLUSH_DELAY_MS = 3;

class ChangeNotifier {
  private pending = new Map<string, ChangeNotice>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  changed(notice: ChangeNotice): void {
    const key = notice.collection + '\u0000' + notice.siteId;
    const prev = this.pending.get(key);
    const seq = Math.max(prev?.seq ?? 0, notice.seq);
    // Coalesced: server-only while every notice merged into it is.
    const serverOnly = (prev ? prev.server === true : true) && notice.server === true;
    this.pending.set(key, { collection: notice.collection, siteId: notice.siteId, seq, ...(serverOnly ? { server: true as const } : {}) });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const notices = [...this.pending.values()];
    this.pending.clear();
    if (notices.length === 0) return;
    // One notification carries them all (payload limit 8000 bytes: split if large).
    for (let i = 0; i < notices.length; i += 50) {
      await this.db.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(notices.slice(i, i + 50))]).catch(() => undefined);
    }
  }
}

const NOTIFIERS = new WeakMap<Db, ChangeNotifier>();

/** Announce a committed change (call after the transaction resolved). */
export function announceChange(db: Db, notice: ChangeNotice): void {
  let n = NOTIFIERS.get(db);
  if (!n) NOTIFIERS.set(db, (n = new ChangeNotifier(db)));
  n.changed(notice);
}

/** Notices from a notification payload: an array (current) or one object. */
export function parseNotices(payload: string): ChangeNotice[] | undefined {
  try {
    const v = JSON.parse(payload) as ChangeNotice | ChangeNotice[];
    return Array.isArray(v) ? v : [v];
  } catch {
    return undefined;
  }
}
