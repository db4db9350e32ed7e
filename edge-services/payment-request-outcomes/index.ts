/**
 * How a gateway's requests to pay ended, handed to its flows once per final
 * state, across re-delivery and restarts (the outcome arrives by the ledger's
 * sync, also after an outage).
 */
export { PaymentRequestOutcomes, type PaymentRequestOutcome, type PaymentRequestOutcomeHandler, type PaymentRequestOutcomesOptions } from './outcomes.ts';
export { ACTED_MARKERS_FILE } from './acted-markers.ts';
