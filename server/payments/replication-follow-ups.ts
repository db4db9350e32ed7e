/**
 * What the payments context needs done whenever a gateway's push creates
 * payments: audit each one, and queue the offline ones for forwarding, in the
 * push's own statement (so they commit with it or not at all). Handed to the
 * server's replication by the app (server/http/app.ts): replication does not
 * know about payments.
 */
import type { CreatedFollowUps } from '../replication/index.ts';
import { AUDIT_CREATED_PAYMENTS_SQL } from './audit.ts';
import { ENQUEUE_CREATED_OFFLINE_PAYMENTS_SQL } from './forward-queue.ts';

export const PAYMENT_CREATED_FOLLOW_UPS: CreatedFollowUps = Object.freeze({
  payments: Object.freeze([AUDIT_CREATED_PAYMENTS_SQL, ENQUEUE_CREATED_OFFLINE_PAYMENTS_SQL]),
});
