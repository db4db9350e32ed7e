/**
 * The gateway's local API, each method declared once: name, who may call it,
 * HTTP method and path, its arguments (where each travels, how it is
 * checked) and its signature. The HTTP routes, the browser client, the IPC
 * allow-list and checks, and the preload bridge are all derived from this
 * table; a new method is one entry here and one handler in edge-services/api.
 */
import type { PaymentDoc } from '../schemas/index.ts';
import type { CartStaffDecision, CartView } from '../flows/cart/api.ts';
import { cartId, oneOf } from '../flows/cart/api-args.ts';
import type { LobbyEntry, LobbyState } from '../flows/elevator/index.ts';
import type { RefusedDocument } from '../sync-protocol/index.ts';
import type { PayLaterOutcome } from '../flows/credit/index.ts';
import type { RelayRegistryView } from '../flows/relay/index.ts';
import { arrayOf, asBody, asIs, base64Image, boolean, inBearer, inBody, inPath, inQuery, integer, isoDate, object, optional, text } from './args.ts';
import type { EndOfDayReport } from '../reports/index.ts';
import type { OfflineLimits, ProductDoc } from '../schemas/index.ts';
import type { ProductEdit } from '../server-api/index.ts';
import { method } from './declare.ts';
import { checkPaymentFilter, paymentFilterToQuery } from './payment-filter.ts';
import type {
  CameraFrame,
  CameraFrameResult,
  ConsoleOverview,
  DeviceView,
  EnrolmentView,
  EnrolRequest,
  KioskState,
  NetworkState,
  OperatorSession,
  PaymentFilter,
  PayOutcome,
  PrintResult,
  BacklogSample,
  SiteView,
  SyncStatus,
  UnsentSummary,
} from './types.ts';

/** A camera frame is a JPEG or PNG in base64: 640x480 is 50-150 KB, a 1080p frame under 2 MB. */
export const CAMERA_FRAME_MAX_BYTES = 3 * 1024 * 1024;
/** An enrolment carries up to 10 such frames. */
export const ENROLMENT_MAX_BYTES = 10 * CAMERA_FRAME_MAX_BYTES;

const productId = text(1, 128);
const moneyArg = object<{ amount: number; currency: string }>({ amount: integer, currency: text(3, 3) });
const reason = text(1, 200);
const operatorName = text(1, 80);

export const gatewayMethods = {
  // ---- kiosk ----
  kioskState: method<() => KioskState>()({ access: 'kiosk', http: { method: 'GET', path: '/api/kiosk/state' }, args: [] }),
  scan: method<(barcode: string) => KioskState>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/kiosk/scan' },
    args: [inBody('barcode', text(1, 64))],
  }),
  /** Product recognition on a kiosk camera frame (RECOGNITION_UNAVAILABLE where the gateway runs none). */
  cameraFrame: method<(frame: CameraFrame) => CameraFrameResult>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/kiosk/camera-frame' },
    args: [asBody('frame', object<CameraFrame>({ data: base64Image }))],
    maxBytes: CAMERA_FRAME_MAX_BYTES,
  }),
  setQuantity: method<(productId: string, quantity: number) => KioskState>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/kiosk/quantity' },
    args: [inBody('productId', productId), inBody('quantity', integer)],
  }),
  remove: method<(productId: string) => KioskState>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/kiosk/remove' },
    args: [inBody('productId', productId)],
  }),
  clear: method<() => KioskState>()({ access: 'kiosk', http: { method: 'POST', path: '/api/kiosk/clear' }, args: [] }),
  pay: method<() => PayOutcome>()({ access: 'kiosk', http: { method: 'POST', path: '/api/kiosk/pay' }, args: [] }),

  // ---- console: signing in and out ----
  signIn: method<(pin: string) => OperatorSession>()({
    access: 'console',
    http: { method: 'POST', path: '/api/console/session' },
    // The sessions judge it: anything but the right PIN counts towards the lock-out.
    args: [inBody('pin', asIs<string>())],
  }),
  signOut: method<(token: string) => void>()({
    access: 'console',
    http: { method: 'DELETE', path: '/api/console/session' },
    args: [inBearer('token', (v) => (typeof v === 'string' ? v : ''))],
  }),

  // ---- console: a signed-in operator ----
  overview: method<() => ConsoleOverview>()({ access: 'operator', http: { method: 'GET', path: '/api/console/overview' }, args: [] }),
  syncStatus: method<() => SyncStatus | null>()({ access: 'operator', http: { method: 'GET', path: '/api/console/sync' }, args: [] }),
  /** Documents of the ledger the server refused on push, set aside with its reasons (the rest keeps syncing). */
  refusedDocuments: method<() => RefusedDocument[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/sync/refused' }, args: [] }),
  devices: method<() => DeviceView[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/devices' }, args: [] }),
  payments: method<(filter: PaymentFilter) => PaymentDoc[]>()({
    access: 'operator',
    http: { method: 'GET', path: '/api/console/payments' },
    args: [inQuery('filter', paymentFilterToQuery, checkPaymentFilter)],
  }),
  payment: method<(id: string) => PaymentDoc>()({
    access: 'operator',
    http: { method: 'GET', path: '/api/console/payments/:id' },
    args: [inPath('id', text(1, 64))],
  }),
  declinedAfterForward: method<() => PaymentDoc[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/declined-after-forward' }, args: [] }),
  site: method<() => SiteView>()({ access: 'operator', http: { method: 'GET', path: '/api/console/site' }, args: [] }),
  unsent: method<() => UnsentSummary>()({ access: 'operator', http: { method: 'GET', path: '/api/console/unsent' }, args: [] }),
  network: method<() => NetworkState>()({ access: 'operator', http: { method: 'GET', path: '/api/console/network' }, args: [] }),
  /** The demo's "pull the cable" switch. */
  setNetwork: method<(enabled: boolean) => NetworkState>()({
    access: 'operator',
    http: { method: 'PUT', path: '/api/console/network' },
    args: [inBody('enabled', boolean)],
  }),
  /** Products taught to recognition at this site (from any of its gateways). */
  enrolments: method<() => EnrolmentView[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/enrolments' }, args: [] }),
  enrolProduct: method<(request: EnrolRequest) => EnrolmentView>()({
    access: 'operator',
    http: { method: 'POST', path: '/api/console/enrolments' },
    args: [asBody('request', object<EnrolRequest>({ productId, frames: arrayOf(base64Image) }))],
    maxBytes: ENROLMENT_MAX_BYTES,
  }),
  /** Deletes a product's enrolments everywhere in the site (the deletion replicates). */
  forgetProduct: method<(productId: string) => { removed: number }>()({
    access: 'operator',
    http: { method: 'DELETE', path: '/api/console/enrolments/:productId' },
    args: [inPath('productId', productId)],
  }),
  // The five flows' methods, each under its own line (name them after the flow: lobby..., cart..., pump..., relay..., payLater...).
  // flow methods: elevator
  /** The lobby terminal's screen (ELEVATOR_UNAVAILABLE on a gateway without the elevator flow). */
  lobbyState: method<() => LobbyState>()({ access: 'kiosk', http: { method: 'GET', path: '/api/lobby/state' }, args: [] }),
  /** The courier's entry: courier code (typed or read from the company app's QR code), unit, amount. Answers at once. */
  lobbyRequest: method<(entry: LobbyEntry) => LobbyState>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/lobby/request' },
    args: [asBody('entry', object<LobbyEntry>({ courierCode: text(1, 64), unit: text(1, 16), amount: integer }))],
  }),
  /** The courier put the goods in the car. */
  lobbyConfirmLoad: method<() => LobbyState>()({ access: 'kiosk', http: { method: 'POST', path: '/api/lobby/loaded' }, args: [] }),
  /** A new delivery (after an outcome). */
  lobbyReset: method<() => LobbyState>()({ access: 'kiosk', http: { method: 'POST', path: '/api/lobby/reset' }, args: [] }),

  // flow methods: cart
  /** A smart cart's screen: its basket, prompt, pairing QR address, staff calls. */
  cartState: method<(cartId: string) => CartView>()({ access: 'kiosk', http: { method: 'GET', path: '/api/cart/:cartId' }, args: [inPath('cartId', cartId)] }),
  /** The shopper pays from the cart: the paired phone is asked (CART_SERVER_UNREACHABLE: pay at a kiosk). */
  cartCheckout: method<(cartId: string) => CartView>()({ access: 'kiosk', http: { method: 'POST', path: '/api/cart/:cartId/checkout' }, args: [inPath('cartId', cartId)] }),
  /** The kiosk takes the cart's basket and charges it on its card terminal (online, or stored offline within the limits). */
  cartPayAtKiosk: method<(cartId: string) => { view: CartView; outcome: string }>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/cart/:cartId/pay-at-kiosk' },
    args: [inPath('cartId', cartId)],
  }),
  /** Every cart of the store, for the console (staff calls, held carts). */
  carts: method<() => CartView[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/carts' }, args: [] }),
  /** Staff at a cart close a call, saying who and why (logged on the session). */
  cartStaffResolve: method<(cartId: string, decision: CartStaffDecision) => CartView>()({
    access: 'operator',
    http: { method: 'POST', path: '/api/console/carts/:cartId/staff' },
    args: [
      inPath('cartId', cartId),
      asBody(
        'decision',
        object<CartStaffDecision>({ callId: text(1, 32), by: text(1, 64), why: text(1, 200), action: oneOf(['add', 'remove', 'dismiss'] as const), productId: optional(text(1, 64)) }),
      ),
    ],
  }),
  /** Staff let a paid cart held at the gate (spot check) out, saying who and why. */
  cartRelease: method<(cartId: string, by: string, why: string) => CartView>()({
    access: 'operator',
    http: { method: 'POST', path: '/api/console/carts/:cartId/release' },
    args: [inPath('cartId', cartId), inBody('by', text(1, 64)), inBody('why', text(1, 200))],
  }),

  // flow methods: two-channel

  // flow methods: relay
  /** The relay's registries for this site as the server holds them: apps, terminals (paired with which POS agent), POS agents and their last sign of life. Read-only here. */
  relayRegistry: method<() => RelayRegistryView>()({ access: 'operator', http: { method: 'GET', path: '/api/console/relay/registry' }, args: [] }),

  // flow methods: credit
  /** Pay later for the basket: the PG asks the institution; the buyer confirms on their phone (their wallet's phone number). */
  payLater: method<(buyerPhone: string, instalments: number) => PayLaterOutcome>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/kiosk/pay-later' },
    args: [inBody('buyerPhone', text(6, 30)), inBody('instalments', integer)],
  }),
  /** The pay-later order's state (authorised once the buyer confirmed it). */
  payLaterStatus: method<(loanId: string) => PayLaterOutcome>()({
    access: 'kiosk',
    http: { method: 'GET', path: '/api/kiosk/pay-later/:loanId' },
    args: [inPath('loanId', text(1, 100))],
  }),

  // shop-ready
  /** Prints the receipt of a payment this kiosk took on the receipt printer (ESC/POS on the bus). */
  printReceipt: method<(paymentId: string) => PrintResult>()({
    access: 'kiosk',
    http: { method: 'POST', path: '/api/kiosk/receipt/print' },
    args: [inBody('paymentId', text(1, 64))],
  }),
  /** "Sync now": offline, probe the server at once; online, push and pull every collection now. */
  syncNow: method<() => SyncStatus | null>()({ access: 'operator', http: { method: 'POST', path: '/api/console/sync/now' }, args: [] }),
  /** Unsent payments sampled over the last hours (the console's backlog chart). */
  syncBacklog: method<() => BacklogSample[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/sync/backlog' }, args: [] }),
  /** Refund (part of) a captured payment through the server; the reason and the operator's name go into its audit log. */
  refundPayment: method<(paymentId: string, amount: number, reason: string, operator: string) => PaymentDoc>()({
    access: 'operator',
    http: { method: 'POST', path: '/api/console/payments/:id/refund' },
    args: [inPath('id', text(1, 64)), inBody('amount', integer), inBody('reason', reason), inBody('operator', operatorName)],
  }),
  /** Void an authorised, not yet captured payment, with a reason and the operator's name. */
  voidPayment: method<(paymentId: string, reason: string, operator: string) => PaymentDoc>()({
    access: 'operator',
    http: { method: 'POST', path: '/api/console/payments/:id/void' },
    args: [inPath('id', text(1, 64)), inBody('reason', reason), inBody('operator', operatorName)],
  }),
  /** The site's catalogue as this gateway holds it (replicated from the server). */
  catalogue: method<() => ProductDoc[]>()({ access: 'operator', http: { method: 'GET', path: '/api/console/catalogue' }, args: [] }),
  /** Create or change a product: the server writes it and it replicates back to every gateway of the site. */
  saveProduct: method<(productId: string, product: ProductEdit) => ProductDoc>()({
    access: 'operator',
    http: { method: 'PUT', path: '/api/console/catalogue/:productId' },
    args: [
      inPath('productId', text(1, 64)),
      asBody(
        'product',
        object<ProductEdit>({
          sku: text(1, 64),
          barcode: text(0, 64),
          name: text(1, 200),
          names: optional(object<{ ko?: string; en?: string }>({ ko: optional(text(1, 200)), en: optional(text(1, 200)) })) as never,
          picture: optional(text(1, 24_576)) as never,
          price: moneyArg as never,
          active: boolean,
        }),
      ),
    ],
  }),
  /** Set the site's offline limits (the server writes them; they replicate to every gateway of the site). */
  setOfflineLimits: method<(limits: OfflineLimits) => SiteView>()({
    access: 'operator',
    http: { method: 'PUT', path: '/api/console/site/offline-limits' },
    args: [asBody('limits', object<OfflineLimits>({ perPayment: arrayOf(moneyArg, 32) as never, totalStored: arrayOf(moneyArg, 32) as never, maxAgeMinutes: integer }))],
  }),
  /** The end-of-day report of a local date at the site, per terminal. */
  endOfDay: method<(date: string) => EndOfDayReport>()({
    access: 'operator',
    http: { method: 'GET', path: '/api/console/reports/end-of-day' },
    args: [
      inQuery(
        'date',
        (d: string) => `?date=${encodeURIComponent(d)}`,
        (v, name) => isoDate((v as Record<string, unknown> | undefined)?.['date'] ?? v, name),
      ),
    ],
  }),
};

export type GatewayMethodTable = typeof gatewayMethods;
export type GatewayMethodName = keyof GatewayMethodTable;
