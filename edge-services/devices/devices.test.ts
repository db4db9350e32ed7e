import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError } from '../../core/index.ts';
import { BootKeyboardDecoder } from './boot-keyboard-report.ts';
import { DeviceRegistry, type RegistryEntry } from './device-registry.ts';
import { HidManager, type HidManagerEvent } from './hid-manager.ts';
import { HidPosAssembler, hidPosReportsFor } from './hid-pos-report.ts';
import { keyboardReportsFor } from './keyboard-reports.ts';
import { createReportPipeline } from './report-pipeline.ts';
import { ScriptedHidBackend } from './scripted-hid-backend.ts';
import { looksLikePaymentCard, tokenFromLine } from './token-reader.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const WEDGE: RegistryEntry = { vendorId: 0x05e0, productId: 0x1200, driver: 'keyboard-wedge-scanner', name: 'wedge scanner' };
const KEY = Buffer.from('site-token-key-for-tests-000000000');

/** Feeds reports with the given arrival times through a fresh pipeline; returns what came out. */
function run(entry: RegistryEntry, reports: { data: Uint8Array; at: number }[]) {
  const pipeline = createReportPipeline(entry, KEY);
  const out = reports.flatMap((r) => pipeline.report(r.data, r.at));
  return { out, pipeline };
}

// What a keyboard-wedge scanner sent for "Ab1!-x" + Enter, as captured on the wire: left shift (0x02)
// held for 'A' and '!', key rollover between '-' and 'x' (both down in one report), release reports in between.
const CAPTURED_WEDGE_SCAN = [
  '02 00 04 00 00 00 00 00', // Shift + a -> 'A'
  '00 00 00 00 00 00 00 00',
  '00 00 05 00 00 00 00 00', // b
  '00 00 00 00 00 00 00 00',
  '00 00 1e 00 00 00 00 00', // 1
  '00 00 00 00 00 00 00 00',
  '02 00 1e 00 00 00 00 00', // Shift + 1 -> '!'
  '00 00 00 00 00 00 00 00',
  '00 00 2d 00 00 00 00 00', // -
  '00 00 2d 1b 00 00 00 00', // x pressed while - still down (rollover)
  '00 00 00 00 00 00 00 00',
  '00 00 28 00 00 00 00 00', // Enter
  '00 00 00 00 00 00 00 00',
].map(hex);
const at =
  (gapMs: number, start = 1_000) =>
  (data: Buffer, i: number) => ({ data, at: start + i * gapMs });

describe('keyboard-wedge scanner', () => {
  it('decodes captured boot keyboard reports with shift, rollover and the Enter terminator', () => {
    const { out } = run(WEDGE, CAPTURED_WEDGE_SCAN.map(at(4)));
    assert.deepEqual(out, [{ type: 'scanner.scan', payload: { code: 'Ab1!-x', source: 'keyboard-wedge', complete: true } }]);
  });

  it('reads a GS1 code with its Ctrl+] group separator', () => {
    const gs = [hex('01 00 30 00 00 00 00 00'), hex('00 00 00 00 00 00 00 00')];
    const reports = [
      ...keyboardReportsFor('0104006381333931', { startAt: 0, gapMs: 6 })
        .slice(0, -2)
        .map((r) => r.data),
      ...gs,
      ...keyboardReportsFor('10ABC', { startAt: 0, gapMs: 6 }).map((r) => r.data),
    ];
    const { out } = run(WEDGE, reports.map(at(3)));
    assert.equal(out.length, 1);
    assert.equal((out[0]!.payload as { code: string }).code, '0104006381333931\u001d10ABC');
  });

  it('does not take the same keys typed at human speed for a scan', () => {
    for (const gapMs of [90, 160, 400]) {
      const { out, pipeline } = run(WEDGE, CAPTURED_WEDGE_SCAN.map(at(gapMs / 2)));
      assert.deepEqual(out, [], `typed with ${gapMs} ms between keys`);
      assert.ok(pipeline.stats().typedDiscarded >= 1);
    }
  });

  it('keeps a scan that follows slow typing without an Enter in between', () => {
    const typed = keyboardReportsFor('abc', { startAt: 0, gapMs: 200 }).slice(0, -2);
    const scanned = keyboardReportsFor('4006381333931', { startAt: 1_000, gapMs: 8 });
    const { out } = run(WEDGE, [...typed, ...scanned]);
    assert.deepEqual(
      out.map((o) => (o.payload as { code: string }).code),
      ['4006381333931'],
    );
  });

  it('counts reports of the wrong size instead of failing', () => {
    const decoder = new BootKeyboardDecoder();
    assert.throws(
      () => decoder.decode(hex('00 00 04'), 0),
      (err) => isEdgePayError(err, 'HID_REPORT_INVALID'),
    );
    const { out, pipeline } = run(WEDGE, [hex('00 00 04'), ...CAPTURED_WEDGE_SCAN].map(at(4)));
    assert.equal(out.length, 1);
    assert.equal(pipeline.stats().invalidReports, 1);
  });

  it('ignores the ErrorRollOver phantom state', () => {
    const decoder = new BootKeyboardDecoder();
    decoder.decode(hex('00 00 04 00 00 00 00 00'), 0);
    assert.deepEqual(decoder.decode(hex('00 00 01 01 01 01 01 01'), 1), []);
    assert.deepEqual(
      decoder.decode(hex('00 00 04 05 00 00 00 00'), 2).map((p) => p.usage),
      [0x05],
    );
  });
});

describe('HID-POS scanner (usage page 0x8C)', () => {
  it('reads a one-report EAN-13 with its AIM symbology identifier', () => {
    // Report id 2, length 13, "]E0", the digits, zero padding, no continuation.
    const report = Buffer.alloc(64);
    hex('02 0d 5d 45 30 34 30 30 36 33 38 31 33 33 33 39 33 31').copy(report);
    const { out } = run({ ...WEDGE, driver: 'hid-pos-scanner' }, [{ data: report, at: 0 }]);
    assert.deepEqual(out, [{ type: 'scanner.scan', payload: { code: '4006381333931', symbology: ']E0', complete: true, source: 'hid-pos' } }]);
  });

  it('joins a 60-byte code sent in two reports (continuation bit in byte 63)', () => {
    const code = 'M1GATHERGOOD/MICHAEL YABCDEF LHRDURAK 3542 052Y003D23  00000';
    assert.equal(code.length, 60);
    const reports = hidPosReportsFor(code, ']Q0');
    assert.equal(reports.length, 2);
    assert.deepEqual([reports[0]![1], reports[0]![63], reports[1]![1], reports[1]![63]], [56, 1, 4, 0]);
    const assembler = new HidPosAssembler('aim-prefix');
    assert.equal(assembler.push(reports[0]!), undefined);
    assert.deepEqual(assembler.push(reports[1]!), { code, symbology: ']Q0', complete: true });
  });

  it('reads the data-first layout and refuses reports that break the format', () => {
    const assembler = new HidPosAssembler('data-first');
    assert.deepEqual(assembler.push(hidPosReportsFor('ABC-123', undefined, 'data-first')[0]!), { code: 'ABC-123', complete: true });
    const wrongId = hidPosReportsFor('X', undefined)[0]!;
    wrongId[0] = 1;
    assert.throws(
      () => assembler.push(wrongId),
      (err) => isEdgePayError(err, 'HID_REPORT_INVALID'),
    );
    const tooLong = hidPosReportsFor('X', undefined)[0]!;
    tooLong[1] = 57;
    assert.throws(
      () => assembler.push(tooLong),
      (err) => isEdgePayError(err, 'HID_REPORT_INVALID'),
    );
    assert.throws(
      () => assembler.push(Buffer.alloc(63)),
      (err) => isEdgePayError(err, 'HID_REPORT_INVALID'),
    );
  });
});

describe('token readers in keyboard mode', () => {
  const NFC: RegistryEntry = { vendorId: 0x1234, productId: 1, driver: 'keyboard-token-reader', name: 'nfc', medium: 'nfc' };
  const MSR: RegistryEntry = { ...NFC, medium: 'magstripe' };

  it('turns an NFC UID into a stable keyed token that does not contain the UID', () => {
    const first = run(NFC, keyboardReportsFor('04A2B3C4D5E6F7', { startAt: 0, gapMs: 5 })).out;
    const second = run(NFC, keyboardReportsFor('04a2b3c4d5e6f7', { startAt: 0, gapMs: 5 })).out;
    assert.equal(first[0]?.type, 'reader.token');
    const token = (first[0]!.payload as { token: string }).token;
    assert.match(token, /^tok_[A-Za-z0-9_-]{32}$/);
    assert.ok(!token.toUpperCase().includes('04A2B3C4'));
    assert.deepEqual(second, first, 'the same badge gives the same token');
    const otherSite = tokenFromLine('04A2B3C4D5E6F7', 'nfc', Buffer.from('another-site'));
    assert.notEqual(otherSite.kind === 'token' && otherSite.token, token);
  });

  it('refuses a swiped payment card and never emits its data', () => {
    const track = '%B4111111111111111^DOE/JOHN^29121010000000000000?;4111111111111111=29121010000000000000?';
    const { out } = run(MSR, keyboardReportsFor(track, { startAt: 0, gapMs: 2 }));
    assert.deepEqual(out, [{ type: 'reader.refused', payload: { medium: 'magstripe', reason: 'payment-card' } }]);
    assert.ok(looksLikePaymentCard(';4111111111111111=2912?'));
    assert.ok(!looksLikePaymentCard(';1234567890123=0001?'), 'a loyalty number that fails Luhn is not a card');
    const loyalty = run(MSR, keyboardReportsFor(';1234567890123=0001?', { startAt: 0, gapMs: 2 })).out;
    assert.equal(loyalty[0]?.type, 'reader.token');
  });
});

describe('device registry', () => {
  const registry = new DeviceRegistry([WEDGE, { vendorId: 0x0c2e, productId: '*', driver: 'hid-pos-scanner', name: 'any' }]);
  it('matches by vendor and product id, then vendor wildcard, then the bar code scanner usage page', () => {
    assert.equal(registry.match({ path: 'a', vendorId: 0x05e0, productId: 0x1200 })?.driver, 'keyboard-wedge-scanner');
    assert.equal(registry.match({ path: 'b', vendorId: 0x0c2e, productId: 0x0999 })?.driver, 'hid-pos-scanner');
    assert.equal(registry.match({ path: 'c', vendorId: 0x9999, productId: 1, usagePage: 0x8c })?.driver, 'hid-pos-scanner');
    assert.equal(registry.match({ path: 'd', vendorId: 0x046d, productId: 0xc31c, usagePage: 0x01, usage: 0x06 }), undefined, 'an ordinary keyboard is not claimed');
    assert.equal(new DeviceRegistry().match({ path: 'e', vendorId: 0x1eab, productId: 0x0d10 })?.layout, 'data-first');
  });
});

describe('hot-plug', () => {
  it('follows attach, detach mid-scan and re-attach, losing nothing already reported', async () => {
    const backend = new ScriptedHidBackend();
    const events: HidManagerEvent[] = [];
    const manager = new HidManager({ backend, registry: new DeviceRegistry([WEDGE]), drivers: ['keyboard-wedge-scanner'], tokenKey: KEY, emit: (e) => events.push(e), pollIntervalMs: 60_000 });
    const device = { path: '/dev/hidraw3', vendorId: 0x05e0, productId: 0x1200, product: 'Scanner' };
    const keyboard = { path: '/dev/hidraw0', vendorId: 0x046d, productId: 0xc31c };
    backend.attach(keyboard);
    backend.attach(device);
    await manager.start();
    try {
      assert.deepEqual(manager.attachedPaths(), ['/dev/hidraw3'], 'the keyboard is left alone');
      for (const r of keyboardReportsFor('111', { startAt: 0, gapMs: 4 })) backend.report(device.path, r.data, r.at);
      // Unplugged in the middle of the second code: 5 characters were sent, no Enter.
      for (const r of keyboardReportsFor('22222', { startAt: 100, gapMs: 4 }).slice(0, -2)) backend.report(device.path, r.data, r.at);
      backend.detach(device.path);
      await manager.rescan();
      assert.deepEqual(
        events.map((e) => [e.type, (e.payload as { code?: string }).code, (e.payload as { complete?: boolean }).complete]),
        [
          ['hid.attached', undefined, undefined],
          ['scanner.scan', '111', true],
          ['scanner.scan', '22222', false],
          ['hid.detached', undefined, undefined],
        ],
      );
      events.length = 0;
      backend.attach(device);
      await manager.rescan();
      for (const r of keyboardReportsFor('333', { startAt: 500, gapMs: 4 })) backend.report(device.path, r.data, r.at);
      assert.deepEqual(
        events.map((e) => e.type),
        ['hid.attached', 'scanner.scan'],
      );
      assert.equal((events[1]!.payload as { code: string }).code, '333');
    } finally {
      await manager.stop();
    }
    assert.equal(backend.isOpen(device.path), false, 'stop closes the device');
  });
});
