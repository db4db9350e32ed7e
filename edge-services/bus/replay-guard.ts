/**
 * Refuses device messages that are stale or already seen (PROTOCOL.md, checks 7 and 8).
 *
 * CURVE stops a stranger from replaying captured traffic, but not a device (or
 * whoever holds its keys, or a buggy firmware, or a driver restarting with a full
 * send queue) sending the same message again: the gateway acted on one scan three
 * times. So every message a device sends is checked for
 * - freshness: its `ts` is at most `maxAgeMs` old and at most `maxSkewMs` ahead of
 *   the gateway's clock (the window a replay can hide in);
 * - novelty: its `id` was not taken from this device before. Ids are remembered per
 *   device in a Set with a ring of at most `idsPerDevice` entries (bounded memory
 *   under a flood; devices are bounded by enrolment, the guard runs after the MAC).
 *   When the ring is full the oldest id is forgotten and becomes the device's
 *   *floor*: any id at or below the floor that is not remembered is refused too,
 *   so a forgotten id can never come back. UUIDv7 ids from one sender increase
 *   (RFC 9562 method 1, `createUuidV7Generator`), so a device's new messages always
 *   lie above its floor; a device whose ids do not increase within a millisecond is
 *   only at risk while it sends more than `idsPerDevice` messages per window.
 *
 * Per message: one Map lookup for the device, one Set lookup and insert, an array
 * write — the bus's hot path (bench/bus.ts) must stay as fast as it is.
 */
import type { BusDropReason } from '../../core/index.ts';

export type ReplayGuardOptions = {
  /** Oldest `ts` taken, in ms before the gateway's clock. Default 30 s. */
  maxAgeMs?: number;
  /** Furthest `ts` taken ahead of the gateway's clock (devices' clocks drift). Default 5 s. */
  maxSkewMs?: number;
  /** Ids remembered per device. Default 16,384 (about 1.5 MB for a device that floods). */
  idsPerDevice?: number;
};

export const DEFAULT_MAX_AGE_MS = 30_000;
export const DEFAULT_MAX_SKEW_MS = 5_000;
export const DEFAULT_IDS_PER_DEVICE = 16_384;

export type ReplayRefusal = { reason: Extract<BusDropReason, 'stale' | 'replayed'>; detail: string };

type SeenIds = {
  readonly ids: Set<string>;
  /** The remembered ids in arrival order; `next` is where the next one goes once full. */
  readonly ring: string[];
  next: number;
  /** The largest id forgotten so far ('' = none): ids at or below it are refused. */
  floor: string;
};

export class ReplayGuard {
  readonly maxAgeMs: number;
  readonly maxSkewMs: number;
  readonly idsPerDevice: number;
  readonly #byDevice = new Map<string, SeenIds>();

  constructor(options: ReplayGuardOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    this.idsPerDevice = Math.max(1, options.idsPerDevice ?? DEFAULT_IDS_PER_DEVICE);
  }

  /** `ts` against the clock only (replies: their id is the command's, matched once by the pending command). */
  checkFresh(ts: number, now: number): ReplayRefusal | undefined {
    if (ts < now - this.maxAgeMs) return { reason: 'stale', detail: `sent more than ${this.maxAgeMs} ms ago` };
    if (ts > now + this.maxSkewMs) return { reason: 'stale', detail: `dated more than ${this.maxSkewMs} ms in the future` };
    return undefined;
  }

  /** Freshness, then novelty; a message that passes is remembered (so the same id is refused next time). */
  check(deviceId: string, id: string, ts: number, now: number): ReplayRefusal | undefined {
    const stale = this.checkFresh(ts, now);
    if (stale) return stale;
    let seen = this.#byDevice.get(deviceId);
    if (seen === undefined) {
      seen = { ids: new Set(), ring: [], next: 0, floor: '' };
      this.#byDevice.set(deviceId, seen);
    }
    if (seen.ids.has(id)) return { reason: 'replayed', detail: 'this message id was already taken from this device' };
    if (id <= seen.floor) return { reason: 'replayed', detail: 'this message id is older than the ids still remembered for this device' };
    if (seen.ring.length < this.idsPerDevice) seen.ring.push(id);
    else {
      const forgotten = seen.ring[seen.next]!;
      seen.ids.delete(forgotten);
      if (forgotten > seen.floor) seen.floor = forgotten;
      seen.ring[seen.next] = id;
      seen.next = (seen.next + 1) % this.idsPerDevice;
    }
    seen.ids.add(id);
    return undefined;
  }

  /** A revoked device's ids go: its key is gone, so none of its old messages can pass the MAC again. */
  forget(deviceId: string): void {
    this.#byDevice.delete(deviceId);
  }

  /** Ids remembered for a device (tests: the memory bound). */
  remembered(deviceId: string): number {
    return this.#byDevice.get(deviceId)?.ids.size ?? 0;
  }
}
