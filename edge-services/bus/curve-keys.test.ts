import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { deriveMacKey, isCurveKey, macKeyFromBytes, macMatches, macOf, z85Decode, z85Encode } from './curve-keys.ts';

describe('CURVE keys and message MACs', () => {
  it('reads and writes Z85 as ZeroMQ does (RFC 32 test vector)', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    assert.equal(z85Encode(bytes), 'HelloWorld');
    assert.deepEqual(z85Decode('HelloWorld'), bytes);
    const pair = zmq.curveKeyPair();
    assert.ok(isCurveKey(pair.publicKey));
    assert.equal(z85Encode(z85Decode(pair.publicKey)!), pair.publicKey);
    assert.ok(!isCurveKey('too short') && !isCurveKey('~'.repeat(40)));
  });

  it('derives the same MAC key on both ends from the CURVE key pairs, and a different one for another device', () => {
    const gateway = zmq.curveKeyPair();
    const device = zmq.curveKeyPair();
    const other = zmq.curveKeyPair();
    const message = Buffer.from('{"v":1}');
    const atDevice = macOf(deriveMacKey(device.secretKey, gateway.publicKey, 'gateway'), message);
    assert.ok(macMatches(deriveMacKey(gateway.secretKey, device.publicKey, 'device'), message, atDevice));
    assert.ok(!macMatches(deriveMacKey(gateway.secretKey, other.publicKey, 'other'), message, atDevice));
    assert.ok(!macMatches(deriveMacKey(gateway.secretKey, device.publicKey, 'device'), Buffer.from('{"v":2}'), atDevice));
  });

  it('computes exactly HMAC-SHA256', () => {
    // Sizes on both sides of the 16 KiB scratch buffer the MAC reuses.
    for (const size of [0, 1, 63, 64, 65, 1000, 16 * 1024, 16 * 1024 + 1, 100_000]) {
      const key = randomBytes(32);
      const message = randomBytes(size);
      assert.deepEqual(macOf(macKeyFromBytes(key), message), createHmac('sha256', key).update(message).digest(), `message of ${size} bytes`);
    }
  });

  it('takes a string as its UTF-8 bytes, and a large message does not disturb the next one', () => {
    const key = macKeyFromBytes(randomBytes(32));
    for (const text of ['', '{"v":1}', 'é€😀'.repeat(3000), 'x'.repeat(6000), '{"code":"' + 'ü'.repeat(20_000) + '"}']) {
      assert.deepEqual(macOf(key, text), macOf(key, Buffer.from(text, 'utf8')), `${text.length} chars`);
      assert.ok(macMatches(key, Buffer.from(text, 'utf8'), macOf(key, text)));
    }
    const small = Buffer.from('{"v":1}');
    const before = macOf(key, small);
    macOf(key, randomBytes(50_000));
    assert.deepEqual(macOf(key, small), before);
  });
});
