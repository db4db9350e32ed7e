/**
 * Key rotation: every secret sealed under another key than the keyring's
 * current one is opened and sealed again under the current key, row by row
 * (each row's UPDATE names the key it read, so a concurrent rotation in
 * another process cannot undo this one). Returns how many rows changed.
 * `table` must be one of ours (the caller names it; never user input).
 */
import type { Queryable } from '../db/index.ts';
import type { Keyring } from './keyring.ts';

export type SealedColumn = { table: 'otp_credentials' | 'two_channel_dongles'; column: string; bindingPrefix: string };

export const OTP_SEALED_COLUMN: SealedColumn = { table: 'otp_credentials', column: 'secret_sealed', bindingPrefix: 'otp:' };

export async function resealUnderCurrentKey(db: Queryable, keyring: Keyring, sealed: SealedColumn): Promise<number> {
  if (!/^[a-z_]+$/.test(sealed.column)) throw new Error('bad column');
  const { rows } = await db.query<{ id: string; value: string; key_id: string }>(
    `SELECT id, ${sealed.column} AS value, key_id FROM ${sealed.table} WHERE key_id <> $1 AND ${sealed.column} IS NOT NULL`,
    [keyring.currentId],
  );
  let changed = 0;
  for (const row of rows) {
    const plain = keyring.open(row.value, sealed.bindingPrefix + row.id);
    const { rows: done } = await db.query(`UPDATE ${sealed.table} SET ${sealed.column} = $2, key_id = $3 WHERE id = $1 AND key_id = $4 RETURNING id`, [
      row.id,
      keyring.seal(plain, sealed.bindingPrefix + row.id),
      keyring.currentId,
      row.key_id,
    ]);
    plain.fill(0);
    changed += done.length;
  }
  return changed;
}
