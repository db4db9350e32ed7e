/**
 * The dongle simulator as its own process (not a bus device: a dongle talks
 * to no gateway, it broadcasts). argv[2]: JSON `{dongle: DongleConfig,
 * intervalMs?, readers?: [{port, rssi}]}`. It transmits its advertising PDU to
 * each reader's simulated air every interval (the RSSI each reader measures is
 * the simulation's stand-in for distance), and answers the second channel on
 * HTTP (127.0.0.1, a free port, printed as `DONGLE_URL=<url>`):
 *
 *   GET  /code      {code, step, serial}: what the dongle gives the owner's phone now
 *   GET  /state     {serial, readers, clockOffsetMs, advertising, window}
 *   POST /control   {readers?, clockOffsetMs?, advertising?}: move it, skew its clock, switch it off
 *
 * The HTTP answers carry `Access-Control-Allow-Origin: *` for a demo page;
 * the wallet itself has the person type the code (see PROTOCOL.md).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { airDatagram } from '../../devices/ble/index.ts';
import { DongleChip, type DongleConfig } from './dongle.ts';

type Reader = { port: number; rssi: number };
const config = JSON.parse(process.argv[2] ?? '{}') as { dongle: DongleConfig; intervalMs?: number; readers?: Reader[] };
const chip = new DongleChip(config.dongle);
let readers: Reader[] = config.readers ?? [];
let advertising = true;
const socket = createSocket('udp4');

const transmit = () => {
  if (!advertising) return;
  const pdu = chip.advertisingPdu();
  for (const r of readers) socket.send(airDatagram(r.rssi, pdu), r.port, '127.0.0.1');
};
const timer = setInterval(transmit, config.intervalMs ?? 100);

const server = createServer((req, res) => {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && req.url === '/code') return send(200, { ...chip.code(), serial: config.dongle.serial });
  if (req.method === 'GET' && req.url === '/state') return send(200, { serial: config.dongle.serial, readers, clockOffsetMs: chip.clockOffsetMs, advertising, window: chip.window() });
  if (req.method === 'POST' && req.url === '/control') {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      try {
        const body = JSON.parse(text) as { readers?: Reader[]; clockOffsetMs?: number; advertising?: boolean };
        if (Array.isArray(body.readers)) readers = body.readers.map((r) => ({ port: Number(r.port), rssi: Number(r.rssi) }));
        if (typeof body.clockOffsetMs === 'number') chip.clockOffsetMs = body.clockOffsetMs;
        if (typeof body.advertising === 'boolean') advertising = body.advertising;
        transmit();
        send(200, { ok: true });
      } catch {
        send(400, { code: 'REQUEST_INVALID' });
      }
    });
    return;
  }
  send(404, { code: 'NOT_FOUND' });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`DONGLE_URL=http://127.0.0.1:${port}\n`);
});
const stop = () => {
  clearInterval(timer);
  socket.close();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Dies with its parent (the stdin pipe closes).
process.stdin.on('end', stop);
process.stdin.resume();
