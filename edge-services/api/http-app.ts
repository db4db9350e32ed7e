/**
 * The HTTP + WebSocket transport of the gateway's API: a small Fastify app
 * with one route per declared method (core's method table), each calling the
 * one GatewayService.
 * It also serves the built UI. Errors are always `{code, message}` from
 * core's registry.
 */
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { EdgePayError, EVENTS_PATH, fromHttpRequest, httpRoutes, toEdgePayError, KIOSK_EVENT_TYPES, type Access, type ClientMessage, type GatewayEvent, type ServerMessage } from '../../core/index.ts';
import type { GatewayServiceRuntime } from './gateway-service.ts';
import type { RequestGuard, RequestFacts } from './request-guard.ts';
import type { SignInCaller } from './sign-in-client.ts';
import { readUiFile, UI_CSP } from './static-ui.ts';
import { installStrictJsonParser, withoutCardNumbers } from './strict-json.ts';

/** What /healthz and /metrics answer; the composition root makes it (the API knows no ledger or bus). */
export type HttpProbes = {
  health(): Promise<{ httpStatus: number; body: unknown }>;
  metrics(): Promise<{ contentType: string; body: string }>;
};

export type GatewayHttpOptions = {
  service: GatewayServiceRuntime;
  guard: RequestGuard;
  /** The built UI (renderer/dist); without it only the API is served. */
  uiDir?: string;
  /** `GET /healthz` and `GET /metrics` for a supervisor on this machine (gateway/gateway-probes.ts). */
  probes?: HttpProbes;
  logger?: boolean | { level: string };
};

const BODY_LIMIT = 64 * 1024;
/** Sign-in and sign-out: a PIN or nothing. */
const CONSOLE_BODY_LIMIT = 4 * 1024;
/** The known-device cookie (sign-in-client.ts says why). */
const DEVICE_COOKIE = 'edgepay_console_device';

/** Any spelling of a path under /api (encoded, doubled slashes, any case) is the API's 404, never a UI page. */
function looksLikeApi(url: string): boolean {
  let path = url.split('?')[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    return true;
  }
  return /(^|\/)api(\/|$)/i.test(path.replace(/\\/g, '/'));
}

/** The path as an error may show it: no digits (a card number in a path must not come back in the answer), at most 100 characters. */
const pathForError = (url: string) => (url.split('?')[0] ?? '').slice(0, 100).replace(/\d/g, '#');

const facts = (req: FastifyRequest): RequestFacts => ({
  host: req.headers.host,
  origin: req.headers.origin,
  remoteAddress: req.socket.remoteAddress,
  fetchSite: oneHeader(req.headers['sec-fetch-site']),
});

const oneHeader = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : '';
}

export function buildGatewayHttpApp(options: GatewayHttpOptions): { app: FastifyInstance; wss: WebSocketServer } {
  const { service, guard } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: BODY_LIMIT });
  void app.register(fastifyCookie);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = toEdgePayError(err, { bodyLimit: BODY_LIMIT });
    if (mapped.code === 'INTERNAL') request.log.error({ err }, 'unexpected error');
    void reply.status(mapped.httpStatus).send(withoutCardNumbers(mapped.toJSON()));
  });
  installStrictJsonParser(app);

  // Every answer: no sniffing, no framing by other sites, no referrer leaks.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
  });

  // Who may call, decided on what the router matched (never on the raw URL, which can be spelled many ways: issue 25).
  // onRequest runs before the body is read, so a stranger's large body is refused unread.
  app.addHook('onRequest', async (req) => {
    guard.checkTarget(req.raw.url);
    // Every request, API or UI file or unknown: Host and Origin must be ours (no DNS rebinding, no other site's script).
    guard.checkSameOrigin(facts(req));
    // Unmatched: the not-found handler answers, and it runs no method.
    if (req.routeOptions.url === undefined) return;
    const config = req.routeOptions.config as { access?: Access; probe?: boolean } | undefined;
    // Health and metrics: for a supervisor on this machine only, whatever the kiosk's setting.
    if (config?.probe) return guard.checkProbe(facts(req));
    const access = config?.access;
    switch (access) {
      case 'kiosk':
        return guard.checkKiosk(facts(req));
      case 'console':
        return guard.checkApi(facts(req));
      case 'operator':
        guard.checkApi(facts(req));
        return service.sessions.check(bearer(req));
      default:
        // Default deny: a matched route must say who may call it.
        throw new EdgePayError('GATEWAY_API_NOT_FOUND', { method: req.method.slice(0, 10), path: pathForError(req.url) });
    }
  });

  // One route per declared method: the token from the bearer header, the arguments from where the declaration puts them.
  for (const { name, declaration } of httpRoutes(service.methods)) {
    const isSignIn = name === 'signIn';
    app.route({
      method: declaration.http.method,
      url: declaration.http.path,
      config: { access: declaration.access },
      // Sign-in and sign-out carry a PIN or nothing: a small limit, as nobody is known yet.
      bodyLimit: declaration.maxBytes ?? (declaration.access === 'console' ? CONSOLE_BODY_LIMIT : BODY_LIMIT),
      handler: async (req, reply) => {
        const parts = { body: req.body, params: req.params as Record<string, unknown>, query: req.query as Record<string, unknown>, bearer: bearer(req) };
        const device = req.cookies[DEVICE_COOKIE];
        const caller: SignInCaller = { channel: 'http', address: req.socket.remoteAddress, origin: req.headers.origin, device };
        const result = await service.invoke(name, declaration.access === 'operator' ? parts.bearer : undefined, () => fromHttpRequest(declaration, parts), caller);
        // A right PIN: this browser becomes a known device, whose wrong PINs count apart from strangers' (sign-in-client.ts).
        if (isSignIn) {
          reply.setCookie(DEVICE_COOKIE, service.sessions.rememberDevice(device), {
            path: '/api/console',
            httpOnly: true,
            sameSite: 'strict',
            maxAge: 30 * 24 * 3600,
          });
        }
        // Nothing to say (signOut): 204, as a DELETE without an answer should.
        if (result === undefined) return reply.status(204).send();
        return result;
      },
    });
  }

  const probes = options.probes;
  if (probes) {
    app.get('/healthz', { config: { probe: true } }, async (_req, reply) => {
      const { httpStatus, body } = await probes.health();
      return reply.status(httpStatus).header('cache-control', 'no-store').send(body);
    });
    app.get('/metrics', { config: { probe: true } }, async (_req, reply) => {
      const { contentType, body } = await probes.metrics();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  }

  app.setNotFoundHandler(async (req, reply) => {
    if (looksLikeApi(req.url) || !options.uiDir || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return reply.status(404).send(new EdgePayError('GATEWAY_API_NOT_FOUND', { method: req.method.slice(0, 10), path: pathForError(req.url) }).toJSON());
    }
    const file = await readUiFile(options.uiDir, req.url);
    if (!file) return reply.status(404).send(new EdgePayError('NOT_FOUND').toJSON());
    reply.header('content-type', file.type);
    reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (file.type.startsWith('text/html')) reply.header('content-security-policy', UI_CSP);
    return reply.send(file.body);
  });

  const wss = attachEvents(app, service, guard);
  return { app, wss };
}

/**
 * The live channel: one WebSocket per screen. Kiosk events go to the kiosk
 * (same rules as its routes); console events only after `{type:'auth', token}`
 * with a live operator session.
 */
function attachEvents(app: FastifyInstance, service: GatewayServiceRuntime, guard: RequestGuard): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  app.server.on('upgrade', (req, socket, head) => {
    const url = req.url ?? '';
    const f: RequestFacts = { host: req.headers.host, origin: req.headers.origin, remoteAddress: req.socket.remoteAddress, fetchSite: oneHeader(req.headers['sec-fetch-site']) };
    try {
      guard.checkTarget(url);
      // The exact path only: no other spelling of it opens the channel.
      if (url.split('?')[0] !== EVENTS_PATH) throw new EdgePayError('GATEWAY_API_NOT_FOUND', { method: 'GET', path: pathForError(url) });
      guard.checkApi(f);
    } catch (err) {
      const e = err as EdgePayError;
      socket.end(`HTTP/1.1 ${e.httpStatus} Refused\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(e.toJSON())}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, service, guard.mayUseKiosk(f)));
  });
  return wss;
}

function serveSocket(ws: WebSocket, service: GatewayServiceRuntime, kiosk: boolean): void {
  let token: string | null = null;
  const send = (m: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const off = service.onEvent((event: GatewayEvent) => {
    const isKioskEvent = KIOSK_EVENT_TYPES.includes(event.type);
    if (isKioskEvent ? kiosk || token !== null : token !== null && service.sessions.isValid(token)) send({ type: 'event', event });
  });
  ws.on('message', (data) => {
    let msg: ClientMessage;
    try {
      msg = JSON.parse(String(data)) as ClientMessage;
    } catch {
      return send({ type: 'error', error: new EdgePayError('REQUEST_BAD_JSON').toJSON() });
    }
    if (msg?.type === 'ping') return send({ type: 'pong' });
    if (msg?.type === 'auth') {
      token = service.sessions.isValid(msg.token) ? msg.token : null;
      return send({ type: 'auth', ok: token !== null });
    }
  });
  ws.on('close', off);
  ws.on('error', off);
}
