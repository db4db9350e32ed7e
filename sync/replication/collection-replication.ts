/**
 * Replicates one RxDB collection with the server through RxDB's replication
 * plugin: pull by checkpoint, push with conflicts answered by the server's
 * state (RxDB's default conflict handler then keeps the server's version),
 * and the live stream feeding `stream$`.
 *
 * RxDB keeps the replication's checkpoints and the last known server state of
 * every document in the same local database, so after a restart it resumes
 * where it was and does not push again what the server already has.
 *
 * A live event or pull page read on the server before one of our acknowledged
 * writes to a document it holds (AckedWrites) is not handed to RxDB: an event
 * becomes "RESYNC" (RxDB pulls again, now after the write), a page is asked
 * for again. RxDB would otherwise take its older state for news.
 */
import pLimit from 'p-limit';
import { Subject } from 'rxjs';
import type { RxCollection } from 'rxdb';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import { EdgePayError, pushRefusalsOf, RESYNC, type PullStreamEvent, type PushRow, type ReplicatedDocument, type SyncCheckpoint } from '../../core/index.ts';
import { pullChanges, pushChanges, ServerUnreachable, type SyncEndpoint } from './http-client.ts';
import { AckedWrites } from './acked-writes.ts';
import { PushesInFlight } from './pushes-in-flight.ts';
import { readPullStream } from './event-stream.ts';
import type { RefusedDocuments } from './refused-documents.ts';

export type CollectionSyncOptions = {
  collection: RxCollection<any>;
  endpoint: SyncEndpoint;
  /** Stable across restarts; with it RxDB finds its checkpoints again. */
  replicationIdentifier: string;
  push: boolean;
  pull: boolean;
  live: boolean;
  /** Rows per push request (at most the server's 1,000). */
  pushBatchSize?: number;
  /**
   * Push requests in flight at once (default 3). RxDB hands the push handler
   * up to pushBatchSize × pushConcurrency × PUSH_ROUNDS_PER_TASK rows; they go
   * up as requests of pushBatchSize, this many side by side, so the server
   * validates one while it writes another, instead of the gateway waiting a
   * full round trip per batch.
   */
  pushConcurrency?: number;
  pullBatchSize?: number;
  /**
   * Where documents the server refuses are set aside (refused-documents.ts);
   * without it a refused push fails as a whole, as any error.
   */
  refusals?: RefusedDocuments;
  /** Told about every call's outcome (for online/offline and the status). */
  onCallResult(result: { ok: true } | { ok: false; unreachable: boolean; error: Error }): void;
};

export type CollectionSync = {
  readonly replication: RxReplicationState<any, SyncCheckpoint>;
  /** Opens the live stream (when online). */
  openStream(): void;
  closeStream(): void;
};

export const DEFAULT_PUSH_BATCH_SIZE = 100;
export const DEFAULT_PUSH_CONCURRENCY = 3;
/**
 * RxDB pushes in tasks, one after the other: a task reads its rows from the
 * ledger, waits for all their push requests, then writes its bookkeeping (the
 * assumed server state of each row) before the next task starts, and the
 * server waits meanwhile. A task is therefore given rows for this many rounds
 * of pushConcurrency requests, so that a backlog goes up in few pauses. The
 * cost is memory (a task's rows are held at once: 12,000 payments, about
 * 12 MB, with the bench's batches) and, after a failed request, a larger
 * retry (rows already stored come back as conflicts, never twice). A
 * catch-up of 10,000 payments went from about 14,900 to 16,800 docs/s (median
 * of 5 runs each, twice, `BENCH_SUBJECTS=edgepay-postgres npm run -s bench -- sync`).
 */
export const PUSH_ROUNDS_PER_TASK = 4;

/**
 * Runs at most `n` of the given calls at once, the others in call order after them.
 * p-limit, not our own counter: ours freed a slot and woke the next waiter in two
 * steps (the waiter took the slot a microtask later), so a caller arriving in
 * between also took it and two pushes ran under a limit of one
 * (push-requests.test.ts shows it). p-limit takes the slot for the waiter as it
 * wakes it.
 */
export function limiter(n: number): <T>(call: () => Promise<T>) => Promise<T> {
  const limit = pLimit(n);
  return (call) => limit(call);
}

/**
 * Pushes `rows` as requests of at most `batchSize` rows, `limit` deciding how
 * many run at once. Resolves with all conflicts once every request succeeded;
 * otherwise rejects with the first failure, but only after every request has
 * settled, so RxDB's retry never overlaps a request of the failed attempt.
 * A retry after a partial failure sends rows the server already stored: they
 * come back as conflicts with the server's (stamped) state, as after any lost
 * answer, so nothing is stored twice.
 */
export async function pushInRequests(
  rows: PushRow[],
  batchSize: number,
  limit: <T>(call: () => Promise<T>) => Promise<T>,
  send: (rows: PushRow[]) => Promise<ReplicatedDocument[]>,
): Promise<ReplicatedDocument[]> {
  if (rows.length <= batchSize) return limit(() => send(rows));
  const requests: Promise<ReplicatedDocument[]>[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    requests.push(limit(() => send(chunk)));
  }
  const settled = await Promise.allSettled(requests);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.flatMap((r) => (r as PromiseFulfilledResult<ReplicatedDocument[]>).value);
}

export function replicateCollection(options: CollectionSyncOptions): CollectionSync {
  const { collection, endpoint } = options;
  const version = collection.schema.version;
  const pushBatchSize = options.pushBatchSize ?? DEFAULT_PUSH_BATCH_SIZE;
  const pushConcurrency = Math.max(1, options.pushConcurrency ?? DEFAULT_PUSH_CONCURRENCY);
  // Shared by all of RxDB's push calls of this collection (it may make several at once).
  const pushLimit = limiter(pushConcurrency);
  const stream$ = new Subject<PullStreamEvent<any>>();
  const primaryPath = collection.schema.primaryPath as string;
  const acked = new AckedWrites();
  const inFlight = new PushesInFlight();
  const idOf = (row: PushRow) => row.newDocumentState[primaryPath] as string;
  const pushChunk = async (rows: PushRow[]): Promise<ReplicatedDocument[]> => {
    let sending = rows;
    for (let attempt = 1; ; attempt++) {
      let answer: Awaited<ReturnType<typeof pushChanges>>;
      try {
        answer = await pushChanges(endpoint, collection.name, version, sending);
      } catch (err) {
        // Refused rows (nothing of the push was written): set them aside and send the rest again at
        // once. Each answer lists all its refused rows, so a second round is rare (a concurrent change).
        const refused = options.refusals && err instanceof EdgePayError ? pushRefusalsOf(err.details) : undefined;
        if (!refused || refused.length === 0 || attempt === 5) throw err;
        const refusedRows = new Set(refused.map((r) => r.row));
        await options.refusals!.record(
          collection.name,
          refused.filter((r) => sending[r.row] !== undefined).map((refusal) => ({ documentId: idOf(sending[refusal.row]!), refusal })),
        );
        // Answered as written (no conflict): RxDB records them as pushed and sends them again only once they change.
        sending = sending.filter((_, i) => !refusedRows.has(i));
        if (sending.length === 0) return [];
        continue;
      }
      const { conflicts, commitLwt } = answer;
      const conflicting = new Set(conflicts.map((doc) => doc[primaryPath] as string));
      const written = sending.map(idOf).filter((id) => !conflicting.has(id));
      if (commitLwt !== undefined) acked.record(written, commitLwt);
      await options.refusals?.accepted(collection.name, written);
      return conflicts;
    }
  };
  const report = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      options.onCallResult({ ok: true });
      return result;
    } catch (err) {
      options.onCallResult({ ok: false, unreachable: err instanceof ServerUnreachable, error: err as Error });
      throw err;
    }
  };

  const replication = replicateRxCollection<any, SyncCheckpoint>({
    collection,
    replicationIdentifier: options.replicationIdentifier,
    live: options.live,
    // The connection monitor decides when to try again; RxDB's own retry only
    // covers calls that failed while we still believed we were online.
    retryTime: 2000,
    waitForLeadership: false,
    autoStart: false,
    toggleOnDocumentVisible: false,
    ...(options.pull
      ? {
          pull: {
            batchSize: options.pullBatchSize ?? 200,
            handler: (checkpoint: SyncCheckpoint | undefined, batchSize: number) =>
              report(async () => {
                let page = await pullChanges(endpoint, collection.name, version, checkpoint, batchSize);
                for (let again = 0; ; again++) {
                  await inFlight.settled(page.documents, primaryPath);
                  // Read before a write of ours that has been acknowledged since: ask again (bounded: each ask is read later).
                  if (again === 3 || !acked.readBefore(page.documents, primaryPath, page.checkpoint?.lwt)) break;
                  page = await pullChanges(endpoint, collection.name, version, checkpoint, batchSize);
                }
                return { documents: page.documents, checkpoint: page.checkpoint ?? checkpoint };
              }),
            stream$: stream$.asObservable() as any,
          },
        }
      : {}),
    ...(options.push
      ? {
          push: {
            batchSize: pushBatchSize * pushConcurrency * PUSH_ROUNDS_PER_TASK,
            handler: (rows) => {
              const done = inFlight.begin((rows as PushRow[]).map((row) => row.newDocumentState[primaryPath] as string));
              return report(() => pushInRequests(rows as PushRow[], pushBatchSize, pushLimit, pushChunk)).finally(done);
            },
          },
        }
      : {}),
  });

  // Live events in arrival order, from the first one that holds a document of an unfinished push call.
  const held: PullStreamEvent[] = [];
  const mustWait = (event: PullStreamEvent) => event !== RESYNC && inFlight.holds(event.documents, primaryPath);
  const forward = (event: PullStreamEvent) =>
    stream$.next(event !== RESYNC && acked.readBefore(event.documents, primaryPath, event.checkpoint?.lwt) ? RESYNC : event);
  inFlight.subscribe(() => {
    while (held.length > 0 && !mustWait(held[0]!)) forward(held.shift()!);
  });
  const deliver = (event: PullStreamEvent) => {
    if (held.length > 0 || mustWait(event)) held.push(event);
    else forward(event);
  };

  let abort: AbortController | undefined;
  const openStream = () => {
    if (!options.pull || !options.live || abort) return;
    const controller = new AbortController();
    abort = controller;
    void readPullStream(endpoint, collection.name, version, controller.signal, deliver).then(
      () => {
        // The server ended the stream (restart, revocation): we are not sure
        // we are online any more; let the monitor find out.
        if (abort === controller && !controller.signal.aborted) {
          abort = undefined;
          options.onCallResult({ ok: false, unreachable: true, error: new ServerUnreachable('live stream ended') });
        }
      },
      (err: Error) => {
        if (abort === controller) abort = undefined;
        options.onCallResult({ ok: false, unreachable: err instanceof ServerUnreachable, error: err });
      },
    );
  };
  const closeStream = () => {
    abort?.abort();
    abort = undefined;
  };
  return { replication, openStream, closeStream };
}
