/**
 * Gateway enrolment and authentication.
 *
 * A credential is `gw_<gatewayId>.<secret>`: the id finds the row, the 256-bit
 * random secret proves possession. Only SHA-256 of the secret is stored (a
 * slow password hash buys nothing for a random 256-bit secret), compared in
 * constant time. Every request looks the gateway up in the database, so a
 * revocation takes effect at once in every server process.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EdgePayError, uuidV7, type GatewayIdentity } from '../../core/index.ts';
import type { Db } from '../db/index.ts';

export const REVOCATIONS_CHANNEL = 'edgepay_revocations';

export type EnrolledGateway = GatewayIdentity & { name: string; credential: string };

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function enrolGateway(db: Db, siteId: string, name: string): Promise<EnrolledGateway> {
  const gatewayId = 'gw-' + uuidV7();
  const secret = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO gateways (id, site_id, name, secret_hash) VALUES ($1, $2, $3, $4)', [gatewayId, siteId, name, hashSecret(secret)]);
  return { gatewayId, siteId, name, credential: `gw_${gatewayId}.${secret}` };
}

/** Returns false when there is no such gateway (or it was already revoked). */
export async function revokeGateway(db: Db, gatewayId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('UPDATE gateways SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [gatewayId]);
    if (rows.length === 0) return false;
    // Delivered at commit: every server process closes that gateway's streams.
    await tx.query('SELECT pg_notify($1, $2)', [REVOCATIONS_CHANNEL, gatewayId]);
    return true;
  });
}

const CREDENTIAL = /^gw_(gw-[0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

/** The gateway a bearer credential belongs to, or undefined (unknown, malformed or revoked). */
export async function authenticateGateway(db: Db, credential: string | undefined): Promise<GatewayIdentity | undefined> {
  const m = credential ? CREDENTIAL.exec(credential) : null;
  if (!m) return undefined;
  const [, gatewayId, secret] = m as unknown as [string, string, string];
  const { rows } = await db.query<{ site_id: string; secret_hash: string; revoked_at: unknown }>('SELECT site_id, secret_hash, revoked_at FROM gateways WHERE id = $1', [gatewayId]);
  const row = rows[0];
  if (!row || row.revoked_at) return undefined;
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(row.secret_hash, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
  return { gatewayId, siteId: row.site_id };
}

export async function isGatewayActive(db: Db, gatewayId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM gateways WHERE id = $1 AND revoked_at IS NULL', [gatewayId]);
  return rows.length > 0;
}

/** The gateway behind a request's `Authorization: Bearer` header, or AUTH_REQUIRED. */
export async function requireGateway(db: Db, authorization: string | undefined): Promise<GatewayIdentity> {
  const gateway = await authenticateGateway(db, authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined);
  if (!gateway) throw new EdgePayError('AUTH_REQUIRED');
  return gateway;
}
