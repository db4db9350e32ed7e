/** The dongle simulator: its chip (rotating broadcast, TOTP codes) and its process. */
export { DongleChip, type DongleConfig } from './dongle.ts';
export { startDongleSimulator, type DongleSimulator, type DongleReader } from './start-dongle.ts';
