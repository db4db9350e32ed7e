/** Users, buildings, units and memberships. */
import { EdgePayError, findCardNumbers, normalisePhone, uuidV7, type UnitView, type WalletUserView } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';

type UserRow = { id: string; name: string; phone: string; user_handle: string; demo_role: string | null };

export function userView(row: { id: string; name: string; phone: string }): WalletUserView {
  return { userId: row.id, name: row.name, phone: row.phone };
}

export function checkName(name: unknown): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (n.length < 1 || n.length > 100) throw new EdgePayError('REQUEST_INVALID', { reason: 'name must be 1 to 100 characters' });
  // Someone may type a card number into any field; a name is stored, so it is refused (never echoed).
  if (findCardNumbers(n).length > 0) throw new EdgePayError('CARD_DATA_REFUSED', { path: 'name' });
  return n;
}

export async function findUserById(db: Queryable, userId: string): Promise<UserRow | undefined> {
  return (await db.query<UserRow>('SELECT id, name, phone, user_handle, demo_role FROM wallet_users WHERE id = $1', [userId])).rows[0];
}

export async function findUserByPhone(db: Queryable, phone: string): Promise<UserRow | undefined> {
  return (await db.query<UserRow>('SELECT id, name, phone, user_handle, demo_role FROM wallet_users WHERE phone = $1', [normalisePhone(phone)])).rows[0];
}

/** Inserts a user; a phone already taken (also by a concurrent registration) is WALLET_PHONE_TAKEN. */
export async function insertUser(db: Queryable, user: { name: string; phone: string; userHandle: string; demoRole?: 'resident' | 'shopper' }): Promise<UserRow> {
  const id = uuidV7();
  const inserted = await db.query<UserRow>(
    `INSERT INTO wallet_users (id, name, phone, user_handle, demo_role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (phone) DO NOTHING RETURNING id, name, phone, user_handle, demo_role`,
    [id, checkName(user.name), normalisePhone(user.phone), user.userHandle, user.demoRole ?? null],
  );
  if (!inserted.rows[0]) throw new EdgePayError('WALLET_PHONE_TAKEN');
  return inserted.rows[0];
}

/** The users registered at a unit of a building (a request to "everyone at the unit"). */
export async function usersAtUnit(db: Queryable, buildingId: string, unit: string): Promise<string[]> {
  const r = await db.query<{ user_id: string }>('SELECT user_id FROM wallet_memberships WHERE building_id = $1 AND unit = $2 ORDER BY created_at, user_id', [buildingId, unit]);
  return r.rows.map((x) => x.user_id);
}

export async function unitsOf(db: Queryable, userId: string): Promise<UnitView[]> {
  const r = await db.query<{ building_id: string; name: string; unit: string; role: string }>(
    `SELECT m.building_id, b.name, m.unit, m.role FROM wallet_memberships m JOIN wallet_buildings b ON b.id = m.building_id
     WHERE m.user_id = $1 ORDER BY b.name, m.unit`,
    [userId],
  );
  return r.rows.map((x) => ({ buildingId: x.building_id, buildingName: x.name, unit: x.unit, role: x.role }));
}

export async function ensureBuilding(db: Queryable, id: string, name: string, units: string[]): Promise<void> {
  await db.query('INSERT INTO wallet_buildings (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, name]);
  for (const unit of units) {
    await db.query('INSERT INTO wallet_units (building_id, unit) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, unit]);
  }
}

/**
 * Adds a user to a unit that exists. Whether a person really lives there is
 * for the building to confirm (a later step); joining only lets them receive
 * and answer requests to the unit with their own payment methods.
 */
export async function addMembership(db: Queryable, userId: string, buildingId: string, unit: string, role = 'resident'): Promise<void> {
  const exists = await db.query('SELECT 1 FROM wallet_units WHERE building_id = $1 AND unit = $2', [buildingId, unit]);
  if (exists.rows.length === 0) throw new EdgePayError('WALLET_UNIT_UNKNOWN', { buildingId, unit });
  await db.query('INSERT INTO wallet_memberships (user_id, building_id, unit, role) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [userId, buildingId, unit, role]);
}
