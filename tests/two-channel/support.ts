/**
 * What the two-channel end-to-end test and bench start: server processes on
 * one PostgreSQL database (server-main.ts), a payment device (a gateway
 * runtime with its BLE reader simulator listening on the simulated air, and
 * the flow's TwoChannelPaymentDevice), and dongle simulator processes
 * provisioned through the maker's admin route.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { twoChannel, type twoChannel as TC } from '../../core/index.ts';
import { startDongleSimulator, type twoChannelDevice, type DongleSimulator } from '../../edge-services/index.ts';
import { twoChannelAdmin as admin } from '../../bench/index.ts';

export { twoChannelAdmin as admin, startPaymentDevice, type PaymentDeviceSite } from '../../bench/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');

export type ServerChild = { url: string; origin: string; child: ChildProcess; stop(): Promise<void> };

export function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error('server not ready:\n' + err)), 60_000);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${err}`)));
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /EDGEPAY_SERVER_URL=(\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      resolve({
        url,
        origin: url.replace('127.0.0.1', 'localhost'),
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

export type TestDongleSim = DongleSimulator & { identityKey: Uint8Array; exponent: number };

/** A dongle made, registered by its maker, and started as a process (heard by no reader yet). */
export async function makeDongle(serverUrl: string, adminToken: string, serial: string, exponent = twoChannel.DEFAULT_ROTATION_EXPONENT): Promise<TestDongleSim> {
  const identityKey = crypto.getRandomValues(new Uint8Array(16));
  const otpSecret = new OTPAuth.Secret({ size: 20 }).base32;
  const identityHex = twoChannel.toHex(identityKey).toLowerCase();
  await admin(serverUrl, adminToken, twoChannel.TWO_CHANNEL_PATHS.adminDongles, { serial, identityKey: identityHex, otpSecret, rotationExponent: exponent });
  const sim = await startDongleSimulator({ serial, identityKey: identityHex, otpSecret, rotationExponent: exponent, txPower: -8 });
  return Object.assign(sim, { identityKey, exponent });
}

/** Waits until the device hears a code (the advertisements went through the air, the reader's driver and the bus). */
export async function untilHeard(device: twoChannelDevice.TwoChannelPaymentDevice, code: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!device.sightings.inRange(Date.now()).some((s) => s.code === code)) {
    if (Date.now() > end) throw new Error('not heard: ' + code);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const currentCode = (d: TestDongleSim) => twoChannel.ephemeralIdHex(d.identityKey, twoChannel.windowOf(Date.now() / 1000, d.exponent), d.exponent);
