/**
 * Times the storage's own share of the harness's two big read steps.
 *
 * `find-by-ids-3000` and `find-by-query` each make one storage call that
 * returns every document (3,000 and 3,050); the rest of the step is RxDB's own
 * work on the result (document cache, RxDocuments). Wrapping the RxStorage at
 * its public interface, as RxDB's own wrapper storages do, splits the two: the
 * time from the call to its answer, for calls answering at least
 * READ_STEP_MIN_DOCUMENTS documents (no other call in the harness comes near;
 * the parallel query step's four calls get 762 each).
 *
 * The figure is the fastest call per step, as the harness's own figure is its
 * fastest run with the default 10 runs.
 */
import type { RxStorage, RxStorageInstance } from 'rxdb';

const READ_STEP_MIN_DOCUMENTS = 2_000;

export type StorageCallTimes = { 'find-by-ids-3000': number[]; 'find-by-query': number[] };

/** `storage` with its instances' findDocumentsById and query timed into `times`. */
export function timedReadCalls<S extends RxStorage<any, any>>(storage: S, times: StorageCallTimes): S {
  const wrapped = Object.create(storage) as S;
  /** `call`, recording its time under `step` when its answer holds enough documents. */
  const timed = <A extends unknown[], R>(step: keyof StorageCallTimes, call: (...args: A) => Promise<R>, documents: (answer: R) => number) =>
    (...args: A): Promise<R> => {
      const started = performance.now();
      return call(...args).then((answer) => {
        if (documents(answer) >= READ_STEP_MIN_DOCUMENTS) times[step].push(performance.now() - started);
        return answer;
      });
    };
  wrapped.createStorageInstance = async (params) => {
    const instance: RxStorageInstance<any, any, any> = await storage.createStorageInstance(params);
    instance.findDocumentsById = timed('find-by-ids-3000', instance.findDocumentsById.bind(instance), (docs) => docs.length);
    instance.query = timed('find-by-query', instance.query.bind(instance), (result) => result.documents.length);
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
