/**
 * Growing delays between wrong PINs, per key (one key per client, see
 * sign-in-client.ts). Each key is a leaky bucket: a wrong PIN adds one, the
 * level drains by one every `drainMs`; above `free` wrong PINs the key must
 * wait `baseMs * 2^(level - free - 1)`, at most `capMs`, before its next PIN
 * is even compared. A right PIN empties the key. Nothing here is global: a
 * key's failures delay that key only (issue 25: one global lock-out let
 * anyone who reached sign-in keep the operator out for good).
 *
 * Written here rather than with @fastify/rate-limit: that counts requests
 * per window, and what is counted here is wrong PINs, with an exponential
 * delay, in the service that every transport (HTTP, Electron's IPC) shares.
 */

export type ThrottleRule = {
  /** Wrong PINs allowed before any delay. */
  free: number;
  /** The first delay; each further wrong PIN doubles it. */
  baseMs: number;
  /** The longest delay. */
  capMs: number;
  /** One wrong PIN is forgotten per this time. */
  drainMs: number;
};

type Bucket = { level: number; at: number; blockedUntil: number };

/** Keys kept at most (the oldest go first): memory stays bounded whatever a caller sends. */
const MAX_KEYS = 10_000;

export class SignInThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly rule: ThrottleRule) {}

  /** How long `key` must still wait before its next PIN is compared (0: now). */
  waitMs(key: string, now: number): number {
    const b = this.buckets.get(key);
    return b ? Math.max(0, b.blockedUntil - now) : 0;
  }

  /** A wrong PIN from `key`; returns the wrong PINs it now counts and the delay it earned. */
  fail(key: string, now: number): { level: number; delayMs: number } {
    const old = this.buckets.get(key);
    const level = (old ? Math.max(0, old.level - (now - old.at) / this.rule.drainMs) : 0) + 1;
    const over = level - this.rule.free;
    const delayMs = over > 0 ? Math.min(this.rule.capMs, Math.round(this.rule.baseMs * 2 ** (over - 1))) : 0;
    // Re-inserted so that the Map's order is the order of last use.
    this.buckets.delete(key);
    this.buckets.set(key, { level, at: now, blockedUntil: now + delayMs });
    // The least recently failed key goes first (the Map keeps the order of last use).
    for (const oldest of this.buckets.keys()) {
      if (this.buckets.size <= MAX_KEYS) break;
      this.buckets.delete(oldest);
    }
    return { level, delayMs };
  }

  /** A right PIN: the key starts afresh. */
  succeed(key: string): void {
    this.buckets.delete(key);
  }
}
