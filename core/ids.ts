/**
 * UUIDv7 ids (RFC 9562 section 5.7), made by whoever creates a record — usually
 * the gateway, offline or not. The id of an intent is also its idempotency key.
 *
 * Layout, 128 bits:
 *   unix_ts_ms (48) | ver=0111 (4) | rand_a (12) | var=10 (2) | rand_b (62)
 *
 * Why v7: ids sort by creation time, so B-tree indexes stay append-mostly and
 * "newest first" needs no extra column. Within one process the ids are strictly
 * increasing (RFC 9562 section 6.2, method 1): rand_a is a counter, seeded
 * randomly at each new millisecond and incremented for each further id in the
 * same millisecond. Canonical form is lowercase so that string order equals
 * numeric order and one id cannot exist in two spellings.
 */
import { EdgePayError } from './errors.ts';

/**
 * The one piece of Web Crypto core needs, declared here because core is
 * type-checked without DOM or Node types. Node ≥ 19, browsers and Electron all
 * provide `globalThis.crypto.getRandomValues`.
 */
type RandomSource = { getRandomValues<T extends Uint8Array>(array: T): T };

function cryptoRandomBytes(length: number): Uint8Array {
  const source = (globalThis as { crypto?: RandomSource }).crypto;
  if (!source || typeof source.getRandomValues !== 'function') throw new EdgePayError('ID_RANDOM_UNAVAILABLE');
  return source.getRandomValues(new Uint8Array(length));
}

export type UuidV7GeneratorOptions = {
  /** Milliseconds since the Unix epoch; injectable so tests can stop or rewind the clock. */
  now?: () => number;
  /** Returns `length` uniformly random bytes. */
  randomBytes?: (length: number) => Uint8Array;
};

const MAX_TIMESTAMP = 2 ** 48 - 1;
const COUNTER_MAX = 0xfff;
// Seeds use 11 of rand_a's 12 bits: at least 2048 ids fit in a millisecond
// before the counter runs out, while the seed still varies between processes.
const SEED_MASK = 0x7ff;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX3 = Array.from({ length: COUNTER_MAX + 1 }, (_, i) => i.toString(16).padStart(3, '0'));

/**
 * A generator with its own monotonic state. Use the shared `uuidV7` unless you
 * need an injected clock: order is only guaranteed among ids of one generator.
 */
export function createUuidV7Generator(options: UuidV7GeneratorOptions = {}): () => string {
  const now = options.now ?? (() => Date.now());
  const randomBytes = options.randomBytes ?? cryptoRandomBytes;
  let lastMs = -1;
  let counter = 0;
  let prefixMs = -1;
  let prefix = '';

  return function uuidV7(): string {
    const ms = now();
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP) {
      throw new EdgePayError('ID_CLOCK_INVALID', { ms: String(ms) });
    }
    const random = randomBytes(10);
    if (random.length < 10) throw new EdgePayError('ID_RANDOM_UNAVAILABLE');
    const seed = (((random[0] ?? 0) << 8) | (random[1] ?? 0)) & SEED_MASK;

    if (ms > lastMs) {
      lastMs = ms;
      counter = seed;
    } else {
      // Same millisecond, or the clock went backwards (NTP step): stay on the
      // last timestamp so ids keep increasing. When the counter is used up,
      // borrow the next millisecond, as RFC 9562 allows.
      counter += 1;
      if (counter > COUNTER_MAX) {
        if (lastMs >= MAX_TIMESTAMP) throw new EdgePayError('ID_CLOCK_INVALID', { ms: String(ms) });
        lastMs += 1;
        counter = seed;
      }
    }

    // The text is built from lookup tables, not from a 16-byte array and slices: ids are made for
    // every bus message. The timestamp's 12 hex digits change once per millisecond.
    if (lastMs !== prefixMs) {
      prefixMs = lastMs;
      // 48-bit big-endian timestamp. Dividing by 2^32 is exact for integers < 2^53.
      const high = Math.floor(lastMs / 0x1_0000_0000);
      const low = lastMs % 0x1_0000_0000;
      prefix = HEX[(high >>> 8) & 0xff]! + HEX[high & 0xff]! + HEX[(low >>> 24) & 0xff]! + HEX[(low >>> 16) & 0xff]! + '-' + HEX[(low >>> 8) & 0xff]! + HEX[low & 0xff]! + '-7';
    }
    // version 7 + the 12-bit counter, then variant 10 + 6 random bits, then 7 more random bytes.
    const [, , r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0, r8 = 0, r9 = 0] = random;
    return prefix + HEX3[counter]! + '-' + HEX[0x80 | (r2 & 0x3f)]! + HEX[r3]! + '-' + HEX[r4]! + HEX[r5]! + HEX[r6]! + HEX[r7]! + HEX[r8]! + HEX[r9]!;
  };
}

/** The process-wide generator: ids from it sort in creation order as strings. */
export const uuidV7: () => string = createUuidV7Generator();

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for a canonical (lowercase) UUIDv7 string. Uppercase is refused: see the file comment. */
export function isUuidV7(value: unknown): value is string {
  return typeof value === 'string' && UUID_V7.test(value);
}

/** The creation time (Unix ms) encoded in a UUIDv7; throws ID_INVALID for anything else. */
export function uuidV7Timestamp(id: string): number {
  if (!isUuidV7(id)) throw new EdgePayError('ID_INVALID', { id: String(id).slice(0, 64) });
  // 48 bits fit exactly in a double.
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
