/**
 * The end-of-day report of a store: per terminal (gateway), per payment
 * method and status, how many payments and their sum per currency, and the
 * share taken offline; the day is the site's local day (its time zone). CSV
 * for a spreadsheet. Pure: the console computes it from the ledger's payments.
 */
import type { PaymentDoc } from '../schemas/payments.ts';
import { localDateTime } from '../receipts/receipt.ts';
import { toDecimalString } from '../money-text.ts';

export type EndOfDayRow = { terminal: string; method: string; status: string; currency: string; count: number; sum: number; offline: number };
export type EndOfDayTerminal = { terminal: string; count: number; offline: number; offlineShare: number };
export type EndOfDayReport = { date: string; timeZone: string; rows: EndOfDayRow[]; terminals: EndOfDayTerminal[] };

/** The payments created on `date` (YYYY-MM-DD, local to `timeZone`). */
export function endOfDayReport(payments: readonly PaymentDoc[], date: string, timeZone: string): EndOfDayReport {
  const rows = new Map<string, EndOfDayRow>();
  const terminals = new Map<string, EndOfDayTerminal>();
  for (const p of payments) {
    if (localDateTime(p.createdAt, timeZone).slice(0, 10) !== date) continue;
    const key = [p.gatewayId, p.method, p.status, p.currency].join('\u0000');
    const row = rows.get(key) ?? { terminal: p.gatewayId, method: p.method, status: p.status, currency: p.currency, count: 0, sum: 0, offline: 0 };
    row.count++;
    row.sum += p.amount;
    if (p.offline) row.offline++;
    rows.set(key, row);
    const t = terminals.get(p.gatewayId) ?? { terminal: p.gatewayId, count: 0, offline: 0, offlineShare: 0 };
    t.count++;
    if (p.offline) t.offline++;
    t.offlineShare = t.offline / t.count;
    terminals.set(p.gatewayId, t);
  }
  const order = (a: EndOfDayRow, b: EndOfDayRow) =>
    a.terminal.localeCompare(b.terminal) || a.method.localeCompare(b.method) || a.status.localeCompare(b.status) || a.currency.localeCompare(b.currency);
  return { date, timeZone, rows: [...rows.values()].sort(order), terminals: [...terminals.values()].sort((a, b) => a.terminal.localeCompare(b.terminal)) };
}

const cell = (v: string | number) => {
  const s = String(v);
  // RFC 4180 quoting, and a leading = + - @ made inert (a spreadsheet would run it as a formula).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The report as CSV: amounts as decimals of their currency (no thousands separators), one line per row, CRLF. */
export function endOfDayCsv(report: EndOfDayReport): string {
  const lines = [['date', 'time_zone', 'terminal', 'method', 'status', 'currency', 'count', 'sum', 'offline_count', 'terminal_offline_share'].join(',')];
  const share = new Map(report.terminals.map((t) => [t.terminal, t.offlineShare]));
  for (const r of report.rows) {
    lines.push(
      [
        report.date,
        report.timeZone,
        r.terminal,
        r.method,
        r.status,
        r.currency,
        r.count,
        toDecimalString({ amount: r.sum, currency: r.currency as PaymentDoc['currency'] }),
        r.offline,
        (share.get(r.terminal) ?? 0).toFixed(4),
      ]
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
