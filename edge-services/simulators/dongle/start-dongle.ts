/**
 * Starts a dongle simulator process and drives it over its HTTP control
 * (see dongle-main.ts): where it is (which readers hear it, how strongly),
 * its clock, and the code it would give the owner's phone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// The tsx loader, as the driver supervisor runs its children (TypeScript without a build step).
const TSX_LOADER = import.meta.resolve('tsx');
import type { DongleConfig } from './dongle.ts';

const ENTRY = fileURLToPath(new URL('./dongle-main.ts', import.meta.url));

export type DongleReader = { port: number; rssi: number };

export type DongleSimulator = {
  readonly url: string;
  readonly serial: string;
  readonly child: ChildProcess;
  code(): Promise<{ code: string; step: number }>;
  /** Which readers hear it and how strongly (an empty list: out of range of all). */
  moveTo(readers: DongleReader[]): Promise<void>;
  setClockOffset(ms: number): Promise<void>;
  setAdvertising(on: boolean): Promise<void>;
  stop(): Promise<void>;
};

export function startDongleSimulator(dongle: DongleConfig, options: { readers?: DongleReader[]; intervalMs?: number } = {}): Promise<DongleSimulator> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, JSON.stringify({ dongle, readers: options.readers ?? [], intervalMs: options.intervalMs ?? 100 })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('dongle simulator did not start')), 30_000);
    child.once('exit', (code) => reject(new Error('dongle simulator exited ' + code)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /DONGLE_URL=(\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      const control = async (body: unknown) => {
        const res = await fetch(url + '/control', { method: 'POST', body: JSON.stringify(body) });
        if (!res.ok) throw new Error('dongle control: ' + res.status);
      };
      resolve({
        url,
        serial: dongle.serial,
        child,
        code: async () => (await (await fetch(url + '/code')).json()) as { code: string; step: number },
        moveTo: (readers) => control({ readers }),
        setClockOffset: (ms) => control({ clockOffsetMs: ms }),
        setAdvertising: (on) => control({ advertising: on }),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
