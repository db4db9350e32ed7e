/**
 * `credit-loans-match-transfers`: every loan's transfers in the money ledger
 * agree with the loan, and balance to the unit:
 *  - the hold: none for a declined loan, open while awaiting the buyer or
 *    authorised, voided when refused/voided/expired, posted in full once captured;
 *  - captured: payout + fee = the amount, exactly;
 *  - repayments add up to `paid`; refunds: merchant's part + fee's part =
 *    `refunded`, line part + buyer part = `refunded`, buyer part = `returned_to_buyer`;
 *  - what the buyer still owes on the line for the loan = amount - refunded -
 *    (paid - returned), and nothing for a repaid or refunded loan.
 */
import type { Queryable } from '../../db/index.ts';
import { registerLedgerInvariant } from '../../ledger/index.ts';

type Row = Record<string, string>;

export async function creditViolations(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<Row>(`
    SELECT l.id, l.state, l.amount::text, l.fee::text, l.paid::text, l.refunded::text, l.returned_to_buyer::text,
      (SELECT count(*) FROM ledger_transfers h WHERE h.id = 'credit:' || l.id || ':hold')::text AS holds,
      COALESCE((SELECT r.kind FROM ledger_transfers r WHERE r.pending_id = 'credit:' || l.id || ':hold'), 'open') AS hold_resolution,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_capture'), 0)::text AS captured,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_payout'), 0)::text AS payout,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_fee'), 0)::text AS fee_posted,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_repayment'), 0)::text AS repaid,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_refund_merchant'), 0)::text AS r_merchant,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_refund_fee'), 0)::text AS r_fee,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_refund_line'), 0)::text AS r_line,
      COALESCE(sum(t.amount) FILTER (WHERE t.code = 'credit_refund_buyer'), 0)::text AS r_buyer
    FROM credit_loans l LEFT JOIN ledger_transfers t ON t.reference = 'credit:' || l.id
    GROUP BY l.id`);
  const out: string[] = [];
  for (const r of rows) {
    const v = (k: string) => Number(r[k]);
    const say = (what: string) => out.push(`loan ${r.id} (${r.state}): ${what}`);
    const state = r.state!;
    if (state === 'declined') {
      if (v('holds') !== 0) say('a declined loan holds part of the limit');
      continue;
    }
    if (v('holds') !== 1) say("no hold on the buyer's line");
    if (['awaiting-buyer', 'authorised'].includes(state) && r.hold_resolution !== 'open') say(`the hold is ${r.hold_resolution}, expected open`);
    if (['refused', 'voided', 'expired'].includes(state) && r.hold_resolution !== 'void_pending') say(`the hold is ${r.hold_resolution}, expected voided`);
    const captured = ['captured', 'delivered', 'repaid', 'refunded'].includes(state);
    if (!captured) {
      if (v('payout') + v('fee_posted') + v('repaid') + v('r_merchant') + v('r_line') !== 0) say('money moved on a loan never captured');
      continue;
    }
    if (r.hold_resolution !== 'post_pending' || v('captured') !== v('amount')) say(`the hold is not posted in full (${r.hold_resolution}, ${v('captured')} of ${v('amount')})`);
    if (v('payout') + v('fee_posted') !== v('amount')) say(`payout ${v('payout')} + fee ${v('fee_posted')} is not the amount ${v('amount')}`);
    if (v('fee_posted') !== v('fee')) say(`fee posted ${v('fee_posted')}, loan says ${v('fee')}`);
    if (v('repaid') !== v('paid')) say(`repayments ${v('repaid')}, loan says paid ${v('paid')}`);
    if (v('r_merchant') + v('r_fee') !== v('refunded')) say(`merchant and fee refunds ${v('r_merchant')} + ${v('r_fee')} are not refunded ${v('refunded')}`);
    if (v('r_line') + v('r_buyer') !== v('refunded')) say(`line and buyer refunds ${v('r_line')} + ${v('r_buyer')} are not refunded ${v('refunded')}`);
    if (v('r_buyer') !== v('returned_to_buyer')) say(`refunded to the buyer ${v('r_buyer')}, loan says ${v('returned_to_buyer')}`);
    const owedOnLine = v('captured') - v('repaid') - v('r_line');
    const owed = v('amount') - v('refunded') - (v('paid') - v('returned_to_buyer'));
    if (owedOnLine !== owed) say(`the line says ${owedOnLine} owed, the loan ${owed}`);
    if (['repaid', 'refunded'].includes(state) && owedOnLine !== 0) say(`closed with ${owedOnLine} still owed on the line`);
  }
  return out;
}

let registered = false;
/** Registers the check once per process (every ledger check after it includes the credit loans). */
export function registerCreditInvariant(): void {
  if (registered) return;
  registered = true;
  registerLedgerInvariant({
    name: 'credit-loans-match-transfers',
    async check(db) {
      const exists = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'credit_loans' AND table_schema = current_schema()`);
      return exists.rows.length ? creditViolations(db) : [];
    },
  });
}
