/** Restart delays: exponential, capped; and when repeated crashes count as a crash loop. */

export type BackoffPolicy = {
  /** Delay before the first restart. */
  initialMs: number;
  maxMs: number;
  factor: number;
  /** This many crashes in a row, each after a run shorter than stableAfterMs, and the driver is marked failed. */
  maxConsecutiveCrashes: number;
  /** A run at least this long was healthy: the crash count starts again from zero. */
  stableAfterMs: number;
};

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 15_000, factor: 2, maxConsecutiveCrashes: 6, stableAfterMs: 30_000 };

/** Delay before restart number `consecutiveCrashes` (1 = after the first crash). */
export function restartDelay(policy: BackoffPolicy, consecutiveCrashes: number): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, consecutiveCrashes - 1));
}
