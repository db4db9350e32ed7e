/**
 * Sealed boxes (core's SealedBox) with node:crypto: X25519, HKDF-SHA256,
 * AES-256-GCM. The issuer seals a card to a terminal with an ephemeral key
 * (only that terminal can open it), and opens a terminal's authorisation with
 * the two static keys (only the enrolled terminal can have made it). No
 * package: node:crypto has every piece (RFC 7748, RFC 5869, GCM).
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { EdgePayError, type SealedBox } from '../../core/index.ts';

export type KeyPairText = { privateKey: string; publicKey: string };

export function newX25519(): KeyPairText {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export function publicKeyOf(base64Spki: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(base64Spki, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'x25519') throw new EdgePayError('REQUEST_INVALID', { reason: 'the key must be an X25519 public key' });
  return key;
}

export function privateKeyOf(base64Pkcs8: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(base64Pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
}

function boxKey(privateKey: KeyObject, publicKey: KeyObject, info: string): Buffer {
  const shared = diffieHellman({ privateKey, publicKey });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 32));
}

export function seal(plain: unknown, key: Buffer, aad: string, epk?: string): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return { ...(epk ? { epk } : {}), iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function open<T>(box: SealedBox, key: Buffer, aad: string): T {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(box.ct, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as T;
  } catch {
    throw new EdgePayError('ISSUER_AUTHORISATION_INVALID');
  }
}

/** Seals to a recipient's static key with a fresh ephemeral key (its public half travels in the box). */
export function sealTo(recipient: KeyObject, plain: unknown, info: string, aad: string): SealedBox {
  const eph = generateKeyPairSync('x25519');
  const epk = eph.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return seal(plain, boxKey(eph.privateKey, recipient, info), aad, epk);
}

/** Opens a box sealed between two static keys (ours private, theirs public). */
export function openStatic<T>(ours: KeyObject, theirs: KeyObject, box: SealedBox, info: string, aad: string): T {
  return open<T>(box, boxKey(ours, theirs, info), aad);
}
