/**
 * One row per enrolled device for the operator console: what the bus knows
 * (when it last heard from the device) beside what the supervisor knows (is
 * its process running, restarting, or failed after a crash loop).
 */
import type { DeviceKind, EdgePayErrorJSON } from '../../core/index.ts';
import type { RunningBus } from '../bus/index.ts';
import type { DriverState, DriverSupervisor } from './supervisor.ts';

export type DeviceStatusRow = {
  deviceId: string;
  kind: DeviceKind;
  /** ms since the epoch of the last valid message from it; undefined if none since enrolment. */
  lastSeen?: number;
  /** Present when the device is a supervised process (a driver or simulator). */
  driver?: { state: DriverState; restarts: number; pid?: number; error?: EdgePayErrorJSON };
};

export function deviceStatus(bus: Pick<RunningBus, 'bus' | 'devices'>, supervisors: readonly DriverSupervisor[]): DeviceStatusRow[] {
  const presence = new Map(bus.bus.presence().map((p) => [p.deviceId, p]));
  const drivers = new Map(supervisors.flatMap((s) => s.status()).map((d) => [d.deviceId, d]));
  return bus.devices
    .list()
    .map((device) => {
      const seen = presence.get(device.deviceId);
      const driver = drivers.get(device.deviceId);
      const row: DeviceStatusRow = { deviceId: device.deviceId, kind: device.kind };
      if (seen) row.lastSeen = seen.lastSeen;
      if (driver) {
        row.driver = { state: driver.state, restarts: driver.restarts };
        if (driver.pid !== undefined) row.driver.pid = driver.pid;
        if (driver.error) row.driver.error = driver.error;
      }
      return row;
    })
    .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
}
