/**
 * The routes of relay terminals (a gateway's credential) and POS agents
 * (their own `pa_…` credential):
 *
 *   POST /relay/v1/relays                 a terminal scanned a code: relay it; answers when final (or 202 while relaying)
 *   GET  /relay/v1/relays/:id             a relay of one of the gateway's terminals
 *   GET  /relay/v1/commands/stream[?terminalId=]   SSE: `command` (until answered; resent on reconnect and every few seconds) and, for a terminal, `outcome`
 *   POST /relay/v1/commands/:id/result    the result of a command (idempotent: a repeat answers the relay as it is)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EdgePayError, type relay } from '../../../core/index.ts';
import { authenticateGateway } from '../../auth/index.ts';
import type { Db } from '../../db/index.ts';
import type { RelayHub } from './hub.ts';
import { authenticatePosAgent, getTerminal, markAgentSeen, registryOfSite } from './registry.ts';
import type { RelayService } from './relay-service.ts';
import { resultBody, scanBody, terminalId } from './schemas.ts';

const tags = ['relay'];
const security: Record<string, string[]>[] = [{ gatewayCredential: [] }];

type Caller = { kind: 'gateway'; gatewayId: string } | { kind: 'agent'; agentId: string };

async function callerOf(db: Db, request: FastifyRequest): Promise<Caller> {
  const header = request.headers.authorization ?? '';
  const credential = header.startsWith('Bearer ') ? header.slice(7) : '';
  if (credential.startsWith('pa_')) {
    const agentId = await authenticatePosAgent(db, credential);
    if (agentId) return { kind: 'agent', agentId };
    throw new EdgePayError('RELAY_DEVICE_UNKNOWN');
  }
  const gateway = await authenticateGateway(db, credential);
  if (!gateway) throw new EdgePayError('AUTH_REQUIRED');
  return { kind: 'gateway', gatewayId: gateway.gatewayId };
}

/** The command target a caller answers for: its POS agent, or a terminal of its gateway. */
async function targetOf(db: Db, caller: Caller, terminal: string | undefined): Promise<string> {
  if (caller.kind === 'agent') return `agent:${caller.agentId}`;
  const t = terminal ? await getTerminal(db, terminal) : undefined;
  if (!t || t.gateway_id !== caller.gatewayId) throw new EdgePayError('RELAY_TERMINAL_UNKNOWN');
  return `terminal:${t.id}`;
}

export function registerDeviceRoutes(
  app: FastifyInstance,
  deps: { db: Db; hub: RelayHub; service: RelayService; waitMs: number; resendMs: number; keepaliveMs: number; streams: Set<() => void> },
): void {
  const { db, hub, service } = deps;

  app.post('/relay/v1/relays', { schema: { summary: 'A relay terminal scanned a code: check it and relay it', tags, security, body: scanBody } }, async (request, reply) => {
    const caller = await callerOf(db, request);
    if (caller.kind !== 'gateway') throw new EdgePayError('AUTH_FORBIDDEN');
    const body = request.body as relay.RelayScanBody;
    const opened = await service.open({ ...body, via: 'scan', gatewayId: caller.gatewayId });
    const view = await service.waitFinal(opened.id, deps.waitMs);
    return reply.status(view.status === 'relaying' ? 202 : 200).send({ relay: view });
  });

  app.get(
    '/relay/v1/registry',
    { schema: { summary: "The relay registries of the gateway's site (apps, terminals and their pairing, POS agents and their last sign of life), for its console", tags, security } },
    async (request) => {
      const caller = await callerOf(db, request);
      if (caller.kind !== 'gateway') throw new EdgePayError('AUTH_FORBIDDEN');
      const site = (await db.query<{ site_id: string }>('SELECT site_id FROM gateways WHERE id = $1', [caller.gatewayId])).rows[0]!.site_id;
      return registryOfSite(db, site);
    },
  );

  app.get(
    '/relay/v1/relays/:id',
    { schema: { summary: "A relay of one of the gateway's terminals", tags, security, params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } } },
    async (request) => {
      const caller = await callerOf(db, request);
      const row = await service.get((request.params as { id: string }).id);
      if (!row) throw new EdgePayError('RELAY_NOT_FOUND');
      await targetOf(db, caller, caller.kind === 'gateway' ? row.terminal_id : undefined).catch(() => {
        throw new EdgePayError('RELAY_NOT_FOUND');
      });
      return { relay: await service.waitFinal(row.id, 0) };
    },
  );

  app.post(
    '/relay/v1/commands/:id/result',
    { schema: { summary: 'The result of a relay command', tags, security, params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] }, body: resultBody } },
    async (request) => {
      const caller = await callerOf(db, request);
      const id = (request.params as { id: string }).id;
      const cmd = (await db.query<{ target: string }>('SELECT target FROM relay_commands WHERE id = $1', [id])).rows[0];
      if (!cmd) throw new EdgePayError('RELAY_NOT_FOUND');
      const target = await targetOf(db, caller, caller.kind === 'gateway' ? cmd.target.replace(/^terminal:/, '') : undefined).catch(() => {
        throw new EdgePayError('RELAY_NOT_FOUND');
      });
      return { relay: await service.applyResult(id, { target }, request.body as relay.RelayCommandResult) };
    },
  );

  app.get(
    '/relay/v1/commands/stream',
    { schema: { summary: 'Commands for a relay terminal or a POS agent (SSE)', tags, security, querystring: { type: 'object', additionalProperties: false, properties: { terminalId } } } },
    async (request, reply) => {
      const caller = await callerOf(db, request);
      const target = await targetOf(db, caller, (request.query as { terminalId?: string }).terminalId);
      openCommandStream(reply, target, deps);
    },
  );
}

function openCommandStream(reply: FastifyReply, target: string, deps: { db: Db; hub: RelayHub; service: RelayService; resendMs: number; keepaliveMs: number; streams: Set<() => void> }) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.socket?.setNoDelay(true);
  res.write(': ready\n\n');
  let closed = false;
  const sentAt = new Map<string, number>();
  let running = false;
  let again = false;
  const send = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const pending = await deps.service.pendingCommands(target);
        if (closed) return;
        const now = Date.now();
        const live = new Set(pending.map((c) => c.id));
        for (const id of sentAt.keys()) if (!live.has(id)) sentAt.delete(id);
        for (const c of pending) {
          const last = sentAt.get(c.id);
          // Sent again while unanswered: a device that lost it (a restart) gets it, one that has it in hand ignores the repeat.
          if (last !== undefined && now - last < deps.resendMs) continue;
          sentAt.set(c.id, now);
          res.write(`id: ${c.id}\nevent: command\ndata: ${JSON.stringify(c)}\n\n`);
        }
      } while (again && !closed);
    } catch {
      // The database hiccupped: the next notice or tick tries again.
    } finally {
      running = false;
    }
  };
  const offCommand = deps.hub.onCommand(target, () => void send());
  const terminal = target.startsWith('terminal:') ? target.slice('terminal:'.length) : undefined;
  const offRelay = terminal
    ? deps.hub.onRelay((relayId, terminalOf) => {
        if (terminalOf !== terminal) return;
        void deps.service.get(relayId).then((row) => {
          if (row && !closed && row.status !== 'relaying') res.write(`event: outcome\ndata: ${JSON.stringify(deps.service.view(row))}\n\n`);
        });
      })
    : () => {};
  const tick = setInterval(() => void send(), Math.max(250, Math.floor(deps.resendMs / 2)));
  const agent = target.startsWith('agent:') ? target.slice('agent:'.length) : undefined;
  const keepalive = setInterval(() => {
    res.write(': keepalive\n\n');
    // An agent whose stream is open is alive: its console's "last seen" stays fresh between commands.
    if (agent) void markAgentSeen(deps.db, agent).catch(() => undefined);
  }, deps.keepaliveMs);
  const close = () => {
    if (closed) return;
    closed = true;
    offCommand();
    offRelay();
    clearInterval(tick);
    clearInterval(keepalive);
    res.end();
  };
  res.on('close', close);
  deps.streams.add(close);
  res.on('close', () => deps.streams.delete(close));
  void send();
}
