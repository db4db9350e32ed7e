/**
 * The dongle's advertisement, byte for byte (Bluetooth Core 5.x, vol 3 part C
 * §11 and the Core Specification Supplement; vol 6 part B §2.3 for the PDU;
 * vol 4 part E §7.7.65.2 for the HCI report):
 *
 *   AdvData = AD structures, each [length][AD type][data...] (length counts type + data):
 *     02 01 06                      Flags: LE General Discoverable, BR/EDR not supported
 *     0F FF FF FF 45 50 01 KK E*8   Manufacturer Specific Data: company 0xFFFF (the id reserved
 *                                   for tests and unassigned products, little-endian), "EP",
 *                                   frame version 1, rotation exponent K, 8-byte ephemeral id
 *     02 0A TT                      TX Power Level (dBm at 0 m, signed)
 *
 *   ADV_NONCONN_IND PDU = header [0x42 = PDU type 0010, TxAdd=1 (random address)][payload length]
 *                         AdvA (6 bytes, least significant first) AdvData (≤ 31 bytes)
 *
 *   HCI LE Advertising Report (what a controller gives its host, H4 framing):
 *     04 3E len 02 01 [event type 03 = ADV_NONCONN_IND][address type 01 = random]
 *     [address, 6 bytes LSB first][data length][data][RSSI, signed dBm]
 *
 * The reader's driver (edge-services) reads HCI reports; the dongle simulator
 * sends PDUs. Every parser here refuses what does not fit instead of guessing.
 */

export const AD_FLAGS = 0x01;
export const AD_TX_POWER = 0x0a;
export const AD_MANUFACTURER = 0xff;
/** Bluetooth SIG company identifier 0xFFFF: reserved for testing, used by products without an assigned id. */
export const EDGEPAY_COMPANY_ID = 0xffff;
const FRAME_MAGIC = [0x45, 0x50]; // "EP"
export const FRAME_VERSION = 1;
const ADV_NONCONN_IND = 0x2;

export type AdStructure = { type: number; data: Uint8Array };

/** Splits AdvData into AD structures; undefined if a length runs past the end (a zero length ends the data, as the spec says). */
export function parseAdStructures(advData: Uint8Array): AdStructure[] | undefined {
  const out: AdStructure[] = [];
  let i = 0;
  while (i < advData.length) {
    const length = advData[i]!;
    if (length === 0) break;
    if (i + 1 + length > advData.length) return undefined;
    out.push({ type: advData[i + 1]!, data: advData.slice(i + 2, i + 1 + length) });
    i += 1 + length;
  }
  return out;
}

export function encodeAdStructures(structures: readonly AdStructure[]): Uint8Array {
  const size = structures.reduce((n, s) => n + 2 + s.data.length, 0);
  const out = new Uint8Array(size);
  let i = 0;
  for (const s of structures) {
    if (s.data.length > 254) throw new RangeError('AD structure too long');
    out[i] = s.data.length + 1;
    out[i + 1] = s.type;
    out.set(s.data, i + 2);
    i += 2 + s.data.length;
  }
  return out;
}

export type EdgePayAdvert = { ephemeralId: Uint8Array; rotationExponent: number; txPower?: number };

/** The AdvData of a dongle's advertisement (3 + 16 + 3 = 22 bytes, within the 31 allowed). */
export function encodeDongleAdvData(advert: EdgePayAdvert): Uint8Array {
  if (advert.ephemeralId.length !== 8) throw new RangeError('an ephemeral id is 8 bytes');
  const manufacturer = new Uint8Array([EDGEPAY_COMPANY_ID & 0xff, EDGEPAY_COMPANY_ID >> 8, ...FRAME_MAGIC, FRAME_VERSION, advert.rotationExponent, ...advert.ephemeralId]);
  const structures: AdStructure[] = [
    { type: AD_FLAGS, data: new Uint8Array([0x06]) },
    { type: AD_MANUFACTURER, data: manufacturer },
  ];
  if (advert.txPower !== undefined) structures.push({ type: AD_TX_POWER, data: new Uint8Array([advert.txPower & 0xff]) });
  return encodeAdStructures(structures);
}

const int8 = (b: number) => (b > 127 ? b - 256 : b);

/** Our frame in AdvData, if it is one (other advertisers in range are ignored: undefined). */
export function decodeDongleAdvData(advData: Uint8Array): EdgePayAdvert | undefined {
  const structures = parseAdStructures(advData);
  if (!structures) return undefined;
  let advert: EdgePayAdvert | undefined;
  let txPower: number | undefined;
  for (const s of structures) {
    if (s.type === AD_TX_POWER && s.data.length === 1) txPower = int8(s.data[0]!);
    if (s.type !== AD_MANUFACTURER || s.data.length !== 14) continue;
    const d = s.data;
    const company = d[0]! | (d[1]! << 8);
    if (company !== EDGEPAY_COMPANY_ID || d[2] !== FRAME_MAGIC[0] || d[3] !== FRAME_MAGIC[1] || d[4] !== FRAME_VERSION) continue;
    if (d[5]! > 15) continue; // Eddystone's K is 0..15
    advert = { ephemeralId: d.slice(6, 14), rotationExponent: d[5]! };
  }
  if (!advert) return undefined;
  return txPower === undefined ? advert : { ...advert, txPower };
}

/** An ADV_NONCONN_IND PDU from a random address (most significant byte first, as written). */
export function encodeAdvPdu(addressMsbFirst: Uint8Array, advData: Uint8Array): Uint8Array {
  if (addressMsbFirst.length !== 6 || advData.length > 31) throw new RangeError('bad address or AdvData too long');
  const out = new Uint8Array(2 + 6 + advData.length);
  out[0] = 0x40 | ADV_NONCONN_IND; // TxAdd = 1: random address
  out[1] = 6 + advData.length;
  out.set([...addressMsbFirst].reverse(), 2);
  out.set(advData, 8);
  return out;
}

export type AdvPdu = { pduType: number; randomAddress: boolean; addressMsbFirst: Uint8Array; advData: Uint8Array };

export function decodeAdvPdu(pdu: Uint8Array): AdvPdu | undefined {
  if (pdu.length < 8) return undefined;
  const length = pdu[1]!;
  if (length < 6 || length > 37 || pdu.length !== 2 + length) return undefined;
  return {
    pduType: pdu[0]! & 0x0f,
    randomAddress: (pdu[0]! & 0x40) !== 0,
    addressMsbFirst: pdu.slice(2, 8).reverse(),
    advData: pdu.slice(8),
  };
}

/** HCI LE Advertising Report event types by PDU type (ADV_IND 0, ADV_DIRECT_IND 1, ADV_NONCONN_IND 2 → 3, ADV_SCAN_IND 6 → 2). */
const REPORT_EVENT_TYPE: Record<number, number> = { 0: 0x00, 1: 0x01, 2: 0x03, 6: 0x02 };

/** What a controller hands its host for one received PDU, with the RSSI it measured. */
export function encodeHciAdvertisingReport(pdu: AdvPdu, rssi: number): Uint8Array {
  const eventType = REPORT_EVENT_TYPE[pdu.pduType];
  if (eventType === undefined) throw new RangeError('not an advertising PDU');
  const params = [0x02, 0x01, eventType, pdu.randomAddress ? 0x01 : 0x00, ...[...pdu.addressMsbFirst].reverse(), pdu.advData.length, ...pdu.advData, rssi & 0xff];
  return new Uint8Array([0x04, 0x3e, params.length, ...params]);
}

export type AdvertisingReport = { eventType: number; randomAddress: boolean; addressMsbFirst: Uint8Array; advData: Uint8Array; rssi: number };

/**
 * The reports in one HCI LE Advertising Report event (H4: 0x04 0x3E ...),
 * undefined for any other packet or a malformed one. The event may carry
 * several reports (num_reports); they are read one after another, as BlueZ
 * reads them (controllers in practice send one per event).
 */
export function parseHciAdvertisingReports(packet: Uint8Array): AdvertisingReport[] | undefined {
  if (packet.length < 5 || packet[0] !== 0x04 || packet[1] !== 0x3e || packet[2] !== packet.length - 3 || packet[3] !== 0x02) return undefined;
  const count = packet[4]!;
  if (count < 1 || count > 25) return undefined;
  const reports: AdvertisingReport[] = [];
  let i = 5;
  for (let n = 0; n < count; n++) {
    if (i + 9 > packet.length) return undefined;
    const eventType = packet[i]!;
    const addressType = packet[i + 1]!;
    const addressMsbFirst = packet.slice(i + 2, i + 8).reverse();
    const dataLength = packet[i + 8]!;
    if (dataLength > 31 || i + 9 + dataLength + 1 > packet.length) return undefined;
    const advData = packet.slice(i + 9, i + 9 + dataLength);
    const rssiByte = packet[i + 9 + dataLength]!;
    if (rssiByte === 127) return undefined; // 127: RSSI not available
    reports.push({ eventType, randomAddress: addressType === 0x01 || addressType === 0x03, addressMsbFirst, advData, rssi: int8(rssiByte) });
    i += 10 + dataLength;
  }
  return i === packet.length ? reports : undefined;
}
