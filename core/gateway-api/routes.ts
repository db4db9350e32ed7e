/**
 * The HTTP shape of the API, shared by the gateway's routes and the browser
 * client so that a path cannot drift between them. Console routes carry
 * `Authorization: Bearer <session token>`.
 */
import { EdgePayError } from '../errors.ts';
import { paymentStatuses, type PaymentStatus } from '../schemas/index.ts';
import type { PaymentFilter } from './types.ts';

export const API_PREFIX = '/api';

export const routes = {
  kioskState: { method: 'GET', path: '/api/kiosk/state' },
  scan: { method: 'POST', path: '/api/kiosk/scan' }, // {barcode}
  cameraFrame: { method: 'POST', path: '/api/kiosk/camera-frame' }, // {data: base64 JPEG/PNG}
  setQuantity: { method: 'POST', path: '/api/kiosk/quantity' }, // {productId, quantity}
  remove: { method: 'POST', path: '/api/kiosk/remove' }, // {productId}
  clear: { method: 'POST', path: '/api/kiosk/clear' },
  pay: { method: 'POST', path: '/api/kiosk/pay' },
  signIn: { method: 'POST', path: '/api/console/session' }, // {pin}
  signOut: { method: 'DELETE', path: '/api/console/session' },
  overview: { method: 'GET', path: '/api/console/overview' },
  syncStatus: { method: 'GET', path: '/api/console/sync' },
  devices: { method: 'GET', path: '/api/console/devices' },
  payments: { method: 'GET', path: '/api/console/payments' }, // ?status=&offline=&from=&to=&limit=
  payment: { method: 'GET', path: '/api/console/payments/:id' },
  declinedAfterForward: { method: 'GET', path: '/api/console/declined-after-forward' },
  site: { method: 'GET', path: '/api/console/site' },
  unsent: { method: 'GET', path: '/api/console/unsent' },
  network: { method: 'GET', path: '/api/console/network' },
  setNetwork: { method: 'PUT', path: '/api/console/network' }, // {enabled}
  enrolments: { method: 'GET', path: '/api/console/enrolments' },
  enrolProduct: { method: 'POST', path: '/api/console/enrolments' }, // {productId, frames: base64[]}
  forgetProduct: { method: 'DELETE', path: '/api/console/enrolments/:productId' },
  events: { method: 'GET', path: '/api/events' }, // WebSocket upgrade
} as const;

export type RouteName = keyof typeof routes;

/** Filters as query parameters and back (both ends use these). */
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
