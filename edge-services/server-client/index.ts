/** The gateway's calls to the central server's HTTP API (not replication: that is sync's). */
export { authoriseHeldPayment, refundPayment, voidPayment } from './payments-client.ts';
