/**
 * The demo's two-channel part: a fuel pump and a parking gate of the demo
 * store (each a BLE reader simulator on its own device bus, listening on the
 * simulated air, with the flow's payment device), and one dongle (a
 * simulator process) made, registered with the server by its "maker", and
 * parked at the pump. The first resident pairs it in the wallet (Dongle tab)
 * with its serial and the code `dongle` prints, then `pump 50000` asks them to
 * confirm on the phone with the number the pump shows and the dongle's code.
 *
 * The OTP keys and the dongle's secrets are kept in <dataDir>/two-channel/
 * (owner only), so the pairing survives a restart of the demo.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { formatMoney, twoChannel } from '../core/index.ts';
import { startBus, startDeviceSimulators, startDongleSimulator, twoChannelDevice, type DongleSimulator, type RunningBus, type DeviceSimulators } from '../edge-services/index.ts';
import { newOtpKeyText } from '../server/index.ts';
import type { DemoContext, DemoFlow, DemoPart } from './context.ts';
import { createServer } from 'node:net';

type State = { otpKeys: string; dongle: { serial: string; identityKey: string; otpSecret: string } };

function loadState(dir: string): State {
  const file = join(dir, 'state.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as State;
  const serial = `EPDG-${Math.random().toString(36).slice(2, 6).toUpperCase().padEnd(4, 'X')}-DEMO-0001`;
  const state: State = {
    otpKeys: newOtpKeyText('demo1'),
    dongle: { serial, identityKey: twoChannel.toHex(crypto.getRandomValues(new Uint8Array(16))).toLowerCase(), otpSecret: new OTPAuth.Secret({ size: 20 }).base32 },
  };
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

const freeUdpPort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

type Device = { bus: RunningBus; sims: DeviceSimulators; device: twoChannelDevice.TwoChannelPaymentDevice; airPort: number; label: string };

async function startDevice(ctx: DemoContext, place: { kind: twoChannel.TwoChannelPlaceKind; label: string }): Promise<Device> {
  const airPort = await freeUdpPort();
  const bus = await startBus();
  // The reader and the card-less payment device (display, release) on the device's own bus.
  const sims = startDeviceSimulators(bus, { only: ['ble-reader', 'payment-device'], options: { 'ble-reader': { airPort, reportEveryMs: 200 } } });
  await sims.ready();
  const device = await twoChannelDevice.TwoChannelPaymentDevice.start({
    bus: bus.bus,
    readerId: 'ble-1',
    displayId: 'paydev-1',
    server: { url: ctx.server.url, credential: ctx.gateway.credential },
    place,
    merchantName: 'EdgePay demo store',
    currency: 'KRW',
  });
  return { bus, sims, device, airPort, label: place.label };
}

export const twoChannelDemo: DemoFlow = {
  name: 'two-channel',
  async start(ctx: DemoContext): Promise<DemoPart> {
    const dir = join(ctx.dataDir, 'two-channel');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const state = loadState(dir);
    // The server reads its OTP keys from the environment when it first needs them.
    process.env.EDGEPAY_OTP_KEYS ??= state.otpKeys;
    await ctx.admin(twoChannel.TWO_CHANNEL_PATHS.adminDongles, state.dongle).catch((err: Error) => {
      if (!/TWO_CHANNEL_DONGLE_EXISTS/.test(err.message)) throw err;
    });
    const [pump, gate] = await Promise.all([startDevice(ctx, { kind: 'fuel-pump', label: 'Pump 2' }), startDevice(ctx, { kind: 'parking-gate', label: 'Parking gate' })]);
    const dongle: DongleSimulator = await startDongleSimulator({ ...state.dongle, txPower: -8 }, { readers: [{ port: pump.airPort, rssi: -50 }], intervalMs: 200 });
    const money = (amount: number) => formatMoney({ amount, currency: 'KRW' }, 'ko-KR');

    const pay = (d: Device) => ({
      usage: `${d === pump ? 'pump' : 'gate'} <amount>: the ${d.label} asks the owner of the dongle it hears to confirm on the phone`,
      async run(args: string[]) {
        const amount = Number(args[0] ?? (d === pump ? 50_000 : 3_000));
        if (!Number.isInteger(amount) || amount <= 0) return 'usage: an amount in won, e.g. 50000';
        // What the device's display shows and whether it released, as its bus events say.
        const offBus = d.bus.bus.onEvent((e) => {
          const p = e.payload as { screen?: string; presence?: string; paymentId?: string };
          if (e.type === 'paydev.displayed' && p.screen === 'asking-phone')
            ctx.log(`${d.label} shows ${p.presence}: confirm ${money(amount)} in the wallet with ${p.presence} and the dongle's code (type "dongle")`);
          if (e.type === 'paydev.released') ctx.log(`${d.label}: ${d === pump ? 'fuel released' : 'barrier open'} (payment ${p.paymentId})`);
        });
        const stop = d.device.onState((s) => {
          if (s.phase === 'idle' || s.phase === 'asking-phone') return;
          stop();
          setTimeout(offBus, 2_000);
          if (s.phase === 'authorised') ctx.log(`${d.label}: authorised, ${money(amount)} paid with the dongle`);
          else if (s.phase === 'declined') ctx.log(`${d.label}: not paid (${s.reason})`);
          else ctx.log(`${d.label}: ${s.message}`);
        });
        // The person at the device asks to pay (the simulator's control): the device tells the gateway over the bus.
        d.sims.control('payment-device', { action: 'pay', amount });
        return `${d.label}: looking for a dongle…`;
      },
    });
    return {
      lines: [
        `dongle ${state.dongle.serial} (simulator ${dongle.url}/code) parked at Pump 2; pair it in the wallet's Dongle tab: ${ctx.walletOrigin}/wallet/demo/${ctx.demoWallet.users[0]?.userId ?? ''}`,
        'pump <amount> / gate <amount>: pay by dongle; drive pump|gate|away moves the car; dongle prints its code',
      ],
      commands: {
        pump: pay(pump),
        gate: pay(gate),
        dongle: {
          usage: "prints the dongle's serial and the code it shows now (its second channel)",
          async run() {
            const { code } = await dongle.code();
            return `dongle ${state.dongle.serial}: code ${code}`;
          },
        },
        drive: {
          usage: 'pump|gate|away: where the car with the dongle is',
          async run(args) {
            const to = args[0];
            const readers = to === 'pump' ? [{ port: pump.airPort, rssi: -50 }] : to === 'gate' ? [{ port: gate.airPort, rssi: -55 }] : [];
            await dongle.moveTo(readers);
            return readers.length ? `the car is at the ${to}` : 'the car drove away';
          },
        },
      },
      async stop() {
        await dongle.stop();
        for (const d of [pump, gate]) {
          await d.device.stop();
          await d.sims.stop();
          await d.bus.stop();
        }
      },
    };
  },
};
