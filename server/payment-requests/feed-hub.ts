/**
 * Fans the feed notices (NOTIFY from whichever server process wrote the event)
 * out to this process's live streams. If the listening connection was lost,
 * notices may have been missed: every stream then catches up from the
 * database, which loses nothing (streams read by seq, notices are hints).
 */
import type { Db } from '../db/index.ts';
import { isGatewayActive, REVOCATIONS_CHANNEL } from '../auth/index.ts';
import type { PaymentRequestStreamEvent } from '../../core/index.ts';
import { PAYMENT_REQUESTS_CHANNEL, parseFeedNotices, type FeedNotice } from './feeds.ts';

/** The hub of each database handle in this process, for delivery without the round trip through NOTIFY. */
const LOCAL_HUBS = new WeakMap<Db, FeedHub>();

/**
 * Hands committed events to this process's streams at once (call after the
 * transaction resolved). The same events also arrive by NOTIFY, in this and
 * every other process; a stream takes each seq once.
 */
export function deliverCommitted(db: Db, notices: FeedNotice[]): void {
  LOCAL_HUBS.get(db)?.notify(notices);
}

export type FeedSubscriber = {
  readonly feed: string;
  /** The gateway behind a requester stream, closed when it is revoked. */
  readonly gatewayId?: string;
  /** A committed event with this seq exists, given when it fits a notification (with Infinity: maybe some, catch up). */
  onNotice(seq: number, event?: PaymentRequestStreamEvent): void;
  close(): void;
};

export class FeedHub {
  private readonly byFeed = new Map<string, Set<FeedSubscriber>>();
  private stops: (() => Promise<void>)[] = [];

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    const catchUpAll = () => {
      for (const set of this.byFeed.values()) for (const s of set) s.onNotice(Infinity);
    };
    this.stops.push(
      await this.db.listen(
        PAYMENT_REQUESTS_CHANNEL,
        (payload) => {
          const notices = parseFeedNotices(payload);
          if (!notices) return catchUpAll();
          this.notify(notices);
        },
        catchUpAll,
      ),
    );
    this.stops.push(
      await this.db.listen(
        REVOCATIONS_CHANNEL,
        (gatewayId) => {
          for (const set of this.byFeed.values()) for (const s of [...set]) if (s.gatewayId === gatewayId) s.close();
        },
        // A revocation may have been missed: each gateway's stream checks its credential again.
        () => {
          for (const set of this.byFeed.values()) {
            for (const s of [...set]) {
              if (s.gatewayId)
                void isGatewayActive(this.db, s.gatewayId).then(
                  (active) => active || s.close(),
                  () => undefined,
                );
            }
          }
        },
      ),
    );
    LOCAL_HUBS.set(this.db, this);
  }

  notify(notices: FeedNotice[]): void {
    for (const [feed, seq, event] of notices) for (const s of this.byFeed.get(feed) ?? []) s.onNotice(seq, event);
  }

  subscribe(s: FeedSubscriber): () => void {
    let set = this.byFeed.get(s.feed);
    if (!set) this.byFeed.set(s.feed, (set = new Set()));
    set.add(s);
    return () => {
      set!.delete(s);
      if (set!.size === 0 && this.byFeed.get(s.feed) === set) this.byFeed.delete(s.feed);
    };
  }

  get size(): number {
    let n = 0;
    for (const set of this.byFeed.values()) n += set.size;
    return n;
  }

  /** Ends every stream (shutdown: open streams would keep the HTTP server from closing). */
  async stop(): Promise<void> {
    if (LOCAL_HUBS.get(this.db) === this) LOCAL_HUBS.delete(this.db);
    for (const set of [...this.byFeed.values()]) for (const s of [...set]) s.close();
    for (const stop of this.stops) await stop();
    this.stops = [];
  }
}
