/**
 * The e-receipt page (GET /receipts/{paymentId}): what the kiosk's QR code
 * opens on the customer's phone. Plain HTML with no script (CSP
 * `default-src 'none'`), in the site's language and time zone, built from the
 * same receipt model as the printed slip (core/receipts). Only payments that
 * were taken (authorised, captured, refunded, stored, forwarded) have a
 * receipt; anything else is 404, like an id that does not exist.
 */
import type { FastifyInstance } from 'fastify';
import { buildReceipt, EdgePayError, errorResponses, RECEIPT_ROUTE, RECEIPT_WORDS, receiptAmount, type PaymentDoc, type PaymentStatus, type ProductDoc, type SiteDoc } from '../../core/index.ts';
import type { Db } from '../db/index.ts';

const WITH_RECEIPT: ReadonlySet<PaymentStatus> = new Set(['authorised', 'captured', 'refunded', 'partially-refunded', 'stored', 'forwarded'] as PaymentStatus[]);

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STATUS_WORDS: Record<'ko' | 'en', Partial<Record<PaymentStatus, string>>> = {
  ko: { authorised: '승인됨', captured: '결제 완료', refunded: '환불됨', 'partially-refunded': '부분 환불', stored: '오프라인 저장', forwarded: '전송됨' },
  en: { authorised: 'Authorised', captured: 'Paid', refunded: 'Refunded', 'partially-refunded': 'Partly refunded', stored: 'Stored offline', forwarded: 'Sent' },
};

export function receiptHtml(payment: PaymentDoc, site: Pick<SiteDoc, 'name' | 'timezone' | 'locale'>, names: Record<string, { ko?: string; en?: string }>): string {
  const r = buildReceipt(payment, site, { names });
  const w = RECEIPT_WORDS[r.lang];
  const amount = (n: number) => esc(receiptAmount(n, r.currency));
  const rows = r.lines.map((l) => `<tr><td>${esc(l.name)}<br><small>${l.quantity} × ${amount(l.unitAmount)}</small></td><td class="n">${amount(l.lineAmount)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="${r.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(w.receipt)} · ${esc(r.merchant)}</title>
<style>body{font-family:system-ui,"Noto Sans KR",sans-serif;margin:0;background:#f4f6f9;color:#15202b}main{max-width:420px;margin:16px auto;background:#fff;border-radius:14px;padding:20px;box-shadow:0 2px 10px rgba(0,0,0,.08)}h1{font-size:20px;margin:0 0 4px;text-align:center}p{margin:2px 0;text-align:center;color:#5b6472}table{width:100%;border-collapse:collapse;margin:14px 0}td{padding:8px 0;border-bottom:1px solid #e3e7ee;vertical-align:top}small{color:#5b6472}.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.total td{font-weight:800;font-size:18px;border-bottom:none}dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0}dt{color:#5b6472}dd{margin:0;text-align:right}</style>
</head><body><main>
<h1>${esc(r.merchant)}</h1>
<p>${esc(r.localTime)} (${esc(r.timezone)})</p>
<p>${esc(w.receipt)} ${esc(r.paymentId.slice(-12))}</p>
<table><tbody>${rows}<tr class="total"><td>${esc(w.total)} (${esc(r.currency)})</td><td class="n">${amount(r.total)}</td></tr></tbody></table>
<dl>
<dt>${esc(w.status)}</dt><dd data-status="${esc(r.status)}">${esc(STATUS_WORDS[r.lang][r.status] ?? r.status)}</dd>
${r.cardLast4 ? `<dt>${esc(w.card)}</dt><dd>****${esc(r.cardLast4)}</dd>` : ''}
${r.approvalCode ? `<dt>${esc(w.approval)}</dt><dd>${esc(r.approvalCode)}</dd>` : ''}
</dl>
${r.offline ? `<p>${esc(w.offline)}</p>` : ''}
<p>${esc(w.thanks)}</p>
</main></body></html>`;
}

export function registerReceiptPage(app: FastifyInstance, deps: { db: Db }): void {
  app.get(
    RECEIPT_ROUTE,
    {
      schema: {
        summary: "The e-receipt of a payment (HTML for the customer's phone; the kiosk shows its address as a QR code)",
        tags: ['payments'],
        params: { type: 'object', required: ['paymentId'], properties: { paymentId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' } } },
        response: { 200: { type: 'string' }, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { paymentId } = request.params as { paymentId: string };
      const { rows } = await deps.db.query<{ data: PaymentDoc; site_id: string }>("SELECT data, site_id FROM documents WHERE collection = 'payments' AND id = $1", [paymentId]);
      const payment = rows[0]?.data;
      if (!payment || !WITH_RECEIPT.has(payment.status)) throw new EdgePayError('RECEIPT_NOT_FOUND');
      const site = (await deps.db.query<{ data: SiteDoc }>("SELECT data FROM documents WHERE collection = 'sites' AND id = $1", [rows[0]!.site_id])).rows[0]?.data;
      const productIds = payment.lineItems.map((l) => l.productId).filter((id): id is string => !!id);
      const products = productIds.length
        ? (await deps.db.query<{ data: ProductDoc }>("SELECT data FROM documents WHERE collection = 'products' AND site_id = $1 AND id = ANY($2)", [rows[0]!.site_id, productIds])).rows
        : [];
      const names = Object.fromEntries(products.filter((p) => p.data.names).map((p) => [p.data.id, p.data.names!]));
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .header('cache-control', 'private, no-store')
        .header('referrer-policy', 'no-referrer')
        .send(receiptHtml(payment, site ?? { name: 'EdgePay', timezone: 'UTC', locale: 'en' }, names));
    },
  );
}
