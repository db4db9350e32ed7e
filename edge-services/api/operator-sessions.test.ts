/**
 * The operator sign-in throttle with a clock of our own: wrong PINs slow down
 * the client that sent them (growing, capped delays), never another client,
 * a known device or the app; a PIN is not compared while its client waits;
 * the log says what happened without the PIN.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorSessions, type SignInLogEntry } from './operator-sessions.ts';
import { addressKey, type SignInCaller } from './sign-in-client.ts';

const PIN = '246810';
const http = (address: string, origin?: string, device?: string): SignInCaller => ({ channel: 'http', address, origin, device });
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

function setup() {
  let t = 1_000_000;
  const log: SignInLogEntry[] = [];
  const sessions = new OperatorSessions({ pin: PIN, now: () => t, log: (e) => log.push(e) });
  return { sessions, log, advance: (ms: number) => (t += ms) };
}

describe('operator sign-in throttle', () => {
  it('grows the delay exponentially per client, up to the cap, and a right PIN resets it', () => {
    const { sessions, advance } = setup();
    const attacker = http('127.0.0.1', 'http://127.0.0.1:8081');
    for (let i = 0; i < 3; i++)
      assert.equal(
        code(() => sessions.signIn('000000', attacker)),
        'GATEWAY_API_SIGN_IN_FAILED',
      );
    // The 4th wrong PIN earns 1 s; during it even the right PIN is not compared.
    assert.equal(
      code(() => sessions.signIn('000000', attacker)),
      'GATEWAY_API_SIGN_IN_FAILED',
    );
    assert.equal(
      code(() => sessions.signIn(PIN, attacker)),
      'GATEWAY_API_SIGN_IN_LOCKED',
    );
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      let waited = 0;
      while (code(() => sessions.signIn('000000', attacker)) === 'GATEWAY_API_SIGN_IN_LOCKED') {
        advance(100);
        waited += 100;
      }
      delays.push(waited);
    }
    // 1, 2, 4, 8, 16, 32 s, then the 60 s cap (the level drains a little while waiting, hence "about").
    assert.ok(delays[0]! >= 1000 && delays[0]! <= 1100, String(delays));
    for (let i = 1; i < 6; i++) assert.ok(delays[i]! > delays[i - 1]! * 1.8, String(delays));
    assert.ok(
      delays.slice(6).every((d) => d >= 50_000 && d <= 60_100),
      String(delays),
    );
    advance(60_000);
    assert.equal(
      code(() => sessions.signIn(PIN, attacker)),
      'ok',
    );
    assert.equal(
      code(() => sessions.signIn('000000', attacker)),
      'GATEWAY_API_SIGN_IN_FAILED',
    );
    assert.equal(
      code(() => sessions.signIn(PIN, attacker)),
      'ok',
      'one wrong PIN after a right one: no wait',
    );
  });

  it('a client that is not the failing one is never kept out: another address, a known device, the app', () => {
    const { sessions, advance } = setup();
    const device = sessions.rememberDevice(undefined);
    const attacker = http('127.0.0.1', 'http://127.0.0.1:8081');
    for (let i = 0; i < 200; i++) {
      code(() => sessions.signIn(String(100000 + i), attacker));
      advance(100);
      if (i % 5 === 0) {
        assert.equal(
          code(() => sessions.signIn(PIN, http('127.0.0.1', 'http://127.0.0.1:8081', device))),
          'ok',
          'known device at ' + i,
        );
        assert.equal(
          code(() => sessions.signIn(PIN)),
          'ok',
          'in process at ' + i,
        );
        assert.equal(
          code(() => sessions.signIn(PIN, http('192.168.1.30', 'http://192.168.1.20:8081'))),
          'ok',
          'another address at ' + i,
        );
      }
    }
    // The same address under another loopback number, or a forged device id, is the same stranger.
    assert.equal(
      code(() => sessions.signIn(PIN, http('127.0.0.2', 'http://127.0.0.1:8081'))),
      'GATEWAY_API_SIGN_IN_LOCKED',
    );
    assert.equal(
      code(() => sessions.signIn(PIN, http('127.0.0.1', 'http://127.0.0.1:8081', 'made-up'))),
      'GATEWAY_API_SIGN_IN_LOCKED',
    );
  });

  it('many addresses together share one larger allowance; known devices and the app are outside it', () => {
    const { sessions } = setup();
    const device = sessions.rememberDevice(undefined);
    for (let i = 0; i < 25; i++) code(() => sessions.signIn('000000', http(`10.0.${i}.1`)));
    assert.equal(
      code(() => sessions.signIn(PIN, http('10.9.9.9'))),
      'GATEWAY_API_SIGN_IN_LOCKED',
    );
    assert.equal(
      code(() => sessions.signIn(PIN, http('10.9.9.9', undefined, device))),
      'ok',
    );
    assert.equal(
      code(() => sessions.signIn(PIN)),
      'ok',
    );
  });

  it('logs every compared attempt and the first refusal of a wait, never the PIN or the device id', () => {
    const { sessions, log } = setup();
    const device = sessions.rememberDevice(undefined);
    const attacker = http('::ffff:127.0.0.1', 'http://127.0.0.1:8081');
    for (let i = 0; i < 10; i++) code(() => sessions.signIn('135799', attacker));
    sessions.signIn(PIN, http('127.0.0.1', 'http://127.0.0.1:8081', device));
    assert.deepEqual(
      log.map((e) => e.outcome),
      ['wrong-pin', 'wrong-pin', 'wrong-pin', 'wrong-pin', 'throttled', 'signed-in'],
    );
    assert.equal(log[3]!.retryAfterMs, 1000);
    assert.deepEqual(log[0]!.client, { channel: 'http', address: '::ffff:127.0.0.1', origin: 'http://127.0.0.1:8081', knownDevice: false });
    assert.equal(log[5]!.client.knownDevice, true);
    const text = JSON.stringify(log);
    for (const secret of [PIN, '135799', device]) assert.ok(!text.includes(secret), 'the log holds ' + secret);
  });

  it('keys addresses: loopback as one, IPv6 by its /64', () => {
    assert.equal(addressKey('127.0.0.1'), 'loopback');
    assert.equal(addressKey('127.8.9.1'), 'loopback');
    assert.equal(addressKey('::1'), 'loopback');
    assert.equal(addressKey('::ffff:127.0.0.1'), 'loopback');
    assert.equal(addressKey('::ffff:192.168.1.4'), '192.168.1.4');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:ffff:1:2:3'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  });
});
