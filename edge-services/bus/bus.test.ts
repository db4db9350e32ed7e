import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { isEdgePayError, uuidV7, type Envelope } from '../../core/index.ts';
import { deriveMacKey } from './curve-keys.ts';
import { DeviceBusClient, DeviceCommandError } from './device-client.ts';
import { EnrolledDevices } from './enrolled-devices.ts';
import { GatewayBus } from './gateway-bus.ts';
import { startBus, type RunningBus } from './start-bus.ts';
import { eventually, freePort, portIsFree } from './test-helpers.ts';
import { encodeFrames, makeEnvelope } from './wire.ts';
import { startZapHandler, type ZapDecision } from './zap-handler.ts';

const HELLO = { model: 'test', firmware: '1.0' };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function bus(options: Parameters<typeof startBus>[0] = {}): Promise<RunningBus & { decisions: ZapDecision[]; logLines: string[] }> {
  const decisions: ZapDecision[] = [];
  const logLines: string[] = [];
  const running = await startBus({ onZapDecision: (d) => decisions.push(d), log: (line) => logLines.push(line), ...options });
  cleanups.push(() => running.stop());
  return Object.assign(running, { decisions, logLines });
}
function device(credentials: Parameters<typeof DeviceBusClient.connect>[0]): DeviceBusClient {
  const client = DeviceBusClient.connect(credentials, HELLO);
  cleanups.push(() => client.close());
  return client;
}

describe('device bus over real CURVE sockets', () => {
  it('carries validated events and commands whose replies match by id', async () => {
    const gw = await bus();
    const cart = device(gw.enrollNewDevice('cart-1', 'cart'));
    let tares = 0;
    cart.handle('cart.tare', () => ({ grams: ++tares * 10 }));
    cart.handle('cart.unlock', ({ reference }) => {
      if (reference === 'ref-refused') throw new DeviceCommandError('CART_MOVING', 'the cart is moving');
      return { reference, unlocked: true };
    });
    const weight = gw.bus.waitForEvent((e) => e.type === 'cart.weight', 10_000);
    await cart.whenSubscribed(10_000);
    await cart.publish('cart.weight', { grams: 1520, stable: true });
    const event = await weight;
    assert.deepEqual(event.payload, { grams: 1520, stable: true });
    assert.equal(event.deviceId, 'cart-1');

    // Concurrent commands: each reply resolves its own command.
    const [a, b] = await Promise.all([gw.bus.command('cart-1', 'cart.unlock', { reference: 'ref-aaaaaaaa' }), gw.bus.command('cart-1', 'cart.unlock', { reference: 'ref-bbbbbbbb' })]);
    assert.equal(a.reference, 'ref-aaaaaaaa');
    assert.equal(b.reference, 'ref-bbbbbbbb');
    assert.deepEqual(await gw.bus.command('cart-1', 'cart.tare', {}), { grams: 10 });
    await assert.rejects(gw.bus.command('cart-1', 'cart.unlock', { reference: 'ref-refused' }), (err) => {
      assert.ok(isEdgePayError(err, 'BUS_COMMAND_FAILED'));
      assert.equal(err.details?.['deviceCode'], 'CART_MOVING');
      return true;
    });
    // A command this kind of device does not take never leaves the gateway.
    await assert.rejects(gw.bus.command('cart-1', 'terminal.lookup', { reference: 'ref-aaaaaaaa' }), (err) => isEdgePayError(err, 'BUS_MESSAGE_INVALID'));
    assert.ok(gw.bus.presence().some((p) => p.deviceId === 'cart-1'));
    // One admission per socket (more only if a connection had to be re-established on a stalled machine).
    assert.ok(gw.decisions.length >= 2);
    assert.ok(
      gw.decisions.every((d) => d.admitted && d.deviceId === 'cart-1'),
      JSON.stringify(gw.decisions),
    );
  });

  it('refuses a device whose key is not enrolled, even when it claims an enrolled id', async () => {
    const gw = await bus();
    const genuine = gw.enrollNewDevice('ble-1', 'ble-reader');
    const forgedKeys = zmq.curveKeyPair();
    const impostor = device({ ...genuine, publicKey: forgedKeys.publicKey, secretKey: forgedKeys.secretKey });
    await eventually(() => gw.decisions.filter((d) => !d.admitted).length >= 2, 'the ZAP handler to refuse both sockets');
    assert.ok(gw.decisions.every((d) => !d.admitted && d.reason === 'key not enrolled'));
    void impostor.publish('ble.advertisement', { deviceCode: 'DONGLE0001', rssi: -60, address: 'AA:BB:CC:DD:EE:01' });
    await assert.rejects(gw.bus.command('ble-1', 'ble.scan', { enabled: true }, { timeoutMs: 300 }), (err) => isEdgePayError(err, 'BUS_DEVICE_NOT_CONNECTED'));
    assert.equal(impostor.subscribed, false, 'the gateway never subscribed through a refused connection');
    assert.equal(gw.bus.metrics().received, 0);
    assert.deepEqual(gw.bus.presence(), []);
  });

  it('drops a revoked device at once and refuses its reconnection; other devices carry on', async () => {
    const gw = await bus();
    const revoked = device(gw.enrollNewDevice('pos-1', 'pos-agent'));
    const kept = device(gw.enrollNewDevice('pos-2', 'pos-agent'));
    for (const client of [revoked, kept]) client.handle('pos.fields', () => ({ fields: [{ appId: 'coffee-app', label: 'Coffee' }] }));
    await revoked.whenSubscribed(10_000);
    await kept.whenSubscribed(10_000);
    assert.equal((await gw.bus.command('pos-1', 'pos.fields', {})).fields.length, 1);

    const refusalsBefore = gw.decisions.filter((d) => !d.admitted).length;
    assert.equal(await gw.bus.revoke('pos-1'), true);
    // Its connection is gone: the XPUB sees the gateway unsubscribe, and ZAP refuses the reconnection.
    await eventually(() => !revoked.subscribed, 'the revoked device to lose its subscription');
    await eventually(() => gw.decisions.filter((d) => !d.admitted && d.reason === 'key not enrolled').length > refusalsBefore, 'the reconnection to be refused');
    await assert.rejects(gw.bus.command('pos-1', 'pos.fields', {}), (err) => isEdgePayError(err, 'BUS_DEVICE_UNKNOWN'));
    const receivedBefore = gw.bus.metrics().received;
    await revoked.publish('pos.submitted', { reference: 'ref-aaaaaaaa', appId: 'coffee-app', posReference: 'P1', outcome: 'accepted' });

    // The other device reconnects by itself and is served again.
    await kept.whenSubscribed(10_000);
    const fields = await gw.bus.command('pos-2', 'pos.fields', {}, { timeoutMs: 2_000, retries: 5 });
    assert.equal(fields.fields[0]?.appId, 'coffee-app');
    const submitted = gw.bus.waitForEvent((e) => e.type === 'pos.submitted', 10_000);
    await kept.publish('pos.submitted', { reference: 'ref-bbbbbbbb', appId: 'coffee-app', posReference: 'P2', outcome: 'accepted' });
    assert.equal((await submitted).deviceId, 'pos-2', "the revoked device's event never arrived, the kept one did");
    assert.ok(gw.bus.metrics().received > receivedBefore);
    assert.ok(!gw.bus.presence().some((p) => p.deviceId === 'pos-1'));
  });

  it('opens no socket without a running ZAP handler on its own context (fail closed)', async () => {
    const context = new zmq.Context();
    const devices = new EnrolledDevices();
    const keys = zmq.curveKeyPair();
    const port = await freePort();
    const endpoint = `tcp://127.0.0.1:${port}`;
    const attempt = (zap: Parameters<typeof GatewayBus.open>[0]['zap'], ctx = context) => GatewayBus.open({ context: ctx, zap, devices, keys, commandEndpoint: endpoint, eventEndpoint: endpoint });
    await assert.rejects(attempt(undefined), (err) => isEdgePayError(err, 'BUS_ZAP_HANDLER_MISSING'));
    const otherContext = new zmq.Context();
    const foreignZap = await startZapHandler({ context: otherContext, devices });
    await assert.rejects(attempt(foreignZap), (err) => isEdgePayError(err, 'BUS_ZAP_HANDLER_MISSING'), 'a handler on another context never sees our handshakes');
    await foreignZap.stop();
    const stoppedZap = await startZapHandler({ context, devices });
    await stoppedZap.stop();
    await assert.rejects(attempt(stoppedZap), (err) => isEdgePayError(err, 'BUS_ZAP_HANDLER_MISSING'));
    assert.equal(await portIsFree(port), true, 'nothing listens on the endpoint');
  });

  it('refuses new handshakes if the ZAP handler dies after the bus opened', async () => {
    const gw = await bus();
    await gw.zap.stop();
    const late = device(gw.enrollNewDevice('ble-2', 'ble-reader'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(late.subscribed, false);
    await assert.rejects(gw.bus.command('ble-2', 'ble.scan', { enabled: true }, { timeoutMs: 200 }), (err) => isEdgePayError(err, 'BUS_DEVICE_NOT_CONNECTED'));
  });

  it('drops and counts malformed, oversized, forged and invalid messages, logs once a minute per device, and keeps serving', async () => {
    const gw = await bus({ maxMessageBytes: 16 * 1024 });
    const scanner = device(gw.enrollNewDevice('scanner-1', 'scanner'));
    const cart = device(gw.enrollNewDevice('cart-1', 'cart'));
    await scanner.whenSubscribed(10_000);
    await cart.whenSubscribed(10_000);

    const valid = (type: string, payload: object, deviceId = 'scanner-1') => Buffer.from(JSON.stringify(makeEnvelope(type, deviceId, payload)));
    const scan = { code: '4006381333931', source: 'hid-pos', complete: true };
    await scanner.sendRawEvent(await scanner.macFor(Buffer.from('{not json')));
    await scanner.sendRawEvent([Buffer.from('one frame only')]);
    await scanner.sendRawEvent(await scanner.macFor(Buffer.from(JSON.stringify({ v: 1, type: 'scanner.scan' }))));
    await scanner.sendRawEvent(await scanner.macFor(valid('scanner.scan', { ...scan, code: 'x'.repeat(20_000) })));
    await scanner.sendRawEvent(await scanner.macFor(valid('scanner.scan', { ...scan, complete: 'yes' })));
    await scanner.sendRawEvent(await scanner.macFor(valid('scanner.teleport', {})));
    await scanner.sendRawEvent(await scanner.macFor(valid('cart.weight', { grams: 1, stable: true })));
    // An enrolled device speaking for another one: its MAC is under the wrong key.
    await scanner.sendRawEvent(await scanner.macFor(valid('cart.weight', { grams: 1, stable: true }, 'cart-1')));
    await scanner.sendRawEvent([valid('scanner.scan', scan), Buffer.alloc(32)]);

    const good = gw.bus.waitForEvent((e) => e.type === 'scanner.scan', 10_000);
    await scanner.publish('scanner.scan', { code: '4006381333931', symbology: ']E0', source: 'hid-pos', complete: true });
    assert.equal((await good).payload['code'], '4006381333931', 'the bus still serves after the garbage');

    const metrics = gw.bus.metrics();
    assert.deepEqual(metrics.droppedByReason, {
      malformed: 2,
      envelope: 1,
      oversized: 1,
      payload: 1,
      'unknown-type': 1,
      'wrong-device': 1,
      unauthenticated: 2,
    });
    assert.equal(metrics.dropped, 9);
    // Garbage without a readable device id (not JSON, wrong frames, no envelope, too big to parse) has no sender to name.
    assert.deepEqual(metrics.droppedByDevice, { '(unknown)': 4, 'scanner-1': 4, 'cart-1': 1 });
    // One log line per claimed sender within the minute, not one per message.
    assert.equal(gw.logLines.length, 3, gw.logLines.join('\n'));
    assert.equal(metrics.logLinesWritten, 3);
    assert.ok(
      gw.logLines.every((line) => !line.includes('4006381333931')),
      'payload values are never logged',
    );
  });

  it('drops and counts replayed, stale and future-dated messages (one scan is acted on once), and takes fresh ones', async () => {
    const gw = await bus();
    const scanner = device(gw.enrollNewDevice('scanner-5', 'scanner'));
    await scanner.whenSubscribed(10_000);
    const codes: string[] = [];
    gw.bus.onEvent((e) => {
      if (e.type === 'scanner.scan') codes.push(e.payload['code'] as string);
    });
    const scan = (code: string) => ({ code, source: 'hid-pos' as const, complete: true });
    const signed = (envelope: Envelope<object>) => scanner.macFor(Buffer.from(JSON.stringify(envelope)));

    // The same MAC'd message three times (a replay needs no key: the bytes are enough), then again inside a batch.
    const once = await signed(makeEnvelope('scanner.scan', 'scanner-5', scan('once')));
    for (let i = 0; i < 3; i++) await scanner.sendRawEvent(once);
    const twin = JSON.stringify(makeEnvelope('scanner.scan', 'scanner-5', scan('twin')));
    await scanner.sendRawEvent(await scanner.macFor(Buffer.from([twin, twin, once[0].toString()].join('\n'))));
    // Signed and well-formed, but dated outside the window: 31 s old, 60 s ahead.
    await scanner.sendRawEvent(await signed({ ...makeEnvelope('scanner.scan', 'scanner-5', scan('stale')), ts: Date.now() - 31_000 }));
    await scanner.sendRawEvent(await signed({ ...makeEnvelope('scanner.scan', 'scanner-5', scan('future')), ts: Date.now() + 60_000 }));
    await scanner.publish('scanner.scan', scan('fresh'));
    await eventually(() => codes.includes('fresh'), 'a fresh scan after the replays');

    assert.deepEqual(codes, ['once', 'twin', 'fresh'], 'each message acted on once; nothing stale');
    const metrics = gw.bus.metrics();
    assert.deepEqual(metrics.droppedByReason, { replayed: 4, stale: 2 });
    assert.deepEqual(metrics.droppedByDevice, { 'scanner-5': 6 });
    assert.ok(
      gw.logLines.some((line) => line.includes('replayed')),
      gw.logLines.join('\n'),
    );
    assert.ok(
      gw.logLines.every((line) => !line.includes('once') && !line.includes('twin')),
      'payload values are never logged',
    );
  });

  it('counts the handshakes it refuses: keys not enrolled (ZAP) and a client pinning another gateway key (CURVE)', async () => {
    const gw = await bus();
    const genuine = gw.enrollNewDevice('ble-5', 'ble-reader');
    assert.equal(gw.bus.metrics().handshakesRefused, 0);
    const stranger = zmq.curveKeyPair();
    device({ ...genuine, publicKey: stranger.publicKey, secretKey: stranger.secretKey });
    await eventually(() => (gw.bus.metrics().handshakesRefusedByReason.auth ?? 0) >= 2, 'both sockets of the stranger to be refused and counted');
    const otherGateway = zmq.curveKeyPair();
    device({ ...genuine, deviceId: 'ble-6', gatewayPublicKey: otherGateway.publicKey });
    await eventually(() => (gw.bus.metrics().handshakesRefusedByReason.protocol ?? 0) >= 2, 'the mis-keyed handshakes to be refused and counted');
    const metrics = gw.bus.metrics();
    assert.equal(
      metrics.handshakesRefused,
      Object.values(metrics.handshakesRefusedByReason).reduce((a, b) => a + b, 0),
    );
    assert.ok(metrics.handshakesRefused >= gw.decisions.filter((d) => !d.admitted).length, 'every ZAP refusal is counted');
    assert.equal(metrics.received, 0);
    // Logged, but at most once a minute whatever the rate of attempts.
    assert.equal(gw.logLines.filter((line) => line.includes('refused a handshake')).length, 1, gw.logLines.join('\n'));
    // A device with the right keys is still admitted and served.
    const reader = device(gw.enrollNewDevice('ble-8', 'ble-reader'));
    reader.handle('ble.scan', ({ enabled }) => ({ scanning: enabled, minRssi: -90 }));
    assert.equal((await gw.bus.command('ble-8', 'ble.scan', { enabled: true }, { retries: 5 })).scanning, true);
  });

  it('coalesces a burst of events into few messages, yet checks and delivers every event on its own, in order', async () => {
    const gw = await bus();
    const scanner = device(gw.enrollNewDevice('scanner-2', 'scanner'));
    const cart = device(gw.enrollNewDevice('cart-2', 'cart'));
    await scanner.whenSubscribed(10_000);
    await cart.whenSubscribed(10_000);
    const codes: string[] = [];
    gw.bus.onEvent((e) => {
      if (e.type === 'scanner.scan') codes.push(e.payload['code'] as string);
    });

    // A lone event goes at once, in a message of its own.
    const before = scanner.eventCounts.messages;
    await scanner.publish('scanner.scan', { code: 'lone', source: 'hid-pos', complete: true });
    assert.equal(scanner.eventCounts.messages, before + 1);
    await eventually(() => codes.length === 1, 'the lone event');

    // A burst: published back to back, carried by far fewer messages, every event delivered once and in order.
    const messagesBefore = gw.bus.metrics().eventMessages;
    const burst = Array.from({ length: 2_000 }, (_, i) => `burst-${i}`);
    await Promise.all(burst.map((code) => scanner.publish('scanner.scan', { code, source: 'hid-pos', complete: true })));
    await eventually(() => codes.length === 1 + burst.length, 'every event of the burst');
    assert.deepEqual(codes.slice(1), burst);
    const messages = gw.bus.metrics().eventMessages - messagesBefore;
    assert.ok(messages < burst.length / 10, `${messages} messages for ${burst.length} events`);
    assert.equal(gw.bus.metrics().dropped, 0);

    // Hand-made batches: each envelope is checked on its own; the MAC covers the whole body, under the one device it names.
    const line = (type: string, payload: object, deviceId = 'scanner-2') => JSON.stringify(makeEnvelope(type, deviceId, payload));
    const scan = (code: string) => line('scanner.scan', { code, source: 'hid-pos', complete: true });
    const batch = (...lines: string[]) => Buffer.from(lines.join('\n'));
    await scanner.sendRawEvent(await scanner.macFor(batch(scan('raw-1'), line('scanner.scan', { code: 'raw-bad', complete: 'yes' }), '{not json', scan('raw-2'))));
    await eventually(() => codes.includes('raw-2'), 'the valid envelopes of the mixed batch');
    assert.deepEqual(gw.bus.metrics().droppedByReason, { payload: 1, malformed: 1 });
    // A batch that names another device too, or whose MAC is wrong, is refused whole: no envelope of it is taken.
    await scanner.sendRawEvent(await scanner.macFor(batch(scan('forged-1'), line('cart.weight', { grams: 1, stable: true }, 'cart-2'))));
    await scanner.sendRawEvent([batch(scan('forged-2'), scan('forged-3')), Buffer.alloc(32)]);
    await eventually(() => gw.bus.metrics().droppedByReason.unauthenticated === 4, 'the forged batches to be refused');
    const lateCode = 'after-forgeries';
    await scanner.publish('scanner.scan', { code: lateCode, source: 'hid-pos', complete: true });
    await eventually(() => codes.includes(lateCode), 'an event after the forgeries');
    assert.ok(!codes.some((c) => c.startsWith('forged')), codes.filter((c) => c.startsWith('forged')).join());
    assert.deepEqual(gw.bus.metrics().droppedByDevice, { 'scanner-2': 4, 'cart-2': 1, '(unknown)': 1 });
  });

  it('an enrolled device can neither answer as another device nor receive its commands', async () => {
    const gw = await bus();
    const a = device(gw.enrollNewDevice('pos-a', 'pos-agent'));
    const bCreds = gw.enrollNewDevice('pos-b', 'pos-agent');
    const bKey = deriveMacKey(bCreds.secretKey, bCreds.gatewayPublicKey, 'gateway');
    // Device B on bare sockets, with its own enrolled key: one DEALER takes A's device id as its routing id (the
    // old way to take A's commands over), one takes an id of the shape libzmq gives itself (a zero byte first).
    const stolen: Buffer[][] = [];
    const dealers = ['pos-a', '\u0000\u0000\u0000\u0000\u0001'].map((routingId) => {
      const dealer = new zmq.Dealer({ routingId, curveServerKey: bCreds.gatewayPublicKey, curvePublicKey: bCreds.publicKey, curveSecretKey: bCreds.secretKey, linger: 0 });
      cleanups.push(() => dealer.close());
      dealer.connect(bCreds.commandEndpoint);
      void (async () => {
        for await (const frames of dealer) stolen.push(frames);
      })().catch(() => undefined);
      return dealer;
    });
    for (const dealer of dealers) await dealer.send(encodeFrames(makeEnvelope('device.hello', 'pos-b', { kind: 'pos-agent', model: 'b', firmware: '0' }), bKey));
    await eventually(() => gw.bus.presence().some((p) => p.deviceId === 'pos-b'), 'B to say hello');

    // A's handler holds the command while B, which cannot see it, is handed its id and answers as A.
    let forged = 0;
    a.handle('pos.fields', async (_params, command) => {
      const reply = (deviceId: string) => makeEnvelope('reply', deviceId, { ok: true, result: { fields: [{ appId: 'forged', label: 'B' }] } }, command.id);
      for (const dealer of dealers) {
        await dealer.send(encodeFrames(reply('pos-a'), bKey)); // MAC under B's key, claiming A
        await dealer.send([JSON.stringify(reply('pos-a')), Buffer.alloc(32)]); // on a connection bound to B, claiming A
        forged += 2;
      }
      await eventually(() => (gw.bus.metrics().droppedByReason.unauthenticated ?? 0) >= forged, 'the forged replies to be refused');
      return { fields: [{ appId: 'genuine', label: 'A' }] };
    });
    await a.whenSubscribed(10_000);
    const result = await gw.bus.command('pos-a', 'pos.fields', {}, { timeoutMs: 5_000, retries: 3 });
    assert.deepEqual(result.fields, [{ appId: 'genuine', label: 'A' }], "the answer is A's");
    assert.equal(gw.bus.metrics().droppedByReason.unauthenticated, 4);
    assert.equal((await gw.bus.command('pos-a', 'pos.fields', {})).fields[0]?.label, 'A');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(stolen, [], 'no command for A reached B');
    // B is served on its own connection as itself.
    const commandForB = gw.bus.command('pos-b', 'device.ping', {}, { timeoutMs: 300, retries: 0 }).catch((err: unknown) => err);
    await eventually(() => stolen.length === 1, 'B to get its own command');
    const own = (stolen as Buffer[][])[0]!;
    assert.equal((JSON.parse(own[0]!.toString()) as Envelope).deviceId, 'pos-b');
    assert.equal(own.length, 1, 'a command is one frame: CURVE with the pinned gateway key authenticates it');
    await commandForB;
  });

  it('reaches a device again after the gateway restarted: the device says hello on its new connection', async () => {
    const context = new zmq.Context();
    const devices = new EnrolledDevices();
    const keys = zmq.curveKeyPair();
    const [commandPort, eventPort] = [await freePort(), await freePort()];
    const open = async () => {
      const zap = await startZapHandler({ context, devices });
      const gateway = await GatewayBus.open({
        context,
        zap,
        devices,
        keys,
        commandEndpoint: `tcp://127.0.0.1:${commandPort}`,
        eventEndpoint: `tcp://127.0.0.1:${eventPort}`,
        log: () => undefined,
      });
      return { gateway, zap };
    };
    const pair = zmq.curveKeyPair();
    devices.enroll({ deviceId: 'ble-9', kind: 'ble-reader', publicKey: pair.publicKey });
    let first = await open();
    const reader = device({
      deviceId: 'ble-9',
      kind: 'ble-reader',
      publicKey: pair.publicKey,
      secretKey: pair.secretKey,
      gatewayPublicKey: keys.publicKey,
      commandEndpoint: first.gateway.endpoints.commands,
      eventEndpoint: first.gateway.endpoints.events,
    });
    reader.handle('ble.scan', ({ enabled }) => ({ scanning: enabled, minRssi: -127 }));
    assert.equal((await first.gateway.command('ble-9', 'ble.scan', { enabled: true }, { retries: 5 })).scanning, true);
    await first.gateway.close();
    await first.zap.stop();
    // A new gateway process knows no connection; the device reconnects by itself and says hello, nothing else.
    first = await open();
    cleanups.push(async () => {
      await first.gateway.close();
      await first.zap.stop();
    });
    await eventually(() => first.gateway.presence().some((p) => p.deviceId === 'ble-9'), 'the device to say hello to the new gateway');
    assert.equal((await first.gateway.command('ble-9', 'ble.scan', { enabled: false }, { retries: 0 })).scanning, false);
  });

  it('reaches a device that waited for the gateway longer than the freshness window: its stale hello is refused, a fresh one follows', async () => {
    const context = new zmq.Context();
    const devices = new EnrolledDevices();
    const keys = zmq.curveKeyPair();
    const [commandPort, eventPort] = [await freePort(), await freePort()];
    const pair = zmq.curveKeyPair();
    devices.enroll({ deviceId: 'ble-4', kind: 'ble-reader', publicKey: pair.publicKey });
    const credentials = {
      deviceId: 'ble-4',
      kind: 'ble-reader' as const,
      publicKey: pair.publicKey,
      secretKey: pair.secretKey,
      gatewayPublicKey: keys.publicKey,
      commandEndpoint: `tcp://127.0.0.1:${commandPort}`,
      eventEndpoint: `tcp://127.0.0.1:${eventPort}`,
    };
    // The device comes up first; its hellos wait in its queues while nothing listens.
    const reader = DeviceBusClient.connect(credentials, { ...HELLO, helloRefreshMs: 100 });
    cleanups.push(() => reader.close());
    reader.handle('ble.scan', ({ enabled }) => ({ scanning: enabled, minRssi: -127 }));
    await new Promise((r) => setTimeout(r, 600));
    const zap = await startZapHandler({ context, devices });
    const gateway = await GatewayBus.open({
      context,
      zap,
      devices,
      keys,
      commandEndpoint: credentials.commandEndpoint,
      eventEndpoint: credentials.eventEndpoint,
      log: () => undefined,
      replay: { maxAgeMs: 300 },
    });
    cleanups.push(async () => {
      await gateway.close();
      await zap.stop();
    });
    await eventually(() => gateway.presence().some((p) => p.deviceId === 'ble-4'), 'the fresh hello to bind the device');
    assert.equal((await gateway.command('ble-4', 'ble.scan', { enabled: true }, { retries: 5 })).scanning, true);
    assert.ok((gateway.metrics().droppedByReason.stale ?? 0) >= 1, 'the queued hellos were too old');
  });

  it('answers INTERNAL when a handler gives a result that cannot be written as JSON, and keeps answering', async () => {
    const gw = await bus();
    const reader = device(gw.enrollNewDevice('ble-7', 'ble-reader'));
    // Passes the result schema (toJSON is not enumerable), then JSON.stringify throws: the device must answer, not stop.
    reader.handle('ble.scan', ({ enabled }) =>
      Object.defineProperty({ scanning: enabled, minRssi: -90 }, 'toJSON', {
        value: () => {
          throw new Error('cannot encode');
        },
      }),
    );
    await assert.rejects(gw.bus.command('ble-7', 'ble.scan', { enabled: true }, { retries: 5 }), (err) => isEdgePayError(err, 'BUS_COMMAND_FAILED') && err.details?.['deviceCode'] === 'INTERNAL');
    assert.ok((await gw.bus.command('ble-7', 'device.ping', {})).uptimeMs >= 0, 'the device still answers');
  });

  it('retries only idempotent commands, with the same id, and matches replies by id', async () => {
    const gw = await bus();
    const creds = gw.enrollNewDevice('pos-9', 'pos-agent');
    // A hand-made device on bare sockets: it loses the first command it gets, and answers with a wrong id before the right one.
    const dealer = new zmq.Dealer({ routingId: creds.deviceId, curveServerKey: creds.gatewayPublicKey, curvePublicKey: creds.publicKey, curveSecretKey: creds.secretKey, linger: 0 });
    cleanups.push(() => dealer.close());
    dealer.connect(creds.commandEndpoint);
    const macKey = deriveMacKey(creds.secretKey, creds.gatewayPublicKey, 'gateway');
    await dealer.send(encodeFrames(makeEnvelope('device.hello', creds.deviceId, { kind: 'pos-agent', model: 'bare', firmware: '0' }), macKey));
    await eventually(() => gw.bus.presence().some((p) => p.deviceId === 'pos-9'), 'the bare device to say hello');
    const seen: Envelope[] = [];
    void (async () => {
      for await (const [body] of dealer) {
        const command = JSON.parse(body!.toString()) as Envelope;
        seen.push(command);
        if (seen.filter((c) => c.id === command.id).length === 1) continue; // lose the first copy of every command
        const result = command.type === 'pos.fields' ? { fields: [] } : {};
        await dealer.send(encodeFrames(makeEnvelope('reply', creds.deviceId, { ok: true, result }, uuidV7()), macKey));
        await dealer.send(encodeFrames(makeEnvelope('reply', creds.deviceId, { ok: true, result }, command.id), macKey));
      }
    })().catch(() => undefined);

    assert.deepEqual(await gw.bus.command('pos-9', 'pos.fields', {}, { timeoutMs: 500 }), { fields: [] });
    const fieldsCommands = seen.filter((c) => c.type === 'pos.fields');
    assert.equal(fieldsCommands.length, 2, 'one retry');
    assert.equal(fieldsCommands[0]!.id, fieldsCommands[1]!.id, 'a retry keeps the id');
    assert.equal(gw.bus.metrics().droppedByReason['unexpected-reply'], 1, 'the reply with a foreign id was dropped');

    await assert.rejects(
      gw.bus.command('pos-9', 'pos.enter-code', { reference: 'ref-cccccccc', appId: 'coffee-app', code: 'PAY-123', submit: true }, { timeoutMs: 500, retries: 3 }),
      (err) => isEdgePayError(err, 'BUS_COMMAND_TIMEOUT') && err.details?.['attempts'] === 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen.filter((c) => c.type === 'pos.enter-code').length, 1, 'a command that is not idempotent is sent once');
  });
});
