/**
 * Merchants: requesters that ask for payment through the server's API with
 * their own credential `mc_<merchantId>.<secret>` (like a gateway's: the id
 * finds the row, the 256-bit random secret proves possession, only SHA-256 of
 * it is stored and compared in constant time; a slow hash buys nothing for a
 * random 256-bit secret). Looked up on every request, so a revocation is
 * immediate in every server process.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidV7 } from '../../core/index.ts';
import type { Db } from '../db/index.ts';

export type EnrolledMerchant = { merchantId: string; name: string; credential: string };

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export async function enrolMerchant(db: Db, name: string): Promise<EnrolledMerchant> {
  const merchantId = 'mc-' + uuidV7();
  const secret = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO merchants (id, name, secret_hash) VALUES ($1, $2, $3)', [merchantId, name, hashSecret(secret)]);
  return { merchantId, name, credential: `mc_${merchantId}.${secret}` };
}

export async function revokeMerchant(db: Db, merchantId: string): Promise<boolean> {
  const { rows } = await db.query('UPDATE merchants SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [merchantId]);
  return rows.length > 0;
}

const CREDENTIAL = /^mc_(mc-[0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export function looksLikeMerchantCredential(credential: string): boolean {
  return credential.startsWith('mc_');
}

/** The merchant a credential belongs to, or undefined (unknown, malformed or revoked). */
export async function authenticateMerchant(db: Db, credential: string): Promise<{ merchantId: string; name: string } | undefined> {
  const m = CREDENTIAL.exec(credential);
  if (!m) return undefined;
  const [, merchantId, secret] = m as unknown as [string, string, string];
  const { rows } = await db.query<{ name: string; secret_hash: string; revoked_at: unknown }>('SELECT name, secret_hash, revoked_at FROM merchants WHERE id = $1', [merchantId]);
  const row = rows[0];
  if (!row || row.revoked_at) return undefined;
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(row.secret_hash, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
  return { merchantId, name: row.name };
}
