/** The issuer's keys (one row, made on first use) and the terminals it seals cards to. */
import { createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { EdgePayError } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { newX25519, privateKeyOf, publicKeyOf } from './sealing.ts';

export type IssuerKeys = { privateKey: KeyObject; publicKey: string; mac(text: string): string };

const CACHE = new WeakMap<Queryable, Promise<IssuerKeys>>();

export function issuerKeys(db: Db): Promise<IssuerKeys> {
  let keys = CACHE.get(db);
  if (!keys) {
    keys = loadKeys(db);
    CACHE.set(db, keys);
    keys.catch(() => CACHE.delete(db));
  }
  return keys;
}

async function loadKeys(db: Db): Promise<IssuerKeys> {
  const fresh = newX25519();
  // Racing server processes: the first insert wins, everyone reads the row.
  await db.query('INSERT INTO issuer_keys (id, private_key, public_key, mac_key) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
    'sandbox',
    fresh.privateKey,
    fresh.publicKey,
    randomBytes(32).toString('base64'),
  ]);
  const { rows } = await db.query<{ private_key: string; public_key: string; mac_key: string }>("SELECT private_key, public_key, mac_key FROM issuer_keys WHERE id = 'sandbox'");
  const row = rows[0]!;
  const macKey = Buffer.from(row.mac_key, 'base64');
  return { privateKey: privateKeyOf(row.private_key), publicKey: row.public_key, mac: (text) => createHmac('sha256', macKey).update(text).digest('hex') };
}

/**
 * Terminal keys read in this process, for a minute: the decision path is then
 * one round trip shorter. A key enrolled again through another server process
 * is seen here within that minute (a box sealed to the new key fails to open
 * before, and the terminal's retry succeeds after).
 */
const TERMINAL_KEYS = new WeakMap<Queryable, Map<string, { key: KeyObject; until: number }>>();
const TERMINAL_KEY_TTL_MS = 60_000;

export async function enrolTerminal(db: Db, terminalId: string, publicKey: string): Promise<void> {
  publicKeyOf(publicKey); // refuses anything that is not an X25519 key
  TERMINAL_KEYS.get(db)?.delete(terminalId);
  await db.query('INSERT INTO issuer_terminals (id, public_key) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET public_key = EXCLUDED.public_key', [terminalId, publicKey]);
}

/** A terminal's key, cached for a minute in this process (the issuer's decision path). */
export async function cachedTerminalKey(db: Db, terminalId: string): Promise<KeyObject> {
  let cache = TERMINAL_KEYS.get(db);
  if (!cache) TERMINAL_KEYS.set(db, (cache = new Map()));
  const hit = cache.get(terminalId);
  if (hit && hit.until > Date.now()) return hit.key;
  const key = await terminalKey(db, terminalId);
  cache.set(terminalId, { key, until: Date.now() + TERMINAL_KEY_TTL_MS });
  return key;
}

export async function terminalKey(db: Queryable, terminalId: string): Promise<KeyObject> {
  const { rows } = await db.query<{ public_key: string }>('SELECT public_key FROM issuer_terminals WHERE id = $1', [terminalId]);
  if (!rows[0]) throw new EdgePayError('ISSUER_TERMINAL_UNKNOWN');
  return publicKeyOf(rows[0].public_key);
}
