/**
 * Dongles: provisioned by their maker (serial, 16-byte identity key, OTP
 * secret; the keys sealed under the server's OTP keyring, never logged),
 * paired to a user from the wallet by proving possession with a current code.
 */
import { randomBytes } from 'node:crypto';
import { EdgePayError, twoChannel, uuidV7, type twoChannel as TC } from '../../../core/index.ts';
import type { Db, Queryable } from '../../db/index.ts';
import { createOtpCredential, OTP_SEALED_COLUMN, resealUnderCurrentKey, revokeOtpCredential, verifyOtp, type Keyring, type OtpPolicy } from '../../otp/index.ts';

export type ProvisionDongle = { serial: string; identityKey: Uint8Array; otpSecret: Uint8Array; rotationExponent?: number };

export const identityBinding = (dongleId: string) => 'dongle:' + dongleId;

/** The maker's registration of one dongle (admin). */
export async function provisionDongle(db: Db, keyring: Keyring, d: ProvisionDongle): Promise<{ id: string; serial: string }> {
  if (d.identityKey.length !== twoChannel.IDENTITY_KEY_BYTES) throw new EdgePayError('REQUEST_INVALID', { reason: 'identityKey must be 16 bytes' });
  if (d.otpSecret.length < 16 || d.otpSecret.length > 64) throw new EdgePayError('REQUEST_INVALID', { reason: 'otpSecret must be 16..64 bytes' });
  const id = uuidV7();
  return db.transaction(async (tx) => {
    const taken = await tx.query('SELECT 1 FROM two_channel_dongles WHERE serial = $1', [d.serial]);
    if (taken.rows.length) throw new EdgePayError('TWO_CHANNEL_DONGLE_EXISTS');
    const credentialId = await createOtpCredential(tx, keyring, d.otpSecret);
    await tx.query(`INSERT INTO two_channel_dongles (id, serial, identity_key_sealed, key_id, rotation_exponent, otp_credential_id) VALUES ($1, $2, $3, $4, $5, $6)`, [
      id,
      d.serial,
      keyring.seal(d.identityKey, identityBinding(id)),
      keyring.currentId,
      d.rotationExponent ?? twoChannel.DEFAULT_ROTATION_EXPONENT,
      credentialId,
    ]);
    return { id, serial: d.serial };
  });
}

/** Fresh secrets for a dongle (the demo's and the tests' "factory"). */
export function newDongleSecrets(): { identityKey: Uint8Array; otpSecret: Uint8Array } {
  return { identityKey: new Uint8Array(randomBytes(16)), otpSecret: new Uint8Array(randomBytes(20)) };
}

/**
 * Pairs an unpaired dongle to a user: the code proves the user holds it (the
 * serial alone is printed on the box). An unknown serial and a paired one get
 * the same answer; wrong codes count against the dongle's credential.
 */
export async function pairDongle(db: Db, keyring: Keyring, userId: string, serial: string, code: string, policy?: OtpPolicy): Promise<TC.DongleView> {
  const { rows } = await db.query<{ id: string; otp_credential_id: string }>('SELECT id, otp_credential_id FROM two_channel_dongles WHERE serial = $1 AND user_id IS NULL AND retired_at IS NULL', [
    serial,
  ]);
  const dongle = rows[0];
  if (!dongle) throw new EdgePayError('TWO_CHANNEL_DONGLE_UNKNOWN');
  await verifyOtp(db, keyring, dongle.otp_credential_id, code, policy);
  const paired = await db.query<{ id: string; serial: string; paired_at: Date | string }>(
    'UPDATE two_channel_dongles SET user_id = $2, paired_at = now() WHERE id = $1 AND user_id IS NULL AND retired_at IS NULL RETURNING id, serial, paired_at',
    [dongle.id, userId],
  );
  if (!paired.rows[0]) throw new EdgePayError('TWO_CHANNEL_DONGLE_UNKNOWN');
  return view(paired.rows[0]);
}

const view = (r: { id: string; serial: string; paired_at: Date | string }): TC.DongleView => ({ id: r.id, serial: r.serial, pairedAt: new Date(r.paired_at).toISOString() });

export async function donglesOf(db: Queryable, userId: string): Promise<TC.DongleView[]> {
  const { rows } = await db.query<{ id: string; serial: string; paired_at: Date | string }>('SELECT id, serial, paired_at FROM two_channel_dongles WHERE user_id = $1 ORDER BY paired_at', [userId]);
  return rows.map(view);
}

export type Unpaired = { dongleId: string; cancelled: { sessionId: string; requestId: string; gatewayId: string; siteId: string }[] };

/**
 * The owner unpairs a dongle, for good: in one transaction its identity key
 * and OTP secret are overwritten with NULL (destroyed: its broadcast no
 * longer resolves and its codes no longer check, in every server process),
 * and its sessions still waiting for a confirmation, not yet charged, are
 * cancelled ('dongle-unpaired'). A confirmation racing this either claimed
 * its payment first (it completes: it was confirmed with a valid code before
 * the unpairing) or is refused with nothing charged (the claim requires a
 * waiting session). The caller withdraws the cancelled sessions' requests and
 * wakes their devices. Another user's dongle gets the same answer as none.
 */
export async function unpairDongle(db: Db, userId: string, dongleId: string): Promise<Unpaired> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ otp_credential_id: string }>(
      `UPDATE two_channel_dongles SET user_id = NULL, paired_at = NULL, identity_key_sealed = NULL, retired_at = now()
        WHERE id = $1 AND user_id = $2 RETURNING otp_credential_id`,
      [dongleId, userId],
    );
    if (!rows[0]) throw new EdgePayError('TWO_CHANNEL_DONGLE_UNKNOWN');
    await revokeOtpCredential(tx, rows[0].otp_credential_id);
    const cancelled = await tx.query<{ id: string; request_id: string; gateway_id: string; site_id: string }>(
      `UPDATE two_channel_sessions SET state = 'cancelled', decline_reason = 'dongle-unpaired', updated_at = now()
        WHERE dongle_id = $1 AND state = 'waiting' AND payment_id IS NULL RETURNING id, request_id, gateway_id, site_id`,
      [dongleId],
    );
    return { dongleId, cancelled: cancelled.rows.map((r) => ({ sessionId: r.id, requestId: r.request_id, gatewayId: r.gateway_id, siteId: r.site_id })) };
  });
}

/** Re-seals the dongles' identity keys and the OTP secrets under the keyring's current key. */
export async function rotateDongleKeys(db: Db, keyring: Keyring): Promise<{ identityKeys: number; otpSecrets: number }> {
  const identityKeys = await resealUnderCurrentKey(db, keyring, { table: 'two_channel_dongles', column: 'identity_key_sealed', bindingPrefix: 'dongle:' });
  const otpSecrets = await resealUnderCurrentKey(db, keyring, OTP_SEALED_COLUMN);
  return { identityKeys, otpSecrets };
}
