/**
 * core/flows/credit: pay-later credit (DESIGN.md section 1, `credit`). The
 * loan's states, the instalment plans and the messages between merchant, the
 * payment gateway (PG) and the credit institution. Pure TypeScript: the
 * server signs and checks the messages (JWS), the wallet and the shop read
 * the views.
 */
export * from './states.ts';
export * from './plans.ts';
export * from './messages.ts';
