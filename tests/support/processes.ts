/**
 * Child processes for tests: the server CLI and the gateway child, started
 * with tsx, waited for, and killed for real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export type Child = { process: ChildProcess; output: () => string; exited: Promise<number | null> };

/** The last `status {...}` line a gateway child printed. */
export function lastStatus(child: Child): { online: boolean; pending: number } | undefined {
  const lines = child
    .output()
    .split('\n')
    .filter((l) => l.startsWith('status '));
  const last = lines[lines.length - 1];
  return last ? JSON.parse(last.slice(7)) : undefined;
}

function start(script: string, args: string[], env: Record<string, string>, readyPattern: RegExp): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    // Keep the output bounded: gateway children print a status line every 100 ms.
    const keep = (s: string) => (s.length > 200_000 ? s.slice(-100_000) : s);
    let ready = false;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const onData = (d: Buffer) => {
      out = keep(out + d.toString());
      if (!ready && readyPattern.test(out)) {
        ready = true;
        resolve({ process: child, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      if (!ready) reject(new Error(`${script} exited (${code}) before it was ready:\n${out.slice(-3000)}`));
    });
  });
}

export function startServerProcess(env: { port: number; pgliteDir?: string; databaseUrl?: string; adminToken: string }): Promise<Child> {
  return start(
    'server/cli.ts',
    [],
    {
      PORT: String(env.port),
      EDGEPAY_ADMIN_TOKEN: env.adminToken,
      EDGEPAY_PRINT_URL: '1',
      LOG_LEVEL: 'warn',
      EDGEPAY_SANDBOX_LATENCY_MS: '1,3',
      ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : { EDGEPAY_PGLITE_DIR: env.pgliteDir! }),
    },
    /EDGEPAY_SERVER_URL=/,
  );
}

export function startGatewayProcess(dir: string, serverUrl: string, credential: string, pushBatch: number): Promise<Child> {
  return start('tests/support/gateway-child.ts', [dir, serverUrl], { EDGEPAY_CREDENTIAL: credential, PUSH_BATCH: String(pushBatch) }, /syncing/);
}

export async function kill(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  await child.exited;
}
