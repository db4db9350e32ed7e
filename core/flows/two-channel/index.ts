/** core/flows/two-channel: the dongle's advertisement, its rotating id, which dongle a device serves, and the flow's contract. */
export * from './advertisement.ts';
export * from './ephemeral-id.ts';
export * from './sightings.ts';
export * from './types.ts';
export { sha256, hmacSha256 } from './sha256.ts';
