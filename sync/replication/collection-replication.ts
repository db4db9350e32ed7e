/**
 * Replicates one RxDB collection with the server through RxDB's replication
 * plugin: pull by checkpoint, push with conflicts answered by the server's
 * state (RxDB's default conflict handler then keeps the server's version),
 * and the live stream feeding `stream$`.
 *
 * RxDB keeps the replication's checkpoints and the last known server state of
 * every document in the same local database, so after a restart it resumes
 * where it was and does not push again what the server already has.
 */
import { Subject } from 'rxjs';
import type { RxCollection } from 'rxdb';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { PullStreamEvent, SyncCheckpoint } from './protocol.ts';
import { pullChanges, pushChanges, ServerUnreachable, type SyncEndpoint } from './http-client.ts';
import { readPullStream } from './event-stream.ts';

export type CollectionSyncOptions = {
  collection: RxCollection<any>;
  endpoint: SyncEndpoint;
  /** Stable across restarts; with it RxDB finds its checkpoints again. */
  replicationIdentifier: string;
  push: boolean;
  pull: boolean;
  live: boolean;
  pushBatchSize?: number;
  pullBatchSize?: number;
  /** Told about every call's outcome (for online/offline and the status). */
  onCallResult(result: { ok: true } | { ok: false; unreachable: boolean; error: Error }): void;
};

export type CollectionSync = {
  readonly replication: RxReplicationState<any, SyncCheckpoint>;
  /** Opens the live stream (when online). */
  openStream(): void;
  closeStream(): void;
};

export function replicateCollection(options: CollectionSyncOptions): CollectionSync {
  const { collection, endpoint } = options;
  const version = collection.schema.version;
  const stream$ = new Subject<PullStreamEvent<any>>();
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
                const page = await pullChanges(endpoint, collection.name, version, checkpoint, batchSize);
                return { documents: page.documents, checkpoint: page.checkpoint ?? checkpoint };
              }),
            stream$: stream$.asObservable() as any,
          },
        }
      : {}),
    ...(options.push
      ? {
          push: {
            batchSize: options.pushBatchSize ?? 100,
            handler: (rows) => report(() => pushChanges(endpoint, collection.name, version, rows as any)),
          },
        }
      : {}),
  });

  let abort: AbortController | undefined;
  const openStream = () => {
    if (!options.pull || !options.live || abort) return;
    const controller = new AbortController();
    abort = controller;
    void readPullStream(endpoint, collection.name, version, controller.signal, (event) => stream$.next(event)).then(
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
