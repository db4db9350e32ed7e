import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { busCommands, busEvents, checkCommand, checkEvent, checkReply, decodeEnvelope, uuidV7, type Envelope } from '../index.ts';
import { envelopeShape, isDeviceIdText, isMessageTypeText, isUuidV7Text } from './envelope.ts';

function envelope(type: string, payload: object, deviceId = 'scanner-1'): Envelope {
  return { v: 1, type, id: uuidV7(), deviceId, ts: Date.now(), payload: payload as Record<string, unknown> };
}
function decoded(text: string): Envelope {
  const result = decodeEnvelope(text);
  assert.ok(result.ok, JSON.stringify(result));
  return result.envelope;
}

describe('bus envelope', () => {
  it('accepts a well-formed envelope and a valid payload', () => {
    const env = decoded(JSON.stringify(envelope('scanner.scan', { code: '4006381333931', symbology: ']E0', source: 'hid-pos', complete: true })));
    assert.deepEqual(checkEvent(env, 'scanner'), { ok: true });
  });

  it('tells malformed JSON from a JSON value that is not an envelope', () => {
    assert.deepEqual(decodeEnvelope('{"v":1,'), { ok: false, reason: 'malformed', detail: 'not JSON' });
    const notEnvelope = decodeEnvelope(JSON.stringify({ ...envelope('device.hello', {}), v: 2 }));
    assert.equal(notEnvelope.ok, false);
    assert.equal(!notEnvelope.ok && notEnvelope.reason, 'envelope');
    const badId = decodeEnvelope(JSON.stringify({ ...envelope('device.hello', {}), id: 'not-a-uuid' }));
    assert.equal(!badId.ok && badId.reason, 'envelope');
    assert.equal(!badId.ok && badId.deviceId, 'scanner-1', 'the claimed device is kept for rate-limited logging');
    const extra = decodeEnvelope(JSON.stringify({ ...envelope('device.hello', {}), pan: '4111111111111111' }));
    assert.equal(!extra.ok && extra.reason, 'envelope', 'unknown envelope fields are refused');
    const arrayPayload = decodeEnvelope(JSON.stringify({ ...envelope('device.hello', {}), payload: [] }));
    assert.equal(!arrayPayload.ok && arrayPayload.reason, 'envelope');
  });

  it('refuses every field that is out of shape, each with its path', () => {
    const good = envelope('device.hello', {});
    const { v: _v, ...withoutV } = good;
    const cases: [object, RegExp][] = [
      [withoutV, /^\/v is required/],
      [{ ...good, v: '1' }, /^\/v must be 1/],
      [{ ...good, type: 'Device.hello' }, /^\/type does not match/],
      [{ ...good, type: 'a'.repeat(65) }, /^\/type longer than 64/],
      [{ ...good, type: 7 }, /^\/type must be a string/],
      [{ ...good, id: good.id.toUpperCase() }, /^\/id does not match/],
      [{ ...good, id: good.id.slice(0, 14) + '4' + good.id.slice(15) }, /^\/id does not match/],
      [{ ...good, deviceId: 'Scanner-1' }, /^\/deviceId does not match/],
      [{ ...good, deviceId: 's'.repeat(64) }, /^\/deviceId longer than 63/],
      [{ ...good, ts: -1 }, /^\/ts below 0/],
      [{ ...good, ts: 1.5 }, /^\/ts must be a safe integer/],
      [{ ...good, ts: 8_640_000_000_000_001 }, /^\/ts above/],
      [{ ...good, ts: '1' }, /^\/ts must be a finite integer/],
      [{ ...good, payload: null }, /^\/payload must be an object/],
      [{ ...good, payload: 'x' }, /^\/payload must be an object/],
    ];
    for (const [value, detail] of cases) {
      const result = decodeEnvelope(JSON.stringify(value));
      assert.equal(result.ok, false, JSON.stringify(value));
      assert.equal(!result.ok && result.reason, 'envelope');
      assert.match(!result.ok ? result.detail : '', detail);
    }
    // JSON.parse makes "__proto__" an own field like any other: refused as unknown.
    const proto = decodeEnvelope(JSON.stringify(good).replace('{', '{"__proto__":{},'));
    assert.equal(!proto.ok && proto.detail, '/__proto__ is not allowed');
    assert.ok(decodeEnvelope(JSON.stringify({ ...good, ts: 0 })).ok);
    assert.ok(decodeEnvelope(JSON.stringify({ payload: {}, ts: good.ts, deviceId: good.deviceId, id: good.id, type: good.type, v: 1 })).ok, 'field order does not matter');
  });

  it('refuses payloads that do not match their type, and extra fields such as card data', () => {
    const card = envelope('terminal.card-presented', { reference: 'ref-00000001', entry: 'chip', pan: '4111111111111111' }, 'terminal-1');
    const check = checkEvent(card, 'card-terminal');
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.reason, 'payload');
    assert.match(!check.ok ? check.detail : '', /\/pan is not allowed/);
    const badRssi = checkEvent(envelope('ble.advertisement', { deviceCode: 'DONGLE0001', rssi: 99, address: 'AA:BB:CC:DD:EE:FF' }), 'ble-reader');
    assert.equal(!badRssi.ok && badRssi.reason, 'payload');
  });

  it('refuses an event type from a device kind that may not send it, and unknown types', () => {
    const scan = envelope('scanner.scan', { code: 'X', source: 'keyboard-wedge', complete: true });
    assert.equal((checkEvent(scan, 'cart') as { reason?: string }).reason, 'wrong-device');
    assert.equal((checkEvent(envelope('scanner.explode', {})) as { reason?: string }).reason, 'unknown-type');
    assert.equal((checkEvent(envelope('device.ping', {})) as { reason?: string }).reason, 'unknown-type', 'a command is not an event');
  });

  it('checks commands and their replies against the command schemas', () => {
    const charge = envelope('terminal.charge', { reference: 'ref-00000001', amount: { amount: 1250, currency: 'EUR' } }, 'terminal-1');
    assert.deepEqual(checkCommand(charge, 'card-terminal'), { ok: true });
    assert.equal((checkCommand(charge, 'cart') as { reason?: string }).reason, 'wrong-device');
    const floatAmount = envelope('terminal.charge', { reference: 'ref-00000001', amount: { amount: 12.5, currency: 'EUR' } });
    assert.equal((checkCommand(floatAmount) as { reason?: string }).reason, 'payload');

    const approved = { ...charge, type: 'reply', payload: { ok: true, result: { reference: 'ref-00000001', outcome: 'approved', token: 'tok_abcdefghijklmnop12', bin: '411111', last4: '1111' } } };
    assert.deepEqual(checkReply(approved, 'terminal.charge'), { ok: true });
    const leaking = { ...approved, payload: { ok: true, result: { reference: 'ref-00000001', outcome: 'approved', token: '4111111111111111' } } };
    assert.equal((checkReply(leaking, 'terminal.charge') as { reason?: string }).reason, 'payload', 'a card number is not a token');
    const error = { ...charge, type: 'reply', payload: { ok: false, error: { code: 'TERMINAL_BUSY', message: 'busy' } } };
    assert.deepEqual(checkReply(error, 'terminal.charge'), { ok: true });
    const neither = { ...charge, type: 'reply', payload: { ok: true } };
    assert.equal((checkReply(neither, 'terminal.charge') as { reason?: string }).reason, 'payload');
  });

  it('marks money-moving commands as not idempotent', () => {
    assert.equal(busCommands['terminal.charge'].idempotent, false);
    assert.equal(busCommands['pos.enter-code'].idempotent, false);
    assert.equal(busCommands['terminal.lookup'].idempotent, true);
    for (const [type, spec] of Object.entries(busCommands)) assert.ok(spec.timeoutMs > 0, type);
    for (const type of Object.keys(busEvents)) assert.ok(!Object.hasOwn(busCommands, type), `${type} is both an event and a command`);
  });
});

describe('bus envelope patterns as character loops', () => {
  // decodeEnvelope's fast path checks these three fields with loops; each must agree with its pattern exactly.
  const patterns: [string, (s: string) => boolean, RegExp][] = [
    ['type', isMessageTypeText, new RegExp(envelopeShape.properties.type.pattern!, 'u')],
    ['id', isUuidV7Text, new RegExp(envelopeShape.properties.id.pattern!, 'u')],
    ['deviceId', isDeviceIdText, new RegExp(envelopeShape.properties.deviceId.pattern!, 'u')],
  ];
  it('agree with the envelope schema on edge cases and 200,000 random strings', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const alphabet = 'abcfgz0789-.AF_ \u00e9';
    const edge = [
      '',
      '-',
      'a',
      'a.',
      '.a',
      'a..b',
      'a.b',
      'a-',
      'a.-b',
      '9a',
      'scanner.scan',
      'device.hello',
      'x'.repeat(63),
      'x'.repeat(64),
      uuidV7(),
      uuidV7().toUpperCase(),
      uuidV7().replace('-7', '-6'),
      '0'.repeat(36),
    ];
    for (const [name, loop, regex] of patterns) {
      const samples = [...edge];
      for (let n = 0; n < 200_000 / patterns.length; n++) {
        // Mutate a valid id half of the time: random strings almost never come close to a UUID.
        if (name === 'id' && n % 2 === 0) {
          const chars = [...uuidV7()];
          chars[next() % 36] = alphabet[next() % alphabet.length]!;
          samples.push(chars.join(''));
          continue;
        }
        const length = next() % 70;
        let s = '';
        for (let i = 0; i < length; i++) s += alphabet[next() % alphabet.length];
        samples.push(s);
      }
      for (const s of samples) assert.equal(loop(s), regex.test(s), `${name}: ${JSON.stringify(s)}`);
    }
  });
});
