/** Requests to pay: the state machine and the wire contract shared by the server, the wallet page and requesters. */
export * from './state-machine.ts';
export * from './types.ts';
// The replicated collection (registers itself in core's collection registry when core is loaded).
export * from './collection.ts';
