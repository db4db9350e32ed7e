/**
 * The dongle's rotating broadcast (the way Eddystone-EID works): a dongle
 * never advertises its identity. It advertises an 8-byte ephemeral id derived
 * from its 16-byte identity key (shared only with the server) and the current
 * time window, 2^K seconds long; a new window gives a new, unlinkable value.
 * Only someone holding the key can tell which dongle a value belongs to, so
 * the server resolves it by computing the values of its dongles' keys for the
 * windows around now.
 *
 * Eddystone derives with AES-128 (a temporary key per 2^16 s, then the EID);
 * we use HMAC-SHA256 truncated to 8 bytes, a PRF just the same, because an
 * AES in pure TypeScript would be a second primitive to carry (sha256.ts
 * is here anyway). The BLE address rotates with the window too (a
 * non-resolvable private address, its two top bits 00): an address that
 * stayed the same would let anyone follow the dongle whatever it broadcasts.
 */
import { hmacSha256 } from './sha256.ts';

/** Eddystone's rotation exponent K: windows of 2^K seconds (8 → 256 s, a bit over 4 minutes). */
export const DEFAULT_ROTATION_EXPONENT = 8;
/** How long after a window ends its value is still taken (an advert heard at the boundary), and how early the next one is. */
export const EID_GRACE_SECONDS = 30;
export const IDENTITY_KEY_BYTES = 16;
export const EID_BYTES = 8;

const EID_LABEL = [0x45, 0x50, 0x45, 0x49, 0x44]; // "EPEID"
const ADDRESS_LABEL = [0x45, 0x50, 0x41, 0x44, 0x52]; // "EPADR"

/** The window a moment falls in (unix seconds). */
export function windowOf(unixSeconds: number, exponent = DEFAULT_ROTATION_EXPONENT): number {
  return Math.floor(unixSeconds / 2 ** exponent);
}

/** Unix seconds at which a window starts. */
export function windowStart(window: number, exponent = DEFAULT_ROTATION_EXPONENT): number {
  return window * 2 ** exponent;
}

function message(label: number[], window: number, exponent: number): Uint8Array {
  if (!Number.isInteger(window) || window < 0 || window > 0xffffffff) throw new RangeError('window out of range');
  const out = new Uint8Array(label.length + 5);
  out.set(label);
  out[label.length] = exponent;
  new DataView(out.buffer).setUint32(label.length + 1, window);
  return out;
}

function derive(label: number[], identityKey: Uint8Array, window: number, exponent: number): Uint8Array {
  if (identityKey.length !== IDENTITY_KEY_BYTES) throw new RangeError('an identity key is 16 bytes');
  return hmacSha256(identityKey, message(label, window, exponent));
}

/**
 * The HMAC message of a window's ephemeral id: a server resolving many
 * dongles computes HMAC-SHA256(identityKey, this) with its platform's native
 * HMAC (the pure one here costs about 0.1 ms an id) and keeps the first
 * EID_BYTES bytes; advertisement.test.ts checks both agree.
 */
export function ephemeralIdMessage(window: number, exponent = DEFAULT_ROTATION_EXPONENT): Uint8Array {
  return message(EID_LABEL, window, exponent);
}

/** The 8-byte ephemeral id of a dongle for one window. */
export function ephemeralId(identityKey: Uint8Array, window: number, exponent = DEFAULT_ROTATION_EXPONENT): Uint8Array {
  return derive(EID_LABEL, identityKey, window, exponent).slice(0, EID_BYTES);
}

/** The same as upper-case hex: the `deviceCode` a reader reports on the bus. */
export function ephemeralIdHex(identityKey: Uint8Array, window: number, exponent = DEFAULT_ROTATION_EXPONENT): string {
  return toHex(ephemeralId(identityKey, window, exponent));
}

/**
 * The dongle's BLE address for a window, most significant byte first (as
 * written, `XX:XX:...`): a non-resolvable private address (top two bits 00,
 * neither all zeros nor all ones in the other 46 bits).
 */
export function privateAddress(identityKey: Uint8Array, window: number, exponent = DEFAULT_ROTATION_EXPONENT): Uint8Array {
  const bytes = derive(ADDRESS_LABEL, identityKey, window, exponent).slice(0, 6);
  bytes[0] = bytes[0]! & 0x3f;
  const rest = bytes.slice(1).every((b) => b === 0) && bytes[0] === 0;
  const ones = bytes.slice(1).every((b) => b === 0xff) && bytes[0] === 0x3f;
  if (rest || ones) bytes[5] = bytes[5]! ^ 0x01;
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out.toUpperCase();
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new RangeError('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `XX:XX:XX:XX:XX:XX` of a 6-byte address, most significant byte first. */
export function formatAddress(msbFirst: Uint8Array): string {
  return toHex(msbFirst).replace(/(..)(?=.)/g, '$1:');
}
