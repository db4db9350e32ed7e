/**
 * A receipt as every medium shows it (the printed ESC/POS slip, the e-receipt
 * page a phone opens, the kiosk's approval screen): built once from the
 * payment and its site, in the site's language and time zone. Carries no
 * personal data: the card shows its last 4 digits only, never a name.
 */
import { currencyExponent } from '../currencies.ts';
import type { Money } from '../money.ts';
import { toDecimalString } from '../money-text.ts';
import type { PaymentDoc } from '../schemas/payments.ts';

export type ReceiptLine = { name: string; quantity: number; unitAmount: number; lineAmount: number };

export type Receipt = {
  paymentId: string;
  merchant: string;
  /** Local date and time at the site ('2026-12-07 19:03'), and its zone. */
  localTime: string;
  timezone: string;
  lang: 'ko' | 'en';
  currency: Money['currency'];
  lines: ReceiptLine[];
  total: number;
  status: PaymentDoc['status'];
  offline: boolean;
  approvalCode?: string;
  cardLast4?: string;
  /** Where a phone opens the e-receipt (the QR code's text). */
  url?: string;
};

/** Local 'YYYY-MM-DD HH:mm' in a time zone, the same in every runtime (no locale-dependent punctuation). */
export function localDateTime(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** A line item's name in the receipt's language: the product's localised names when the payment kept them. */
export function buildReceipt(
  payment: PaymentDoc,
  site: { name: string; timezone: string; locale: string },
  options: { url?: string; names?: Record<string, { ko?: string; en?: string }> } = {},
): Receipt {
  const lang = site.locale.toLowerCase().startsWith('ko') ? 'ko' : 'en';
  return {
    paymentId: payment.id,
    merchant: site.name,
    localTime: localDateTime(payment.createdAt, site.timezone),
    timezone: site.timezone,
    lang,
    currency: payment.currency,
    lines: payment.lineItems.map((l) => ({
      name: (l.productId ? options.names?.[l.productId]?.[lang] : undefined) ?? l.name,
      quantity: l.quantity,
      unitAmount: l.unitAmount,
      lineAmount: l.lineAmount,
    })),
    total: payment.amount,
    status: payment.status,
    offline: payment.offline,
    ...(payment.approvalCode ? { approvalCode: payment.approvalCode } : {}),
    ...(payment.cardDisplay ? { cardLast4: payment.cardDisplay.last4 } : {}),
    ...(options.url ? { url: options.url } : {}),
  };
}

/** An amount as digits with grouping and the currency's decimals, no symbol (printers lack most currency signs). */
export function receiptAmount(amount: number, currency: Money['currency']): string {
  const text = toDecimalString({ amount, currency });
  const [whole, fraction] = text.split('.');
  const negative = whole!.startsWith('-');
  const digits = negative ? whole!.slice(1) : whole!;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (currencyExponent(currency) > 0 && fraction ? '.' + fraction : '');
}

/** The words of a receipt in its two languages. */
export const RECEIPT_WORDS = {
  ko: {
    receipt: '영수증',
    total: '합계',
    card: '카드',
    approval: '승인번호',
    offline: '오프라인 결제: 연결되면 전송됩니다',
    scan: '휴대폰으로 스캔하면 전자영수증',
    thanks: '감사합니다',
    status: '상태',
  },
  en: {
    receipt: 'Receipt',
    total: 'TOTAL',
    card: 'Card',
    approval: 'Approval',
    offline: 'Stored offline: sent when back online',
    scan: 'Scan for your e-receipt',
    thanks: 'Thank you',
    status: 'Status',
  },
} as const;
