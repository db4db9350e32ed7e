import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startBus, type RunningBus } from '../bus/index.ts';
import { eventually } from '../bus/test-helpers.ts';
import { keyboardReportsFor, type RegistryEntry } from '../devices/index.ts';
import { DriverSupervisor, HID_DRIVER_ENTRY, deviceStatus, type HidDriverConfig, type ScriptedHidMessage } from './index.ts';

const WEDGE: RegistryEntry = { vendorId: 0x05e0, productId: 0x1200, driver: 'keyboard-wedge-scanner', name: 'wedge scanner' };
const CRASHING = fileURLToPath(new URL('./fixtures/crash-on-start.ts', import.meta.url));
const config: HidDriverConfig = { drivers: ['keyboard-wedge-scanner', 'hid-pos-scanner'], table: [WEDGE], backend: 'scripted', pollIntervalMs: 60_000 };

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function setup(backoff: ConstructorParameters<typeof DriverSupervisor>[0]['backoff']): Promise<{ gw: RunningBus; supervisor: DriverSupervisor }> {
  const gw = await startBus({ log: () => undefined });
  cleanups.push(() => gw.stop());
  const supervisor = new DriverSupervisor({ enroll: (id, kind) => gw.enrollNewDevice(id, kind), backoff });
  cleanups.push(() => supervisor.stop());
  return { gw, supervisor };
}

describe('supervised driver processes', () => {
  it('restarts a SIGKILLed driver with backoff while the gateway and other drivers keep serving', async () => {
    const { gw, supervisor } = await setup({ initialMs: 100, maxMs: 800, stableAfterMs: 60_000, maxConsecutiveCrashes: 20 });
    supervisor.add({ name: 'scanner-1', deviceId: 'scanner-1', kind: 'scanner', entry: HID_DRIVER_ENTRY, config });
    supervisor.add({ name: 'scanner-2', deviceId: 'scanner-2', kind: 'scanner', entry: HID_DRIVER_ENTRY, config });
    await eventually(() => supervisor.status().every((s) => s.state === 'running'), 'both drivers running', 30_000);

    // Scripted hardware through the real process: a complete scan, then a scan cut off by unplugging.
    const scans: { code: string; complete: boolean }[] = [];
    const detached: string[] = [];
    gw.bus.onEvent((e) => {
      if (e.deviceId !== 'scanner-1') return;
      if (e.type === 'scanner.scan') scans.push(e.payload as { code: string; complete: boolean });
      if (e.type === 'hid.detached') detached.push((e.payload as { path: string }).path);
    });
    const device = { path: '/dev/hidraw7', vendorId: 0x05e0, productId: 0x1200 };
    const acks: unknown[] = [];
    supervisor.onMessage('scanner-1', (m) => acks.push(m));
    const send = (m: ScriptedHidMessage) => assert.ok(supervisor.send('scanner-1', m));
    send({ type: 'hid', action: 'attach', device });
    await eventually(() => acks.length === 1, 'the driver to open the scripted device');
    for (const r of keyboardReportsFor('4006381333931', { startAt: 0, gapMs: 6 })) send({ type: 'hid', action: 'report', path: device.path, hex: r.data.toString('hex'), at: r.at });
    for (const r of keyboardReportsFor('96385074', { startAt: 1_000, gapMs: 6 }).slice(0, -2)) send({ type: 'hid', action: 'report', path: device.path, hex: r.data.toString('hex'), at: r.at });
    send({ type: 'hid', action: 'detach', path: device.path });
    await eventually(() => detached.length === 1, 'the detach event');
    assert.deepEqual(scans, [
      { code: '4006381333931', source: 'keyboard-wedge', complete: true },
      { code: '96385074', source: 'keyboard-wedge', complete: false },
    ]);

    const pids = new Set<number>();
    for (let kill = 1; kill <= 3; kill++) {
      const before = supervisor.statusOf('scanner-1')!;
      assert.equal(before.state, 'running');
      pids.add(before.pid!);
      process.kill(before.pid!, 'SIGKILL');
      await eventually(() => supervisor.statusOf('scanner-1')?.state !== 'running', 'the supervisor to notice the kill');
      const down = supervisor.statusOf('scanner-1')!;
      assert.equal(down.lastExit?.signal, 'SIGKILL');
      // The other driver and the gateway are untouched while this one is down.
      assert.ok((await gw.bus.command('scanner-2', 'device.ping', {})).uptimeMs >= 0);
      await eventually(() => supervisor.statusOf('scanner-1')?.state === 'running', 'the restart', 30_000);
      const after = supervisor.statusOf('scanner-1')!;
      assert.ok(!pids.has(after.pid!), 'a new process');
      assert.equal(after.restarts, kill);
      assert.equal(after.consecutiveCrashes, kill);
      // The new process is on the bus again (an idempotent command retries while it reconnects).
      assert.ok((await gw.bus.command('scanner-1', 'device.ping', {}, { timeoutMs: 3_000, retries: 3 })).uptimeMs >= 0);
    }
    for (const pid of pids) assert.equal(alive(pid), false, `killed process ${pid} is gone`);

    const running = supervisor.status().map((s) => s.pid!);
    await supervisor.stop();
    assert.deepEqual(
      supervisor.status().map((s) => s.state),
      ['stopped', 'stopped'],
    );
    for (const pid of running) assert.equal(alive(pid), false, `stopped process ${pid} is gone`);
  });

  it('marks a driver that crashes on every start as failed, with growing delays, and stops restarting it', async () => {
    const { gw, supervisor } = await setup({ initialMs: 50, factor: 2, maxMs: 1_000, stableAfterMs: 60_000, maxConsecutiveCrashes: 4 });
    supervisor.add({ name: 'broken', deviceId: 'cart-9', kind: 'cart', entry: CRASHING });
    supervisor.add({ name: 'scanner-3', deviceId: 'scanner-3', kind: 'scanner', entry: HID_DRIVER_ENTRY, config });
    const delays: number[] = [];
    supervisor.onStatus((s) => {
      if (s.name === 'broken' && s.state === 'backoff') delays.push(s.backoffMs!);
    });
    await eventually(() => supervisor.statusOf('broken')?.state === 'failed', 'the crash loop to be detected', 60_000);
    const failed = supervisor.statusOf('broken')!;
    assert.equal(failed.error?.code, 'DRIVER_FAILED');
    assert.equal(failed.consecutiveCrashes, 4);
    assert.equal(failed.restarts, 3);
    assert.equal(failed.lastExit?.code, 1);
    assert.deepEqual(delays, [50, 100, 200]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(supervisor.statusOf('broken')?.restarts, 3, 'no restart after failing');
    await eventually(() => supervisor.statusOf('scanner-3')?.state === 'running', 'the healthy driver', 30_000);
    assert.ok((await gw.bus.command('scanner-3', 'device.ping', {}, { timeoutMs: 3_000 })).uptimeMs >= 0);
    // The console's view: the failed driver and the healthy one, side by side.
    const rows = deviceStatus(gw, [supervisor]);
    assert.deepEqual(
      rows.map((r) => [r.deviceId, r.driver?.state, r.driver?.error?.code]),
      [
        ['cart-9', 'failed', 'DRIVER_FAILED'],
        ['scanner-3', 'running', undefined],
      ],
    );
    assert.equal(rows[0]!.lastSeen, undefined, 'the broken driver never reached the bus');
    assert.ok(rows[1]!.lastSeen! > 0);
  });
});
