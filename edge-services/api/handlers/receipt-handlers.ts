/**
 * Receipts at the kiosk: the e-receipt's address (the QR code the approval
 * screen shows; the server serves the page) and the printed slip, ESC/POS
 * bytes sent to the receipt printer on the bus.
 */
import { buildReceipt, EdgePayError, receiptPath, type GatewayHandlers, type PaymentDoc, type PaymentStatus, type ProductDoc } from '../../../core/index.ts';
import { receiptEscPos } from '../../receipts/index.ts';
import type { GatewayReads, GatewayServiceParts } from './parts.ts';

/** Payments a customer was told were taken: only these have a receipt. */
const TAKEN: ReadonlySet<PaymentStatus> = new Set(['authorised', 'captured', 'stored', 'forwarded', 'refunded', 'partially-refunded'] as PaymentStatus[]);

export function receiptUrl(parts: GatewayServiceParts, paymentId: string): string | undefined {
  return parts.receiptBaseUrl ? parts.receiptBaseUrl.replace(/\/+$/, '') + receiptPath(paymentId) : undefined;
}

export function receiptHandlers(parts: GatewayServiceParts, reads: GatewayReads): Pick<GatewayHandlers, 'printReceipt'> {
  return {
    async printReceipt(paymentId) {
      const doc = await parts.db.payments.findOne(paymentId).exec();
      const payment = doc?.toJSON() as PaymentDoc | undefined;
      if (!payment || payment.flow !== 'kiosk' || !TAKEN.has(payment.status)) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId: paymentId.slice(0, 64) });
      if (!parts.printer) throw new EdgePayError('PRINTER_UNAVAILABLE', { reason: 'no receipt printer' });
      const site = await reads.siteDoc();
      const ids = payment.lineItems.map((l) => l.productId).filter((id): id is string => !!id);
      const products = ids.length ? await parts.db.products.findByIds(ids).exec() : new Map();
      const names: Record<string, { ko?: string; en?: string }> = {};
      for (const [id, p] of products) {
        const product = p.toJSON() as ProductDoc;
        if (product.names) names[id] = product.names;
      }
      const url = receiptUrl(parts, payment.id);
      const receipt = buildReceipt(payment, site ?? { name: parts.siteId, timezone: 'UTC', locale: 'en' }, { names, ...(url ? { url } : {}) });
      const result = await parts.printer.print(`receipt-${payment.id}`, receiptEscPos(receipt));
      if (!result.printed) throw new EdgePayError('PRINTER_UNAVAILABLE', { reason: result.error ?? 'not printed' });
      return result;
    },
  };
}
