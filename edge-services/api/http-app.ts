/**
 * The HTTP + WebSocket transport of the gateway's API: a small Fastify app
 * whose routes are core's route table, each calling the one GatewayService.
 * It also serves the built UI. Errors are always `{code, message}` from
 * core's registry.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  EdgePayError,
  KIOSK_EVENT_TYPES,
  parsePaymentFilter,
  routes,
  toEdgePayError,
  type ClientMessage,
  type GatewayEvent,
  type ServerMessage,
} from '../../core/index.ts';
import type { GatewayService } from './gateway-service.ts';
import { RequestGuard, type RequestFacts } from './request-guard.ts';
import { readUiFile, UI_CSP } from './static-ui.ts';

export type GatewayHttpOptions = {
  service: GatewayService;
  guard: RequestGuard;
  /** The built UI (renderer/dist); without it only the API is served. */
  uiDir?: string;
  logger?: boolean | { level: string };
};

const BODY_LIMIT = 64 * 1024;
/** A camera frame is a JPEG or PNG in base64: 640x480 is 50-150 KB, a 1080p frame under 2 MB. */
const CAMERA_FRAME_LIMIT = 3 * 1024 * 1024;
/** An enrolment carries up to 10 such frames. */
const ENROLMENT_LIMIT = 10 * CAMERA_FRAME_LIMIT;

const facts = (req: FastifyRequest): RequestFacts => ({
  host: req.headers.host,
  origin: req.headers.origin,
  remoteAddress: req.socket.remoteAddress,
});

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : '';
}

/** Reads a JSON object body (or none). */
function body(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new EdgePayError('REQUEST_INVALID', { reason: 'the body must be a JSON object' });
  return b as Record<string, unknown>;
}

export function buildGatewayHttpApp(options: GatewayHttpOptions): { app: FastifyInstance; wss: WebSocketServer } {
  const { service, guard } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: BODY_LIMIT });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = toEdgePayError(err, { bodyLimit: BODY_LIMIT });
    if (mapped.code === 'INTERNAL') request.log.error({ err }, 'unexpected error');
    void reply.status(mapped.httpStatus).send(mapped.toJSON());
  });

  // Every answer: no sniffing, no framing by other sites, no referrer leaks.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
  });

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    if (req.url.startsWith('/api/kiosk/')) guard.checkKiosk(facts(req));
    else guard.checkSameOrigin(facts(req));
  });

  const s = service;
  const r = routes;
  app.get(r.kioskState.path, () => s.kioskState());
  app.post(r.scan.path, (req) => s.scan(body(req).barcode as string));
  app.post(r.cameraFrame.path, { bodyLimit: CAMERA_FRAME_LIMIT }, (req) => s.cameraFrame({ data: body(req).data as string }));
  app.post(r.setQuantity.path, (req) => {
    const b = body(req);
    return s.setQuantity(b.productId as string, b.quantity as number);
  });
  app.post(r.remove.path, (req) => s.remove(body(req).productId as string));
  app.post(r.clear.path, () => s.clear());
  app.post(r.pay.path, () => s.pay());

  app.post(r.signIn.path, (req) => s.signIn(body(req).pin as string));
  app.delete(r.signOut.path, async (req, reply) => {
    await s.signOut(bearer(req));
    return reply.status(204).send();
  });
  app.get(r.overview.path, (req) => s.overview(bearer(req)));
  app.get(r.syncStatus.path, (req) => s.syncStatus(bearer(req)));
  app.get(r.devices.path, (req) => s.devices(bearer(req)));
  app.get(r.payments.path, (req) => {
    const token = bearer(req);
    s.sessions.check(token); // before reading the filter: no hints to strangers
    return s.payments(token, parsePaymentFilter(req.query as Record<string, unknown>));
  });
  app.get<{ Params: { id: string } }>(r.payment.path, (req) => s.payment(bearer(req), req.params.id));
  app.get(r.declinedAfterForward.path, (req) => s.declinedAfterForward(bearer(req)));
  app.get(r.site.path, (req) => s.site(bearer(req)));
  app.get(r.unsent.path, (req) => s.unsent(bearer(req)));
  app.get(r.network.path, (req) => s.network(bearer(req)));
  app.put(r.setNetwork.path, (req) => s.setNetwork(bearer(req), body(req).enabled as boolean));
  app.get(r.enrolments.path, (req) => s.enrolments(bearer(req)));
  app.post(r.enrolProduct.path, { bodyLimit: ENROLMENT_LIMIT }, (req) => {
    const b = body(req);
    return s.enrolProduct(bearer(req), { productId: b.productId as string, frames: b.frames as string[] });
  });
  app.delete<{ Params: { productId: string } }>(r.forgetProduct.path, (req) => s.forgetProduct(bearer(req), req.params.productId));

  app.setNotFoundHandler(async (req, reply) => {
    if (req.url.startsWith('/api/') || !options.uiDir || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return reply.status(404).send(new EdgePayError('GATEWAY_API_NOT_FOUND', { method: req.method, path: req.url.split('?')[0]!.slice(0, 100) }).toJSON());
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
function attachEvents(app: FastifyInstance, service: GatewayService, guard: RequestGuard): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  app.server.on('upgrade', (req, socket, head) => {
    const url = req.url ?? '';
    const f: RequestFacts = { host: req.headers.host, origin: req.headers.origin, remoteAddress: req.socket.remoteAddress };
    try {
      if (url.split('?')[0] !== routes.events.path) throw new EdgePayError('GATEWAY_API_NOT_FOUND', { method: 'GET', path: url.slice(0, 100) });
      guard.checkSameOrigin(f);
    } catch (err) {
      const e = err as EdgePayError;
      socket.end(`HTTP/1.1 ${e.httpStatus} Refused\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(e.toJSON())}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, service, guard.mayUseKiosk(f)));
  });
  return wss;
}

function serveSocket(ws: WebSocket, service: GatewayService, kiosk: boolean): void {
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
