/**
 * Issuing a single-use virtual card: a fresh card number (sandbox BIN,
 * Luhn-valid), locked to an amount, a currency and a merchant, living a few
 * minutes. Its details leave only sealed to the card terminal's key; the
 * issuer keeps HMACs of them, never the number. The orderer's money is held
 * (a pending ledger transfer from their funding account to the issuer float)
 * in the caller's transaction, so the card, the hold and the caller's record
 * commit together.
 */
import { randomInt } from 'node:crypto';
import { CARD_BOX_INFO, uuidV7, type CardSecret, type SealedCard } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { createTransfers } from '../ledger/index.ts';
import { floatAccount, openCardAccounts, transferIds } from './accounts.ts';
import { issuerKeys, terminalKey } from './keys.ts';
import { sealTo } from './sealing.ts';

/** The sandbox issuer's BIN (a range no real issuer uses in tests here). */
export const SANDBOX_BIN = '499988';

export type IssueCardInput = {
  /** The caller's object (e.g. `elevator:<deliveryId>`): one card per reference. */
  reference: string;
  amount: number;
  currency: string;
  merchantId: string;
  terminalId: string;
  lifeSeconds: number;
  /** Whose money funds the card: a ledger account (opened if new) and its owner. */
  funding: { accountId: string; owner: string };
};

function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function newSecret(expiresAt: Date): CardSecret {
  let body = SANDBOX_BIN;
  while (body.length < 15) body += String(randomInt(0, 10));
  const mm = String(expiresAt.getUTCMonth() + 1).padStart(2, '0');
  const yy = String(expiresAt.getUTCFullYear() % 100).padStart(2, '0');
  return { pan: body + String(luhnDigit(body)), expiry: mm + yy, cvc: String(randomInt(0, 1000)).padStart(3, '0') };
}

export const secretText = (s: CardSecret) => `${s.pan}|${s.expiry}|${s.cvc}`;

/** Issues the card inside `tx`; the answer is the only place its details ever exist (sealed). */
export async function issueCard(db: Db, tx: Queryable, input: IssueCardInput): Promise<SealedCard> {
  const keys = await issuerKeys(db);
  const recipient = await terminalKey(tx, input.terminalId);
  const id = uuidV7();
  const expiresAt = new Date(Date.now() + input.lifeSeconds * 1000);
  const secret = newSecret(expiresAt);
  await tx.query(
    `INSERT INTO issuer_cards (id, number_mac, secret_mac, last4, amount, currency, merchant_id, terminal_id, funding_account, reference, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      keys.mac(secret.pan),
      keys.mac(secretText(secret)),
      secret.pan.slice(-4),
      input.amount,
      input.currency,
      input.merchantId,
      input.terminalId,
      input.funding.accountId,
      input.reference,
      expiresAt.toISOString(),
    ],
  );
  await openCardAccounts(tx, input.currency, input.merchantId, input.funding);
  // The orderer's money held for the card; voided by the ledger's sweeper if nobody settles it (a margin past the card's life).
  const [fund] = await createTransfers(tx, [
    {
      id: transferIds.fund(id),
      kind: 'pending',
      debitAccountId: input.funding.accountId,
      creditAccountId: floatAccount(input.currency),
      amount: input.amount,
      currency: input.currency,
      code: 'fund-card',
      reference: input.reference,
      timeoutSeconds: input.lifeSeconds + 600,
    },
  ]);
  if (!fund!.ok) throw new Error(`card funding refused: ${fund!.code}`);
  const box = sealTo(recipient, secret, CARD_BOX_INFO, id);
  return { cardId: id, last4: secret.pan.slice(-4), expiresAt: expiresAt.toISOString(), box };
}
