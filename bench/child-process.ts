/**
 * Child processes for benches (the server, pouchdb-server): output kept
 * (bounded) for error messages, stopped on cleanup (SIGTERM, then SIGKILL
 * after `killAfterMs`), and a wait for a line that says the process is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { defer } from './cleanup.ts';

export type Spawned = { child: ChildProcess; output(): string; stop(): Promise<void> };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Spawns a child process whose output is kept (bounded) and which is stopped on cleanup. */
export function spawnChild(label: string, command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; killAfterMs?: number }): Spawned {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 100_000) out = out.slice(-50_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
  const stop = defer(
    `stop ${label} (pid ${child.pid})`,
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM: a server closes (in-flight requests finish) and exits 0, writing a CPU profile if asked.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 5000);
      await exited;
      clearTimeout(timer);
    },
    () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  );
  return { child, output: () => out, stop };
}

/** Resolves with the first match of `pattern` in the child's output; fails if it exits or times out first. */
export async function waitForOutput(s: Spawned, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(s.output());
    if (m) return m;
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(`${what} exited (${s.child.exitCode ?? s.child.signalCode}) before it was ready:\n${s.output().slice(-3000)}`);
    }
    if (Date.now() > end) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${s.output().slice(-3000)}`);
    await sleep(50);
  }
}
