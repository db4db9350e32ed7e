/**
 * Fans the feed notices (NOTIFY from whichever server process wrote the event)
 * out to this process's live streams. If the listening connection was lost,
 * notices may have been missed: every stream then catches up from the
 * database, which loses nothing (streams read by seq, notices are hints).
 */
import type { Db } from '../db/db.ts';
import { REVOCATIONS_CHANNEL } from '../auth/gateways.ts';
import { PAYMENT_REQUESTS_CHANNEL, parseFeedNotices } from './feeds.ts';

export type FeedSubscriber = {
  readonly feed: string;
  /** The gateway behind a requester stream, closed when it is revoked. */
  readonly gatewayId?: string;
  /** A committed event with this seq exists (or, with Infinity, maybe some: catch up). */
  onNotice(seq: number): void;
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
          for (const [feed, seq] of notices) for (const s of this.byFeed.get(feed) ?? []) s.onNotice(seq);
        },
        catchUpAll,
      ),
    );
    this.stops.push(
      await this.db.listen(REVOCATIONS_CHANNEL, (gatewayId) => {
        for (const set of this.byFeed.values()) for (const s of [...set]) if (s.gatewayId === gatewayId) s.close();
      }),
    );
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
    for (const set of [...this.byFeed.values()]) for (const s of [...set]) s.close();
    for (const stop of this.stops) await stop();
    this.stops = [];
  }
}
