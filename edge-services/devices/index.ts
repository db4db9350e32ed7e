/** HID devices: report decoding (boot keyboard, HID-POS), keystroke timing, token readers, the registry, hot-plug. */
export { HidManager, type HidManagerEvent, type HidManagerOptions } from './hid-manager.ts';
export { DeviceRegistry, DEFAULT_DEVICE_TABLE, BAR_CODE_SCANNER_USAGE_PAGE, type RegistryEntry, type HidDriverKind } from './device-registry.ts';
export { ScriptedHidBackend } from './scripted-hid-backend.ts';
export { createNodeHidBackend } from './node-hid-backend.ts';
export type { HidBackend, HidDeviceInfo, HidTransport, HidTransportEvents } from './hid-transport.ts';
export { createReportPipeline, type DeviceOutput, type ReportPipeline } from './report-pipeline.ts';
export { keyboardReportsFor, type TimedReport } from './keyboard-reports.ts';
export { hidPosReportsFor, HidPosAssembler, type HidPosLayout } from './hid-pos-report.ts';
export { KeystrokeLines, MACHINE_TIMING, type KeystrokeTiming } from './keystroke-lines.ts';
export { tokenFromLine, looksLikePaymentCard } from './token-reader.ts';
// The BLE reader's driver (two-channel flow): HCI advertising reports behind a transport.
export * from './ble/index.ts';
