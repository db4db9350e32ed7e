/**
 * The browser transport of the gateway API: HTTP for calls, one WebSocket
 * for live events (reconnecting with backoff; a reconnect re-sends the
 * operator's session). Errors come back as EdgePayErrors with the gateway's
 * codes, so the UI branches on codes, never on text.
 */
import {
  EdgePayError,
  edgePayErrorFromJSON,
  paymentFilterToQuery,
  routes,
  type ClientMessage,
  type GatewayClient,
  type GatewayEvent,
  type PaymentDoc,
  type ServerMessage,
} from '../../core/index.ts';

export function createHttpClient(baseUrl = ''): GatewayClient {
  const listeners = new Set<(e: GatewayEvent) => void>();
  const connectionListeners = new Set<(c: boolean) => void>();
  let eventToken: string | null = null;
  let socket: WebSocket | null = null;
  let retryMs = 250;
  let connected = false;

  async function call<T>(method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(baseUrl + path, {
        method,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: 'Bearer ' + options.token } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch {
      throw new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'no connection to the gateway' });
    }
    if (res.status === 204) return undefined as T;
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: `answer ${res.status} is not JSON` });
    }
    if (!res.ok) throw edgePayErrorFromJSON(body);
    return body as T;
  }

  const setConnected = (c: boolean) => {
    if (c === connected) return;
    connected = c;
    for (const l of connectionListeners) l(c);
  };
  const send = (m: ClientMessage) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(m));
  };

  function connect(): void {
    const origin = baseUrl || location.origin;
    const ws = new WebSocket(origin.replace(/^http/, 'ws') + routes.events.path);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      if (eventToken) send({ type: 'auth', token: eventToken });
      setConnected(true);
    };
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as ServerMessage;
      if (msg.type === 'event') for (const l of listeners) l(msg.event);
    };
    ws.onclose = () => {
      setConnected(false);
      if (socket !== ws) return;
      socket = null;
      // Only while someone listens: a closed app must not keep reconnecting.
      if (listeners.size > 0) setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }

  const r = routes;
  const id = (path: string, value: string) => path.replace(':id', encodeURIComponent(value));
  return {
    kioskState: () => call(r.kioskState.method, r.kioskState.path),
    scan: (barcode) => call(r.scan.method, r.scan.path, { body: { barcode } }),
    cameraFrame: (frame) => call(r.cameraFrame.method, r.cameraFrame.path, { body: frame }),
    setQuantity: (productId, quantity) => call(r.setQuantity.method, r.setQuantity.path, { body: { productId, quantity } }),
    remove: (productId) => call(r.remove.method, r.remove.path, { body: { productId } }),
    clear: () => call(r.clear.method, r.clear.path, { body: {} }),
    pay: () => call(r.pay.method, r.pay.path, { body: {} }),
    signIn: (pin) => call(r.signIn.method, r.signIn.path, { body: { pin } }),
    signOut: (token) => call(r.signOut.method, r.signOut.path, { token }),
    overview: (token) => call(r.overview.method, r.overview.path, { token }),
    syncStatus: (token) => call(r.syncStatus.method, r.syncStatus.path, { token }),
    devices: (token) => call(r.devices.method, r.devices.path, { token }),
    payments: (token, filter) => call(r.payments.method, r.payments.path + paymentFilterToQuery(filter), { token }),
    payment: (token, paymentId) => call<PaymentDoc>(r.payment.method, id(r.payment.path, paymentId), { token }),
    declinedAfterForward: (token) => call(r.declinedAfterForward.method, r.declinedAfterForward.path, { token }),
    site: (token) => call(r.site.method, r.site.path, { token }),
    unsent: (token) => call(r.unsent.method, r.unsent.path, { token }),
    network: (token) => call(r.network.method, r.network.path, { token }),
    setNetwork: (token, enabled) => call(r.setNetwork.method, r.setNetwork.path, { token, body: { enabled } }),
    enrolments: (token) => call(r.enrolments.method, r.enrolments.path, { token }),
    enrolProduct: (token, request) => call(r.enrolProduct.method, r.enrolProduct.path, { token, body: request }),
    forgetProduct: (token, productId) => call(r.forgetProduct.method, r.forgetProduct.path.replace(':productId', encodeURIComponent(productId)), { token }),
    onEvent(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && socket) {
          const s = socket;
          socket = null;
          s.close();
        }
      };
    },
    authenticateEvents(token) {
      eventToken = token;
      if (token) send({ type: 'auth', token });
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(connected);
      return () => connectionListeners.delete(listener);
    },
  };
}
