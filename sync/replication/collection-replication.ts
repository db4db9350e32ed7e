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
import { DEFAULT_PUSH_TIMEOUT_MS, probeServer, pullChanges, pushChanges, ServerSlow, ServerUnreachable, type SyncEndpoint } from './http-client.ts';
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
/** How long the server's health may take after a slow answer before the gateway counts as offline. */
export const REACHABLE_PROBE_MS = 5000;
/** One-row requests of a call that may time out before the call fails (RxDB then tries it again later). */
const MAX_SLOW_SINGLE_ROWS = 3;

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
 * The size of the next push request: the configured batch size while answers
 * come in time, halved after each answer that did not (down to one row), and
 * doubled again after each answer that came in under a quarter of the
 * timeout. A slow link then carries the backlog in requests it can answer,
 * instead of timing out on the same large request again and again.
 */
export class PushSizer {
  #size: number;
  constructor(
    readonly max: number,
    readonly timeoutMs: number,
  ) {
    this.#size = max;
  }
  get size(): number {
    return this.#size;
  }
  /** A request of `rows` was not answered in time. */
  slow(rows: number): void {
    this.#size = Math.max(1, Math.min(this.#size, Math.floor(rows / 2)));
  }
  /** A request of `rows` was answered in `ms`. */
  answered(rows: number, ms: number): void {
    if (ms < this.timeoutMs / 4 && rows >= this.#size) this.#size = Math.min(this.max, this.#size * 2);
  }
}

export type PushInRequestsOptions = {
  /** Requests this call keeps going side by side (default: one per request at the first size, as many as `limit` lets). */
  workers?: number;
  /**
   * Called when a request fails: true puts its rows back to be sent again (cut
   * at the size of that moment) while the other requests' answers are kept;
   * false fails the call.
   */
  again?: (err: unknown, rows: PushRow[]) => boolean | Promise<boolean>;
};

/**
 * Pushes `rows` as requests of at most `size` rows (a number, or read as each
 * request starts), `limit` deciding how many run at once. Resolves with all
 * conflicts once every row was answered; otherwise rejects with the first
 * failure, but only after every request has settled, so RxDB's retry never
 * overlaps a request of the failed attempt. A retry after a partial failure
 * sends rows the server already stored: they come back as conflicts with the
 * server's (stamped) state, as after any lost answer, so nothing is stored
 * twice. `again` keeps a call's progress through a slow answer: only the rows
 * of that request go again.
 */
export async function pushInRequests(
  rows: PushRow[],
  size: number | (() => number),
  limit: <T>(call: () => Promise<T>) => Promise<T>,
  send: (rows: PushRow[]) => Promise<ReplicatedDocument[]>,
  options: PushInRequestsOptions = {},
): Promise<ReplicatedDocument[]> {
  const sizeNow = () => Math.max(1, typeof size === 'number' ? size : size());
  if (rows.length <= sizeNow() && !options.again) return limit(() => send(rows));
  const waiting: PushRow[][] = [rows];
  const take = (): PushRow[] | undefined => {
    const head = waiting[0];
    if (!head) return undefined;
    const n = sizeNow();
    if (head.length <= n) return waiting.shift();
    waiting[0] = head.slice(n);
    return head.slice(0, n);
  };
  const conflicts: ReplicatedDocument[] = [];
  let failure: { reason: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      // Rows are taken when a slot is free, at the size of that moment.
      const done = await limit(async () => {
        if (failure) return true;
        const chunk = take();
        if (!chunk) return true;
        try {
          conflicts.push(...(await send(chunk)));
        } catch (err) {
          if (!failure && options.again && (await options.again(err, chunk))) waiting.unshift(chunk);
          else failure ??= { reason: err };
        }
        return false;
      });
      if (done) return;
    }
  };
  const workers = Math.max(1, options.workers ?? Math.ceil(rows.length / sizeNow()));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.reason;
  return conflicts;
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
  /** After a slow answer: does the server answer a small request (its health) at once? */
  const reachable = () =>
    probeServer({ ...endpoint, timeoutMs: REACHABLE_PROBE_MS }).then(
      () => true,
      () => false,
    );
  const report = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      options.onCallResult({ ok: true });
      return result;
    } catch (err) {
      // A slow answer is an outage only if the server's health does not answer either.
      const unreachable = err instanceof ServerUnreachable || (err instanceof ServerSlow && !(await reachable()));
      options.onCallResult({ ok: false, unreachable, error: err as Error });
      throw err;
    }
  };
  const sizer = new PushSizer(pushBatchSize, endpoint.pushTimeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS);
  const timedPush = async (rows: PushRow[]) => {
    const started = Date.now();
    const conflicts = await pushChunk(rows);
    sizer.answered(rows.length, Date.now() - started);
    return conflicts;
  };
  /** A push request not answered in time goes again, smaller, while the server's health answers (a slow link, not an outage). */
  const pushAgain = async (err: unknown, rows: PushRow[]): Promise<boolean> => {
    if (!(err instanceof ServerSlow)) return false;
    sizer.slow(rows.length);
    if (rows.length === 1 && ++slowSingles > MAX_SLOW_SINGLE_ROWS) return false;
    return reachable();
  };
  let slowSingles = 0;

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
              slowSingles = 0;
              return report(() => pushInRequests(rows as PushRow[], () => sizer.size, pushLimit, timedPush, { workers: pushConcurrency, again: pushAgain })).finally(done);
            },
          },
        }
      : {}),
  });

  // Live events in arrival order, from the first one that holds a document of an unfinished push call.
  const held: PullStreamEvent[] = [];
  const mustWait = (event: PullStreamEvent) => event !== RESYNC && inFlight.holds(event.documents, primaryPath);
  const forward = (event: PullStreamEvent) => stream$.next(event !== RESYNC && acked.readBefore(event.documents, primaryPath, event.checkpoint?.lwt) ? RESYNC : event);
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
