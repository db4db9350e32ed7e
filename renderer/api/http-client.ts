/**
 * The browser transport of the gateway API: HTTP for calls, one WebSocket
 * for live events (reconnecting with backoff; a reconnect re-sends the
 * operator's session). Errors come back as EdgePayErrors with the gateway's
 * codes, so the UI branches on codes, never on text.
 */
import {
  EdgePayError,
  edgePayErrorFromJSON,
  EVENTS_PATH,
  gatewayMethods,
  toHttpCall,
  type ClientMessage,
  type ClientOf,
  type GatewayClient,
  type GatewayEvent,
  type GatewayEventsClient,
  type MethodTable,
  type ServerMessage,
} from '../../core/index.ts';

export function createHttpClient(baseUrl?: string): GatewayClient;
export function createHttpClient<M extends MethodTable>(baseUrl: string, methods: M): ClientOf<M> & GatewayEventsClient;
export function createHttpClient(baseUrl = '', methods: MethodTable = gatewayMethods): GatewayEventsClient & Record<string, (...args: never[]) => unknown> {
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
    const ws = new WebSocket(origin.replace(/^http/, 'ws') + EVENTS_PATH);
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

  // One function per declared method: core's declaration says where each argument goes.
  const calls = Object.fromEntries(
    Object.entries(methods).map(([name, declaration]) => [
      name,
      (...args: unknown[]) => {
        const { method, path, body, token } = toHttpCall(declaration, args);
        return call(method, path, { ...(body !== undefined ? { body } : {}), ...(token ? { token } : {}) });
      },
    ]),
  ) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return {
    ...calls,
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
