/**
 * The relay's registries on the server: apps (app id -> the destination that
 * honours it and what it takes), relay terminals (whose gateway, paired with
 * which POS agent) and POS agents (their credentials: `pa_<id>.<secret>`, only
 * SHA-256 of the secret stored).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EdgePayError, uuidV7, type relay } from '../../../core/index.ts';
import type { Db, Queryable } from '../../db/index.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export type TerminalRow = { id: string; site_id: string; gateway_id: string; label: string; pos_agent_id: string | null };

export async function putApp(db: Db, app: relay.RelayApp): Promise<relay.RelayApp> {
  await db.query(
    `INSERT INTO relay_apps (app_id, label, destination, takes, match_keys) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (app_id) DO UPDATE SET label = EXCLUDED.label, destination = EXCLUDED.destination, takes = EXCLUDED.takes, match_keys = EXCLUDED.match_keys`,
    [app.appId, app.label, app.destination, app.takes, app.matchKeys],
  );
  return app;
}

const appOf = (r: { app_id: string; label: string; destination: string; takes: string; match_keys: string[] }): relay.RelayApp => ({
  appId: r.app_id,
  label: r.label,
  destination: r.destination,
  takes: r.takes as relay.RelayApp['takes'],
  matchKeys: r.match_keys,
});

export async function listApps(db: Queryable): Promise<relay.RelayApp[]> {
  return (await db.query<any>('SELECT * FROM relay_apps ORDER BY app_id')).rows.map(appOf);
}

/** The app named, or the one whose match keys take the code. */
export async function findApp(db: Queryable, appId: string | undefined, matchKey: string): Promise<relay.RelayApp> {
  const { rows } = appId
    ? await db.query<any>('SELECT * FROM relay_apps WHERE app_id = $1', [appId])
    : await db.query<any>('SELECT * FROM relay_apps WHERE $1 = ANY (match_keys) ORDER BY app_id LIMIT 1', [matchKey]);
  const app = rows[0] ? appOf(rows[0]) : undefined;
  if (!app || !app.matchKeys.includes(matchKey)) throw new EdgePayError('RELAY_APP_UNKNOWN');
  return app;
}

export async function putTerminal(db: Db, t: { terminalId: string; siteId: string; gatewayId: string; label: string; posAgentId?: string | null }): Promise<relay.RelayTerminalView> {
  await db.query(
    `INSERT INTO relay_terminals (id, site_id, gateway_id, label, pos_agent_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id, gateway_id = EXCLUDED.gateway_id, label = EXCLUDED.label, pos_agent_id = EXCLUDED.pos_agent_id`,
    [t.terminalId, t.siteId, t.gatewayId, t.label, t.posAgentId ?? null],
  );
  return { terminalId: t.terminalId, siteId: t.siteId, gatewayId: t.gatewayId, label: t.label, posAgentId: t.posAgentId ?? null };
}

export async function listTerminals(db: Queryable): Promise<relay.RelayTerminalView[]> {
  return (await db.query<TerminalRow>('SELECT * FROM relay_terminals ORDER BY id')).rows.map((r) => ({
    terminalId: r.id,
    siteId: r.site_id,
    gatewayId: r.gateway_id,
    label: r.label,
    posAgentId: r.pos_agent_id,
  }));
}

export async function getTerminal(db: Queryable, terminalId: string): Promise<TerminalRow | undefined> {
  return (await db.query<TerminalRow>('SELECT * FROM relay_terminals WHERE id = $1', [terminalId])).rows[0];
}

export async function createPosAgent(db: Db, siteId: string): Promise<{ agentId: string; credential: string }> {
  const agentId = 'pa-' + uuidV7();
  const secret = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO relay_pos_agents (id, site_id, secret_hash) VALUES ($1, $2, $3)', [agentId, siteId, sha(secret)]);
  return { agentId, credential: `pa_${agentId}.${secret}` };
}

const AGENT_CREDENTIAL = /^pa_(pa-[0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export async function authenticatePosAgent(db: Queryable, credential: string): Promise<string | undefined> {
  const m = AGENT_CREDENTIAL.exec(credential);
  if (!m) return undefined;
  const row = (await db.query<{ secret_hash: string; revoked_at: unknown }>('SELECT secret_hash, revoked_at FROM relay_pos_agents WHERE id = $1', [m[1]])).rows[0];
  if (!row || row.revoked_at) return undefined;
  const a = Buffer.from(sha(m[2]!), 'hex');
  const b = Buffer.from(row.secret_hash, 'hex');
  if (!(a.length === b.length && timingSafeEqual(a, b))) return undefined;
  await markAgentSeen(db, m[1]!);
  return m[1];
}

const SEEN_EVERY_MS = 5_000;
const seenAt = new Map<string, number>();

/** The agent showed a sign of life (written at most every 5 s per process: it calls on every command, and a write there would cost each relay a round trip). */
export async function markAgentSeen(db: Queryable, agentId: string): Promise<void> {
  const now = Date.now();
  if (now - (seenAt.get(agentId) ?? 0) < SEEN_EVERY_MS) return;
  seenAt.set(agentId, now);
  if (seenAt.size > 10_000) seenAt.clear();
  await db.query("UPDATE relay_pos_agents SET last_seen_at = now() WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < now() - interval '5 seconds')", [agentId]);
}

export async function listPosAgents(db: Queryable, siteId?: string): Promise<relay.RelayPosAgentView[]> {
  const { rows } = siteId
    ? await db.query<{ id: string; site_id: string; last_seen_at: Date | string | null; revoked_at: unknown }>(
        'SELECT id, site_id, last_seen_at, revoked_at FROM relay_pos_agents WHERE site_id = $1 ORDER BY created_at',
        [siteId],
      )
    : await db.query<{ id: string; site_id: string; last_seen_at: Date | string | null; revoked_at: unknown }>(
        'SELECT id, site_id, last_seen_at, revoked_at FROM relay_pos_agents ORDER BY created_at',
      );
  return rows.map((r) => ({ agentId: r.id, siteId: r.site_id, lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at).toISOString() : null, revoked: !!r.revoked_at }));
}

/** The registries as a site's operator console shows them: every app, the site's terminals and POS agents. */
export async function registryOfSite(db: Queryable, siteId: string): Promise<relay.RelayRegistryView> {
  const [apps, terminals, posAgents] = await Promise.all([listApps(db), listTerminals(db), listPosAgents(db, siteId)]);
  return { apps, terminals: terminals.filter((t) => t.siteId === siteId), posAgents };
}
