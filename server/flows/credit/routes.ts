/**
 * The credit flow's HTTP routes.
 *
 * Merchants (bearer `mc_<id>.<secret>`, the credential of POST /admin/merchants):
 *   PUT  /v1/credit/merchant-key            register the public key (P-256 JWK) the merchant signs with
 *   GET  /v1/credit/keys                    the PG's and the institution's public keys (JWKS)
 *   POST /v1/credit/orders                  {message: JWS of the order}; Idempotency-Key
 *   GET  /v1/credit/orders/:id              the loan
 *   POST /v1/credit/orders/:id/capture      {message}: shipped (the merchant is paid, less the fee)
 *   POST /v1/credit/orders/:id/cancel       {message}: void before shipment
 *   POST /v1/credit/orders/:id/return       {message}: a return is on its way (the buyer's dues pause)
 *   POST /v1/credit/orders/:id/refund       {message with amount}: refund (part or all; settles a return)
 * The buyer (wallet session, CSRF on POST):
 *   GET  /wallet/api/credit/loans           credit line, loans, plans, dues, payments, refunds
 *   POST /wallet/api/credit/loans/:id/delivered
 *   POST /wallet/api/credit/loans/:id/instalments/:seq/pay
 * The operator (admin token):
 *   PUT  /admin/credit/buyers/:userId       {currency, limit, score}: the sandbox institution's credit line
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CREDIT_MESSAGE_TYPES, EdgePayError, errorResponses, findCardDataPath, type CreditActionMessage, type CreditActionName, type CreditOrderMessage } from '../../../core/index.ts';
import { adminTokenCheck } from '../../auth/index.ts';
import { requestHash, runIdempotent } from '../../payments/index.ts';
import { authenticateMerchant } from '../../payment-requests/index.ts';
import { requireWalletSession, walletUserOf } from '../../wallet/index.ts';
import { buyerCredit, confirmDelivery, payInstalment } from './buyer.ts';
import type { CreditContext } from './context.ts';
import { setCreditLine } from './institution.ts';
import { cancel, capture, followBuyerAnswer, loanOfMerchant, merchantView, placeOrder, refund, reportReturn } from './loans.ts';
import { importMerchantKey, kidOf, merchantKeyOf, verify } from './signing.ts';

const tags = ['credit'];
const security: Record<string, string[]>[] = [{ gatewayCredential: [] }];
const errs = errorResponses(400, 401, 403, 404, 409, 422);
const idempotencyHeader = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 8,
      maxLength: 200,
      description:
        'Made by the merchant, one per intended action. The same key with the same signed payload answers the first answer again (header `idempotent-replayed: true`); the same key with another payload is refused 409 IDEMPOTENCY_KEY_REUSED; concurrent duplicates run once, across server processes. Kept 48 hours.',
    },
  },
} as const;
const signedBody = {
  type: 'object',
  required: ['message'],
  additionalProperties: false,
  properties: { message: { type: 'string', minLength: 1, maxLength: 65536, description: "Compact JWS (ES256) signed with the merchant's registered key, `kid` = merchant id" } },
} as const;
const byId = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const loanView = { type: 'object', additionalProperties: true } as const;

async function merchantOf(ctx: CreditContext, request: FastifyRequest): Promise<{ merchantId: string; name: string }> {
  const h = request.headers.authorization;
  const merchant = h?.startsWith('Bearer ') ? await authenticateMerchant(ctx.db, h.slice(7)) : undefined;
  if (!merchant) throw new EdgePayError('AUTH_REQUIRED');
  return merchant;
}

/**
 * The merchant (by its credential) and the registered key its message names (`kid`), read at
 * once: two round trips in parallel rather than one after the other. The key is only used
 * once the credential proved to be that merchant's (merchantMessage checks `kid`).
 */
async function merchantAndKey(ctx: CreditContext, request: FastifyRequest): Promise<{ merchant: { merchantId: string; name: string }; keyRow: unknown }> {
  const kid = kidOf((request.body as { message?: unknown } | undefined)?.message);
  const keyRow =
    kid === undefined
      ? Promise.resolve(undefined)
      : ctx.db.query<{ public_jwk: unknown }>('SELECT public_jwk FROM credit_merchant_keys WHERE merchant_id = $1', [kid]).then((r) => r.rows[0]?.public_jwk);
  keyRow.catch(() => undefined); // awaited below unless the credential fails first
  const merchant = await merchantOf(ctx, request);
  return { merchant, keyRow: await keyRow };
}

/** Verifies a merchant's message under its registered key (`publicJwk`, read for its `kid`): its own `kid`, the right kind, its own id inside. */
async function merchantMessage<T extends { merchantId: string }>(merchantId: string, jws: string, typ: string, publicJwk: unknown): Promise<T> {
  if (kidOf(jws) !== merchantId) throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'kid is not this merchant' });
  if (!publicJwk) throw new EdgePayError('CREDIT_MERCHANT_KEY_MISSING');
  const payload = await verify<T>(jws, await merchantKeyOf(publicJwk), typ);
  if (payload.merchantId !== merchantId) throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'it names another merchant' });
  // The signed payload is a body too: no card number in it is stored (the server's guard saw only base64url).
  const cardPath = findCardDataPath(payload);
  if (cardPath !== undefined) throw new EdgePayError('CARD_DATA_REFUSED', { path: `message ${cardPath}` });
  return payload;
}

async function idempotent(
  ctx: CreditContext,
  request: FastifyRequest,
  reply: { header(k: string, v: string): unknown; status(code: number): { send(body: unknown): unknown } },
  merchantId: string,
  route: string,
  payload: unknown,
  work: () => Promise<{ statusCode: number; body: unknown }>,
) {
  const key = request.headers['idempotency-key'] as string;
  const answer = await runIdempotent(ctx.db, `credit:${merchantId}`, key, requestHash(route, payload), work);
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(answer.statusCode).send(answer.body);
}

export function registerCreditRoutes(app: FastifyInstance, ctx: CreditContext, adminToken: string): void {
  app.put(
    '/v1/credit/merchant-key',
    {
      schema: {
        summary: "Register the public key (EC P-256 JWK) whose signatures the PG takes for this merchant's orders and actions",
        tags,
        security,
        body: {
          type: 'object',
          required: ['jwk'],
          additionalProperties: false,
          properties: {
            jwk: {
              type: 'object',
              required: ['kty', 'crv', 'x', 'y'],
              additionalProperties: true,
              properties: { kty: { type: 'string', maxLength: 10 }, crv: { type: 'string', maxLength: 10 }, x: { type: 'string', maxLength: 100 }, y: { type: 'string', maxLength: 100 } },
            },
          },
        },
        response: errs,
      },
    },
    async (request) => {
      const merchant = await merchantOf(ctx, request);
      const jwk = (request.body as { jwk: Record<string, unknown> }).jwk;
      await importMerchantKey(jwk);
      const pub = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
      await ctx.db.query(
        `INSERT INTO credit_merchant_keys (merchant_id, public_jwk) VALUES ($1, $2)
         ON CONFLICT (merchant_id) DO UPDATE SET public_jwk = EXCLUDED.public_jwk, updated_at = now()`,
        [merchant.merchantId, JSON.stringify(pub)],
      );
      return { merchantId: merchant.merchantId, kid: merchant.merchantId };
    },
  );

  app.get('/v1/credit/keys', { schema: { summary: "The PG's and the institution's public keys (JWKS): approval decisions verify under `sandbox-institution`", tags } }, async () => ({
    keys: [ctx.pgKey.publicJwk, ctx.institutionJwk],
  }));

  app.post(
    '/v1/credit/orders',
    {
      schema: {
        summary: "Pay later: an order (signed) asks the institution for approval within the buyer's limit; the buyer then confirms on the phone",
        description:
          'Body `{message}`: a compact JWS (ES256, `typ: ' +
          CREDIT_MESSAGE_TYPES.order +
          '`, `kid`: merchant id) of `{merchantId, orderRef, buyer: {userId}, items: [{name, quantity, amount}], amount, currency, delivery: {name, address}, instalments: 1|3|4|6, iat}`. ' +
          "Answers 201 `{loan, decision}`: `loan.state` `awaiting-buyer` with `approvalNumber` (the buyer confirms it in the wallet; it becomes `authorised`), or `declined` with `declineReason` (`over-limit`, `score`, `no-credit-line`); `decision` is the institution's signed decision. Requires `Idempotency-Key`.",
        tags,
        security,
        headers: idempotencyHeader,
        body: signedBody,
        response: { 201: { type: 'object', properties: { loan: loanView, decision: { type: 'string' } } }, ...errs },
      },
    },
    async (request, reply) => {
      const { merchant, keyRow } = await merchantAndKey(ctx, request);
      const order = await merchantMessage<CreditOrderMessage>(merchant.merchantId, (request.body as { message: string }).message, CREDIT_MESSAGE_TYPES.order, keyRow);
      return idempotent(ctx, request, reply, merchant.merchantId, 'order', order, async () => ({ statusCode: 201, body: await placeOrder(ctx, merchant, order) }));
    },
  );

  app.get(
    '/v1/credit/orders/:id',
    { schema: { summary: 'A pay-later loan as its merchant sees it', tags, security, params: byId, response: { 200: { type: 'object', properties: { loan: loanView } }, ...errs } } },
    async (request) => {
      const merchant = await merchantOf(ctx, request);
      const id = (request.params as { id: string }).id;
      await loanOfMerchant(ctx.db, merchant.merchantId, id);
      await followBuyerAnswer(ctx, id);
      return { loan: merchantView(await loanOfMerchant(ctx.db, merchant.merchantId, id)) };
    },
  );

  const actions: Record<CreditActionName, { summary: string; run: (merchantId: string, id: string, m: CreditActionMessage) => Promise<unknown> }> = {
    capture: { summary: 'Shipped: capture the loan; the merchant is paid at once, less the fee', run: (mid, id) => capture(ctx, mid, id) },
    cancel: { summary: "Cancel before shipment: the authorisation is voided and the buyer's limit released", run: (mid, id) => cancel(ctx, mid, id) },
    return: { summary: "A return is on its way: the buyer's dues on this loan pause until a refund settles it", run: (mid, id) => reportReturn(ctx, mid, id) },
    refund: {
      summary: 'Refund part or all of a shipped loan (`amount` in the message); what the buyer paid beyond the new amount goes back to them',
      run: (mid, id, m) => {
        if (m.amount === undefined) throw new EdgePayError('REQUEST_INVALID', { reason: 'the refund message needs amount' });
        return refund(ctx, mid, id, m.amount);
      },
    },
  };
  for (const [action, spec] of Object.entries(actions) as [CreditActionName, (typeof actions)[CreditActionName]][]) {
    app.post(
      `/v1/credit/orders/:id/${action}`,
      {
        schema: {
          summary: spec.summary,
          description: `Body \`{message}\`: a compact JWS (\`typ: ${CREDIT_MESSAGE_TYPES.action}\`, \`kid\`: merchant id) of \`{merchantId, loanId, action: "${action}"${action === 'refund' ? ', amount' : ''}, iat}\`. Requires \`Idempotency-Key\`.`,
          tags,
          security,
          params: byId,
          headers: idempotencyHeader,
          body: signedBody,
          response: { 200: { type: 'object', properties: { loan: loanView } }, ...errs },
        },
      },
      async (request, reply) => {
        const { merchant, keyRow } = await merchantAndKey(ctx, request);
        const id = (request.params as { id: string }).id;
        const m = await merchantMessage<CreditActionMessage>(merchant.merchantId, (request.body as { message: string }).message, CREDIT_MESSAGE_TYPES.action, keyRow);
        if (m.loanId !== id || m.action !== action) throw new EdgePayError('CREDIT_MESSAGE_INVALID', { reason: 'it is for another loan or action' });
        return idempotent(ctx, request, reply, merchant.merchantId, `${action}:${id}`, m, async () => ({ statusCode: 200, body: { loan: await spec.run(merchant.merchantId, id, m) } }));
      },
    );
  }

  // The buyer, in the wallet.
  const preHandler = requireWalletSession(ctx.db);
  const walletTags = ['wallet'];
  app.get('/wallet/api/credit/loans', { preHandler, schema: { summary: 'My pay-later credit line and loans (plans, dues, payments, refunds)', tags: walletTags } }, async (request) =>
    buyerCredit(ctx, walletUserOf(request).userId),
  );
  app.post(
    '/wallet/api/credit/loans/:id/delivered',
    { preHandler, schema: { summary: 'I received the goods: the instalments start', tags: walletTags, params: byId, response: errs } },
    async (request) => {
      const userId = walletUserOf(request).userId;
      await confirmDelivery(ctx, userId, (request.params as { id: string }).id);
      return buyerCredit(ctx, userId);
    },
  );
  app.post(
    '/wallet/api/credit/loans/:id/instalments/:seq/pay',
    {
      preHandler,
      schema: {
        summary: 'Pay one instalment (due or late)',
        tags: walletTags,
        params: { type: 'object', required: ['id', 'seq'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 }, seq: { type: 'integer', minimum: 1, maximum: 100 } } },
        response: errs,
      },
    },
    async (request) => {
      const userId = walletUserOf(request).userId;
      const p = request.params as { id: string; seq: number };
      await payInstalment(ctx, userId, p.id, Number(p.seq));
      return buyerCredit(ctx, userId);
    },
  );

  // The operator sets a buyer's line with the sandbox institution.
  app.put(
    '/admin/credit/buyers/:userId',
    {
      preHandler: adminTokenCheck(adminToken),
      schema: {
        summary: "Sandbox institution: a buyer's credit line (limit fixed once set) and score (below 600 declines)",
        tags: ['admin'],
        security: [{ adminToken: [] }],
        params: { type: 'object', required: ['userId'], properties: { userId: { type: 'string', minLength: 1, maxLength: 100 } } },
        body: {
          type: 'object',
          required: ['currency', 'limit', 'score'],
          additionalProperties: false,
          properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' }, limit: { type: 'integer', minimum: 0, maximum: 1e12 }, score: { type: 'integer', minimum: 0, maximum: 1000 } },
        },
        response: errs,
      },
    },
    async (request) => {
      const userId = (request.params as { userId: string }).userId;
      const b = request.body as { currency: string; limit: number; score: number };
      await setCreditLine(ctx.db, ctx.sealer.buyerRef(userId), b.currency, b.limit, b.score);
      return { currency: b.currency, limit: b.limit, score: b.score };
    },
  );
}
