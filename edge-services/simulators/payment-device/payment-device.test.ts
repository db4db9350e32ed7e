/**
 * The card-less payment device simulator as its own process on the bus: a
 * person asking to pay is an event; the display shows (and echoes) what the
 * gateway sends, the presence number included; a payment is released once;
 * a malformed presence number is refused by the contract before it reaches it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope } from '../../../core/index.ts';
import { startBus, type RunningBus } from '../../bus/index.ts';
import { eventually } from '../../bus/test-helpers.ts';
import { startDeviceSimulators, type DeviceSimulators } from '../index.ts';

let gw: RunningBus;
let sims: DeviceSimulators;
const events: Envelope[] = [];
const of = (type: string) => events.filter((e) => e.deviceId === 'paydev-1' && e.type === type);

before(async () => {
  gw = await startBus({ log: () => undefined });
  gw.bus.onEvent((e) => void events.push(e));
  sims = startDeviceSimulators(gw, { only: ['payment-device'] });
  await sims.ready(60_000);
});
after(async () => {
  await sims?.stop();
  await gw?.stop();
});

describe('card-less payment device simulator (two-channel)', () => {
  it('asks to pay, shows the presence number, releases once per payment', async () => {
    assert.ok(sims.control('payment-device', { action: 'pay', amount: 50_000 }));
    await eventually(() => of('paydev.pay-wanted').length === 1, 'pay-wanted');
    assert.deepEqual(of('paydev.pay-wanted')[0]!.payload, { amount: 50_000 });

    assert.deepEqual(await gw.bus.command('paydev-1', 'paydev.show', { screen: 'asking-phone', presence: '47', amount: 50_000 }), { shown: 'asking-phone' });
    await eventually(() => of('paydev.displayed').length === 1, 'displayed');
    assert.deepEqual(of('paydev.displayed')[0]!.payload, { screen: 'asking-phone', presence: '47', amount: 50_000 });

    const paymentId = '01900000-0000-7000-8000-0000000000aa';
    assert.deepEqual(await gw.bus.command('paydev-1', 'paydev.release', { paymentId, amount: 50_000 }), { released: 'yes' });
    assert.deepEqual(await gw.bus.command('paydev-1', 'paydev.release', { paymentId, amount: 50_000 }), { released: 'already' });
    await eventually(() => of('paydev.released').length === 1, 'released');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(of('paydev.released').length, 1, 'released once');

    await assert.rejects(gw.bus.command('paydev-1', 'paydev.show', { screen: 'asking-phone', presence: '4x' } as never));
    assert.equal(of('paydev.displayed').length, 1);
  });
});
