import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError, type Envelope } from '../../core/index.ts';
import { startBus, type RunningBus } from '../bus/index.ts';
import { eventually } from '../bus/test-helpers.ts';
import { startDeviceSimulators, type DeviceSimulators } from './index.ts';

let gw: RunningBus;
let sims: DeviceSimulators;
const events: Envelope[] = [];
const of = (deviceId: string, type: string) => events.filter((e) => e.deviceId === deviceId && e.type === type);

before(async () => {
  gw = await startBus({ log: () => undefined });
  gw.bus.onEvent((e) => void events.push(e));
  sims = startDeviceSimulators(gw, {
    options: {
      'card-terminal': { stepMs: 20, cardTimeoutMs: 300 },
      elevator: { floorTravelMs: 20, doorMs: 20, lowestFloor: -1, highestFloor: 12 },
      'ble-reader': { intervalMs: 50, dongles: [{ deviceCode: 'DONGLE7F3A91', address: 'C4:7F:51:0A:22:19', rssi: -58 }] },
      'pos-agent': { submitMs: 20 },
      cart: { settleMs: 20 },
    },
  });
  await sims.ready(60_000);
});
after(async () => {
  await sims?.stop();
  await gw?.stop();
});

describe('device simulators, each its own process on the bus', () => {
  it('all five are running and said hello', async () => {
    assert.deepEqual(sims.status().map((s) => [s.deviceId, s.state]).sort(), [
      ['ble-1', 'running'], ['cart-1', 'running'], ['elevator-1', 'running'], ['pos-1', 'running'], ['terminal-1', 'running'],
    ]);
    await eventually(() => new Set(events.filter((e) => e.type === 'device.hello').map((e) => e.deviceId)).size === 5, 'five hellos');
  });

  it('card terminal: approves with a token and BIN/last 4, declines by test amount, answers lookups, never sends a card number', async () => {
    const approved = await gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-001', amount: { amount: 6_000, currency: 'EUR' } });
    assert.equal(approved.outcome, 'approved');
    assert.match(approved.token!, /^tok_/);
    assert.deepEqual([approved.bin, approved.last4], ['476173', '0010']);
    assert.deepEqual(of('terminal-1', 'terminal.card-presented').map((e) => e.payload['entry']), ['chip']);
    assert.equal(of('terminal-1', 'terminal.pin-entered').length, 1, 'a chip payment above the threshold asks for the PIN');
    const declined = await gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-002', amount: { amount: 1_251, currency: 'EUR' } });
    assert.deepEqual([declined.outcome, declined.declineReason, declined.token], ['declined', 'insufficient-funds', undefined]);
    assert.deepEqual(await gw.bus.command('terminal-1', 'terminal.lookup', { reference: 'ref-charge-001' }), approved);
    assert.equal((await gw.bus.command('terminal-1', 'terminal.lookup', { reference: 'ref-never-seen' })).outcome, 'unknown');
    const timedOut = await gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-003', amount: { amount: 199, currency: 'EUR' } });
    assert.equal(timedOut.outcome, 'timeout');
    const payloads = JSON.stringify([...events.filter((e) => e.deviceId === 'terminal-1').map((e) => e.payload), approved, declined, timedOut]);
    assert.ok(!/\d{13,19}/.test(payloads), 'no card-number-like digits in anything the terminal sent');
  });

  it('card terminal: refuses a second charge while one is in progress, and cancels', async () => {
    const slow = gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-010', amount: { amount: 2_099, currency: 'EUR' } });
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-011', amount: { amount: 100, currency: 'EUR' } }), (err) =>
      isEdgePayError(err, 'BUS_COMMAND_FAILED') && err.details?.['deviceCode'] === 'TERMINAL_BUSY');
    assert.deepEqual(await gw.bus.command('terminal-1', 'terminal.cancel', { reference: 'ref-charge-010' }), { reference: 'ref-charge-010', cancelled: true });
    assert.equal((await slow).outcome, 'cancelled');
  });

  it('elevator: carries a call floor by floor with doors and load, then refuses calls while out of service', async () => {
    const call = await gw.bus.command('elevator-1', 'elevator.call', { reference: 'ref-lift-0001', fromFloor: 0, toFloor: 4 });
    assert.equal(call.accepted, true);
    const arrived = await gw.bus.waitForEvent((e) => e.type === 'elevator.arrived' && e.payload['reference'] === 'ref-lift-0001', 20_000);
    assert.equal(arrived.payload['floor'], 4);
    assert.deepEqual(of('elevator-1', 'elevator.position').map((e) => e.payload['floor']), [1, 2, 3, 4]);
    assert.ok(of('elevator-1', 'elevator.door').some((e) => e.payload['state'] === 'open' && e.payload['floor'] === 0));
    assert.deepEqual(await gw.bus.command('elevator-1', 'elevator.call', { reference: 'ref-lift-0001', fromFloor: 0, toFloor: 4 }), call, 'the same reference is the same call');
    assert.equal((await gw.bus.command('elevator-1', 'elevator.status', {})).cars[0]?.floor, 4);

    assert.ok(sims.control('elevator', { action: 'fault', fault: 'out-of-service', active: true }));
    await eventually(() => of('elevator-1', 'elevator.fault').length === 1, 'the fault event');
    const refused = await gw.bus.command('elevator-1', 'elevator.call', { reference: 'ref-lift-0002', fromFloor: 4, toFloor: 0 });
    assert.deepEqual([refused.accepted, refused.reason], [false, 'out-of-service']);
    sims.control('elevator', { action: 'fault', fault: 'out-of-service', active: false });
  });

  it('BLE reader: reports advertisements with device code and signal strength once scanning, above the threshold', async () => {
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(of('ble-1', 'ble.advertisement').length, 0, 'silent until asked to scan');
    assert.deepEqual(await gw.bus.command('ble-1', 'ble.scan', { enabled: true, minRssi: -90 }), { scanning: true, minRssi: -90 });
    const ad = await gw.bus.waitForEvent((e) => e.type === 'ble.advertisement', 10_000);
    assert.equal(ad.payload['deviceCode'], 'DONGLE7F3A91');
    assert.ok(Math.abs((ad.payload['rssi'] as number) + 58) <= 4);
    sims.control('ble-reader', { action: 'add-dongle', dongle: { deviceCode: 'FARAWAY00001', address: 'C4:7F:51:0A:22:20', rssi: -100 } });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!of('ble-1', 'ble.advertisement').some((e) => e.payload['deviceCode'] === 'FARAWAY00001'), 'too weak for the threshold');
    await gw.bus.command('ble-1', 'ble.scan', { enabled: false });
  });

  it('POS agent: lists its fields, submits a valid code and reports the POS answer, refuses unknown apps and bad codes', async () => {
    const { fields } = await gw.bus.command('pos-1', 'pos.fields', {});
    assert.ok(fields.some((f) => f.appId === 'coffee-app'));
    const entered = await gw.bus.command('pos-1', 'pos.enter-code', { reference: 'ref-relay-0001', appId: 'coffee-app', code: '123456789012345', submit: true });
    assert.equal(entered.accepted, true);
    const submitted = await gw.bus.waitForEvent((e) => e.type === 'pos.submitted' && e.payload['reference'] === 'ref-relay-0001', 10_000);
    assert.equal(submitted.payload['posReference'], entered.posReference);
    const unknown = await gw.bus.command('pos-1', 'pos.enter-code', { reference: 'ref-relay-0002', appId: 'no-such-app', code: '1', submit: true });
    assert.deepEqual([unknown.accepted, unknown.reason], [false, 'unknown-app']);
    const bad = await gw.bus.command('pos-1', 'pos.enter-code', { reference: 'ref-relay-0003', appId: 'membership', code: 'X1', submit: true });
    assert.deepEqual([bad.accepted, bad.reason], [false, 'invalid-code']);
  });

  it('cart: an item put in gives a frame, detections and a settled weight; unlock after payment', async () => {
    assert.ok(sims.control('cart', { action: 'add-item', label: 'baguette' }));
    const stable = await gw.bus.waitForEvent((e) => e.type === 'cart.weight' && e.payload['stable'] === true, 10_000);
    assert.equal(stable.payload['grams'], 250);
    const frame = of('cart-1', 'cart.frame')[0]!;
    assert.equal(Buffer.from(frame.payload['data'] as string, 'base64').length, 16 * 16 * 3);
    assert.deepEqual(of('cart-1', 'cart.detections')[0]!.payload['frameId'], frame.payload['frameId']);
    assert.deepEqual(await gw.bus.command('cart-1', 'cart.unlock', { reference: 'ref-cart-0001' }), { reference: 'ref-cart-0001', unlocked: true });
  });

  it('nothing the simulators sent was dropped by the gateway', () => {
    assert.equal(gw.bus.metrics().dropped, 0, JSON.stringify(gw.bus.metrics()));
  });
});
