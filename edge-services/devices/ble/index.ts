/** The BLE reader's driver behind its transport (HCI advertising reports), and the simulated radio. */
export { BleAdvertisementDriver, type DongleAdvertisement } from './ble-advertisement-driver.ts';
export { UdpAirTransport, airDatagram, type BleTransport } from './ble-transport.ts';
