/**
 * The documents in an unfinished push of this gateway, so that the server's
 * news about them reaches RxDB only once the push is done.
 *
 * Why: RxDB's downstream skips every document that has a local write not yet
 * recorded as pushed (it leaves it to the upstream), and still moves its
 * checkpoint past it. RxDB records a push only after the whole push call, all
 * of its requests, returned. So a server change that lands while that call is
 * under way is dropped for good: the server's stamp of an accepted payment
 * (serverUpdatedAt), the forwarder's approval of an offline one, a server
 * write to the same document. The payment then shows as unacknowledged for
 * ever, and a later local change, based on the old state, is refused as a
 * conflict and lost. Seen as one payment stuck "pending" in the offline
 * catch-up test once RxDB was handed larger push calls (most such receipts
 * were healed by the forwarder's later outcome, one was not);
 * tests/stale-live-event.test.ts makes it certain.
 *
 * A push call counts as done once it settled and the ledger has no write
 * left under way (sqliteWritesSettled): RxDB writes its records in the
 * promise callbacks that follow the call, in one write or several (the
 * storage commits a large one in chunks, across turns of the event loop).
 */
import type { ReplicatedDocument } from '../../core/index.ts';
import { sqliteWritesSettled } from '../sqlite-storage/index.ts';

export class PushesInFlight {
  /** Document id → number of unfinished push calls that hold it. */
  readonly #ids = new Map<string, number>();
  readonly #onEnd = new Set<() => void>();

  /** A push call with these documents starts; call the returned function once it settled. */
  begin(ids: readonly string[]): () => void {
    for (const id of ids) this.#ids.set(id, (this.#ids.get(id) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      void sqliteWritesSettled().then(() => {
        for (const id of ids) {
          const n = this.#ids.get(id)! - 1;
          if (n === 0) this.#ids.delete(id);
          else this.#ids.set(id, n);
        }
        for (const listener of [...this.#onEnd]) listener();
      });
    };
  }

  /** True when one of `documents` is in an unfinished push call. */
  holds(documents: readonly ReplicatedDocument[], primaryPath: string): boolean {
    if (this.#ids.size === 0) return false;
    return documents.some((doc) => this.#ids.has(doc[primaryPath] as string));
  }

  /** Resolves once none of `documents` is in an unfinished push call. */
  async settled(documents: readonly ReplicatedDocument[], primaryPath: string): Promise<void> {
    while (this.holds(documents, primaryPath)) {
      await new Promise<void>((resolve) => {
        const stop = this.subscribe(() => {
          stop();
          resolve();
        });
      });
    }
  }

  /** `listener` runs after every push call that ends (its documents are released first). */
  subscribe(listener: () => void): () => void {
    this.#onEnd.add(listener);
    return () => this.#onEnd.delete(listener);
  }
}
