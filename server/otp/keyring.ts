/**
 * Secrets at rest: AES-256-GCM under a key from the environment, never from
 * the database. `EDGEPAY_OTP_KEYS="k2:<base64 32 bytes>,k1:<base64>"`: the
 * first key seals, every listed key opens, so a key is rotated by putting a
 * new one first, running `rotateSealedSecrets` (re-seals every row under the
 * new key) and then dropping the old one. The sealed text names its key id;
 * the additional data binds it to its row (a sealed secret copied onto another
 * row does not open). Nothing here is ever logged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EdgePayError } from '../../core/index.ts';

export type Keyring = { readonly currentId: string; seal(plain: Uint8Array, boundTo: string): string; open(sealed: string, boundTo: string): Uint8Array; keyIdOf(sealed: string): string };

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `id:base64,...`; undefined when the variable is empty or missing. Throws on a malformed list (start-up fails loudly). */
export function keyringFrom(text: string | undefined): Keyring | undefined {
  if (!text || !text.trim()) return undefined;
  const keys = new Map<string, Buffer>();
  let currentId = '';
  for (const part of text.split(',')) {
    const [id, b64] = part.trim().split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !KEY_ID.test(id) || key.length !== 32) throw new Error('EDGEPAY_OTP_KEYS: each entry is <id>:<base64 of 32 bytes>');
    if (keys.has(id)) throw new Error('EDGEPAY_OTP_KEYS: key id listed twice');
    keys.set(id, key);
    currentId ||= id;
  }
  return createKeyring(keys, currentId);
}

function createKeyring(keys: Map<string, Buffer>, currentId: string): Keyring {
  return {
    currentId,
    seal(plain, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.get(currentId)!, iv);
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return `v1.${currentId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, boundTo) {
      const [version, id, ivText, bodyText] = sealed.split('.');
      const key = id === undefined ? undefined : keys.get(id);
      if (version !== 'v1' || !key || !ivText || !bodyText) throw new EdgePayError('OTP_KEY_UNKNOWN');
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return new Uint8Array(Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]));
    },
    keyIdOf: (sealed) => sealed.split('.')[1] ?? '',
  };
}

/** A fresh key list for a demo or a test: `id:<random base64>`. */
export function newOtpKeyText(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** The process's keyring from EDGEPAY_OTP_KEYS (read when asked, so a test can set it first). */
export function environmentKeyring(): Keyring | undefined {
  return keyringFrom(process.env['EDGEPAY_OTP_KEYS']);
}

export function requireKeyring(keyring: Keyring | undefined): Keyring {
  if (!keyring) throw new EdgePayError('OTP_KEYS_MISSING');
  return keyring;
}
