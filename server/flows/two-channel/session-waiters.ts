/**
 * The gateway's long poll on a two-channel session, event-driven: it used to
 * re-read the session every 25 ms, a wait on the path from the phone's
 * confirmation to the pump's release (up to 25 ms, and a query per waiter
 * every tick). Now whatever ends a session wakes its waiters:
 *
 *  - in this process at once (`sessionChanged`, called after the statement
 *    that decided it returned: no NOTIFY round trip);
 *  - from any other server process by NOTIFY on TWO_CHANNEL_CHANNEL (the
 *    deciding statements notify in the same statement, delivered at commit);
 *  - a requests-to-pay notice (the phone declined, the request expired or was
 *    cancelled, possibly in another process) wakes every waiter, which looks
 *    at its request again;
 *  - and a 1 s timer, so a notice missed while the listening connection was
 *    down costs at most a second.
 * A wake is only a hint: the waiter reads the session from the database.
 */
import { type Db, lookUntil } from '../../db/index.ts';
import { PAYMENT_REQUESTS_CHANNEL } from '../../payment-requests/index.ts';

export const TWO_CHANNEL_CHANNEL = 'edgepay_two_channel_sessions';

/** The waiters of each database handle in this process (for the local wake). */
const LOCAL = new WeakMap<Db, Set<SessionWaiters>>();

/** A session's state changed (call after the change committed). */
export function sessionChanged(db: Db, sessionId: string): void {
  for (const waiters of LOCAL.get(db) ?? []) waiters.wake(sessionId);
}

export class SessionWaiters {
  readonly #byId = new Map<string, Set<() => void>>();
  #stops: (() => Promise<void>)[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    LOCAL.set(this.db, (LOCAL.get(this.db) ?? new Set()).add(this));
    const wakeAll = () => {
      for (const set of [...this.#byId.values()]) for (const w of [...set]) w();
    };
    this.#stops.push(await this.db.listen(TWO_CHANNEL_CHANNEL, (id) => this.wake(id), wakeAll));
    this.#stops.push(await this.db.listen(PAYMENT_REQUESTS_CHANNEL, wakeAll, wakeAll));
    this.#timer = setInterval(wakeAll, 1000);
    this.#timer.unref();
  }

  wake(sessionId: string): void {
    for (const w of [...(this.#byId.get(sessionId) ?? [])]) w();
  }

  /**
   * Calls `look` now and on every wake of `sessionId` until it answers
   * something; undefined when `waitMs` passed first (the caller reads the
   * session once more). The loop is the shared one (server/db/look-until.ts).
   */
  until<T>(sessionId: string, look: () => Promise<T | undefined>, waitMs: number): Promise<T | undefined> {
    return lookUntil(
      look,
      (wake) => {
        const set = this.#byId.get(sessionId) ?? new Set<() => void>();
        this.#byId.set(sessionId, set);
        set.add(wake);
        return () => {
          set.delete(wake);
          if (set.size === 0 && this.#byId.get(sessionId) === set) this.#byId.delete(sessionId);
        };
      },
      waitMs,
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    LOCAL.get(this.db)?.delete(this);
    for (const stop of this.#stops) await stop().catch(() => undefined);
    this.#stops = [];
  }
}
