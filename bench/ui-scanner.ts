/**
 * The barcode scanner of `npm run bench -- ui`, in its own process like a
 * real driver: a DeviceBusClient enrolled on the gateway's bus (credentials
 * over the IPC channel, as DriverSupervisor does) that publishes
 * `scanner.scan` when the bench asks. The send time is taken here, right
 * before publish(), as performance.timeOrigin + performance.now() (epoch ms,
 * sub-millisecond); the bench checks this clock against its own ('clock').
 *
 * IPC in:  {type:'start', credentials} | {type:'scan', seq, code} | {type:'clock', seq}
 * IPC out: {type:'ready'} | {type:'sent', seq, sentAt} | {type:'clock', seq, at} | {type:'error', message}
 */
import { DeviceBusClient, type DeviceCredentials } from '../edge-services/index.ts';

type In = { type: 'start'; credentials: DeviceCredentials } | { type: 'scan'; seq: number; code: string } | { type: 'clock'; seq: number };

/** Milliseconds since the epoch with sub-millisecond resolution (the same formula in the bench and the page). */
const now = () => performance.timeOrigin + performance.now();

if (!process.send) {
  process.stderr.write('bench/ui-scanner.ts runs as a child of bench/ui.ts (fork with an IPC channel)\n');
  process.exit(2);
}
const send = (m: object) => process.send!(m);
let client: DeviceBusClient | undefined;

process.on('message', (m: In) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        client = DeviceBusClient.connect(m.credentials, { model: 'bench-scanner', firmware: '1' });
        await client.whenSubscribed(10_000);
        send({ type: 'ready' });
      } else if (m.type === 'clock') {
        send({ type: 'clock', seq: m.seq, at: now() });
      } else if (m.type === 'scan') {
        if (!client) throw new Error('scan before start');
        const sentAt = now();
        await client.publish('scanner.scan', { code: m.code, symbology: ']E0', source: 'hid-pos', complete: true });
        send({ type: 'sent', seq: m.seq, sentAt });
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});

// The bench went away (finished, failed or killed): close and leave.
process.on('disconnect', () => {
  void (client?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
