/**
 * The demo's wallet: one building with a unit where two residents live, and
 * a shopper. Each has a default card (a sandbox token that approves) and the
 * payment password 123456, so a person can approve from a desktop browser
 * without a passkey. Running it again changes nothing.
 */
import { randomBytes } from 'node:crypto';
import type { DemoUserView } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { addPaymentMethod, listPaymentMethods } from './payment-methods.ts';
import { hasPaymentPassword, setPaymentPassword } from './payment-password.ts';
import { addMembership, ensureBuilding, findUserByPhone, insertUser } from './users.ts';

export const DEMO_BUILDING = { id: 'demo-tower', name: 'EdgePay Tower', units: ['1203', '1204', '801'] } as const;
export const DEMO_UNIT = '1203';
export const DEMO_PAYMENT_PASSWORD = '123456';
const PEOPLE = [
  { name: '김민지', phone: '+821012345678', role: 'resident', card: { bin: '411111', last4: '1111' } },
  { name: '이준호', phone: '+821023456789', role: 'resident', card: { bin: '555555', last4: '4444' } },
  { name: '박서연', phone: '+821034567890', role: 'shopper', card: { bin: '411111', last4: '1111' } },
] as const;

export type DemoWallet = { buildingId: string; buildingName: string; unit: string; users: DemoUserView[] };

export async function seedDemoWallet(db: Db): Promise<DemoWallet> {
  await ensureBuilding(db, DEMO_BUILDING.id, DEMO_BUILDING.name, [...DEMO_BUILDING.units]);
  const users: DemoUserView[] = [];
  for (const person of PEOPLE) {
    const user =
      (await findUserByPhone(db, person.phone)) ?? (await insertUser(db, { name: person.name, phone: person.phone, userHandle: randomBytes(32).toString('base64url'), demoRole: person.role }));
    if (person.role === 'resident') await addMembership(db, user.id, DEMO_BUILDING.id, DEMO_UNIT);
    if ((await listPaymentMethods(db, user.id)).length === 0) {
      // A token as the sandbox acquirer issues them (its record holds BIN and last 4 only).
      const token = `tok_test_approve_demo_${randomBytes(8).toString('hex')}`;
      await db.query('INSERT INTO sandbox_acquirer_card_tokens (token, bin, last4, exp_month, exp_year) VALUES ($1, $2, $3, 12, $4)', [
        token,
        person.card.bin,
        person.card.last4,
        new Date().getUTCFullYear() + 3,
      ]);
      await addPaymentMethod(db, user.id, token, true);
    }
    if (!(await hasPaymentPassword(db, user.id))) await setPaymentPassword(db, user.id, DEMO_PAYMENT_PASSWORD, undefined);
    users.push({ userId: user.id, name: user.name, phone: user.phone, role: person.role });
  }
  return { buildingId: DEMO_BUILDING.id, buildingName: DEMO_BUILDING.name, unit: DEMO_UNIT, users };
}

export async function demoUsers(db: Db): Promise<DemoUserView[]> {
  const r = await db.query<{ id: string; name: string; phone: string; demo_role: 'resident' | 'shopper' }>(
    'SELECT id, name, phone, demo_role FROM wallet_users WHERE demo_role IS NOT NULL ORDER BY demo_role, phone',
  );
  return r.rows.map((u) => ({ userId: u.id, name: u.name, phone: u.phone, role: u.demo_role }));
}
