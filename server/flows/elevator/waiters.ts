/**
 * Long polls of waiting deliveries: the gateway asks "tell me when delivery X
 * is no longer waiting". A notice of the requests-to-pay feeds (from any
 * server process, by NOTIFY) wakes every waiter of this process, which looks
 * at its delivery again; a timer does the same every second, so a missed
 * notice or an expiry costs at most a second.
 */
import { type Db, lookUntil } from '../../db/index.ts';
import { PAYMENT_REQUESTS_CHANNEL } from '../../payment-requests/index.ts';
import { ELEVATOR_CHANNEL } from './store.ts';

export class Waiters {
  private readonly wakers = new Set<() => void>();
  private stopListening: (() => Promise<void>)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    const wakeAll = () => {
      for (const w of [...this.wakers]) w();
    };
    // Requests to pay (an answer) and the deliveries' own progress (the orderer's unload confirmation).
    this.stopListening = [await this.db.listen(PAYMENT_REQUESTS_CHANNEL, wakeAll, wakeAll), await this.db.listen(ELEVATOR_CHANNEL, wakeAll, wakeAll)];
    this.timer = setInterval(wakeAll, 1000);
    this.timer.unref();
  }

  /** Calls `look` until it answers something (or the wait ends: then undefined). */
  until<T>(look: () => Promise<T | undefined>, waitMs: number, signal: AbortSignal): Promise<T | undefined> {
    return lookUntil(
      look,
      (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
      waitMs,
      signal,
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const w of this.wakers) w();
    this.wakers.clear();
    for (const stop of this.stopListening) await stop();
  }
}
