/**
 * The sandbox membership service (destination `membership`): members by id
 * (`M` + program + member + check digit), reward points that accrue at 1 point
 * per 100 KRW of a sale and are redeemed whole. Points are ledger accounts
 * (currency code `PTS`: points are not money, but they move by the same
 * double-entry rules): `points:<memberId>` may never go below zero (the
 * database's balance rule), `points_issued:<program>` is where they come from.
 */
import { randomInt } from 'node:crypto';
import { relay } from '../../../../core/index.ts';
import type { Db, Queryable } from '../../../db/index.ts';
import { balances, createTransfers, openAccount } from '../../../ledger/index.ts';
import { retryOnDeadlock } from './payment-code-issuer.ts';
import { RECORD_COLUMNS, recordOf, type DestinationRecord, type RelayDestination } from './destination.ts';

const ID = 'membership';
export const SANDBOX_PROGRAM = { program: '01', name: 'EdgePay Points' } as const;
const POINTS = 'KRW';
const memberAccount = (memberId: string) => `points:${memberId}`;
const issuedAccount = (program: string) => `points_issued:${program}`;

export type MembershipService = RelayDestination & {
  memberOf(userId: string): Promise<{ memberId: string; programName: string; points: number }>;
};

export function createMembershipService(db: Db): MembershipService {
  async function openPoints(tx: Queryable, memberId: string, program: string) {
    await openAccount(tx, { id: issuedAccount(program), kind: 'points_issued', currency: POINTS, owner: program });
    await openAccount(tx, { id: memberAccount(memberId), kind: 'membership_points', currency: POINTS, owner: memberId, rule: 'debits_must_not_exceed_credits' });
  }
  const pointsOf = async (q: Queryable, memberId: string) => {
    const b = await balances(q, memberAccount(memberId));
    return b.creditsPosted - b.debitsPosted - b.debitsPending;
  };
  async function record(tx: Queryable, reference: string, r: { status: string; reason?: string; userId?: string; points?: number; balance?: number; amount?: relay.DestinationSubmit['amount'] }) {
    const { rows } = await tx.query<any>(
      `INSERT INTO relay_destination_records (destination, reference, status, reason, user_id, points, balance, amount, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (destination, reference) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, balance = EXCLUDED.balance, updated_at = now()
       RETURNING ${RECORD_COLUMNS}`,
      [ID, reference, r.status, r.reason ?? null, r.userId ?? null, r.points ?? null, r.balance ?? null, r.amount?.amount ?? null, r.amount?.currency ?? null],
    );
    return recordOf(reference, rows[0]);
  }
  async function lockReference(tx: Queryable, reference: string) {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`relay-dest:${ID}:${reference}`]);
    return (await tx.query<any>(`SELECT ${RECORD_COLUMNS} FROM relay_destination_records WHERE destination = $1 AND reference = $2`, [ID, reference])).rows[0];
  }

  return {
    id: ID,
    takes: 'membership',
    async memberOf(userId) {
      return db.transaction(async (tx) => {
        const candidate = relay.makeMembershipId(SANDBOX_PROGRAM.program, String(randomInt(1e7)).padStart(7, '0'));
        await tx.query('INSERT INTO relay_members (member_id, user_id, program, program_name) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, program) DO NOTHING', [
          candidate,
          userId,
          SANDBOX_PROGRAM.program,
          SANDBOX_PROGRAM.name,
        ]);
        const m = (
          await tx.query<{ member_id: string; program_name: string }>('SELECT member_id, program_name FROM relay_members WHERE user_id = $1 AND program = $2', [userId, SANDBOX_PROGRAM.program])
        ).rows[0]!;
        await openPoints(tx, m.member_id, SANDBOX_PROGRAM.program);
        return { memberId: m.member_id, programName: m.program_name, points: await pointsOf(tx, m.member_id) };
      });
    },
    async submit({ reference, code, operation, amount, points }) {
      return retryOnDeadlock(() =>
        db.transaction(async (tx) => {
          const existing = await lockReference(tx, reference);
          if (existing) return recordOf(reference, existing);
          const member = (await tx.query<{ user_id: string; program: string }>('SELECT user_id, program FROM relay_members WHERE member_id = $1', [code])).rows[0];
          if (!member) return record(tx, reference, { status: 'declined', reason: 'unknown-member' });
          await openPoints(tx, code, member.program);
          let move: number;
          if (operation === 'accrue') {
            if (!amount || amount.amount <= 0) return record(tx, reference, { status: 'declined', reason: 'invalid-amount', userId: member.user_id });
            move = Math.floor(amount.amount / 100);
          } else if (operation === 'redeem') {
            if (!points || points <= 0) return record(tx, reference, { status: 'declined', reason: 'invalid-points', userId: member.user_id });
            move = points;
          } else return record(tx, reference, { status: 'declined', reason: 'invalid-operation', userId: member.user_id });
          if (move > 0) {
            const [debit, credit] = operation === 'accrue' ? [issuedAccount(member.program), memberAccount(code)] : [memberAccount(code), issuedAccount(member.program)];
            const [t] = await createTransfers(tx, [
              { id: `relay:${reference}:${operation}`, debitAccountId: debit, creditAccountId: credit, amount: move, currency: POINTS, code: `relay-${operation}`, reference: `relay:${reference}` },
            ]);
            if (!t?.ok) {
              if (t && !t.ok && t.code === 'LEDGER_BALANCE_RULE') {
                return record(tx, reference, { status: 'declined', reason: 'insufficient-points', userId: member.user_id, balance: await pointsOf(tx, code) });
              }
              throw new Error('points transfer refused');
            }
          }
          return record(tx, reference, { status: 'approved', userId: member.user_id, points: move, balance: await pointsOf(tx, code), ...(amount ? { amount } : {}) });
        }),
      );
    },
    async query(reference) {
      const { rows } = await db.query<any>(`SELECT ${RECORD_COLUMNS} FROM relay_destination_records WHERE destination = $1 AND reference = $2`, [ID, reference]);
      return recordOf(reference, rows[0]);
    },
    async reverse(reference) {
      return db.transaction(async (tx) => {
        const existing = await lockReference(tx, reference);
        if (!existing) return record(tx, reference, { status: 'reversed', reason: 'not-received' });
        const current = recordOf(reference, existing);
        if (current.status !== 'approved' || !current.points) {
          if (current.status === 'approved') await tx.query(`UPDATE relay_destination_records SET status = 'reversed', reason = 'reversed' WHERE destination = $1 AND reference = $2`, [ID, reference]);
          return current.status === 'approved' ? { ...current, status: 'reversed' as const, reason: 'reversed' } : current;
        }
        const transfers = (
          await tx.query<{ debit_account_id: string; credit_account_id: string }>(
            'SELECT debit_account_id, credit_account_id FROM ledger_transfers WHERE reference = $1 AND currency = $2 ORDER BY created_at LIMIT 1',
            [`relay:${reference}`, POINTS],
          )
        ).rows[0];
        if (transfers) {
          const [t] = await createTransfers(tx, [
            {
              id: `relay:${reference}:reverse`,
              debitAccountId: transfers.credit_account_id,
              creditAccountId: transfers.debit_account_id,
              amount: current.points,
              currency: POINTS,
              code: 'relay-reverse',
              reference: `relay:${reference}`,
            },
          ]);
          // Accrued points already spent cannot be taken back: the accrual stands (reason says so).
          if (!t?.ok) return current;
        }
        const { rows } = await tx.query<any>(
          `UPDATE relay_destination_records SET status = 'reversed', reason = 'reversed', updated_at = now() WHERE destination = $1 AND reference = $2 RETURNING ${RECORD_COLUMNS}`,
          [ID, reference],
        );
        return recordOf(reference, rows[0]);
      });
    },
  };
}
