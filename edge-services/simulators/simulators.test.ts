import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError, type Envelope } from '../../core/index.ts';
import { startBus, type RunningBus } from '../bus/index.ts';
import { eventually } from '../bus/test-helpers.ts';
import { startDeviceSimulators, type DeviceSimulators } from './index.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReceipt, type PaymentDoc } from '../../core/index.ts';
import { decodeEscPos, receiptEscPos } from '../receipts/index.ts';

/** A captured card payment with two products and a discount (a test's own, as core's fixtures stay inside core). */
function examplePayment(): PaymentDoc {
  const createdAt = '2025-03-01T09:30:00.000Z';
  return {
    id: '0195520a-8f40-7000-8000-00000000c0de',
    siteId: 'site-seoul-1',
    gatewayId: 'gw-01',
    flow: 'kiosk',
    amount: 7000,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [
      { productId: 'p-cola', sku: 'COLA-500', barcode: '8801094000000', name: 'Cola 500ml', quantity: 2, unitAmount: 2000, lineAmount: 4000 },
      { productId: 'p-chips', name: 'Chips', quantity: 1, unitAmount: 3500, lineAmount: 3500 },
      { name: 'Member discount', quantity: 1, unitAmount: -500, lineAmount: -500 },
    ],
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    createdAt,
    offline: false,
    status: 'captured',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

const printerOut = mkdtempSync(join(tmpdir(), 'edgepay-printer-'));

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
      printer: { outDir: printerOut },
    },
  });
  await sims.ready(60_000);
});
after(async () => {
  await sims?.stop();
  await gw?.stop();
  rmSync(printerOut, { recursive: true, force: true });
});

describe('device simulators, each its own process on the bus', () => {
  it('all six are running and said hello', async () => {
    assert.deepEqual(
      sims
        .status()
        .map((s) => [s.deviceId, s.state])
        .sort(),
      [
        ['ble-1', 'running'],
        ['cart-1', 'running'],
        ['elevator-1', 'running'],
        ['pos-1', 'running'],
        ['printer-1', 'running'],
        ['terminal-1', 'running'],
      ],
    );
    await eventually(() => new Set(events.filter((e) => e.type === 'device.hello').map((e) => e.deviceId)).size === 6, 'six hellos');
  });

  it('receipt printer: prints a Korean receipt byte for byte, once per reference; refuses bytes it does not understand and prints nothing without paper', async () => {
    const payment = { ...examplePayment(), approvalCode: 'A1B2C3' };
    const receipt = buildReceipt(payment, { name: '편의점 성수점', timezone: 'Asia/Seoul', locale: 'ko-KR' }, { url: 'https://pay.example/receipts/x' });
    const bytes = receiptEscPos(receipt);
    const data = Buffer.from(bytes).toString('base64');
    const first = await gw.bus.command('printer-1', 'printer.print', { reference: 'receipt-0001', data });
    assert.deepEqual(first, { reference: 'receipt-0001', printed: true, bytes: bytes.length });
    assert.deepEqual(await gw.bus.command('printer-1', 'printer.print', { reference: 'receipt-0001', data }), first);
    // What the printer kept is the bytes sent, and its text is what the encoder meant.
    assert.deepEqual(new Uint8Array(readFileSync(join(printerOut, 'receipt-0001.bin'))), bytes);
    const printed = readFileSync(join(printerOut, 'receipt-0001.txt'), 'utf8');
    assert.match(printed, /편의점 성수점/);
    assert.match(printed, /\[QR https:\/\/pay\.example\/receipts\/x\]/);
    assert.deepEqual(
      decodeEscPos(bytes)
        .lines.map((l) => l.text)
        .join('\n') + '\n[QR https://pay.example/receipts/x]\n',
      printed,
    );

    const garbage = Buffer.from([0x1b, 0x40, 0x1b, 0x7f, 0x0a, 0x1d, 0x56, 0x41, 0x03]).toString('base64');
    assert.deepEqual(await gw.bus.command('printer-1', 'printer.print', { reference: 'receipt-0002', data: garbage }), { reference: 'receipt-0002', printed: false, bytes: 0, error: 'bad-command' });
    const uncut = Buffer.from(bytes.subarray(0, bytes.length - 4)).toString('base64');
    assert.equal((await gw.bus.command('printer-1', 'printer.print', { reference: 'receipt-0003', data: uncut })).error, 'bad-command');
    sims.control('printer', { paper: 'out' });
    await eventually(() => of('printer-1', 'printer.paper').length === 1, 'paper event');
    assert.equal((await gw.bus.command('printer-1', 'printer.print', { reference: 'receipt-0004', data })).error, 'paper-out');
    sims.control('printer', { paper: 'ok' });
  });

  it('card terminal: approves with a token and BIN/last 4, declines by test amount, answers lookups, never sends a card number', async () => {
    const approved = await gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-001', amount: { amount: 6_000, currency: 'EUR' } });
    assert.equal(approved.outcome, 'approved');
    assert.match(approved.token!, /^tok_/);
    assert.deepEqual([approved.bin, approved.last4], ['476173', '0010']);
    assert.deepEqual(
      of('terminal-1', 'terminal.card-presented').map((e) => e.payload['entry']),
      ['chip'],
    );
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
    await assert.rejects(
      gw.bus.command('terminal-1', 'terminal.charge', { reference: 'ref-charge-011', amount: { amount: 100, currency: 'EUR' } }),
      (err) => isEdgePayError(err, 'BUS_COMMAND_FAILED') && err.details?.['deviceCode'] === 'TERMINAL_BUSY',
    );
    assert.deepEqual(await gw.bus.command('terminal-1', 'terminal.cancel', { reference: 'ref-charge-010' }), { reference: 'ref-charge-010', cancelled: true });
    assert.equal((await slow).outcome, 'cancelled');
  });

  it('elevator: carries a call floor by floor with doors and load, then refuses calls while out of service', async () => {
    const call = await gw.bus.command('elevator-1', 'elevator.call', { reference: 'ref-lift-0001', fromFloor: 0, toFloor: 4 });
    assert.equal(call.accepted, true);
    const arrived = await gw.bus.waitForEvent((e) => e.type === 'elevator.arrived' && e.payload['reference'] === 'ref-lift-0001', 20_000);
    assert.equal(arrived.payload['floor'], 4);
    assert.deepEqual(
      of('elevator-1', 'elevator.position').map((e) => e.payload['floor']),
      [1, 2, 3, 4],
    );
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
