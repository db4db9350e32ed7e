/**
 * The replication protocol between a gateway and the central server: the
 * wire contract both sides import (the server's routes, the gateway's sync
 * client). Pure types and constants.
 */
export * from './protocol.ts';
