/**
 * Fans database notifications out to this process's live pull streams.
 *
 * Writers NOTIFY at commit (documents.ts, gateways.ts); every server process
 * LISTENs, so a write through any process reaches streams held by any other.
 * If the listening connection was lost, notices may have been missed: every
 * stream is then told to RESYNC (pull from its checkpoint), which loses
 * nothing.
 */
import type { Db } from '../db/index.ts';
import { REVOCATIONS_CHANNEL } from '../auth/index.ts';
import { CHANGES_CHANNEL, parseNotices } from './change-notifier.ts';

export type StreamSubscriber = {
  readonly collection: string;
  readonly siteId: string;
  readonly gatewayId: string;
  onChange(seq: number): void;
  onResync(): void;
  onRevoked(): void;
};

export class ChangeHub {
  private readonly subscribers = new Set<StreamSubscriber>();
  private stops: (() => Promise<void>)[] = [];

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    const resyncAll = () => {
      for (const s of this.subscribers) s.onResync();
    };
    this.stops.push(
      await this.db.listen(
        CHANGES_CHANNEL,
        (payload) => {
          const notices = parseNotices(payload);
          if (!notices) return resyncAll();
          for (const notice of notices) {
            for (const s of this.subscribers) {
              if (s.collection === notice.collection && s.siteId === notice.siteId) s.onChange(notice.seq);
            }
          }
        },
        resyncAll,
      ),
    );
    this.stops.push(
      await this.db.listen(
        REVOCATIONS_CHANNEL,
        (gatewayId) => {
          for (const s of [...this.subscribers]) if (s.gatewayId === gatewayId) s.onRevoked();
        },
        // A revocation may have been missed: streams re-check their credential.
        resyncAll,
      ),
    );
  }

  subscribe(s: StreamSubscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Ends every stream (server shutdown). */
  async stop(): Promise<void> {
    for (const s of [...this.subscribers]) s.onRevoked();
    for (const stop of this.stops) await stop();
    this.stops = [];
  }
}
