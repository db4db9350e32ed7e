/**
 * The issuer's real-time authorisation decision, final when given: the card
 * (found by the HMAC of its number, its expiry and code checked by a second
 * HMAC), its state (one approval ever), its expiry, the amount (at most the
 * approved one), the currency and the merchant. Card networks retry: the same
 * authorisation id gets the stored decision and has one effect; the same id
 * with other content is refused.
 *
 * Single use under any concurrency: the card row is locked (FOR UPDATE) for
 * the decision, and a partial unique index (one approved authorisation per
 * card) holds even if the code were wrong.
 */
import { randomInt } from 'node:crypto';
import { AUTHORISATION_BOX_INFO, EdgePayError, type AuthorisationBody, type AuthorisationDecision, type AuthorisationSecret, type IssuerDeclineReason } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { createTransfers } from '../ledger/index.ts';
import { floatAccount, merchantAccount, transferIds } from './accounts.ts';
import { secretText } from './cards.ts';
import { cachedTerminalKey, issuerKeys } from './keys.ts';
import { openStatic } from './sealing.ts';

/** How long an approval may stay held before it is reversed when nobody captured it (the terminal never got it). */
export const DEFAULT_HOLD_SECONDS = 120;

type CardRow = { id: string; secret_mac: string; amount: string; currency: string; merchant_id: string; state: string; close_reason: string | null; expired: boolean };
type AuthRow = { id: string; request_mac: string; decision: 'approved' | 'declined'; reason: IssuerDeclineReason | null; approval_code: string | null };

function decisionOf(row: AuthRow): AuthorisationDecision {
  return row.decision === 'approved' ? { authorisationId: row.id, decision: 'approved', approvalCode: row.approval_code! } : { authorisationId: row.id, decision: 'declined', reason: row.reason! };
}

function checkSecret(s: AuthorisationSecret): void {
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.pan === 'string' &&
    /^[0-9]{13,19}$/.test(s.pan) &&
    typeof s.expiry === 'string' &&
    /^[0-9]{4}$/.test(s.expiry) &&
    typeof s.cvc === 'string' &&
    /^[0-9]{3,4}$/.test(s.cvc) &&
    Number.isSafeInteger(s.amount) &&
    s.amount > 0 &&
    typeof s.currency === 'string' &&
    /^[A-Z]{3}$/.test(s.currency) &&
    typeof s.merchantId === 'string' &&
    s.merchantId.length > 0 &&
    s.merchantId.length <= 128;
  if (!ok) throw new EdgePayError('ISSUER_AUTHORISATION_INVALID');
}

const approvalCode = () => Array.from({ length: 6 }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'[randomInt(0, 32)]).join('');

export async function authorise(db: Db, body: AuthorisationBody): Promise<AuthorisationDecision> {
  const keys = await issuerKeys(db);
  const theirs = await cachedTerminalKey(db, body.terminalId);
  const secret = openStatic<AuthorisationSecret>(keys.privateKey, theirs, body.box, AUTHORISATION_BOX_INFO, `${body.terminalId}|${body.authorisationId}`);
  checkSecret(secret);
  const requestMac = keys.mac(JSON.stringify([body.terminalId, secretText(secret), secret.amount, secret.currency, secret.merchantId]));
  const numberMac = keys.mac(secret.pan);
  const secretMac = keys.mac(secretText(secret));

  const earlier = async (q: Queryable): Promise<AuthorisationDecision | undefined> => {
    const { rows } = await q.query<AuthRow>('SELECT id, request_mac, decision, reason, approval_code FROM issuer_authorisations WHERE id = $1', [body.authorisationId]);
    if (!rows[0]) return undefined;
    if (rows[0].request_mac !== requestMac) throw new EdgePayError('ISSUER_AUTHORISATION_REUSED');
    return decisionOf(rows[0]);
  };
  const decided = await db.transaction(async (tx) => {
    const { rows } = await tx.query<CardRow>(
      'SELECT id, secret_mac, amount, currency, merchant_id, state, close_reason, expires_at <= now() AS expired FROM issuer_cards WHERE number_mac = $1 FOR UPDATE',
      [numberMac],
    );
    // Under the card's lock: a concurrent retry of this id may have decided meanwhile.
    const meanwhile = await earlier(tx);
    if (meanwhile) return meanwhile;
    const card = rows[0];
    const reason: IssuerDeclineReason | undefined =
      !card || card.secret_mac !== secretMac
        ? 'card-unknown'
        : // A card the sweeper closed at the end of its life declines as expired, which is what happened to it.
          card.state === 'closed'
          ? card.close_reason === 'expired'
            ? 'card-expired'
            : 'card-closed'
          : card.state === 'used'
            ? 'card-used'
            : card.expired
              ? 'card-expired'
              : card.currency !== secret.currency
                ? 'currency-mismatch'
                : secret.amount > Number(card.amount)
                  ? 'amount-over'
                  : card.merchant_id !== secret.merchantId
                    ? 'merchant-mismatch'
                    : undefined;
    const code = reason ? null : approvalCode();
    const inserted = await tx.query<AuthRow>(
      `INSERT INTO issuer_authorisations (id, card_id, terminal_id, request_mac, decision, reason, approval_code, amount, currency, merchant_id, settlement)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO NOTHING RETURNING id, request_mac, decision, reason, approval_code`,
      [
        body.authorisationId,
        card?.id ?? null,
        body.terminalId,
        requestMac,
        reason ? 'declined' : 'approved',
        reason ?? null,
        code,
        secret.amount,
        secret.currency,
        secret.merchantId,
        reason ? null : 'held',
      ],
    );
    if (!inserted.rows[0]) return undefined; // an unknown card's retry raced this one: read its decision below
    if (!reason) {
      await tx.query("UPDATE issuer_cards SET state = 'used' WHERE id = $1", [card!.id]);
      // The float pays the merchant, held until the delivery captures it (or it is reversed).
      const [hold] = await createTransfers(tx, [
        {
          id: transferIds.auth(body.authorisationId),
          kind: 'pending',
          debitAccountId: floatAccount(secret.currency),
          creditAccountId: merchantAccount(secret.merchantId, secret.currency),
          amount: secret.amount,
          currency: secret.currency,
          code: 'authorise',
          reference: `issuer-card:${card!.id}`,
          timeoutSeconds: DEFAULT_HOLD_SECONDS + 600,
        },
      ]);
      if (!hold!.ok) throw new Error(`authorisation hold refused: ${hold!.code}`);
    }
    return decisionOf(inserted.rows[0]);
  });
  return decided ?? (await earlier(db))!;
}
