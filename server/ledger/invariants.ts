/**
 * The ledger's invariant check, run by the tests after every money test and
 * by `npm run ledger:check`:
 *  1. for each currency, debits equal credits (posted, and pending);
 *  2. each account's totals equal what its transfers add up to;
 *  3. each account keeps its balance rule;
 *  4. no pending transfer is past its timeout (beyond `graceSeconds`, the
 *     sweeper's interval) without being posted or voided;
 *  5. the checks other contexts register (registerLedgerInvariant), such as
 *     "every payment's transfers match its state" from the payments context.
 * Each answers human-readable violations; an empty list is a healthy ledger.
 */
import { EdgePayError } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';

export type LedgerInvariant = {
  name: string;
  /** Answers the violations found (empty when all is well). */
  check(db: Queryable, options: { graceSeconds: number }): Promise<string[]>;
};

export type InvariantReport = { ok: boolean; violations: { invariant: string; message: string }[]; checked: string[] };

const registered: LedgerInvariant[] = [];

/**
 * Adds a check to every later checkLedgerInvariants call (the extension point
 * for other contexts). Answers a function that removes it again.
 */
export function registerLedgerInvariant(invariant: LedgerInvariant): () => void {
  if (registered.some((r) => r.name === invariant.name)) throw new Error(`ledger invariant '${invariant.name}' is already registered`);
  registered.push(invariant);
  return () => {
    const i = registered.indexOf(invariant);
    if (i >= 0) registered.splice(i, 1);
  };
}

const currenciesBalance: LedgerInvariant = {
  name: 'debits-equal-credits',
  async check(db) {
    const { rows } = await db.query(`
      SELECT currency, sum(debits_posted)::text AS dp, sum(credits_posted)::text AS cp,
             sum(debits_pending)::text AS dpe, sum(credits_pending)::text AS cpe
      FROM ledger_accounts GROUP BY currency
      HAVING sum(debits_posted) <> sum(credits_posted) OR sum(debits_pending) <> sum(credits_pending)
      ORDER BY currency`);
    return rows.map((r) => `${r['currency']}: debits posted ${r['dp']} vs credits posted ${r['cp']}, debits pending ${r['dpe']} vs credits pending ${r['cpe']}`);
  },
};

// What the transfers add up to, per account: posted from posted and
// post_pending rows; pending from pending rows nobody resolved.
const totalsMatchTransfers: LedgerInvariant = {
  name: 'totals-equal-transfers',
  async check(db) {
    const { rows } = await db.query(`
      WITH t AS (
        SELECT t.*, (t.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)) AS open_pending
        FROM ledger_transfers t
      ), effects AS (
        SELECT debit_account_id AS account_id,
               CASE WHEN kind IN ('posted', 'post_pending') THEN amount ELSE 0 END AS dpost,
               CASE WHEN open_pending THEN amount ELSE 0 END AS dpend, 0::bigint AS cpost, 0::bigint AS cpend
        FROM t
        UNION ALL
        SELECT credit_account_id, 0, 0,
               CASE WHEN kind IN ('posted', 'post_pending') THEN amount ELSE 0 END,
               CASE WHEN open_pending THEN amount ELSE 0 END
        FROM t
      ), sums AS (
        SELECT account_id, sum(dpost) AS dpost, sum(dpend) AS dpend, sum(cpost) AS cpost, sum(cpend) AS cpend
        FROM effects GROUP BY account_id
      )
      SELECT coalesce(a.id, s.account_id) AS id,
             a.debits_posted::text AS a_dpost, coalesce(s.dpost, 0)::text AS s_dpost,
             a.debits_pending::text AS a_dpend, coalesce(s.dpend, 0)::text AS s_dpend,
             a.credits_posted::text AS a_cpost, coalesce(s.cpost, 0)::text AS s_cpost,
             a.credits_pending::text AS a_cpend, coalesce(s.cpend, 0)::text AS s_cpend
      FROM ledger_accounts a FULL OUTER JOIN sums s ON s.account_id = a.id
      WHERE a.id IS NULL
         OR a.debits_posted <> coalesce(s.dpost, 0) OR a.debits_pending <> coalesce(s.dpend, 0)
         OR a.credits_posted <> coalesce(s.cpost, 0) OR a.credits_pending <> coalesce(s.cpend, 0)
      ORDER BY 1`);
    return rows.map((r) =>
      r['a_dpost'] == null
        ? `transfers name account ${r['id']}, which does not exist`
        : `account ${r['id']}: totals (debits posted ${r['a_dpost']}, pending ${r['a_dpend']}; credits posted ${r['a_cpost']}, pending ${r['a_cpend']}) ` +
          `but its transfers add up to (debits posted ${r['s_dpost']}, pending ${r['s_dpend']}; credits posted ${r['s_cpost']}, pending ${r['s_cpend']})`,
    );
  },
};

const balanceRules: LedgerInvariant = {
  name: 'balance-rules',
  async check(db) {
    const { rows } = await db.query(`
      SELECT id FROM ledger_accounts
      WHERE NOT ledger_balance_ok(debits_must_not_exceed_credits, credits_must_not_exceed_debits, limit_amount,
                                  debits_pending, debits_posted, credits_pending, credits_posted)
      ORDER BY id`);
    return rows.map((r) => `account ${r['id']} breaks its balance rule`);
  },
};

const noStalePending: LedgerInvariant = {
  name: 'no-pending-past-timeout',
  async check(db, { graceSeconds }) {
    const { rows } = await db.query(
      `SELECT t.id, t.expires_at FROM ledger_transfers t
       WHERE t.kind = 'pending' AND t.expires_at < now() - make_interval(secs => $1)
         AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)
       ORDER BY t.expires_at LIMIT 100`,
      [graceSeconds],
    );
    return rows.map((r) => `pending transfer ${r['id']} timed out at ${r['expires_at'] instanceof Date ? r['expires_at'].toISOString() : String(r['expires_at'])} and is still pending`);
  },
};

const builtIn: readonly LedgerInvariant[] = [currenciesBalance, totalsMatchTransfers, balanceRules, noStalePending];

/**
 * Runs every invariant (built-in, registered, and `extra`) on one snapshot
 * (REPEATABLE READ, read only, when `db` can open a transaction) so that a
 * transfer committed in between cannot look like a violation.
 */
export async function checkLedgerInvariants(
  db: Queryable & { transaction?: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> },
  options: { graceSeconds?: number; extra?: readonly LedgerInvariant[] } = {},
): Promise<InvariantReport> {
  const graceSeconds = options.graceSeconds ?? 0;
  const all = [...builtIn, ...registered, ...(options.extra ?? [])];
  const run = async (q: Queryable): Promise<InvariantReport> => {
    const violations: InvariantReport['violations'] = [];
    for (const inv of all) {
      for (const message of await inv.check(q, { graceSeconds })) violations.push({ invariant: inv.name, message });
    }
    return { ok: violations.length === 0, violations, checked: all.map((i) => i.name) };
  };
  if (!db.transaction) return run(db);
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return run(tx);
  });
}

/** Throws LEDGER_INVARIANT_VIOLATED with the violations when the check fails (for tests and startup). */
export async function assertLedgerInvariants(db: Parameters<typeof checkLedgerInvariants>[0], options?: Parameters<typeof checkLedgerInvariants>[1]): Promise<void> {
  const report = await checkLedgerInvariants(db, options);
  if (!report.ok) {
    throw new EdgePayError('LEDGER_INVARIANT_VIOLATED', { violations: report.violations.map((v) => `[${v.invariant}] ${v.message}`).join('; ') });
  }
}
