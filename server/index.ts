/**
 * server: the central server (replication endpoints, payment authority,
 * issuer, OTP, relay, credit, wallet API).
 *
 * Not built yet; nothing is exported so that nothing can depend on a server
 * that does not exist. Its rules are fixed already: it imports core, and only
 * types from sync (the replication protocol), see tests/architecture.ts.
 */
export {};
