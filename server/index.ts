/**
 * server: the central server. Built so far: replication of the gateways'
 * collections (RxDB's protocol over HTTP), gateway enrolment and revocation,
 * health, metrics, OpenAPI. It imports core, and only types from sync.
 */
export { startServer, openDatabase, type ServerOptions, type RunningServer } from './start-server.ts';
export { buildApp, type AppOptions, type EdgePayServer } from './http/app.ts';
export { defineCollection, edgePayCollections, type ServerCollection, type CollectionDefinition } from './replication/collections.ts';
export { writeAsServer, pull, push } from './replication/documents.ts';
export { enrolGateway, revokeGateway, authenticateGateway, type EnrolledGateway } from './auth/gateways.ts';
export type { Db } from './db/db.ts';
/** Test support for other folders' tests and benches: fresh PostgreSQL schemas, PGlite. */
export * as serverTesting from './testing/index.ts';
/** The wallet context (users, passkeys, sessions, payment methods, approval proofs; seam with payment requests). */
export * as wallet from './wallet/index.ts';
