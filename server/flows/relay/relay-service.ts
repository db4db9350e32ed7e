/**
 * The relay itself: check a code, look up the terminal and the app, record
 * the relay and its one command (to the terminal, or to the POS agent the
 * terminal is paired with) in one transaction, and settle it from the
 * command's result. Every relay ends final: paid / accrued / redeemed,
 * cancelled (declined, refused, never received) or reversed (the destination
 * approved but the shop never learnt it: no answer in time, or the deadline
 * passed; asked by `query`, undone by `reverse`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { EdgePayError, relay, uuidV7 } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import { codeKeyOf } from './destinations/payment-code-issuer.ts';
import type { DestinationRecord, RelayDestination } from './destinations/destination.ts';
import type { RelayHub } from './hub.ts';
import { findApp, getTerminal } from './registry.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export type RelayServiceOptions = {
  db: Db;
  hub: RelayHub;
  destinations: ReadonlyMap<string, RelayDestination>;
  /** A relay not settled by then is settled by asking its destination (default 10 s). */
  deadlineMs?: number;
};

export type OpenRelayInput = {
  id?: string;
  terminalId: string;
  code: string;
  appId?: string | undefined;
  operation?: relay.RelayOperation | undefined;
  points?: number | undefined;
  via: relay.RelayVia;
  /** The calling gateway (scans): it must be the terminal's. */
  gatewayId?: string;
};

type RelayRow = {
  id: string;
  terminal_id: string;
  site_id: string;
  app_id: string;
  destination: string;
  operation: string;
  via: string;
  path: string;
  status: string;
  reason: string | null;
  amount: string | null;
  currency: string | null;
  points: number | null;
  balance: number | null;
  request_hash: string;
  user_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

const iso = (d: Date | string) => new Date(d).toISOString();

export function viewOf(r: RelayRow): relay.RelayView {
  return {
    id: r.id,
    terminalId: r.terminal_id,
    appId: r.app_id,
    operation: r.operation as relay.RelayOperation,
    via: r.via as relay.RelayVia,
    path: r.path as relay.RelayPath,
    status: r.status as relay.RelayStatus,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.amount !== null && r.currency ? { amount: { amount: Number(r.amount), currency: r.currency as 'KRW' } } : {}),
    ...(r.points !== null ? { points: r.points } : {}),
    ...(r.balance !== null ? { balance: r.balance } : {}),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export class RelayService {
  private readonly deadlineMs: number;
  constructor(private readonly o: RelayServiceOptions) {
    this.deadlineMs = o.deadlineMs ?? 10_000;
  }

  view(row: RelayRow): relay.RelayView {
    return viewOf(row);
  }

  async get(id: string): Promise<RelayRow | undefined> {
    return (await this.o.db.query<RelayRow>('SELECT * FROM relay_transactions WHERE id = $1', [id])).rows[0];
  }

  async open(input: OpenRelayInput): Promise<relay.RelayView> {
    const { db, hub } = this.o;
    const terminal = await getTerminal(db, input.terminalId);
    if (!terminal || (input.gatewayId !== undefined && terminal.gateway_id !== input.gatewayId)) throw new EdgePayError('RELAY_TERMINAL_UNKNOWN');
    const checked = relay.checkRelayCode(input.code);
    if (!checked.ok) throw new EdgePayError('RELAY_CODE_INVALID', { reason: checked.reason });
    const app = await findApp(db, input.appId, checked.code.matchKey);
    const destination = this.o.destinations.get(app.destination);
    if (!destination) throw new EdgePayError('RELAY_APP_UNKNOWN');
    const operation = input.operation ?? (app.takes === 'payment-code' ? 'pay' : 'accrue');
    const fits = app.takes === 'payment-code' ? operation === 'pay' : operation === 'accrue' || (operation === 'redeem' && (input.points ?? 0) > 0);
    if (!fits || (operation !== 'redeem' && input.points !== undefined)) throw new EdgePayError('RELAY_OPERATION_INVALID', { operation });

    const id = input.id ?? uuidV7();
    const codeHash = codeKeyOf(input.code);
    const codeKey = checked.code.oneTime ? codeHash : `visit:${id}`;
    const requestHash = sha(JSON.stringify([input.terminalId, codeHash, app.appId, operation, input.points ?? null, input.via]));
    const path: relay.RelayPath = terminal.pos_agent_id ? 'pos' : 'direct';
    const target = terminal.pos_agent_id ? `agent:${terminal.pos_agent_id}` : `terminal:${terminal.id}`;
    const grant = randomBytes(24).toString('base64url');
    const command: relay.RelayCommand = {
      id: uuidV7(),
      relayId: id,
      kind: path === 'pos' ? 'enter-code' : 'forward',
      terminalId: terminal.id,
      appId: app.appId,
      code: input.code,
      operation,
      ...(input.points !== undefined ? { points: input.points } : {}),
      destinationPath: `/relay/destinations/${destination.id}/submit`,
      grant,
    };
    const opened = await db.transaction(async (tx) => {
      const { rows } = await tx.query<RelayRow>(
        `INSERT INTO relay_transactions (id, terminal_id, site_id, app_id, destination, operation, via, path, code_key, request_hash, points, grant_hash, deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + make_interval(secs => $13::double precision / 1000))
         ON CONFLICT DO NOTHING RETURNING *`,
        [id, terminal.id, terminal.site_id, app.appId, destination.id, operation, input.via, path, codeKey, requestHash, input.points ?? null, sha(grant), this.deadlineMs],
      );
      if (rows.length === 0) return undefined;
      await tx.query('INSERT INTO relay_commands (id, relay_id, target, body) VALUES ($1, $2, $3, $4)', [command.id, id, target, JSON.stringify(command)]);
      await hub.notifyInTx(tx, `c:${target}`);
      return rows[0]!;
    });
    if (!opened) {
      // Same id: the same scan again gets its relay; another body is refused. Otherwise the code was relayed before.
      const same = await this.get(id);
      if (same && same.request_hash === requestHash) return viewOf(same);
      if (same) throw new EdgePayError('RELAY_ID_REUSED');
      throw new EdgePayError('RELAY_CODE_REUSED');
    }
    hub.local(`c:${target}`);
    return viewOf(opened);
  }

  /** Resolves with the relay once it is final, or as it is after `waitMs`. */
  async waitFinal(id: string, waitMs: number): Promise<relay.RelayView> {
    const isFinal = (r: RelayRow | undefined) => !!r && r.status !== 'relaying';
    let row = await this.get(id);
    if (!row) throw new EdgePayError('RELAY_NOT_FOUND');
    if (isFinal(row)) return viewOf(row);
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = async () => {
        try {
          row = await this.get(id);
          if (done || !(isFinal(row) || Date.now() >= until)) return;
          done = true;
          off();
          clearTimeout(timer);
          clearInterval(poll);
          resolve(viewOf(row!));
        } catch (err) {
          done = true;
          off();
          clearTimeout(timer);
          clearInterval(poll);
          reject(err);
        }
      };
      const until = Date.now() + waitMs;
      const off = this.o.hub.onRelay((relayId) => relayId === id && void finish());
      const timer = setTimeout(() => void finish(), waitMs);
      // A notice lost with a database connection must not leave the caller waiting the whole time.
      const poll = setInterval(() => void finish(), 1000);
      void finish();
    });
  }

  /** A result from the command's target; a second result for the same command answers the relay as it is. */
  async applyResult(commandId: string, caller: { target: string }, result: relay.RelayCommandResult): Promise<relay.RelayView> {
    const { db } = this.o;
    const cmd = (await db.query<{ relay_id: string; target: string; state: string }>('SELECT relay_id, target, state FROM relay_commands WHERE id = $1', [commandId])).rows[0];
    if (!cmd || cmd.target !== caller.target) throw new EdgePayError('RELAY_NOT_FOUND');
    const row = (await this.get(cmd.relay_id))!;
    if (cmd.state !== 'pending' || row.status !== 'relaying') {
      await this.closeCommand(commandId, result);
      return viewOf((await this.get(cmd.relay_id))!);
    }
    let record: DestinationRecord;
    if (result.outcome === 'answered') {
      // The destination's own record decides (it holds the payer and the money); the device's copy names what it saw.
      record = await this.destinationOf(row).query(row.id);
      if (record.status === 'unknown') record = await this.destinationOf(row).reverse(row.id, row.site_id);
    } else {
      record = await this.closeLoop(row);
    }
    return this.settle(row, record, result.outcome === 'answered' ? undefined : result.outcome === 'no-answer' ? 'no-answer' : result.reason, { commandId, result });
  }

  /** Relays past their deadline: settle them by asking the destination (and never run their command afterwards). */
  async settleOverdue(limit = 50): Promise<number> {
    const { rows } = await this.o.db.query<RelayRow>("SELECT * FROM relay_transactions WHERE status = 'relaying' AND deadline < now() ORDER BY deadline LIMIT $1", [limit]);
    for (const row of rows) {
      const record = await this.closeLoop(row);
      await this.settle(row, record, 'timeout', undefined);
    }
    return rows.length;
  }

  private destinationOf(row: RelayRow): RelayDestination {
    const d = this.o.destinations.get(row.destination);
    if (!d) throw new Error(`relay ${row.id}: destination ${row.destination} is not configured`);
    return d;
  }

  /** No answer reached the shop: whatever the destination approved is reversed; what it never got can no longer happen. */
  private async closeLoop(row: RelayRow): Promise<DestinationRecord> {
    const dest = this.destinationOf(row);
    const reversed = await dest.reverse(row.id, row.site_id);
    return reversed;
  }

  private async settle(row: RelayRow, record: DestinationRecord, reason: string | undefined, command: { commandId: string; result: relay.RelayCommandResult } | undefined): Promise<relay.RelayView> {
    const { db, hub } = this.o;
    const approved: relay.RelayStatus = row.operation === 'pay' ? 'paid' : row.operation === 'accrue' ? 'accrued' : 'redeemed';
    const status: relay.RelayStatus = record.status === 'approved' ? approved : record.status === 'reversed' && record.reason === 'reversed' ? 'reversed' : 'cancelled';
    const why = status === approved ? null : status === 'reversed' ? (reason ?? 'reversed') : record.status === 'declined' ? (record.reason ?? 'declined') : (reason ?? 'not-received');
    const updated = await db.transaction(async (tx) => {
      const { rows } = await tx.query<RelayRow>(
        `UPDATE relay_transactions SET status = $2, reason = $3, amount = $4, currency = $5, points = COALESCE($6, points), balance = $7, user_id = $8, updated_at = now()
         WHERE id = $1 AND status = 'relaying' RETURNING *`,
        [row.id, status, why, record.amount?.amount ?? null, record.amount?.currency ?? null, record.points ?? null, record.balance ?? null, record.userId ?? null],
      );
      // The command is done (with its result) or cancelled: its code and grant are not kept.
      await tx.query(
        `UPDATE relay_commands SET state = CASE WHEN $2::jsonb IS NULL THEN 'cancelled' ELSE 'done' END, result = $2::jsonb, done_at = now(),
           body = body - 'code' - 'grant' WHERE relay_id = $1 AND state = 'pending'`,
        [row.id, command ? JSON.stringify(command.result) : null],
      );
      await hub.notifyInTx(tx, `r:${row.id}|${row.terminal_id}`);
      return rows[0];
    });
    hub.local(`r:${row.id}|${row.terminal_id}`);
    return viewOf(updated ?? (await this.get(row.id))!);
  }

  private async closeCommand(commandId: string, result: relay.RelayCommandResult) {
    await this.o.db.query(
      `UPDATE relay_commands SET state = 'done', result = COALESCE(result, $2::jsonb), done_at = COALESCE(done_at, now()), body = body - 'code' - 'grant' WHERE id = $1 AND state = 'pending'`,
      [commandId, JSON.stringify(result)],
    );
  }

  /** Pending commands of a device, oldest first (what its stream sends until each is answered). */
  async pendingCommands(target: string): Promise<relay.RelayCommand[]> {
    const { rows } = await this.o.db.query<{ body: relay.RelayCommand }>("SELECT body FROM relay_commands WHERE target = $1 AND state = 'pending' ORDER BY created_at LIMIT 100", [target]);
    return rows.map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body));
  }

  /** A submission at a destination must carry the grant of an open relay of that code and destination. */
  async checkGrant(destination: string, grant: string, reference: string, code: string): Promise<{ siteId: string }> {
    const row = await this.get(reference);
    const ok =
      row &&
      row.destination === destination &&
      row.status === 'relaying' &&
      (row as RelayRow & { grant_hash: string }).grant_hash === sha(grant) &&
      ((row as RelayRow & { code_key: string }).code_key === codeKeyOf(code) || (row as RelayRow & { code_key: string }).code_key === `visit:${row.id}`);
    if (!ok) throw new EdgePayError('RELAY_GRANT_INVALID');
    if ((row as RelayRow & { code_key: string }).code_key === `visit:${row.id}`) {
      // A membership id is not one-time: the grant takes only the id the relay was given (kept on its command until done).
      const { rows } = await this.o.db.query<{ code: string | null }>("SELECT body->>'code' AS code FROM relay_commands WHERE relay_id = $1 AND state = 'pending'", [reference]);
      if (rows[0]?.code !== code) throw new EdgePayError('RELAY_GRANT_INVALID');
    }
    return { siteId: row.site_id };
  }

  async relaysOfUser(userId: string, limit: number): Promise<relay.RelayView[]> {
    const { rows } = await this.o.db.query<RelayRow>('SELECT * FROM relay_transactions WHERE user_id = $1 ORDER BY updated_at DESC LIMIT $2', [userId, limit]);
    return rows.map(viewOf);
  }
}
