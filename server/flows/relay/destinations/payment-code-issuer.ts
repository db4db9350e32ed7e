/**
 * The sandbox payment-code issuer (destination `payment-code`): one-time codes
 * bound to a wallet user, valid a short time (default 3 minutes), consumed once.
 * A wallet gets both forms at once: a Korean-wallet payment barcode
 * (core's format, issuer `91`) and an EMVCo CPM QR whose cryptogram is
 * HMAC-SHA256(user's key, PAR | ATC) cut to 8 bytes (a stand-in for the
 * card scheme's ARQC, checked here, where the key is). Money: a posted ledger
 * transfer buyer_funding:<user>:KRW -> merchant_payable:<siteId>:KRW per
 * approval, and its mirror on reversal.
 */
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { relay } from '../../../../core/index.ts';
import type { Db, Queryable } from '../../../db/index.ts';
import { createTransfers, openAccount } from '../../../ledger/index.ts';
import { RECORD_COLUMNS, recordOf, type DestinationRecord, type RelayDestination } from './destination.ts';

export const SANDBOX_ISSUER = '91';
export const SANDBOX_AID = Uint8Array.from([0xa0, 0x00, 0x00, 0x09, 0x99, 0x00, 0x01]);
const ID = 'payment-code';

export const codeKeyOf = (code: string) => createHash('sha256').update(code).digest('hex');
const cryptogramOf = (keyB64: string, par: string, atc: number) => createHmac('sha256', Buffer.from(keyB64, 'base64')).update(`${par}|${atc}`).digest().subarray(0, 8);

const PAR_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A transaction the database chose as a deadlock victim (or could not serialise) runs again: it changed nothing. */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 5 * i));
    }
  }
}

export type PaymentCodeIssuer = RelayDestination & {
  issue(userId: string): Promise<{ barcode: string; qr: string; expiresAt: string }>;
};

export function createPaymentCodeIssuer(db: Db, options: { ttlSeconds?: number; slowAmountEnding?: { minor: number; delayMs: number } } = {}): PaymentCodeIssuer {
  const ttl = options.ttlSeconds ?? 180;
  // Accounts this process opened already (opening is idempotent; this only saves the round trips).
  // Opened outside the payment's transaction, committed, before it: opening inside it made
  // concurrent payments wait on each other's new account rows (deadlocks under load).
  const opened = new Set<string>();
  const open = async (input: Parameters<typeof openAccount>[1]) => {
    if (opened.has(input.id)) return;
    await openAccount(db, input);
    opened.add(input.id);
  };

  async function account(tx: Queryable, userId: string): Promise<{ par: string; key_b64: string; atc: number }> {
    const par = Array.from({ length: 29 }, () => PAR_ALPHABET[randomInt(PAR_ALPHABET.length)]).join('');
    await tx.query('INSERT INTO relay_issuer_accounts (user_id, par, key_b64) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING', [userId, par, randomBytes(32).toString('base64')]);
    const { rows } = await tx.query<{ par: string; key_b64: string; atc: number }>('UPDATE relay_issuer_accounts SET atc = atc + 1 WHERE user_id = $1 RETURNING par, key_b64, atc', [userId]);
    return rows[0]!;
  }

  async function lockReference(tx: Queryable, reference: string) {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relay-dest:${ID}:${reference}`]);
    const { rows } = await tx.query<any>(`SELECT ${RECORD_COLUMNS} FROM relay_destination_records WHERE destination = $1 AND reference = $2`, [ID, reference]);
    return rows[0];
  }

  async function record(tx: Queryable, reference: string, r: { status: string; reason?: string; userId?: string; amount?: number; currency?: string }): Promise<DestinationRecord> {
    const { rows } = await tx.query<any>(
      `INSERT INTO relay_destination_records (destination, reference, status, reason, user_id, amount, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (destination, reference) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, updated_at = now()
       RETURNING ${RECORD_COLUMNS}`,
      [ID, reference, r.status, r.reason ?? null, r.userId ?? null, r.amount ?? null, r.currency ?? null],
    );
    return recordOf(reference, rows[0]);
  }

  const strip = (r: DestinationRecord) => r;

  return {
    id: ID,
    takes: 'payment-code',
    async issue(userId) {
      return db.transaction(async (tx) => {
        const acct = await account(tx, userId);
        const barcode = relay.makePaymentBarcode(SANDBOX_ISSUER, String(randomInt(1e8)).padStart(8, '0') + String(randomInt(1e8)).padStart(8, '0'));
        const qr = relay.makeCpmQr({ aid: SANDBOX_AID, par: acct.par, atc: acct.atc, cryptogram: cryptogramOf(acct.key_b64, acct.par, acct.atc) });
        const expiresAt = new Date(Date.now() + ttl * 1000);
        for (const [code, format] of [
          [barcode, 'payment-barcode'],
          [qr, 'cpm-qr'],
        ] as const) {
          await tx.query('INSERT INTO relay_issued_codes (code_key, user_id, format, expires_at) VALUES ($1, $2, $3, $4)', [codeKeyOf(code), userId, format, expiresAt]);
        }
        return { barcode, qr, expiresAt: expiresAt.toISOString() };
      });
    },
    async submit({ reference, code, operation, amount, siteId }) {
      const slow = options.slowAmountEnding;
      const payer = (await db.query<{ user_id: string }>('SELECT user_id FROM relay_issued_codes WHERE code_key = $1', [codeKeyOf(code)])).rows[0]?.user_id;
      if (payer) {
        await open({ id: `buyer_funding:${payer}:KRW`, kind: 'buyer_funding', currency: 'KRW', owner: payer });
        await open({ id: `merchant_payable:${siteId}:KRW`, kind: 'merchant_payable', currency: 'KRW', owner: siteId, rule: 'debits_must_not_exceed_credits' });
      }
      return retryOnDeadlock(() =>
        db.transaction(async (tx) => {
          const existing = await lockReference(tx, reference);
          if (existing) return strip(recordOf(reference, existing));
          // A sandbox "destination that does not answer in time", like the acquirer's magic amounts.
          if (slow && amount && amount.amount % 100 === slow.minor) await new Promise((r) => setTimeout(r, slow.delayMs));
          if (operation !== 'pay' || !amount || amount.amount <= 0 || amount.currency !== 'KRW') return record(tx, reference, { status: 'declined', reason: 'invalid-amount' });
          const key = codeKeyOf(code);
          const { rows } = await tx.query<{ user_id: string; format: string; expires_at: Date; consumed_by: string | null }>(
            'SELECT user_id, format, expires_at, consumed_by FROM relay_issued_codes WHERE code_key = $1 FOR UPDATE',
            [key],
          );
          const issued = rows[0];
          if (!issued) return record(tx, reference, { status: 'declined', reason: 'unknown-code' });
          if (issued.consumed_by) return record(tx, reference, { status: 'declined', reason: 'consumed', userId: issued.user_id });
          if (new Date(issued.expires_at).getTime() <= Date.now()) return record(tx, reference, { status: 'declined', reason: 'expired', userId: issued.user_id });
          if (issued.format === 'cpm-qr') {
            const parsed = relay.checkCpmQr(code);
            const acct = (await tx.query<{ par: string; key_b64: string }>('SELECT par, key_b64 FROM relay_issuer_accounts WHERE user_id = $1', [issued.user_id])).rows[0];
            if (!parsed.ok || !acct || parsed.qr.par !== acct.par || parsed.qr.cryptogram !== relay.toHex(cryptogramOf(acct.key_b64, acct.par, parsed.qr.atc))) {
              return record(tx, reference, { status: 'declined', reason: 'bad-cryptogram', userId: issued.user_id });
            }
          }
          await tx.query('UPDATE relay_issued_codes SET consumed_by = $2, consumed_at = now() WHERE code_key = $1', [key, reference]);
          const buyer = `buyer_funding:${issued.user_id}:KRW`;
          const merchant = `merchant_payable:${siteId}:KRW`;
          const [t] = await createTransfers(tx, [
            { id: `relay:${reference}:pay`, debitAccountId: buyer, creditAccountId: merchant, amount: amount.amount, currency: 'KRW', code: 'relay-pay', reference: `relay:${reference}` },
          ]);
          if (!t?.ok) throw new Error(`relay payment transfer refused: ${t && !t.ok ? t.code : 'none'}`);
          return record(tx, reference, { status: 'approved', userId: issued.user_id, amount: amount.amount, currency: 'KRW' });
        }),
      );
    },
    async query(reference) {
      const { rows } = await db.query<any>(`SELECT ${RECORD_COLUMNS} FROM relay_destination_records WHERE destination = $1 AND reference = $2`, [ID, reference]);
      return recordOf(reference, rows[0]);
    },
    async reverse(reference, siteId) {
      return retryOnDeadlock(() =>
        db.transaction(async (tx) => {
          const existing = await lockReference(tx, reference);
          if (!existing) return record(tx, reference, { status: 'reversed', reason: 'not-received' });
          const current = recordOf(reference, existing);
          if (current.status !== 'approved') return current;
          const buyer = `buyer_funding:${current.userId}:KRW`;
          const merchant = `merchant_payable:${siteId}:KRW`;
          const [t] = await createTransfers(tx, [
            {
              id: `relay:${reference}:reverse`,
              debitAccountId: merchant,
              creditAccountId: buyer,
              amount: current.amount!.amount,
              currency: 'KRW',
              code: 'relay-reverse',
              reference: `relay:${reference}`,
            },
          ]);
          if (!t?.ok) throw new Error(`relay reversal transfer refused: ${t && !t.ok ? t.code : 'none'}`);
          // The code stays consumed: a reversed sale is paid again with a new code.
          const { rows } = await tx.query<any>(
            `UPDATE relay_destination_records SET status = 'reversed', reason = 'reversed', updated_at = now() WHERE destination = $1 AND reference = $2 RETURNING ${RECORD_COLUMNS}`,
            [ID, reference],
          );
          return recordOf(reference, rows[0]);
        }),
      );
    },
  };
}
