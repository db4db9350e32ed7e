/** The gateway's calls to the central server's HTTP API (not replication: that is sync's). */
export { authoriseHeldPayment, refundPayment, voidPayment } from './payments-client.ts';
export { cancelPaymentRequest, createPaymentRequest, getPaymentRequest } from './payment-requests-client.ts';
