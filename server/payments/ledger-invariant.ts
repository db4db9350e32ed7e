/**
 * The ledger invariant of the payments context, `payments-match-transfers`:
 * every payment's transfers (ledger-postings.ts) are what its status says.
 *
 *   created, pending-approval, stored, forwarded, declined
 *                      no transfer at all (no money moved: an offline payment owes
 *                      nothing until the acquirer approves it)
 *   authorised         its authorisation pending for its amount and currency, not posted,
 *                      not voided except by the sweeper (lapsed: the payment follows to
 *                      expired on the authority's next pass), no refund
 *   voided             the authorisation, voided; nothing posted, no refund
 *   expired            nothing posted, no refund, any authorisation voided
 *   captured, partially-refunded, refunded
 *                      the authorisation posted for the payment's amount, and refund
 *                      transfers adding up to its refunded amount
 *
 * Registered when this module loads (the authority imports it), so every
 * checkLedgerInvariants of a process that takes payments runs it.
 */
import type { Queryable } from '../db/index.ts';
import { registerLedgerInvariant, type LedgerInvariant } from '../ledger/index.ts';

// Constants of this file, written into the SQL as literals (no input reaches them).
const list = (statuses: string[]) => statuses.map((s) => `'${s}'`).join(', ');
const NO_MONEY = list(['created', 'pending-approval', 'stored', 'forwarded', 'declined']);
const CAPTURED = list(['captured', 'partially-refunded', 'refunded']);

export const paymentsMatchTransfers: LedgerInvariant = {
  name: 'payments-match-transfers',
  async check(db: Queryable) {
    const { rows } = await db.query<Record<string, string | null>>(
      `WITH p AS (
         SELECT id, data->>'status' AS status, (data->>'amount')::bigint AS amount, data->>'currency' AS currency,
                coalesce((data->>'refundedAmount')::bigint, 0) AS refunded
         FROM documents WHERE collection = 'payments' AND NOT deleted
       ), x AS (
         SELECT p.*, a.id AS auth_id, a.amount AS auth_amount, a.currency AS auth_currency, a.kind AS auth_kind,
                (SELECT sum(r.amount) FROM ledger_transfers r WHERE r.pending_id = a.id AND r.kind = 'post_pending') AS posted,
                (SELECT min(r.id) FROM ledger_transfers r WHERE r.pending_id = a.id AND r.kind = 'void_pending') AS void_id,
                (SELECT coalesce(sum(r.amount), 0) FROM ledger_transfers r
                  WHERE r.reference = 'payment:' || p.id AND r.kind = 'posted' AND r.code = 'refund' AND r.currency = p.currency) AS refunds,
                (SELECT count(*) FROM ledger_transfers r WHERE r.reference = 'payment:' || p.id) AS transfers
         FROM p LEFT JOIN ledger_transfers a ON a.id = 'payment:' || p.id || ':authorise'
       )
       SELECT id, status, amount::text, refunded::text, auth_id, auth_amount::text, auth_kind, posted::text, void_id, refunds::text, transfers::text
       FROM x
       WHERE NOT CASE
         WHEN status IN (${NO_MONEY}) THEN transfers = 0 AND auth_id IS NULL
         WHEN status = 'authorised' THEN auth_kind = 'pending' AND auth_amount = amount AND auth_currency = currency
              AND posted IS NULL AND (void_id IS NULL OR void_id LIKE 'timeout:%') AND refunds = 0
         WHEN status = 'voided' THEN auth_kind = 'pending' AND auth_amount = amount AND auth_currency = currency
              AND posted IS NULL AND void_id IS NOT NULL AND refunds = 0
         WHEN status = 'expired' THEN posted IS NULL AND refunds = 0 AND (auth_id IS NULL OR void_id IS NOT NULL)
         WHEN status IN (${CAPTURED}) THEN auth_kind = 'pending' AND auth_currency = currency
              AND posted IS NOT NULL AND posted = amount AND refunds = refunded
         ELSE false
       END
       ORDER BY id LIMIT 100`,
    );
    return rows.map(
      (r) =>
        `payment ${r['id']} is ${r['status']} (amount ${r['amount']}, refunded ${r['refunded']}) but its transfers say: ` +
        (r['auth_id'] ? `authorisation ${r['auth_kind']} of ${r['auth_amount']}` : 'no authorisation') +
        `, posted ${r['posted'] ?? 'none'}, void ${r['void_id'] ?? 'none'}, refunds ${r['refunds']} (${r['transfers']} transfer(s) in all)`,
    );
  },
};

registerLedgerInvariant(paymentsMatchTransfers);
