/**
 * Deliveries in the database. Every state change is one conditional UPDATE
 * (`WHERE state = <the state it leaves>`), so two server processes or two
 * retries of the gateway change a delivery once; the issuer's work for a
 * change (issue, capture, release, refund, close) runs in the same
 * transaction, so a card and the delivery that holds it commit together.
 */
import { createHash } from 'node:crypto';
import {
  boundedMoney,
  EdgePayError,
  floorOfUnit,
  type CreateDeliveryBody,
  ordererStatusOf,
  type DeliveryProgress,
  type DeliveryProgressBody,
  type DeliveryState,
  type DeliveryView,
  type OrdererDeliveryView,
  type GatewayIdentity,
  type PaymentRequester,
  type SealedCard,
} from '../../../core/index.ts';
import type { Db, Queryable } from '../../db/index.ts';
import { captureCard, closeCard, issueCard, refundCard, releaseCard } from '../../issuer/index.ts';
import { approverOf, createPaymentRequest, getForRequester } from '../../payment-requests/index.ts';
import { usersAtUnit } from '../../wallet/index.ts';

/** NOTIFY channel of a delivery's progress (the waiters of every server process look again). */
export const ELEVATOR_CHANNEL = 'edgepay_elevator';

/** Units that reach nobody, per terminal, before it must wait (guessing who lives where). */
export const GUESS_LIMIT = { count: 5, windowSeconds: 600 };

export type ElevatorSite = { siteId: string; buildingId: string; terminalId: string; place: string; cardLifeSeconds: number; answerSeconds: number };

type Row = {
  id: string;
  site_id: string;
  gateway_id: string;
  body_hash: string;
  merchant_id: string;
  merchant_name: string;
  unit: string;
  floor: number | null;
  amount: string;
  currency: string;
  request_id: string | null;
  orderer_id: string | null;
  state: DeliveryState;
  card_id: string | null;
  sealed_card: SealedCard | null;
  reason: string | null;
  progress: DeliveryProgress | null;
  created_at: Date | string;
  updated_at: Date | string;
};

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

export function viewOf(r: Row): DeliveryView {
  return {
    id: r.id,
    state: r.state,
    amount: Number(r.amount),
    currency: r.currency,
    merchant: { id: r.merchant_id, name: r.merchant_name },
    floor: r.state === 'no-orderer' || r.state === 'waiting' ? null : r.floor,
    card: r.state === 'card-ready' ? r.sealed_card : null,
    reason: r.reason,
    progress: r.progress ?? null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export const siteRequester = (siteId: string): PaymentRequester => ({ kind: 'site', id: siteId, siteId });
export const fundingAccount = (userId: string, currency: string) => `buyer_funding:wallet:${userId}:${currency}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function setSite(db: Db, s: ElevatorSite): Promise<void> {
  await db.query(
    `INSERT INTO elevator_sites (site_id, building_id, terminal_id, place, card_life_seconds, answer_seconds) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (site_id) DO UPDATE SET building_id = $2, terminal_id = $3, place = $4, card_life_seconds = $5, answer_seconds = $6, updated_at = now()`,
    [s.siteId, s.buildingId, s.terminalId, s.place, s.cardLifeSeconds, s.answerSeconds],
  );
}

async function siteOf(db: Queryable, siteId: string): Promise<ElevatorSite> {
  const { rows } = await db.query<{ building_id: string; terminal_id: string; place: string; card_life_seconds: number; answer_seconds: number }>(
    'SELECT building_id, terminal_id, place, card_life_seconds, answer_seconds FROM elevator_sites WHERE site_id = $1',
    [siteId],
  );
  const r = rows[0];
  if (!r) throw new EdgePayError('ELEVATOR_NOT_CONFIGURED');
  return { siteId, buildingId: r.building_id, terminalId: r.terminal_id, place: r.place, cardLifeSeconds: r.card_life_seconds, answerSeconds: r.answer_seconds };
}

export async function addCourier(db: Db, code: string, merchantId: string, merchantName: string): Promise<void> {
  await db.query('INSERT INTO elevator_couriers (code_hash, merchant_id, merchant_name) VALUES ($1, $2, $3) ON CONFLICT (code_hash) DO UPDATE SET merchant_id = $2, merchant_name = $3', [
    sha256(code),
    merchantId,
    merchantName,
  ]);
}

async function readRow(db: Queryable, id: string, siteId: string, lock = false): Promise<Row> {
  const { rows } = await db.query<Row>(`SELECT * FROM elevator_deliveries WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  if (!rows[0] || rows[0].site_id !== siteId) throw new EdgePayError('ELEVATOR_DELIVERY_NOT_FOUND', { deliveryId: id });
  return rows[0];
}

export async function getDelivery(db: Db, gateway: GatewayIdentity, id: string): Promise<DeliveryView> {
  return viewOf(await readRow(db, id, gateway.siteId));
}

/**
 * The courier's request: the merchant from the courier code, then a request
 * to pay to everyone registered at the unit. An unknown unit and a unit with
 * nobody registered get the same answer (`no-orderer`), and a terminal that
 * gets it too often must wait.
 */
export async function createDelivery(db: Db, gateway: GatewayIdentity, body: CreateDeliveryBody): Promise<{ view: DeliveryView; created: boolean }> {
  const bodyHash = sha256(JSON.stringify([body.id, body.courierCode, body.unit, body.amount, body.currency]));
  const existing = await db.query<Row>('SELECT * FROM elevator_deliveries WHERE id = $1', [body.id]);
  if (existing.rows[0]) {
    const r = existing.rows[0];
    if (r.site_id !== gateway.siteId || r.body_hash !== bodyHash) throw new EdgePayError('IDEMPOTENCY_KEY_REUSED');
    return { view: viewOf(r), created: false };
  }
  boundedMoney(body.amount, body.currency);
  if (body.amount <= 0) throw new EdgePayError('MONEY_INVALID_AMOUNT', { amount: body.amount });
  const site = await siteOf(db, gateway.siteId);
  const courier = await db.query<{ merchant_id: string; merchant_name: string }>('SELECT merchant_id, merchant_name FROM elevator_couriers WHERE code_hash = $1', [sha256(body.courierCode)]);
  if (!courier.rows[0]) throw new EdgePayError('ELEVATOR_COURIER_UNKNOWN');
  const { merchant_id: merchantId, merchant_name: merchantName } = courier.rows[0];
  const guesses = await db.query<{ n: string; oldest: Date | string | null }>(
    `SELECT count(*) AS n, min(created_at) AS oldest FROM elevator_deliveries WHERE gateway_id = $1 AND state = 'no-orderer' AND created_at > now() - make_interval(secs => $2)`,
    [gateway.gatewayId, GUESS_LIMIT.windowSeconds],
  );
  if (Number(guesses.rows[0]!.n) >= GUESS_LIMIT.count) {
    const oldest = new Date(iso(guesses.rows[0]!.oldest!)).getTime();
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + GUESS_LIMIT.windowSeconds * 1000 - Date.now()) / 1000));
    throw new EdgePayError('ELEVATOR_TOO_MANY_TRIES', { retryAfterSeconds: String(retryAfterSeconds) });
  }
  const floor = floorOfUnit(body.unit) ?? null;
  let requestId: string | null = null;
  let state: DeliveryState = 'no-orderer';
  if (floor !== null) {
    try {
      const request = await createPaymentRequest(
        db,
        siteRequester(gateway.siteId),
        {
          to: { buildingId: site.buildingId, unit: body.unit },
          amount: body.amount,
          currency: body.currency,
          payee: { id: merchantId, name: merchantName },
          place: site.place,
          note: 'Delivery at the lobby: approve to pay and have it sent up by the goods elevator.',
          ttlSeconds: site.answerSeconds,
        },
        (b, u) => usersAtUnit(db, b, u),
      );
      requestId = request.id;
      state = 'waiting';
    } catch (err) {
      if (!(err instanceof EdgePayError && err.code === 'PAYMENT_REQUEST_NO_RECIPIENT')) throw err;
    }
  }
  const { rows } = await db.query<Row>(
    `INSERT INTO elevator_deliveries (id, site_id, gateway_id, body_hash, merchant_id, merchant_name, unit, floor, amount, currency, request_id, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [body.id, gateway.siteId, gateway.gatewayId, bodyHash, merchantId, merchantName, body.unit, floor, body.amount, body.currency, requestId, state],
  );
  if (!rows[0]) return createDelivery(db, gateway, body); // a concurrent duplicate won: answer as a replay
  return { view: viewOf(rows[0]), created: true };
}

/**
 * Moves a waiting delivery on once its request to pay is answered: approved
 * issues the card (sealed to the site's terminal) in the same transaction as
 * the change; declined, expired or cancelled end it. Answers the view.
 */
export async function advance(db: Db, gateway: GatewayIdentity, id: string): Promise<DeliveryView> {
  const row = await readRow(db, id, gateway.siteId);
  if (row.state !== 'waiting' || !row.request_id) return viewOf(row);
  const requester = siteRequester(gateway.siteId);
  const request = await getForRequester(db, requester, row.request_id);
  if (request.state === 'pending') return viewOf(row);
  if (request.state !== 'approved') {
    const to: DeliveryState = request.state === 'declined' ? 'declined' : 'expired';
    const { rows } = await db.query<Row>("UPDATE elevator_deliveries SET state = $2, updated_at = now() WHERE id = $1 AND state = 'waiting' RETURNING *", [id, to]);
    return rows[0] ? viewOf(rows[0]) : viewOf(await readRow(db, id, gateway.siteId));
  }
  const orderer = await approverOf(db, requester, row.request_id);
  const site = await siteOf(db, gateway.siteId);
  const changed = await db.transaction(async (tx) => {
    const { rows } = await tx.query<Row>("SELECT * FROM elevator_deliveries WHERE id = $1 AND state = 'waiting' FOR UPDATE", [id]);
    if (!rows[0]) return undefined;
    const card = await issueCard(db, tx, {
      reference: `elevator:${id}`,
      amount: Number(row.amount),
      currency: row.currency,
      merchantId: row.merchant_id,
      terminalId: site.terminalId,
      lifeSeconds: site.cardLifeSeconds,
      funding: { accountId: fundingAccount(orderer!, row.currency), owner: orderer! },
    });
    const updated = await tx.query<Row>("UPDATE elevator_deliveries SET state = 'card-ready', orderer_id = $2, card_id = $3, sealed_card = $4, updated_at = now() WHERE id = $1 RETURNING *", [
      id,
      orderer,
      card.cardId,
      JSON.stringify(card),
    ]);
    return updated.rows[0];
  });
  return changed ? viewOf(changed) : viewOf(await readRow(db, id, gateway.siteId));
}

/** One step of a delivery that has a card: from `from` to `to`, with the issuer's work in the same transaction. */
async function step(db: Db, gateway: GatewayIdentity, id: string, from: DeliveryState, to: DeliveryState, work: (tx: Queryable, row: Row) => Promise<boolean>, reason?: string): Promise<DeliveryView> {
  return db.transaction(async (tx) => {
    const row = await readRow(tx, id, gateway.siteId, true);
    if (row.state === to) return viewOf(row); // a retry of the same step
    if (row.state !== from || !row.card_id) throw new EdgePayError('ELEVATOR_DELIVERY_STATE', { state: row.state });
    if (!(await work(tx, row))) throw new EdgePayError('ELEVATOR_DELIVERY_STATE', { state: row.state });
    const { rows } = await tx.query<Row>('UPDATE elevator_deliveries SET state = $2, reason = COALESCE($3, reason), sealed_card = NULL, updated_at = now() WHERE id = $1 RETURNING *', [
      id,
      to,
      reason ?? null,
    ]);
    return viewOf(rows[0]!);
  });
}

/** The terminal reported the charge approved: the issuer's approval is captured (no approval held: refused). */
export const captureDelivery = (db: Db, g: GatewayIdentity, id: string) => step(db, g, id, 'card-ready', 'charged', async (tx, row) => (await captureCard(tx, row.card_id!)) !== undefined);

/** The terminal's charge did not go through (declined, expired, cancelled): the card closes, any approval is reversed. */
export const chargeFailed = (db: Db, g: GatewayIdentity, id: string, reason: string) =>
  step(db, g, id, 'card-ready', 'card-failed', async (tx, row) => (await releaseCard(tx, row.card_id!, 'charge-failed'), true), reason);

/** The goods came back (elevator fault, not taken out): the charge goes back to the orderer. */
export const refundDelivery = (db: Db, g: GatewayIdentity, id: string, reason: string) =>
  step(db, g, id, 'charged', 'refunded', async (tx, row) => refundCard(tx, row.card_id!, fundingAccount(row.orderer_id!, row.currency)), reason);

/** The elevator reported the goods taken out: the card closes for good. */
export const deliveredDelivery = (db: Db, g: GatewayIdentity, id: string) => step(db, g, id, 'charged', 'delivered', async (tx, row) => (await closeCard(tx, row.card_id!, 'delivered'), true));

/**
 * The gateway reports where the goods are. `charging` applies while the card
 * is in the terminal, the car's stages once the charge is captured; after the
 * orderer confirmed the unload the gateway's reports no longer change it.
 * Repeating a report changes nothing.
 */
export async function setProgress(db: Db, gateway: GatewayIdentity, id: string, body: DeliveryProgressBody): Promise<DeliveryView> {
  const progress: DeliveryProgress = { stage: body.stage, car: body.car ?? null, floor: body.floor ?? null, at: new Date().toISOString() };
  const needs: DeliveryState = body.stage === 'charging' ? 'card-ready' : 'charged';
  const { rows } = await db.query<Row>(
    `UPDATE elevator_deliveries SET progress = $3, updated_at = now()
     WHERE id = $1 AND site_id = $2 AND state = $4 AND (progress IS NULL OR progress->>'stage' <> 'unload-confirmed')
     RETURNING *`,
    [id, gateway.siteId, JSON.stringify(progress), needs],
  );
  if (rows[0]) {
    await notify(db, id);
    return viewOf(rows[0]);
  }
  const row = await readRow(db, id, gateway.siteId);
  if (row.progress?.stage === body.stage) return viewOf(row); // a repeated report
  throw new EdgePayError('ELEVATOR_PROGRESS_STATE', { state: row.state, stage: row.progress?.stage === 'unload-confirmed' ? 'unload-confirmed' : body.stage });
}

async function notify(db: Db, id: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [ELEVATOR_CHANNEL, id]).catch(() => undefined);
}

/** The orderer's view: undefined for a delivery the wallet's requests list already tells (waiting, declined, expired). */
export function ordererViewOf(r: Row): OrdererDeliveryView | undefined {
  const view = viewOf(r);
  const s = ordererStatusOf(view);
  if (!s) return undefined;
  return {
    id: r.id,
    status: s.status,
    money: s.money,
    amount: Number(r.amount),
    currency: r.currency,
    merchantName: r.merchant_name,
    floor: r.floor,
    car: r.progress?.car ?? null,
    canConfirmUnload: s.status === 'arrived',
    reason: r.reason,
    updatedAt: view.updatedAt,
  };
}

/** The orderer's deliveries of the last day, newest first (at most 10). */
export async function ordererDeliveries(db: Db, userId: string): Promise<OrdererDeliveryView[]> {
  const { rows } = await db.query<Row>("SELECT * FROM elevator_deliveries WHERE orderer_id = $1 AND updated_at > now() - interval '1 day' ORDER BY created_at DESC LIMIT 10", [userId]);
  return rows.map(ordererViewOf).filter((v): v is OrdererDeliveryView => v !== undefined);
}

/**
 * "Goods taken out", from the orderer's phone: only the orderer of the
 * delivery, only while its car stands at their floor. The gateway (long
 * polling the delivery) then tells the elevator controller.
 */
export async function confirmUnload(db: Db, userId: string, id: string): Promise<OrdererDeliveryView> {
  const { rows } = await db.query<Row>(
    `UPDATE elevator_deliveries SET progress = jsonb_set(progress, '{stage}', '"unload-confirmed"'), updated_at = now()
     WHERE id = $1 AND orderer_id = $2 AND state = 'charged' AND progress->>'stage' IN ('arrived', 'unload-confirmed')
     RETURNING *`,
    [id, userId],
  );
  if (rows[0]) {
    await notify(db, id);
    return ordererViewOf(rows[0])!;
  }
  const { rows: found } = await db.query<Row>('SELECT * FROM elevator_deliveries WHERE id = $1 AND orderer_id = $2', [id, userId]);
  // Another user's delivery reads as missing: the phone learns nothing of others' deliveries.
  if (!found[0]) throw new EdgePayError('ELEVATOR_DELIVERY_NOT_FOUND', { deliveryId: id });
  throw new EdgePayError('ELEVATOR_NOT_AT_FLOOR', { stage: ordererViewOf(found[0])?.status ?? found[0].state });
}
