/**
 * The dongle's broadcast: SHA-256/HMAC against published vectors, the
 * advertisement's bytes through every layer (AD structures, PDU, HCI report)
 * and back, malformed bytes refused, which dongle a device serves, and the
 * privacy of the rotating id: over 24 simulated hours no value repeats across
 * windows, and without the key the values of one dongle cannot be told from
 * another's (bit balance, no carry-over between consecutive windows, no
 * statistic that separates two dongles' sequences).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAdvPdu, decodeDongleAdvData, encodeAdvPdu, encodeDongleAdvData, encodeHciAdvertisingReport, parseAdStructures, parseHciAdvertisingReports } from './advertisement.ts';
import { ephemeralId, ephemeralIdHex, formatAddress, fromHex, privateAddress, toHex, windowOf } from './ephemeral-id.ts';
import { hmacSha256, sha256 } from './sha256.ts';
import { SightingTable } from './sightings.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const key = (seed: number) => Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 17) & 0xff);

describe('two-channel broadcast', () => {
  it('SHA-256 and HMAC-SHA256 match the published vectors', () => {
    assert.equal(toHex(sha256(bytes('abc'))), 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD');
    assert.equal(toHex(sha256(new Uint8Array(0))), 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855');
    assert.equal(toHex(sha256(bytes('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))), '248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1');
    // RFC 4231 test cases 1 and 2.
    assert.equal(toHex(hmacSha256(new Uint8Array(20).fill(0x0b), bytes('Hi There'))), 'B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7');
    assert.equal(toHex(hmacSha256(bytes('Jefe'), bytes('what do ya want for nothing?'))), '5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843');
  });

  it('an advertisement goes through AdvData, the PDU and the HCI report and back, byte for byte', () => {
    const eid = ephemeralId(key(1), 1234);
    const advData = encodeDongleAdvData({ ephemeralId: eid, rotationExponent: 8, txPower: -8 });
    assert.equal(advData.length, 22);
    assert.deepEqual([...advData.slice(0, 7)], [0x02, 0x01, 0x06, 0x0f, 0xff, 0xff, 0xff]);
    assert.deepEqual(
      parseAdStructures(advData)!.map((s) => s.type),
      [0x01, 0xff, 0x0a],
    );
    const address = privateAddress(key(1), 1234);
    assert.equal(address[0]! & 0xc0, 0, 'non-resolvable private address');
    const pdu = encodeAdvPdu(address, advData);
    assert.equal(pdu[0], 0x42);
    const decodedPdu = decodeAdvPdu(pdu)!;
    const hci = encodeHciAdvertisingReport(decodedPdu, -61);
    assert.deepEqual([...hci.slice(0, 7)], [0x04, 0x3e, hci.length - 3, 0x02, 0x01, 0x03, 0x01]);
    const [report] = parseHciAdvertisingReports(hci)!;
    assert.equal(report!.rssi, -61);
    assert.equal(formatAddress(report!.addressMsbFirst), formatAddress(address));
    const frame = decodeDongleAdvData(report!.advData)!;
    assert.equal(toHex(frame.ephemeralId), toHex(eid));
    assert.equal(frame.txPower, -8);
    assert.equal(frame.rotationExponent, 8);
  });

  it('refuses malformed bytes and ignores other advertisers', () => {
    assert.equal(parseAdStructures(Uint8Array.from([0x05, 0xff, 0x01])), undefined, 'length past the end');
    assert.equal(decodeDongleAdvData(Uint8Array.from([0x02, 0x01, 0x06, 0x05, 0xff, 0x4c, 0x00, 0x02, 0x15])), undefined, 'an iBeacon-like frame');
    const hci = encodeHciAdvertisingReport(decodeAdvPdu(encodeAdvPdu(privateAddress(key(2), 1), encodeDongleAdvData({ ephemeralId: ephemeralId(key(2), 1), rotationExponent: 8 })))!, -50);
    for (let cut = 1; cut < hci.length; cut++) assert.equal(parseHciAdvertisingReports(hci.slice(0, cut)), undefined, `cut at ${cut}`);
    const wrongLength = hci.slice();
    wrongLength[2] = wrongLength[2]! + 1;
    assert.equal(parseHciAdvertisingReports(wrongLength), undefined);
    assert.equal(parseHciAdvertisingReports(Uint8Array.from([0x04, 0x0e, 0x04, 0x01, 0x0c, 0x20, 0x00])), undefined, 'a command-complete event');
    assert.equal(decodeAdvPdu(Uint8Array.from([0x42, 0x30, 1, 2, 3])), undefined);
  });

  it('serves the strongest fresh dongle above the threshold; stale sightings expire', () => {
    const table = new SightingTable({ minRssi: -70, freshMs: 1000 });
    table.add({ code: 'A', rssi: -60, heardAt: 0, address: 'x' });
    table.add({ code: 'B', rssi: -50, heardAt: 0, address: 'y' });
    table.add({ code: 'C', rssi: -80, heardAt: 0, address: 'z' });
    assert.equal(table.pick(500)?.code, 'B');
    table.add({ code: 'A', rssi: -58, heardAt: 1200, address: 'x' });
    assert.equal(table.pick(1500)?.code, 'A', 'B is stale');
    assert.equal(table.pick(3000), undefined);
    const weak = new SightingTable({ minRssi: -70, freshMs: 1000 });
    weak.add({ code: 'C', rssi: -80, heardAt: 0, address: 'z' });
    assert.equal(weak.pick(10), undefined, 'below the threshold');
  });

  it("privacy: over 24 simulated hours no value repeats, and one dongle's values cannot be linked without its key", () => {
    const start = windowOf(Date.UTC(2026, 11, 7) / 1000);
    const windows = Math.ceil((24 * 3600) / 256); // 338 windows of 256 s
    const ofDongle = (k: Uint8Array) => Array.from({ length: windows }, (_, i) => ephemeralId(k, start + i));
    const a = ofDongle(key(7));
    const b = ofDongle(key(8));
    const all = [...a, ...b].map(toHex);
    assert.equal(new Set(all).size, all.length, 'no value repeats, within a dongle or across two');
    const addresses = Array.from({ length: windows }, (_, i) => toHex(privateAddress(key(7), start + i)));
    assert.equal(new Set(addresses).size, windows, 'the address rotates too');
    const bit = (v: Uint8Array, i: number) => (v[i >> 3]! >> (7 - (i & 7))) & 1;
    const popcount = (x: Uint8Array, y: Uint8Array) => x.reduce((n, byte, i) => n + [...(byte ^ y[i]!).toString(2)].filter((c) => c === '1').length, 0);
    // Every bit position is balanced over the day (a biased bit would be a tag to follow): 338 draws, within 5 sigma.
    for (const seq of [a, b]) {
      for (let i = 0; i < 64; i++) {
        const ones = seq.reduce((n, v) => n + bit(v, i), 0);
        assert.ok(Math.abs(ones - windows / 2) < 5 * Math.sqrt(windows / 4), `bit ${i}: ${ones} of ${windows}`);
      }
    }
    // Consecutive values of one dongle are as far apart as values of two dongles (about 32 of 64 bits differ):
    // nothing carries over from one window to the next.
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const within = mean(a.slice(1).map((v, i) => popcount(v, a[i]!)));
    const across = mean(a.map((v, i) => popcount(v, b[i]!)));
    assert.ok(Math.abs(within - 32) < 1.5 && Math.abs(across - 32) < 1.5, `within ${within}, across ${across}`);
    // A linker's best simple guess, "same dongle if the values share a byte position", fares no better than chance.
    const shares = (x: Uint8Array, y: Uint8Array) => x.some((byte, i) => byte === y[i]);
    const sameRate = mean(a.slice(1).map((v, i) => (shares(v, a[i]!) ? 1 : 0)));
    const otherRate = mean(a.map((v, i) => (shares(v, b[i]!) ? 1 : 0)));
    assert.ok(Math.abs(sameRate - otherRate) < 0.08, `same ${sameRate}, other ${otherRate}`);
    // Another key, even one bit apart, gives unrelated values.
    const near = key(7).slice();
    near[0] = near[0]! ^ 1;
    assert.ok(Math.abs(popcount(ephemeralId(near, start), a[0]!) - 32) < 16);
    assert.equal(ephemeralIdHex(fromHex(toHex(key(7))), start), toHex(a[0]!));
  });
});
