/**
 * Times the storage's own share of the harness's two big read steps and of
 * its insert step.
 *
 * `find-by-ids-3000` and `find-by-query` each make one storage call that
 * returns every document (3,000 and 3,050); the rest of the step is RxDB's own
 * work on the result (document cache, RxDocuments). Wrapping the RxStorage at
 * its public interface, as RxDB's own wrapper storages do, splits the two: the
 * time from the call to its answer, for calls answering at least
 * READ_STEP_MIN_DOCUMENTS documents (no other call in the harness comes near;
 * the parallel query step's four calls get 762 each). `insert-documents-500`
 * makes one bulkWrite of exactly INSERT_STEP_ROWS rows per batch; the harness's
 * other writes are single documents.
 *
 * The figure is the fastest call per step, as the harness's own figure is its
 * fastest run with the default 10 runs.
 */
import type { RxStorage, RxStorageInstance } from 'rxdb';

const READ_STEP_MIN_DOCUMENTS = 2_000;
const INSERT_STEP_ROWS = 500;

export type StorageCallTimes = { 'insert-documents-500': number[]; 'find-by-ids-3000': number[]; 'find-by-query': number[] };

export function emptyCallTimes(): StorageCallTimes {
  return { 'insert-documents-500': [], 'find-by-ids-3000': [], 'find-by-query': [] };
}

/** `storage` with its instances' bulkWrite, findDocumentsById and query timed into `times`. */
export function timedStorageCalls<S extends RxStorage<any, any>>(storage: S, times: StorageCallTimes): S {
  const wrapped = Object.create(storage) as S;
  /** `call`, recording its time under `step` when `counts` says the call belongs to the step. */
  const timed =
    <A extends unknown[], R>(step: keyof StorageCallTimes, call: (...args: A) => Promise<R>, counts: (args: A, answer: R) => boolean) =>
    (...args: A): Promise<R> => {
      const started = performance.now();
      return call(...args).then((answer) => {
        if (counts(args, answer)) times[step].push(performance.now() - started);
        return answer;
      });
    };
  wrapped.createStorageInstance = async (params) => {
    const instance: RxStorageInstance<any, any, any> = await storage.createStorageInstance(params);
    instance.bulkWrite = timed('insert-documents-500', instance.bulkWrite.bind(instance), ([rows]) => rows.length === INSERT_STEP_ROWS);
    instance.findDocumentsById = timed('find-by-ids-3000', instance.findDocumentsById.bind(instance), (_, docs) => docs.length >= READ_STEP_MIN_DOCUMENTS);
    instance.query = timed('find-by-query', instance.query.bind(instance), (_, result) => result.documents.length >= READ_STEP_MIN_DOCUMENTS);
    return instance;
  };
  return wrapped;
}

/** The fastest call per step, in ms; a step without a timed call is left out. */
export function fastestCalls(times: StorageCallTimes): [step: string, ms: number][] {
  return Object.entries(times)
    .filter(([, samples]) => samples.length > 0)
    .map(([step, samples]) => [step, Math.min(...samples)]);
}
