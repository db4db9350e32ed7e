/**
 * What happens to a card after its authorisation: captured (the money moves
 * for good), released (closed unused, or its approval reversed: every hold
 * voided), refunded (a captured charge given back), closed (delivered). Each
 * takes the caller's transaction and is idempotent (settlement states are
 * changed by conditional UPDATEs; transfer ids are fixed).
 */
import { EdgePayError } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { createTransfers } from '../ledger/index.ts';
import type { TransferInput } from '../ledger/index.ts';
import { floatAccount, merchantAccount, transferIds } from './accounts.ts';

type Held = { id: string; amount: string; currency: string; merchant_id: string; settlement: string };

async function approvalOf(tx: Queryable, cardId: string): Promise<Held | undefined> {
  const { rows } = await tx.query<Held>("SELECT id, amount, currency, merchant_id, settlement FROM issuer_authorisations WHERE card_id = $1 AND decision = 'approved'", [cardId]);
  return rows[0];
}

async function run(tx: Queryable, transfers: TransferInput[]): Promise<void> {
  const results = await createTransfers(tx, transfers);
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw new EdgePayError(failed.code, failed.details);
}

/** Captures the card's approval: the orderer's hold and the merchant's hold are posted. Answers the approval code's authorisation id. */
export async function captureCard(tx: Queryable, cardId: string): Promise<{ authorisationId: string } | undefined> {
  const held = await approvalOf(tx, cardId);
  if (!held || (held.settlement !== 'held' && held.settlement !== 'captured')) return undefined;
  if (held.settlement === 'held') {
    await tx.query("UPDATE issuer_authorisations SET settlement = 'captured', settled_at = now() WHERE id = $1 AND settlement = 'held'", [held.id]);
    await run(tx, [
      { id: transferIds.fundPost(cardId), kind: 'post_pending', pendingId: transferIds.fund(cardId), amount: Number(held.amount), linked: true },
      { id: transferIds.authPost(held.id), kind: 'post_pending', pendingId: transferIds.auth(held.id) },
    ]);
  }
  return { authorisationId: held.id };
}

/** Closes the card unused or reverses its approval: no money stays held. */
export async function releaseCard(tx: Queryable, cardId: string, reason: string): Promise<void> {
  const { rows } = await tx.query<{ state: string }>(
    "UPDATE issuer_cards SET state = 'closed', close_reason = COALESCE(close_reason, $2), closed_at = COALESCE(closed_at, now()) WHERE id = $1 RETURNING state",
    [cardId, reason],
  );
  if (!rows[0]) return;
  const held = await approvalOf(tx, cardId);
  if (held?.settlement === 'captured' || held?.settlement === 'refunded') return;
  const voids: TransferInput[] = [];
  if (held?.settlement === 'held') {
    await tx.query("UPDATE issuer_authorisations SET settlement = 'reversed', settled_at = now() WHERE id = $1 AND settlement = 'held'", [held.id]);
    voids.push({ id: transferIds.authVoid(held.id), kind: 'void_pending', pendingId: transferIds.auth(held.id) });
  }
  voids.push({ id: transferIds.fundVoid(cardId), kind: 'void_pending', pendingId: transferIds.fund(cardId) });
  // A hold the ledger's sweeper voided already (past its timeout) is not pending any more: that is fine here.
  const results = await createTransfers(tx, voids);
  const failed = results.find((r) => !r.ok && r.code !== 'LEDGER_PENDING_NOT_FOUND' && r.code !== 'LEDGER_PENDING_ALREADY_RESOLVED' && r.code !== 'LEDGER_PENDING_EXPIRED');
  if (failed && !failed.ok) throw new EdgePayError(failed.code, failed.details);
}

/** Gives a captured charge back: the merchant returns it to the float, the float to the orderer. */
export async function refundCard(tx: Queryable, cardId: string, fundingAccount?: string): Promise<boolean> {
  const held = await approvalOf(tx, cardId);
  if (!held || held.settlement === 'held') {
    await releaseCard(tx, cardId, 'refunded');
    return held !== undefined;
  }
  if (held.settlement === 'captured') {
    const funding = fundingAccount ?? (await tx.query<{ funding_account: string }>('SELECT funding_account FROM issuer_cards WHERE id = $1', [cardId])).rows[0]!.funding_account;
    await tx.query("UPDATE issuer_authorisations SET settlement = 'refunded', settled_at = now() WHERE id = $1 AND settlement = 'captured'", [held.id]);
    const amount = Number(held.amount);
    await run(tx, [
      {
        id: transferIds.refundMerchant(held.id),
        debitAccountId: merchantAccount(held.merchant_id, held.currency),
        creditAccountId: floatAccount(held.currency),
        amount,
        currency: held.currency,
        code: 'refund',
        reference: `issuer-card:${cardId}`,
        linked: true,
      },
      {
        id: transferIds.refundFunding(held.id),
        debitAccountId: floatAccount(held.currency),
        creditAccountId: funding,
        amount,
        currency: held.currency,
        code: 'refund',
        reference: `issuer-card:${cardId}`,
      },
    ]);
  }
  await tx.query("UPDATE issuer_cards SET state = 'closed', close_reason = COALESCE(close_reason, 'refunded'), closed_at = COALESCE(closed_at, now()) WHERE id = $1", [cardId]);
  return true;
}

/** Closes the card for good (the goods were delivered). */
export async function closeCard(tx: Queryable, cardId: string, reason: string): Promise<void> {
  await tx.query("UPDATE issuer_cards SET state = 'closed', close_reason = COALESCE(close_reason, $2), closed_at = COALESCE(closed_at, now()) WHERE id = $1", [cardId, reason]);
}

/**
 * Cards past their life that never took an approval are closed and their
 * holds voided; approvals held longer than `holdSeconds` (nobody captured
 * them: the terminal never received the approval) are reversed.
 */
export async function sweepIssuer(db: Db, holdSeconds: number): Promise<number> {
  const { rows } = await db.query<{ id: string; reason: string }>(
    `SELECT id, 'expired' AS reason FROM issuer_cards WHERE state = 'open' AND expires_at <= now()
     UNION ALL
     SELECT card_id, 'reversed' FROM issuer_authorisations WHERE settlement = 'held' AND created_at <= now() - make_interval(secs => $1)
     LIMIT 200`,
    [holdSeconds],
  );
  for (const r of rows) await db.transaction((tx) => releaseCard(tx, r.id, r.reason));
  return rows.length;
}
