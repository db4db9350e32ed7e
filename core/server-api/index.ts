/** The central server's HTTP API for its callers (gateways today; merchants and the wallet later). */
export * from './payments.ts';
export * from './site.ts';
