/**
 * The buyer's side, from the wallet: their credit line and loans (approvals,
 * plans, dues, payments, refunds), confirming delivery (the instalments
 * start) and paying an instalment. A buyer reaches only loans made out to
 * them (found by their pseudonym, so another buyer's loan reads as not found).
 */
import { EdgePayError, nextLoanState, splitInstalments, type BuyerCreditView, type BuyerLoanView, type InstalmentState } from '../../../core/index.ts';
import type { Queryable } from '../../db/index.ts';
import { getAccount } from '../../ledger/index.ts';
import { accounts } from './accounts.ts';
import type { CreditContext, SealedOrder } from './context.ts';
import { followBuyerAnswer, loansOfBuyer, n, readLoan, type LoanRow } from './loans.ts';
import { postChain } from './transfers.ts';

type InstalmentRow = { loan_id: string; seq: number; amount: string; due_at: string; state: InstalmentState; paid_at: string | null; was_late: boolean };

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

async function loanOfBuyer(q: Queryable, buyerRef: string, loanId: string, lock = false): Promise<LoanRow> {
  const row = await readLoan(q, loanId, lock);
  if (!row || row.buyer_ref !== buyerRef || row.state === 'declined') throw new EdgePayError('CREDIT_LOAN_NOT_FOUND');
  return row;
}

export async function buyerCredit(ctx: CreditContext, userId: string): Promise<BuyerCreditView> {
  const buyerRef = ctx.sealer.buyerRef(userId);
  const { rows: lines } = await ctx.db.query<{ currency: string; credit_limit: string }>('SELECT currency, credit_limit::text FROM credit_buyers WHERE buyer_ref = $1 ORDER BY currency', [buyerRef]);
  let rows = await loansOfBuyer(ctx.db, buyerRef);
  // An answer given a moment ago on this phone shows at once, not at the worker's next pass.
  if (rows.some((r) => r.state === 'awaiting-buyer')) {
    await Promise.all(rows.filter((r) => r.state === 'awaiting-buyer').map((r) => followBuyerAnswer(ctx, r.id)));
    rows = await loansOfBuyer(ctx.db, buyerRef);
  }
  const ids = rows.map((r) => r.id);
  const { rows: plan } = ids.length
    ? await ctx.db.query<InstalmentRow>(
        `SELECT loan_id, seq, amount::text, ${iso('due_at')} AS due_at, state, ${iso('paid_at')} AS paid_at, was_late
         FROM credit_instalments WHERE loan_id = ANY($1) ORDER BY loan_id, seq`,
        [ids],
      )
    : { rows: [] as InstalmentRow[] };
  const lineViews = await Promise.all(
    lines.map(async (l) => {
      const account = await getAccount(ctx.db, accounts.line(buyerRef, l.currency));
      const used = account ? account.debitsPending + account.debitsPosted - account.creditsPosted : 0;
      return { currency: l.currency, limit: n(l.credit_limit), available: n(l.credit_limit) - used };
    }),
  );
  return {
    line: lineViews[0] ?? null,
    lines: lineViews,
    loans: rows.map((r): BuyerLoanView => {
      const order = ctx.sealer.open<SealedOrder>(r.id, r.sealed);
      const mine = plan.filter((p) => p.loan_id === r.id);
      const principal = n(r.amount) - n(r.refunded);
      const netPaid = n(r.paid) - n(r.returned_to_buyer);
      const open = ['captured', 'delivered'].includes(r.state);
      return {
        id: r.id,
        merchantName: r.merchant_name,
        state: r.state,
        approvalNumber: r.approval_number,
        amount: n(r.amount),
        currency: r.currency,
        items: order.items,
        instalments: r.instalments,
        plan: mine.map((p) => ({ seq: p.seq, amount: n(p.amount), dueAt: p.due_at, state: p.state, paidAt: p.paid_at, wasLate: p.was_late })),
        paid: n(r.paid),
        refunded: n(r.refunded),
        outstanding: open ? Math.max(0, principal - netPaid) : 0,
        paused: r.return_reported_at !== null,
        createdAt: r.created_at,
        paymentRequestId: r.request_id,
      };
    }),
  };
}

/** The buyer has the goods: the plan's instalments are set, due every interval from now. */
export async function confirmDelivery(ctx: CreditContext, userId: string, loanId: string): Promise<void> {
  const buyerRef = ctx.sealer.buyerRef(userId);
  await ctx.db.transaction(async (tx) => {
    const row = await loanOfBuyer(tx, buyerRef, loanId, true);
    const next = nextLoanState(row.state, 'deliver');
    const owed = Math.max(0, n(row.amount) - n(row.refunded) - (n(row.paid) - n(row.returned_to_buyer)));
    const parts = splitInstalments(owed, row.instalments);
    for (const [i, amount] of parts.entries()) {
      await tx.query(`INSERT INTO credit_instalments (loan_id, seq, amount, due_at, state) VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)`, [
        loanId,
        i + 1,
        amount,
        ctx.settings.instalmentIntervalSeconds * (i + 1),
        amount === 0 ? 'cancelled' : 'due',
      ]);
    }
    await tx.query(`UPDATE credit_loans SET state = $2, delivered_at = now(), updated_at = now() WHERE id = $1`, [loanId, owed === 0 ? 'repaid' : next]);
  });
  ctx.nudge();
}

/** The buyer pays one instalment (due or late) from their funding account. */
export async function payInstalment(ctx: CreditContext, userId: string, loanId: string, seq: number): Promise<void> {
  const buyerRef = ctx.sealer.buyerRef(userId);
  await ctx.db.transaction(async (tx) => {
    const row = await loanOfBuyer(tx, buyerRef, loanId, true);
    if (row.state !== 'delivered') throw new EdgePayError('CREDIT_INSTALMENT_NOT_DUE');
    const { rows } = await tx.query<{ amount: string; state: InstalmentState }>('SELECT amount::text, state FROM credit_instalments WHERE loan_id = $1 AND seq = $2', [loanId, seq]);
    const inst = rows[0];
    if (!inst || (inst.state !== 'due' && inst.state !== 'late') || n(inst.amount) <= 0) throw new EdgePayError('CREDIT_INSTALMENT_NOT_DUE');
    const cur = row.currency;
    await postChain(tx, [
      {
        id: `credit:${loanId}:repay:${seq}`,
        debitAccountId: accounts.buyerFunding(buyerRef, cur),
        creditAccountId: accounts.line(buyerRef, cur),
        amount: n(inst.amount),
        currency: cur,
        code: 'credit_repayment',
        reference: `credit:${loanId}`,
      },
    ]);
    await tx.query(`UPDATE credit_instalments SET state = 'paid', paid_at = now() WHERE loan_id = $1 AND seq = $2`, [loanId, seq]);
    const { rows: left } = await tx.query(`SELECT 1 FROM credit_instalments WHERE loan_id = $1 AND state IN ('due', 'late') LIMIT 1`, [loanId]);
    await tx.query(`UPDATE credit_loans SET paid = paid + $2, state = $3, updated_at = now() WHERE id = $1`, [
      loanId,
      n(inst.amount),
      left.length === 0 ? nextLoanState(row.state, 'paid-off') : row.state,
    ]);
  });
}

/** Instalments past their due date turn late, except on loans whose return is being settled (paused). */
export async function markLate(q: Queryable): Promise<number> {
  const { rows } = await q.query(
    `UPDATE credit_instalments i SET state = 'late', was_late = true
     FROM credit_loans l
     WHERE i.loan_id = l.id AND i.state = 'due' AND i.due_at <= now() AND l.state = 'delivered' AND l.return_reported_at IS NULL
     RETURNING i.loan_id`,
  );
  return rows.length;
}
