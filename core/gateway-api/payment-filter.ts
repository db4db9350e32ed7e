/** The console's payment filter as query parameters and back (both ends use these), and as an argument from IPC. */
import { EdgePayError } from '../errors.ts';
import { paymentStatuses, type PaymentStatus } from '../schemas/index.ts';
import type { PaymentFilter } from './types.ts';

export function paymentFilterToQuery(filter: PaymentFilter): string {
  const q: string[] = [];
  const put = (k: string, v: string | number | boolean | undefined) => {
    if (v !== undefined && v !== '') q.push(`${k}=${encodeURIComponent(String(v))}`);
  };
  put('status', filter.status);
  put('offline', filter.offline);
  put('from', filter.from);
  put('to', filter.to);
  put('limit', filter.limit);
  return q.length ? '?' + q.join('&') : '';
}

const ISO = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+Z?)?$/;

/** Reads filters from query parameters; anything malformed is REQUEST_INVALID (a 400, never a 500). */
export function parsePaymentFilter(query: Readonly<Record<string, unknown>>): PaymentFilter {
  const filter: PaymentFilter = {};
  const text = (k: string): string | undefined => {
    const v = query[k];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new EdgePayError('REQUEST_INVALID', { reason: `${k} must be given once` });
    return v;
  };
  const status = text('status');
  if (status !== undefined) {
    if (!(paymentStatuses as readonly string[]).includes(status)) throw new EdgePayError('REQUEST_INVALID', { reason: 'unknown status' });
    filter.status = status as PaymentStatus;
  }
  const offline = text('offline');
  if (offline !== undefined) {
    if (offline !== 'true' && offline !== 'false') throw new EdgePayError('REQUEST_INVALID', { reason: 'offline must be true or false' });
    filter.offline = offline === 'true';
  }
  for (const k of ['from', 'to'] as const) {
    const v = text(k);
    if (v === undefined) continue;
    if (!ISO.test(v) || Number.isNaN(Date.parse(v))) throw new EdgePayError('REQUEST_INVALID', { reason: `${k} must be an ISO date` });
    filter[k] = new Date(Date.parse(v)).toISOString();
  }
  const limit = text('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new EdgePayError('REQUEST_INVALID', { reason: 'limit must be 1 to 1000' });
    filter.limit = n;
  }
  return filter;
}

/**
 * A filter from either transport: the parsed query of an HTTP request
 * (strings) or the object an IPC caller passed (booleans and numbers): the
 * same rules for both, by reading the latter as the former.
 */
export function checkPaymentFilter(value: unknown): PaymentFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new EdgePayError('REQUEST_INVALID', { reason: 'the filter must be an object' });
  const query: Record<string, unknown> = {};
  for (const k of ['status', 'offline', 'from', 'to', 'limit']) {
    const v = (value as Record<string, unknown>)[k];
    query[k] = typeof v === 'boolean' || typeof v === 'number' ? String(v) : v;
  }
  return parsePaymentFilter(query);
}
