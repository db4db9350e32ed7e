/**
 * The load of `npm run bench -- credit`, the same for the PG and for its
 * named peer: closed-loop runs (approvals per second, and the server
 * process's CPU per approval from /proc) and one open-loop run at a fixed
 * rate (latency from each order's scheduled send time: no coordinated
 * omission).
 */
import { readFileSync } from 'node:fs';
import { log, median, percentile } from './report.ts';

/**
 * CPU time (user + system, ms) of a process from /proc (Linux; clock ticks taken as 100/s), or
 * NaN; with `mainThread`, of its main thread only (the event loop; the rest is libuv's pool,
 * where WebCrypto's signatures run, and the garbage collector's threads).
 */
export function processCpuMs(pid: number | undefined, mainThread = false): number {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

export type Target = {
  label: string;
  /** The server process (for its CPU time). */
  pid: number | undefined;
  /** Sends one order; true when it was answered as expected. */
  order(jws: string): Promise<boolean>;
};

export type LoadSettings = { durationS: number; runs: number; connections: number; rate: number; presign(count: number): Promise<string[]> };

export type LoadResult = {
  /** Closed loop, one per run (not the warm-up). */
  perSecond: number[];
  cpuMsPerApproval: number[];
  eventLoopMsPerApproval: number[];
  /** Open loop. */
  latencies: number[];
  /** Server CPU per approval in the open loop (the rate fixed: comparable between subjects). */
  openCpuMsPerApproval: number;
  answered: number;
  bad: number;
};

export async function load(target: Target, s: LoadSettings): Promise<LoadResult> {
  const out: LoadResult = { perSecond: [], cpuMsPerApproval: [], eventLoopMsPerApproval: [], latencies: [], openCpuMsPerApproval: Number.NaN, answered: 0, bad: 0 };
  const order = async (jws: string) => {
    // A refused connection or a reset (an overloaded server) is a failed order, not the end of the bench.
    const ok = await target.order(jws).catch((err: unknown) => {
      if (out.bad < 3) log(`${target.label}: order failed: ${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)}`);
      return false;
    });
    if (ok) out.answered++;
    else out.bad++;
  };
  for (let r = 0; r <= s.runs; r++) {
    const warm = r === 0;
    const seconds = warm ? Math.min(3, s.durationS) : s.durationS;
    const pool = await s.presign(Math.ceil(seconds * 500) + s.connections);
    let next = 0;
    let done = 0;
    const cpu0 = processCpuMs(target.pid);
    const main0 = processCpuMs(target.pid, true);
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: s.connections }, async () => {
        while (performance.now() < end && next < pool.length) {
          await order(pool[next++]!);
          done++;
        }
      }),
    );
    const perSecond = done / ((performance.now() - start) / 1000);
    const cpuMs = (processCpuMs(target.pid) - cpu0) / done;
    const mainMs = (processCpuMs(target.pid, true) - main0) / done;
    if (!warm) {
      out.perSecond.push(perSecond);
      out.cpuMsPerApproval.push(cpuMs);
      out.eventLoopMsPerApproval.push(mainMs);
    }
    log(`${target.label} ${warm ? 'warm-up' : `run ${r}`}: ${done} approvals, ${perSecond.toFixed(1)}/s, server CPU ${cpuMs.toFixed(2)} ms per approval (event loop ${mainMs.toFixed(2)})`);
  }

  const count = Math.round(s.rate * s.durationS);
  const pool = await s.presign(count);
  const cpu0 = processCpuMs(target.pid);
  const t0 = performance.now() + 50;
  await Promise.all(
    pool.map(async (jws, i) => {
      const at = t0 + (i * 1000) / s.rate;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await order(jws);
      out.latencies.push(performance.now() - at);
    }),
  );
  out.openCpuMsPerApproval = (processCpuMs(target.pid) - cpu0) / count;
  log(
    `${target.label} open loop: ${count} orders at ${s.rate}/s, p50 ${median(out.latencies).toFixed(1)} ms, p99 ${percentile(out.latencies, 99).toFixed(1)} ms, ` +
      `server CPU ${out.openCpuMsPerApproval.toFixed(2)} ms per approval`,
  );
  return out;
}
