/**
 * CURVE keys (Z85 text, as ZeroMQ prints them) and the per-device message
 * authentication key derived from them.
 *
 * Why a MAC on top of CURVE: CURVE authenticates the connection, and the ZAP
 * handler knows which device key opened it, but zeromq.js 6 does not expose a
 * message's ZAP metadata (`User-Id`), and the ZAP request's identity frame is
 * the *server* socket's routing id, not the peer's (checked against libzmq
 * 4.3.5). So on a SUB socket, where many devices connect, nothing ties a
 * message to the key that sent it. Each message therefore carries
 * HMAC-SHA256 under a key only that device and the gateway can compute:
 * X25519(device secret, gateway public) = X25519(gateway secret, device public),
 * the same Curve25519 keys CURVE uses. A message claiming to come from device D
 * is accepted only if it verifies under D's enrolled key, so an enrolled device
 * cannot speak for another, and a revoked device's messages fail at once.
 */
import { createHmac, createPrivateKey, createPublicKey, diffieHellman, hash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { EdgePayError } from '../../core/index.ts';

export type CurveKeyPair = { readonly publicKey: string; readonly secretKey: string };

const Z85_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_VALUES = new Map([...Z85_ALPHABET].map((c, i) => [c, i]));

/** Z85 (ZeroMQ RFC 32) to bytes; undefined if the text is not Z85. */
export function z85Decode(text: string): Uint8Array | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = Z85_VALUES.get(text[i + j]!);
      if (digit === undefined) return undefined;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return undefined;
    out[o] = (value >>> 24) & 0xff;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

/** Bytes (a multiple of 4) to Z85. */
export function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    let value = bytes[i]! * 0x1000000 + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85_ALPHABET[value % 85]! + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

export function isCurveKey(text: unknown): text is string {
  return typeof text === 'string' && text.length === 40 && z85Decode(text)?.length === 32;
}

// DER prefixes of an X25519 private key (PKCS#8) and public key (SPKI); the raw 32 bytes follow.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function x25519Private(secretZ85: string): KeyObject {
  const raw = z85Decode(secretZ85);
  if (!raw || raw.length !== 32) throw new EdgePayError('BUS_DEVICE_KEY_INVALID', { deviceId: '(own secret key)' });
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
}
function x25519Public(publicZ85: string, deviceId: string): KeyObject {
  const raw = z85Decode(publicZ85);
  if (!raw || raw.length !== 32) throw new EdgePayError('BUS_DEVICE_KEY_INVALID', { deviceId });
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

const MAC_KEY_LABEL = 'edgepay-bus-mac-v1';
export const MAC_BYTES = 32;

/**
 * A per-device message key, kept as HMAC's two padded keys (RFC 2104). The MAC
 * is computed with two one-shot `crypto.hash` calls instead of `createHmac`:
 * every createHmac object is a native handle the garbage collector must visit,
 * and at four MACs per command round trip those handles made scavenges take
 * milliseconds (the round trip's p99). Same result as HMAC-SHA256 (tested).
 */
export type MacKey = { readonly innerPad: Buffer; readonly outerPad: Buffer };

const SHA256_BLOCK = 64;

export function macKeyFromBytes(key: Uint8Array): MacKey {
  if (key.length > SHA256_BLOCK) throw new RangeError('MAC key longer than one SHA-256 block');
  const innerPad = Buffer.alloc(SHA256_BLOCK, 0x36);
  const outerPad = Buffer.alloc(SHA256_BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    innerPad[i]! ^= key[i]!;
    outerPad[i]! ^= key[i]!;
  }
  return { innerPad, outerPad };
}

/** The key both ends derive for one device; `peerId` only names the peer in errors. */
export function deriveMacKey(ownSecretKey: string, peerPublicKey: string, peerId: string): MacKey {
  const shared = diffieHellman({ privateKey: x25519Private(ownSecretKey), publicKey: x25519Public(peerPublicKey, peerId) });
  // The raw X25519 output is not uniformly random; an HMAC over it with a label gives a proper key for this one use.
  return macKeyFromBytes(createHmac('sha256', shared).update(MAC_KEY_LABEL).digest());
}

// HMAC's two inputs are built in scratch buffers reused by every MAC (the hash
// calls are synchronous, so nothing else can touch them in between): a MAC then
// allocates only the two digests, not two concatenations per message.
const SCRATCH_BYTES = 16 * 1024;
const innerScratch = Buffer.allocUnsafe(SHA256_BLOCK + SCRATCH_BYTES);
const outerScratch = Buffer.allocUnsafe(SHA256_BLOCK + MAC_BYTES);

/** `pad || message` in the scratch buffer (or in a buffer of its own when the message is larger than the scratch). */
function innerInput(pad: Buffer, message: Uint8Array | string): Buffer {
  if (typeof message === 'string') {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const room = message.length * 3;
    const target = room <= SCRATCH_BYTES ? innerScratch : Buffer.allocUnsafe(SHA256_BLOCK + room);
    pad.copy(target, 0);
    const written = target.write(message, SHA256_BLOCK, 'utf8');
    return target.subarray(0, SHA256_BLOCK + written);
  }
  const target = message.length <= SCRATCH_BYTES ? innerScratch : Buffer.allocUnsafe(SHA256_BLOCK + message.length);
  pad.copy(target, 0);
  target.set(message, SHA256_BLOCK);
  return target.subarray(0, SHA256_BLOCK + message.length);
}

/** HMAC-SHA256(key, message); a string message is taken as its UTF-8 bytes. */
export function macOf(key: MacKey, message: Uint8Array | string): Buffer {
  const inner = hash('sha256', innerInput(key.innerPad, message), 'buffer') as unknown as Buffer;
  key.outerPad.copy(outerScratch, 0);
  inner.copy(outerScratch, SHA256_BLOCK);
  return hash('sha256', outerScratch, 'buffer') as unknown as Buffer;
}

export function macMatches(key: MacKey, message: Uint8Array | string, mac: Uint8Array): boolean {
  if (mac.length !== MAC_BYTES) return false;
  return timingSafeEqual(macOf(key, message), mac);
}
