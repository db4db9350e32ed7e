/**
 * Cleanup for benches that start servers, processes, temp folders and
 * database schemas: each is registered with `defer` and undone in reverse
 * order by `cleanupAll`, on success, on failure, and on SIGINT/SIGTERM, so a
 * bench never leaves anything behind.
 */
import { log } from './report.ts';

type Cleanup = { what: string; run(): Promise<void> | void; atExit?(): void };
const cleanups: Cleanup[] = [];

/** Registers a cleanup; returns a function that runs it now (once) and forgets it. */
export function defer(what: string, run: () => Promise<void> | void, atExit?: () => void): () => Promise<void> {
  const entry: Cleanup = { what, run, ...(atExit ? { atExit } : {}) };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    try {
      await entry.run();
    } catch (err) {
      log(`WARN: cleanup '${what}' failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop()!;
    try {
      await entry.run();
    } catch (err) {
      log(`WARN: cleanup '${entry.what}' failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

// Last resort (process.exit from elsewhere): what can be done synchronously.
process.on('exit', () => {
  for (const entry of cleanups) {
    try {
      entry.atExit?.();
    } catch {
      // nothing more to do
    }
  }
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    const hardStop = setTimeout(() => process.exit(130), 10_000);
    void cleanupAll().finally(() => {
      clearTimeout(hardStop);
      process.exit(130);
    });
  });
}
