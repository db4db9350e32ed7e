/** Supervised driver processes: the supervisor, the child-side helper, the HID driver's entry. */
import { fileURLToPath } from 'node:url';
export { DriverSupervisor, type DriverDefinition, type DriverState, type DriverStatus, type SupervisorOptions } from './supervisor.ts';
export { DEFAULT_BACKOFF, restartDelay, type BackoffPolicy } from './backoff.ts';
export { runDeviceProcess, type DeviceProcessContext, type RunningDevice, type StartMessage } from './driver-process.ts';
export type { HidDriverConfig, ScriptedHidMessage } from './hid-driver-main.ts';

/** The module a supervised HID driver process runs. */
export const HID_DRIVER_ENTRY = fileURLToPath(new URL('./hid-driver-main.ts', import.meta.url));
export { deviceStatus, type DeviceStatusRow } from './device-status.ts';
