/**
 * server/replication: RxDB's replication protocol over HTTP for the collections declared in core (pull, push, live stream), and the server's own writes to replicated documents.
 * Other contexts reach it only through this file (tests/architecture.test.ts).
 */
export { ChangeHub } from './change-hub.ts';
export { CHANGES_CHANNEL, parseNotices } from './change-notifier.ts';
export { mergeFollowUps, serverCollection, serverCollections, type CreatedFollowUps, type ServerCollection } from './collections.ts';
export { mutateAsServer, pull, push, refuseOwnWrite, writeAsServer } from './documents.ts';
export { registerReplicationRoutes } from './routes.ts';
export { announceChange } from './change-notifier.ts';
