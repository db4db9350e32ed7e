/**
 * The forwarding worker: runs in every server process, claims queued offline
 * payments (forward-queue.ts) and forwards them through the authority. Woken by
 * the payments change notices, and by a timer for retries.
 */
import type { Db } from '../db/index.ts';
import type { PaymentAuthority } from './authority.ts';
import { claimForwards } from './forward-queue.ts';
import { CHANGES_CHANNEL, parseNotices } from '../replication/index.ts';
import { sweepIdempotencyKeys } from './idempotency.ts';

export type Forwarder = { stop(): Promise<void>; kick(): void; readonly forwarded: number };

export async function startForwarder(
  db: Db,
  authority: PaymentAuthority,
  options: { intervalMs?: number; leaseSeconds?: number; log?: (msg: string, err?: unknown) => void } = {},
): Promise<Forwarder> {
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let forwarded = 0;
  const runOnce = async () => {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const batch = await claimForwards(db, 10, options.leaseSeconds ?? 30);
        if (batch.length === 0) break;
        for (const item of batch) {
          if (stopped) return;
          try {
            if (await authority.forwardStored(item.paymentId, item.siteId, item.attempts)) forwarded++;
          } catch (err) {
            // Left in the queue: its lease runs out and it is tried again.
            options.log?.(`forwarding ${item.paymentId} failed`, err);
          }
        }
      }
    } while (again && !stopped);
  };
  const kick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((err) => options.log?.('forwarder pass failed', err))
      .finally(() => {
        running = undefined;
      });
  };
  // Payments changed somewhere (maybe an offline payment was queued): look.
  const unlisten = await db.listen(
    CHANGES_CHANNEL,
    (payload) => {
      // Only a gateway's push queues offline payments: the server's own writes (outcomes) are not looked at.
      if (parseNotices(payload)?.some((n) => n.collection === 'payments' && n.server !== true) ?? true) kick();
    },
    kick,
  );
  const timer = setInterval(kick, options.intervalMs ?? 1000);
  // Once a minute: expire online payments whose authorisation never arrived,
  // and those whose authorisation lapsed (if the sweeping process died before its follow-up), and forget idempotency keys past their 48 hours.
  const sweeper = setInterval(() => {
    if (stopped) return;
    authority.expireUnsubmitted().catch((err) => options.log?.('expiring unsubmitted payments failed', err));
    authority.expireLapsedAuthorisations().catch((err) => options.log?.('expiring lapsed authorisations failed', err));
    sweepIdempotencyKeys(db).catch((err) => options.log?.('sweeping idempotency keys failed', err));
  }, 60_000);
  kick();
  return {
    kick,
    get forwarded() {
      return forwarded;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(sweeper);
      await unlisten();
      await running;
    },
  };
}
