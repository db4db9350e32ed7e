/** The relay flow on the server: its plugin (server/app.ts registers it) and what tests and the demo call. */
export { relayPlugin, SANDBOX_APPS, type RelayPluginOptions } from './plugin.ts';
export type { RelayDestination, DestinationRecord } from './destinations/destination.ts';
