/**
 * The PG's loans: each step is one transaction that locks the loan row
 * (`FOR UPDATE`), checks the state machine (core), posts the step's ledger
 * transfers as one linked chain, and writes the new state; so two steps on
 * one loan through two server processes run one after the other, and a step
 * retried after a crash finds its transfers (ids derived from the loan) and
 * its state already there.
 *
 * Money per loan (reference `credit:<loanId>`, accounts in accounts.ts):
 *  - approval (institution.ts): pending hold line -> institution (the
 *    buyer's account of it), the amount;
 *  - capture (shipped): the hold posted, then institution -> merchant (amount
 *    less fee) and institution -> fees (the fee): the merchant is paid at once;
 *  - void / expiry: the hold voided (the limit is free again);
 *  - instalment paid: buyer funding -> line;
 *  - refund R: merchant -> institution (R less its share of the fee), fees ->
 *    institution (that share), institution -> line (what the buyer no longer
 *    owes), institution -> buyer funding (what the buyer had paid beyond the
 *    new amount).
 */
import {
  EdgePayError,
  CREDIT_MESSAGE_TYPES,
  isPlanCount,
  merchantFee,
  nextLoanState,
  reduceFromLast,
  splitInstalments,
  uuidV7,
  boundedMoney,
  REFUNDABLE_STATES,
  type CreditApprovalRequest,
  type CreditDecision,
  type CreditOrderMessage,
  type LoanState,
  type MerchantLoanView,
} from '../../../core/index.ts';
import type { Queryable } from '../../db/index.ts';
import { cancelRequest, createPaymentRequest, getForRequester } from '../../payment-requests/index.ts';
import { accounts } from './accounts.ts';
import type { CreditContext, SealedOrder } from './context.ts';
import { sign, verify } from './signing.ts';
import { postChain } from './transfers.ts';

export type LoanRow = {
  id: string;
  merchant_id: string;
  merchant_name: string;
  order_ref: string;
  buyer_ref: string;
  sealed: string;
  amount: string;
  currency: string;
  instalments: number;
  state: LoanState;
  decline_reason: string | null;
  approval_number: string | null;
  fee: string;
  paid: string;
  refunded: string;
  returned_to_buyer: string;
  refund_count: number;
  request_id: string | null;
  expires_at: string | null;
  return_reported_at: string | null;
  created_at: string;
  delivered_at: string | null;
};

const COLUMNS = `id, merchant_id, merchant_name, order_ref, buyer_ref, sealed, amount::text, currency, instalments, state, decline_reason,
  approval_number, fee::text, paid::text, refunded::text, returned_to_buyer::text, refund_count, request_id,
  to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at,
  to_char(return_reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS return_reported_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
  to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS delivered_at`;

export const n = (v: string | number) => Number(v);
const ref = (loanId: string) => `credit:${loanId}`;

export function merchantView(row: LoanRow): MerchantLoanView {
  const captured = ['captured', 'delivered', 'repaid', 'refunded'].includes(row.state);
  return {
    id: row.id,
    orderRef: row.order_ref,
    state: row.state,
    declineReason: (row.decline_reason as MerchantLoanView['declineReason']) ?? null,
    approvalNumber: row.approval_number,
    amount: n(row.amount),
    currency: row.currency,
    instalments: row.instalments,
    fee: captured ? n(row.fee) : 0,
    payout: captured ? n(row.amount) - n(row.fee) : 0,
    refunded: n(row.refunded),
    returnPending: row.return_reported_at !== null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    paymentRequestId: row.request_id,
  };
}

export async function readLoan(q: Queryable, id: string, lock = false): Promise<LoanRow | undefined> {
  const { rows } = await q.query<LoanRow>(`SELECT ${COLUMNS} FROM credit_loans WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function loanOfMerchant(q: Queryable, merchantId: string, id: string, lock = false): Promise<LoanRow> {
  const row = await readLoan(q, id, lock);
  if (!row || row.merchant_id !== merchantId) throw new EdgePayError('CREDIT_LOAN_NOT_FOUND');
  return row;
}

export async function loansOfBuyer(q: Queryable, buyerRef: string): Promise<LoanRow[]> {
  const { rows } = await q.query<LoanRow>(`SELECT ${COLUMNS} FROM credit_loans WHERE buyer_ref = $1 AND state <> 'declined' ORDER BY created_at DESC, id DESC LIMIT 100`, [buyerRef]);
  return rows;
}

function checkOrder(order: CreditOrderMessage): void {
  const o = order as Record<string, unknown>;
  const text = (v: unknown, max: number) => typeof v === 'string' && v.length >= 1 && v.length <= max;
  const bad = (reason: string) => new EdgePayError('REQUEST_INVALID', { reason });
  if (!text(o.orderRef, 100)) throw bad('orderRef: text of 1..100');
  const b = o.buyer as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object' || Object.keys(b).length !== 1 || !(text(b.userId, 100) || text(b.phone, 30))) throw bad('buyer: {userId} or {phone}');
  if (!Array.isArray(o.items) || o.items.length < 1 || o.items.length > 50) throw bad('items: 1..50');
  for (const it of o.items as Record<string, unknown>[]) {
    if (!it || !text(it.name, 200) || !Number.isInteger(it.quantity) || (it.quantity as number) < 1) throw bad('items: {name, quantity, amount}');
    boundedMoney(it.amount as number, order.currency);
  }
  const d = o.delivery as Record<string, unknown> | undefined;
  if (!d || !text(d.name, 200) || !text(d.address, 500)) throw bad('delivery: {name, address}');
  const amount = boundedMoney(order.amount, order.currency);
  if (amount.amount <= 0) throw new EdgePayError('MONEY_INVALID_AMOUNT', { amount: String(order.amount) });
  const sum = order.items.reduce((a, it) => a + it.amount, 0);
  if (sum !== order.amount) throw bad('the items do not add up to the amount');
  if (!isPlanCount(order.instalments)) throw new EdgePayError('CREDIT_PLAN_UNSUPPORTED', { instalments: String(order.instalments) });
}

/**
 * A merchant's order: the institution decides within the buyer's limit; an
 * approved loan asks the buyer to confirm it on the phone (a request to pay).
 */
export async function placeOrder(ctx: CreditContext, merchant: { merchantId: string; name: string }, order: CreditOrderMessage): Promise<{ loan: MerchantLoanView; decision: string }> {
  checkOrder(order);
  const loanId = uuidV7();
  const buyerUserId = 'userId' in order.buyer ? order.buyer.userId : await ctx.userByPhone(order.buyer.phone);
  if (!buyerUserId) throw new EdgePayError('CREDIT_BUYER_UNKNOWN');
  const buyerRef = ctx.sealer.buyerRef(buyerUserId);
  const sealed: SealedOrder = { buyerUserId, items: order.items, delivery: order.delivery };
  const request = await sign(ctx.pgKey, CREDIT_MESSAGE_TYPES.approvalRequest, {
    loanId,
    buyerRef,
    amount: order.amount,
    currency: order.currency,
    instalments: order.instalments,
    iat: Math.floor(Date.now() / 1000),
  } satisfies CreditApprovalRequest);
  await ctx.open.shared(order.currency);
  const { row, decisionJws } = await ctx.db.transaction(async (tx) => {
    const decisionJws = await ctx.institution.decide(tx, request);
    const decision = await verify<CreditDecision>(decisionJws, ctx.institution.decisionKey, CREDIT_MESSAGE_TYPES.decision);
    if (decision.loanId !== loanId) throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'the decision names another loan' });
    const approved = decision.decision === 'approved';
    if (approved && (decision.amount !== order.amount || decision.currency !== order.currency)) {
      throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'the decision is for another amount' });
    }
    const { rows } = await tx.query<LoanRow>(
      `INSERT INTO credit_loans (id, merchant_id, merchant_name, order_ref, buyer_ref, sealed, amount, currency, instalments, state, decline_reason,
         approval_number, decision_jws, fee, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, CASE WHEN $10 = 'declined' THEN NULL ELSE now() + make_interval(secs => $15) END)
       RETURNING ${COLUMNS}`,
      [
        loanId,
        merchant.merchantId,
        merchant.name,
        order.orderRef,
        buyerRef,
        ctx.sealer.seal(loanId, sealed),
        order.amount,
        order.currency,
        order.instalments,
        approved ? 'awaiting-buyer' : 'declined',
        approved ? null : decision.reason,
        approved ? decision.approvalNumber : null,
        decisionJws,
        merchantFee(order.amount, ctx.settings.feeBasisPoints),
        ctx.settings.approvalTtlSeconds,
      ],
    );
    return { row: rows[0]!, decisionJws };
  });
  if (row.state !== 'awaiting-buyer') return { loan: merchantView(row), decision: decisionJws };
  // The buyer confirms on the phone. Made after the hold committed (the buyer's
  // line is not kept locked meanwhile); a loan whose request was never made is
  // released by the worker.
  const pr = await createPaymentRequest(
    ctx.db,
    { kind: 'merchant', id: merchant.merchantId },
    {
      to: { userId: buyerUserId },
      amount: order.amount,
      currency: order.currency,
      payee: { id: merchant.merchantId, name: merchant.name },
      items: order.items,
      place: 'Pay later',
      note: `Pay later: ${order.instalments} interest-free instalment${order.instalments === 1 ? '' : 's'} after delivery. Approval ${row.approval_number}.`,
      ttlSeconds: ctx.settings.confirmTtlSeconds,
    },
    ctx.usersAtUnit,
  );
  const { rows } = await ctx.db.query<LoanRow>(`UPDATE credit_loans SET request_id = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [loanId, pr.id]);
  return { loan: merchantView(rows[0]!), decision: decisionJws };
}

/** Releases a hold: void the pending transfer unless the ledger's sweeper already did. */
async function releaseHold(tx: Queryable, loanId: string, code: string): Promise<void> {
  const { rows } = await tx.query('SELECT 1 FROM ledger_transfers WHERE pending_id = $1', [`credit:${loanId}:hold`]);
  if (rows.length > 0) return;
  await postChain(tx, [{ id: `credit:${loanId}:${code}`, kind: 'void_pending', pendingId: `credit:${loanId}:hold`, code: `credit_${code}`, reference: ref(loanId) }]);
}

/**
 * Follows the buyer's answer to an awaiting loan's request to pay: approved,
 * the loan is authorised; declined, expired or cancelled, the hold is released.
 * Safe to call from anywhere, any number of times, in any process.
 */
export async function followBuyerAnswer(ctx: CreditContext, loanId: string): Promise<void> {
  const row = await readLoan(ctx.db, loanId);
  if (!row || row.state !== 'awaiting-buyer') return;
  let answer: string;
  if (row.request_id) {
    answer = (await getForRequester(ctx.db, { kind: 'merchant', id: row.merchant_id }, row.request_id)).state;
  } else {
    // The request was never made (the process died in between): give up after a minute.
    const age = (Date.now() - Date.parse(row.created_at)) / 1000;
    if (age < 60) return;
    answer = 'expired';
  }
  if (answer === 'pending') return;
  await ctx.db.transaction(async (tx) => {
    const locked = await readLoan(tx, loanId, true);
    if (!locked || locked.state !== 'awaiting-buyer') return;
    if (answer === 'approved') {
      await tx.query(`UPDATE credit_loans SET state = $2, updated_at = now() WHERE id = $1`, [loanId, nextLoanState(locked.state, 'buyer-confirmed')]);
    } else {
      await releaseHold(tx, loanId, 'release');
      await tx.query(`UPDATE credit_loans SET state = $2, updated_at = now() WHERE id = $1`, [loanId, nextLoanState(locked.state, 'buyer-refused')]);
    }
  });
}

/** The merchant shipped: the hold is posted and the merchant paid at once, less the fee. */
export async function capture(ctx: CreditContext, merchantId: string, loanId: string): Promise<MerchantLoanView> {
  await followBuyerAnswer(ctx, loanId);
  const pre = await loanOfMerchant(ctx.db, merchantId, loanId);
  await ctx.open.merchant(merchantId, pre.currency);
  return ctx.db.transaction(async (tx) => {
    const row = await loanOfMerchant(tx, merchantId, loanId, true);
    if (row.state === 'authorised' && row.expires_at && Date.parse(row.expires_at) <= Date.now()) {
      throw new EdgePayError('CREDIT_LOAN_STATE', { state: 'expired', action: 'capture' });
    }
    const next = nextLoanState(row.state, 'capture');
    const cur = row.currency;
    const amount = n(row.amount);
    const fee = n(row.fee);
    await postChain(tx, [
      { id: `credit:${loanId}:capture`, kind: 'post_pending', pendingId: `credit:${loanId}:hold`, code: 'credit_capture', reference: ref(loanId) },
      {
        id: `credit:${loanId}:payout`,
        debitAccountId: accounts.institution(row.buyer_ref, cur),
        creditAccountId: accounts.merchant(merchantId, cur),
        amount: amount - fee,
        currency: cur,
        code: 'credit_payout',
        reference: ref(loanId),
      },
      {
        id: `credit:${loanId}:fee`,
        debitAccountId: accounts.institution(row.buyer_ref, cur),
        creditAccountId: accounts.fees(cur),
        amount: fee,
        currency: cur,
        code: 'credit_fee',
        reference: ref(loanId),
      },
    ]);
    const { rows } = await tx.query<LoanRow>(`UPDATE credit_loans SET state = $2, captured_at = now(), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [loanId, next]);
    return merchantView(rows[0]!);
  });
}

/** Cancel before shipment: the hold is voided (and an unanswered request to pay withdrawn). */
export async function cancel(ctx: CreditContext, merchantId: string, loanId: string): Promise<MerchantLoanView> {
  await followBuyerAnswer(ctx, loanId);
  const view = await ctx.db.transaction(async (tx) => {
    const row = await loanOfMerchant(tx, merchantId, loanId, true);
    const next = nextLoanState(row.state, 'cancel');
    await releaseHold(tx, loanId, 'void');
    const { rows } = await tx.query<LoanRow>(`UPDATE credit_loans SET state = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [loanId, next]);
    return rows[0]!;
  });
  if (view.request_id) await cancelRequest(ctx.db, { kind: 'merchant', id: merchantId }, view.request_id).catch(() => undefined);
  return merchantView(view);
}

/** A return is reported: the buyer's dues on the loan pause until a refund settles it. */
export async function reportReturn(ctx: CreditContext, merchantId: string, loanId: string): Promise<MerchantLoanView> {
  return ctx.db.transaction(async (tx) => {
    const row = await loanOfMerchant(tx, merchantId, loanId, true);
    if (row.state !== 'captured' && row.state !== 'delivered') throw new EdgePayError('CREDIT_LOAN_STATE', { state: row.state, action: 'return' });
    const { rows } = await tx.query<LoanRow>(`UPDATE credit_loans SET return_reported_at = COALESCE(return_reported_at, now()), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [loanId]);
    return merchantView(rows[0]!);
  });
}

/** The fee's share of `part` of the loan, rounded (exact in BigInt: the whole fee for the whole amount). */
const feeShare = (fee: number, part: number, amount: number) => Number((BigInt(fee) * BigInt(part) * 2n + BigInt(amount)) / (2n * BigInt(amount)));

/**
 * A refund of `amount` (a return, whole or part): the merchant gives back the
 * payout's part and the fee its part, the buyer owes that much less, and what
 * the buyer had paid beyond the new amount goes back to them. Settles a
 * reported return (the dues resume, their dates moved by the pause).
 */
export async function refund(ctx: CreditContext, merchantId: string, loanId: string, amount: number): Promise<MerchantLoanView> {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new EdgePayError('MONEY_INVALID_AMOUNT', { amount: String(amount) });
  return ctx.db.transaction(async (tx) => {
    const row = await loanOfMerchant(tx, merchantId, loanId, true);
    boundedMoney(amount, row.currency);
    if (!REFUNDABLE_STATES.includes(row.state)) throw new EdgePayError('CREDIT_LOAN_STATE', { state: row.state, action: 'refund' });
    const total = n(row.amount);
    const before = n(row.refunded);
    if (amount > total - before) throw new EdgePayError('CREDIT_REFUND_TOO_LARGE');
    const after = before + amount;
    const netPaid = n(row.paid) - n(row.returned_to_buyer);
    const principal = total - after;
    const toBuyer = Math.max(0, netPaid - principal);
    const feeBack = feeShare(n(row.fee), after, total) - feeShare(n(row.fee), before, total);
    const cur = row.currency;
    const k = row.refund_count + 1;
    await postChain(tx, [
      {
        id: `credit:${loanId}:refund:${k}:merchant`,
        debitAccountId: accounts.merchant(merchantId, cur),
        creditAccountId: accounts.institution(row.buyer_ref, cur),
        amount: amount - feeBack,
        currency: cur,
        code: 'credit_refund_merchant',
        reference: ref(loanId),
      },
      {
        id: `credit:${loanId}:refund:${k}:fee`,
        debitAccountId: accounts.fees(cur),
        creditAccountId: accounts.institution(row.buyer_ref, cur),
        amount: feeBack,
        currency: cur,
        code: 'credit_refund_fee',
        reference: ref(loanId),
      },
      {
        id: `credit:${loanId}:refund:${k}:line`,
        debitAccountId: accounts.institution(row.buyer_ref, cur),
        creditAccountId: accounts.line(row.buyer_ref, cur),
        amount: amount - toBuyer,
        currency: cur,
        code: 'credit_refund_line',
        reference: ref(loanId),
      },
      {
        id: `credit:${loanId}:refund:${k}:buyer`,
        debitAccountId: accounts.institution(row.buyer_ref, cur),
        creditAccountId: accounts.buyerFunding(row.buyer_ref, cur),
        amount: toBuyer,
        currency: cur,
        code: 'credit_refund_buyer',
        reference: ref(loanId),
      },
    ]);
    await tx.query('INSERT INTO credit_refunds (loan_id, n, amount, to_buyer) VALUES ($1, $2, $3, $4)', [loanId, k, amount, toBuyer]);
    // A settled return: the unpaid dues move by the time they were paused.
    if (row.return_reported_at) {
      await tx.query(`UPDATE credit_instalments SET due_at = due_at + (now() - $2::timestamptz) WHERE loan_id = $1 AND state IN ('due', 'late')`, [loanId, row.return_reported_at]);
    }
    // The plan shrinks from its last instalment.
    const { rows: unpaid } = await tx.query<{ seq: number; amount: string }>(`SELECT seq, amount::text FROM credit_instalments WHERE loan_id = $1 AND state IN ('due', 'late') ORDER BY seq`, [loanId]);
    const reduced = reduceFromLast(
      unpaid.map((u) => n(u.amount)),
      principal - (netPaid - toBuyer),
    );
    for (const [i, u] of unpaid.entries()) {
      if (reduced[i] === n(u.amount)) continue;
      await tx.query(`UPDATE credit_instalments SET amount = $3, state = CASE WHEN $3::bigint = 0 THEN 'cancelled' ELSE state END WHERE loan_id = $1 AND seq = $2`, [loanId, u.seq, reduced[i]]);
    }
    const remaining = reduced.reduce((a, b) => a + b, 0);
    let next: LoanState = row.state;
    if (after === total) next = nextLoanState(row.state, 'refund-all');
    else if (row.state === 'delivered' && remaining === 0) next = nextLoanState(row.state, 'paid-off');
    const { rows } = await tx.query<LoanRow>(
      `UPDATE credit_loans SET refunded = $2, returned_to_buyer = returned_to_buyer + $3, refund_count = $4, state = $5,
         return_reported_at = NULL, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [loanId, after, toBuyer, k, next],
    );
    return merchantView(rows[0]!);
  });
}

/** An authorisation not captured in time lapses: the hold is released (unless the ledger's sweeper already did). */
export async function expireLoan(ctx: CreditContext, loanId: string): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const row = await readLoan(tx, loanId, true);
    if (!row || row.state !== 'authorised' || !row.expires_at || Date.parse(row.expires_at) > Date.now()) return false;
    await releaseHold(tx, loanId, 'expire');
    await tx.query(`UPDATE credit_loans SET state = $2, updated_at = now() WHERE id = $1`, [loanId, nextLoanState(row.state, 'expire')]);
    return true;
  });
}
