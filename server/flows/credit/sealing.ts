/**
 * Data at rest that names a person, sealed: AES-256-GCM (Node's crypto; an
 * AEAD, so a changed row fails to open rather than reading as something
 * else), with the row's id as associated data so a sealed value cannot be
 * moved to another row. Buyers are found by `buyerRef`, an HMAC of the user
 * id under a second key: stable for lookups, meaningless without the key.
 *
 * The key: `dataKey` (32 bytes) or EDGEPAY_CREDIT_DATA_KEY (base64); without
 * either, derived from the admin token with HKDF, which is what the demo and
 * the tests use (every server process of a database shares the admin token).
 * A deployment sets its own key, kept outside the database.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export type Sealer = {
  seal(rowId: string, value: unknown): string;
  open<T>(rowId: string, sealed: string): T;
  buyerRef(userId: string): string;
};

export function dataKeyFrom(options: { dataKey?: Buffer; adminToken: string }): Buffer {
  if (options.dataKey) return options.dataKey;
  const fromEnv = process.env.EDGEPAY_CREDIT_DATA_KEY;
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) throw new Error('EDGEPAY_CREDIT_DATA_KEY must be 32 bytes in base64');
    return key;
  }
  return Buffer.from(hkdfSync('sha256', options.adminToken, 'edgepay', 'credit data key v1', 32));
}

export function createSealer(dataKey: Buffer): Sealer {
  const encKey = Buffer.from(hkdfSync('sha256', dataKey, '', 'seal', 32));
  const refKey = Buffer.from(hkdfSync('sha256', dataKey, '', 'buyer-ref', 32));
  return {
    seal(rowId, value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(Buffer.from(rowId));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open<T>(rowId: string, sealed: string): T {
      const [v, iv, body, tag] = sealed.split('.');
      if (v !== 'v1' || !iv || body === undefined || !tag) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(rowId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')) as T;
    },
    buyerRef: (userId) => 'b' + createHmac('sha256', refKey).update(userId).digest('base64url').slice(0, 32).replace(/[-_]/g, 'x'),
  };
}
