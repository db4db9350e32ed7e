/**
 * Test support of the relay flow: a server (real HTTP, on PostgreSQL or
 * PGlite), a store gateway's credential, relay terminals, POS programs and POS
 * agents as real child processes, and a phone (a wallet session over HTTP).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { relay } from '../../core/index.ts';
import { relayFlow } from '../../edge-services/index.ts';
import { enrolGateway, serverTesting, startServer, wallet, type RunningServer } from '../../server/index.ts';

export const ADMIN = 'relay-test-admin-token-0123456789';

export type Child = { proc: ChildProcess; lines: AsyncIterableIterator<string>; first: any; kill(signal?: NodeJS.Signals): Promise<void>; onLine(fn: (json: any) => void): void };

export async function spawnEntry(entry: string, envName: string, config: unknown): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, [envName]: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const listeners: ((json: any) => void)[] = [];
  const rl = createInterface({ input: proc.stdout! });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  rl.on('line', (line) => {
    let json: any;
    try {
      json = JSON.parse(line);
    } catch {
      return;
    }
    for (const l of listeners) l(json);
    queue.push(line);
    wake?.();
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const lines = (async function* () {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      await new Promise<void>((r) => (wake = r));
    }
  })();
  const first = await Promise.race([
    lines.next().then((r) => JSON.parse(r.value)),
    exited.then(() => {
      throw new Error(`${entry} exited before it was ready`);
    }),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${entry}: not ready in 20 s`)), 20_000)),
  ]);
  return {
    proc,
    lines,
    first,
    onLine: (fn) => listeners.push(fn),
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
  };
}

export type Phone = {
  userId: string;
  codes(): Promise<relay.WalletRelayCodes>;
  tap(body: relay.RelayTapBody): Promise<{ status: number; json: any }>;
  relays(): Promise<relay.RelayView[]>;
};

export class RelayWorld {
  readonly children: Child[] = [];
  gateway!: { gatewayId: string; credential: string; siteId: string };
  constructor(
    readonly server: RunningServer,
    private readonly dropDb: () => Promise<void>,
    readonly dir: string,
  ) {}

  /**
   * `pgPoolSize`: the server's connections (default 20); `connectionLimit`: its
   * database role may hold only that many (PostgreSQL refuses more, as at
   * max_connections), so a run's connections are bounded by PostgreSQL itself.
   */
  static async start(
    options: { database?: 'postgres' | 'pglite'; relay?: Parameters<typeof startServer>[0]['relay']; walletUiDir?: string; pgPoolSize?: number; connectionLimit?: number } = {},
  ): Promise<RelayWorld> {
    const database =
      options.database === 'pglite' ? serverTesting.pglite() : await serverTesting.freshPostgres(options.connectionLimit !== undefined ? { connectionLimit: options.connectionLimit } : {});
    const dir = mkdtempSync(join(tmpdir(), 'edgepay-relay-'));
    const server = await startServer({
      // Errors only, to a file a failing test can show.
      logger: { level: 'error', file: join(dir, 'server.log') },
      ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
      ...(options.pgPoolSize ? { pgPoolSize: options.pgPoolSize } : {}),
      adminToken: ADMIN,
      ledgerSweeper: false,
      forwarder: false,
      wallet: { demoSignIn: true, ...(options.walletUiDir ? { uiDir: options.walletUiDir } : {}) },
      ...(options.relay !== undefined ? { relay: options.relay } : {}),
    });
    const world = new RelayWorld(server, database.drop, dir);
    const gw = await enrolGateway(server.db, 'relay-store', 'relay terminals');
    world.gateway = { gatewayId: gw.gatewayId, credential: gw.credential, siteId: 'relay-store' };
    await wallet.seedDemoWallet(server.db);
    return world;
  }

  async admin(path: string, body?: unknown, method = body === undefined ? 'GET' : 'PUT'): Promise<any> {
    const res = await fetch(this.server.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A stand-alone terminal (its own process) with an open sale. */
  async terminal(terminalId: string, sale: number | null = 12_000, extra: { destinationTimeoutMs?: number; posAgentId?: string } = {}): Promise<{ url: string; child: Child }> {
    const { posAgentId, ...options } = extra;
    await this.admin(`/admin/relay/terminals/${terminalId}`, { siteId: this.gateway.siteId, gatewayId: this.gateway.gatewayId, label: terminalId, ...(posAgentId ? { posAgentId } : {}) });
    const child = await spawnEntry(relayFlow.RELAY_PROCESS_ENTRIES.terminal, 'RELAY_TERMINAL', {
      serverUrl: this.server.url,
      credential: this.gateway.credential,
      terminalId,
      dataDir: join(this.dir, terminalId),
      sale: sale ? { amount: sale, currency: 'KRW' } : null,
      ...options,
    });
    this.children.push(child);
    return { url: child.first.url, child };
  }

  /** A terminal paired with a POS program (its process) and a POS agent (its process). */
  async pairedTerminal(
    terminalId: string,
    options: { sale?: number; submitDelayMs?: number; destinationTimeoutMs?: number } = {},
  ): Promise<{ terminal: { url: string; child: Child }; pos: Child; posUrl: string; agent: Child; agentConfig: unknown }> {
    const agent = await this.admin('/admin/relay/pos-agents', { siteId: this.gateway.siteId }, 'POST');
    const pos = await spawnEntry(relayFlow.RELAY_PROCESS_ENTRIES.posProgram, 'POS_PROGRAM', {
      serverUrl: this.server.url,
      apps: [
        { appId: 'edgepay-pay', label: 'EdgePay Pay', destinationPath: '/relay/destinations/payment-code/submit' },
        { appId: 'edgepay-points', label: 'EdgePay Points', destinationPath: '/relay/destinations/membership/submit' },
      ],
      sale: { amount: options.sale ?? 8_000, currency: 'KRW' },
      dataFile: join(this.dir, `pos-${terminalId}.jsonl`),
      ...(options.submitDelayMs ? { submitDelayMs: options.submitDelayMs } : {}),
      ...(options.destinationTimeoutMs ? { destinationTimeoutMs: options.destinationTimeoutMs } : {}),
    });
    this.children.push(pos);
    const agentConfig = {
      serverUrl: this.server.url,
      credential: agent.credential,
      posUrl: pos.first.url,
      ...(options.destinationTimeoutMs ? { answerTimeoutMs: options.destinationTimeoutMs + 2_000 } : {}),
    };
    const agentChild = await spawnEntry(relayFlow.RELAY_PROCESS_ENTRIES.posAgent, 'POS_AGENT', agentConfig);
    this.children.push(agentChild);
    const terminal = await this.terminal(terminalId, null, { posAgentId: agent.agentId, ...(options.destinationTimeoutMs ? { destinationTimeoutMs: options.destinationTimeoutMs } : {}) });
    return { terminal, pos, posUrl: pos.first.url, agent: agentChild, agentConfig };
  }

  async restartAgent(config: unknown): Promise<Child> {
    const child = await spawnEntry(relayFlow.RELAY_PROCESS_ENTRIES.posAgent, 'POS_AGENT', config);
    this.children.push(child);
    return child;
  }

  async phone(index = 0): Promise<Phone> {
    const users = await wallet.demoUsers(this.server.db);
    const user = users[index]!;
    const origin = this.server.url.replace('127.0.0.1', 'localhost');
    const res = await fetch(`${this.server.url}/wallet/api/demo/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user.userId }) });
    if (!res.ok) throw new Error(`demo sign-in: ${res.status} ${await res.text()}`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const call = async (path: string, body?: unknown) => {
      const r = await fetch(this.server.url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, json: (await r.json()) as any };
    };
    void origin;
    return {
      userId: user.userId,
      codes: async () => {
        const r = await call('/wallet/api/relay/codes');
        if (r.status !== 200) throw new Error(`GET /wallet/api/relay/codes: ${r.status} ${JSON.stringify(r.json)}`);
        return r.json;
      },
      tap: (body) => call('/wallet/api/relay/taps', body),
      relays: async () => (await call('/wallet/api/relay/relays')).json.relays,
    };
  }

  serverErrors(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.kill()));
    await this.server.close();
    await this.dropDb();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function scanAt(terminalUrl: string, code: string): Promise<any> {
  const res = await fetch(`${terminalUrl}/api/relay/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  return res.json();
}

export async function terminalScreen(terminalUrl: string): Promise<any> {
  return (await fetch(`${terminalUrl}/api/relay/state`)).json();
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
