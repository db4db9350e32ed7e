/**
 * Taking a connection from the `pg` pool when PostgreSQL may refuse new ones
 * (too many clients: max_connections is shared with every other process on
 * the database; starting up; a moment unreachable). Nothing ran on a refused
 * connection, so the caller simply waits for one: a refusal is a retry, never
 * a failed request (before this, a request that came while the database was
 * full answered 500, and the relay's 1,000-code run lost sales to it).
 *
 * Asking again at once would make PostgreSQL start (and refuse) a backend per
 * attempt, for every waiting request. So after a refusal the gate lets only as
 * many requests hold a connection as are open and working; the rest queue in
 * order for one of those, and once a second the gate tries one more (the
 * others may have gone). Past `budgetMs` of refusals a request fails with
 * DATABASE_BUSY (503: nothing was done, send it again).
 */
import type pg from 'pg';
import { EdgePayError } from '../../core/index.ts';

/** SQLSTATEs of a refused connection: too_many_connections, cannot_connect_now, admin/crash shutdown, connection exceptions. */
const REFUSED_STATES = new Set(['53300', '57P03', '57P01', '57P02', '08000', '08001', '08004', '08006']);
const REFUSED_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

export function isRefusedConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return REFUSED_STATES.has(code) || REFUSED_NET.has(code);
  return err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

export type Checkout = { client: pg.PoolClient; done(err?: Error): void };

export class ConnectionGate {
  private limit: number;
  private inUse = 0;
  private readonly waiters: (() => void)[] = [];
  private probe: NodeJS.Timeout | undefined;
  /** New connections PostgreSQL refused (each was asked again). */
  refused = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly max: number,
    private readonly budgetMs: number,
  ) {
    this.limit = max;
  }

  async checkout(): Promise<Checkout> {
    const until = Date.now() + this.budgetMs;
    for (let attempt = 0; ; attempt++) {
      await this.acquire();
      try {
        const client = await this.pool.connect();
        let released = false;
        return {
          client,
          done: (err) => {
            if (released) return;
            released = true;
            client.release(err);
            this.release();
          },
        };
      } catch (err) {
        this.release();
        if (!isRefusedConnection(err)) throw err;
        if (Date.now() >= until) throw new EdgePayError('DATABASE_BUSY', { reason: (err as Error).message.slice(0, 120) });
        this.refused++;
        this.shrink();
        // A short pause: the queue, not this loop, is what waits for a connection.
        await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  private acquire(): Promise<void> {
    if (this.inUse < this.limit && this.waiters.length === 0) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release() {
    this.inUse--;
    this.pump();
  }

  private pump() {
    while (this.inUse < this.limit && this.waiters.length > 0) {
      this.inUse++;
      this.waiters.shift()!();
    }
  }

  /** Only the connections open now are known to work; grow back one a second. */
  private shrink() {
    this.limit = Math.max(1, Math.min(this.limit, this.pool.totalCount));
    if (this.probe || this.limit >= this.max) return;
    this.probe = setInterval(() => {
      this.limit = Math.min(this.max, this.limit + 1);
      this.pump();
      if (this.limit >= this.max) {
        clearInterval(this.probe);
        this.probe = undefined;
      }
    }, 1_000);
    this.probe.unref();
  }

  close() {
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
  }
}
