/**
 * The documents this gateway's pushes wrote, each with the server's commit
 * counter (`lwt`) of its push's first write, so that live events and pull
 * pages read before those writes can be told apart from news.
 *
 * Why: the server reads a live event's rows when a commit is announced, and
 * that event can reach us after a later push of ours was acknowledged (seen on
 * CI as a rare failure of RxDB's own replication suite: insert, update, then
 * the insert's event arrives). RxDB then takes the event's older state for a
 * change made on the server: the fork equals the assumed master state, so it
 * writes the older state over the fork, and the next local write, based on
 * it, is refused as a conflict and replaced by the server's state. A local
 * change would be lost. A push's writes commit together, so a page or event
 * whose checkpoint is below the first lwt of a push that wrote one of its
 * documents was read before that push; one read after it is never below.
 * (The push's last lwt would not do: a fresh page may end inside the push.)
 */
import type { ReplicatedDocument } from '../../core/index.ts';

/** Long after any answer read before the write could still arrive. */
const KEEP_MS = 10 * 60_000;

export class AckedWrites {
  // In acknowledgement order (a re-recorded id moves to the end), so the oldest are pruned from the front.
  readonly #writes = new Map<string, { lwt: number; at: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A push wrote these documents; its first write had commit counter `lwt`. */
  record(ids: Iterable<string>, lwt: number): void {
    const at = this.#now();
    for (const id of ids) {
      this.#writes.delete(id);
      this.#writes.set(id, { lwt, at });
    }
    for (const [id, write] of this.#writes) {
      if (write.at >= at - KEEP_MS) break;
      this.#writes.delete(id);
    }
  }

  /** True when one of `documents`, from a page or event with checkpoint `lwt`, was read before a write of ours to it. */
  readBefore(documents: readonly ReplicatedDocument[], primaryPath: string, lwt: number | undefined): boolean {
    if (this.#writes.size === 0) return false;
    const read = lwt ?? 0;
    return documents.some((doc) => (this.#writes.get(doc[primaryPath] as string)?.lwt ?? -1) > read);
  }

  get size(): number {
    return this.#writes.size;
  }
}
