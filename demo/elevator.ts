/**
 * The elevator flow's part of `npm run demo`: a building gateway for
 * "EdgePay Tower" with the lobby terminal (a screen in the browser), its card
 * terminal (holding its own key for virtual cards, enrolled with the server's
 * sandbox issuer) and a goods elevator controller with two cars, both
 * simulators on the gateway's bus. A courier code for "Quick Delivery". The
 * residents of unit 1203 are the demo wallet's (seeded by demo.ts).
 *
 *   LOBBY_PORT=8082   the lobby terminal's port (0 when GATEWAY_PORT is 0)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectionRegistry, edgePayCollections } from '../core/index.ts';
import { COURIER_QR_PREFIX } from '../core/index.ts';
import { DeviceBusClient, newTerminalKey, startGatewayRuntime } from '../edge-services/index.ts';
import type { DemoFlow } from './context.ts';

const SITE = 'demo-tower-lobby';
const TERMINAL = 'demo-tower-lobby-terminal';
export const DEMO_COURIER_CODE = 'QUICK-7421';

type State = { gateway: { gatewayId: string; credential: string }; terminalKey: { privateKey: string; publicKey: string } };

export const elevatorDemo: DemoFlow = {
  name: 'elevator',
  async start(ctx) {
    const dir = join(ctx.dataDir, 'elevator');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const statePath = join(dir, 'state.json');
    const state: State = existsSync(statePath)
      ? JSON.parse(readFileSync(statePath, 'utf8'))
      : { gateway: await ctx.admin('/admin/gateways', { siteId: SITE, name: 'EdgePay Tower lobby' }), terminalKey: newTerminalKey() };
    writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
    await ctx.admin(`/admin/issuer/terminals/${TERMINAL}`, { publicKey: state.terminalKey.publicKey }, 'PUT');
    await ctx.admin(
      `/admin/elevator/sites/${SITE}`,
      { buildingId: ctx.demoWallet.buildingId, terminalId: TERMINAL, place: `${ctx.demoWallet.buildingName} lobby`, cardLifeSeconds: 300, answerSeconds: 120 },
      'PUT',
    );
    await ctx.admin('/admin/elevator/couriers', { code: DEMO_COURIER_CODE, merchantId: 'quick-delivery', merchantName: 'Quick Delivery' });

    const port = process.env.LOBBY_PORT ?? (process.env.GATEWAY_PORT === '0' ? '0' : '8082');
    const runtime = await startGatewayRuntime({
      dataDir: join(dir, 'gateway'),
      ledgerName: 'edgepay-lobby-ledger',
      // A second gateway in the demo's process: RxDB's open-source build allows 16 collections per process.
      collections: new CollectionRegistry(edgePayCollections.list().filter((c) => c.name === 'payments' || c.name === 'sites')),
      siteId: SITE,
      gatewayId: state.gateway.gatewayId,
      server: { url: ctx.server.url, credential: state.gateway.credential },
      devices: {
        simulators: {
          only: ['card-terminal', 'elevator'],
          options: {
            'card-terminal': { cardKey: state.terminalKey.privateKey, issuerUrl: ctx.server.url, issuerTerminalId: TERMINAL },
            elevator: { cars: 2, highestFloor: 30, floorTravelMs: 120, unloadTimeoutMs: 60_000 },
          },
        },
      },
      operatorPin: process.env.EDGEPAY_OPERATOR_PIN ?? '246810',
      http: { port: Number(port) },
      lobby: { currency: 'KRW' },
    });
    const sims = runtime.simulators!;
    // The lobby's QR scanner (a device on the bus, as the kiosk's): the demo's `qr` command is a courier showing their app.
    const scanner = DeviceBusClient.connect(runtime.bus.enrollNewDevice('lobby-scanner', 'scanner'), { model: 'demo lobby scanner', firmware: 'demo' });
    const resident = ctx.demoWallet.users.find((u) => u.role === 'resident')!;
    return {
      lines: [
        `lobby terminal  : ${runtime.api!.url}/lobby   (courier code ${DEMO_COURIER_CODE}, unit ${ctx.demoWallet.unit}, any amount)`,
        `orderer's phone : ${ctx.walletOrigin}/wallet/demo/${resident.userId}   (${resident.name}; payment password in README)`,
        `building gateway: ${state.gateway.gatewayId} (site ${SITE}), card terminal and goods elevator (2 cars) simulated`,
      ],
      commands: {
        qr: {
          usage: '"qr [code]" is a courier showing their company app\'s QR code to the lobby\'s scanner (default ' + DEMO_COURIER_CODE + ')',
          async run([code]) {
            await scanner.publish('scanner.scan', { code: COURIER_QR_PREFIX + (code ?? DEMO_COURIER_CODE), source: 'hid-pos', complete: true });
            return 'scanned';
          },
        },
        lift: {
          usage: '"lift take [car]" takes the goods out at the floor; "lift fault <car> on|off" puts a car out of service',
          async run([what, car, onOff]) {
            if (what === 'take') return sims.control('elevator', { action: 'take-goods', car: Number(car ?? runtime.lobby!.view().car?.car ?? 1) }) ? 'goods taken out' : 'no elevator';
            if (what === 'fault' && car) {
              sims.control('elevator', { action: 'fault', fault: 'out-of-service', active: onOff !== 'off', car: Number(car) });
              return `car ${car} ${onOff === 'off' ? 'back in service' : 'out of service'}`;
            }
            return `lobby: ${runtime.lobby!.view().step}`;
          },
        },
      },
      stop: async () => {
        await scanner.close().catch(() => undefined);
        await runtime.stop();
      },
    };
  },
};
