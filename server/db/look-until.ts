/**
 * The loop of a long poll woken by database notices: `look` is called now and
 * on every wake until it answers something, or until `waitMs` passes or
 * `signal` aborts (then undefined; the caller reads once more if it needs to).
 * A wake is only a hint: `look` reads the state from the database. Looks never
 * overlap; a wake during a look makes one more. The waker is registered before
 * the first look, so a change committed while that look runs wakes it again.
 * One loop for every flow that waits this way (elevator deliveries, two-channel
 * sessions): each keeps only its own wiring of which notices wake whom.
 */
export function lookUntil<T>(look: () => Promise<T | undefined>, subscribe: (wake: () => void) => () => void, waitMs: number, signal?: AbortSignal): Promise<T | undefined> {
  if (waitMs <= 0) return look();
  return new Promise<T | undefined>((resolve, reject) => {
    let looking = false;
    let again = false;
    let finished = false;
    const done = (value: T | undefined, err?: unknown) => {
      if (finished) return;
      finished = true;
      unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      if (err) reject(err);
      else resolve(value);
    };
    const wake = () => {
      if (finished) return;
      if (looking) return void (again = true);
      looking = true;
      look().then(
        (v) => {
          looking = false;
          if (v !== undefined) return done(v);
          if (again) {
            again = false;
            wake();
          }
        },
        (err) => done(undefined, err),
      );
    };
    const aborted = () => done(undefined);
    const timer = setTimeout(() => done(undefined), waitMs);
    timer.unref();
    const unsubscribe = subscribe(wake);
    if (signal?.aborted) return done(undefined);
    signal?.addEventListener('abort', aborted);
    wake();
  });
}
