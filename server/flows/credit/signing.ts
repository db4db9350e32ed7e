/**
 * Signed messages between merchant, PG and institution: compact JWS, ES256,
 * through `jose` (maintained, no native parts, checks the algorithm against
 * the key so an `alg: none` or HMAC-with-the-public-key trick is refused).
 * Each message kind has its own `typ`, checked on receipt, and carries `iat`:
 * a message older than MAX_AGE_S is refused, so an old capture cannot be
 * replayed later (the Idempotency-Key makes a quick replay a no-op).
 */
import { CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import { EdgePayError } from '../../../core/index.ts';
import type { Queryable } from '../../db/index.ts';
import type { Sealer } from './sealing.ts';

export const MAX_AGE_S = 600;
type Key = CryptoKey | Uint8Array;

export type SigningKey = { name: string; privateKey: Key; publicKey: Key; publicJwk: JWK };

export async function sign(key: SigningKey, typ: string, payload: object): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ, kid: key.name }).sign(key.privateKey);
}

/** Verifies `jws` under `publicKey` as a message of kind `typ`; answers its payload. CREDIT_MESSAGE_INVALID otherwise. */
export async function verify<T>(jws: unknown, publicKey: Key, typ: string, now = Date.now()): Promise<T> {
  if (typeof jws !== 'string' || jws.length > 64 * 1024) throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'not a compact JWS' });
  let payload: Uint8Array;
  let header: { typ?: string };
  try {
    ({ payload, protectedHeader: header } = await compactVerify(jws, publicKey, { algorithms: ['ES256'] }));
  } catch {
    throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'the signature does not verify' });
  }
  if (header.typ !== typ) throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'a message of another kind' });
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'the payload is not JSON' });
  }
  const iat = (body as { iat?: unknown })?.iat;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || Math.abs(now / 1000 - iat) > MAX_AGE_S) {
    throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'iat missing or too old' });
  }
  return body as T;
}

/** The `kid` of a compact JWS's protected header, unverified (to pick the key), or undefined. */
export function kidOf(jws: unknown): string | undefined {
  if (typeof jws !== 'string') return undefined;
  const head = jws.split('.')[0];
  if (!head || head.length > 2048) return undefined;
  try {
    const kid = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'))?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** The named key pair, made once for every process sharing the database (the first insert wins). */
export async function loadOrCreateKey(db: Queryable, sealer: Sealer, name: string): Promise<SigningKey> {
  const read = async () => (await db.query<{ public_jwk: JWK; private_sealed: string }>('SELECT public_jwk, private_sealed FROM credit_keys WHERE name = $1', [name])).rows[0];
  let row = await read();
  if (!row) {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const privateJwk = await exportJWK(pair.privateKey);
    await db.query('INSERT INTO credit_keys (name, public_jwk, private_sealed) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
      name,
      JSON.stringify(publicJwk),
      sealer.seal('credit-key:' + name, privateJwk),
    ]);
    row = await read();
  }
  const privateJwk = sealer.open<JWK>('credit-key:' + name, row!.private_sealed);
  return { name, privateKey: await importJWK(privateJwk, 'ES256'), publicKey: await importJWK(row!.public_jwk, 'ES256'), publicJwk: { ...row!.public_jwk, kid: name, alg: 'ES256', use: 'sig' } };
}

/**
 * The imported keys of the merchants' registered JWKs, by the point (x, y):
 * importing a JWK costs about 0.3 ms of the event loop's time (WebCrypto's
 * importKey is synchronous work), once per merchant call before this. The
 * row is still read on each call (a key replaced in another process counts
 * at once); only the import of the same point is reused. Bounded: past
 * MERCHANT_KEYS_MAX points the oldest goes.
 */
const MERCHANT_KEYS_MAX = 1000;
const merchantKeys = new Map<string, Promise<Key>>();

export function merchantKeyOf(jwk: unknown): Promise<Key> {
  const k = jwk as JWK | null;
  const id = k && typeof k === 'object' && typeof k.x === 'string' && typeof k.y === 'string' && !('d' in k) ? `${k.kty}.${k.crv}.${k.x}.${k.y}` : undefined;
  if (id === undefined) return importMerchantKey(jwk);
  let key = merchantKeys.get(id);
  if (!key) {
    if (merchantKeys.size >= MERCHANT_KEYS_MAX) merchantKeys.delete(merchantKeys.keys().next().value!);
    key = importMerchantKey(jwk);
    merchantKeys.set(id, key);
    key.catch(() => merchantKeys.delete(id));
  }
  return key;
}

/** A merchant's registered public key: P-256, no private part. */
export async function importMerchantKey(jwk: unknown): Promise<Key> {
  const k = jwk as JWK;
  if (!k || typeof k !== 'object' || k.kty !== 'EC' || k.crv !== 'P-256' || typeof k.x !== 'string' || typeof k.y !== 'string') {
    throw new EdgePayError('CREDIT_MERCHANT_KEY_INVALID', { reason: 'kty EC, crv P-256, x and y required' });
  }
  if ('d' in k) throw new EdgePayError('CREDIT_MERCHANT_KEY_INVALID', { reason: 'it holds a private part; send the public key only' });
  try {
    return await importJWK({ kty: 'EC', crv: 'P-256', x: k.x, y: k.y }, 'ES256');
  } catch {
    throw new EdgePayError('CREDIT_MERCHANT_KEY_INVALID', { reason: 'not a point on P-256' });
  }
}
