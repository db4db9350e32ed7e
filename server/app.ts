/**
 * The central server's HTTP app: replication routes, admin routes, health,
 * metrics and the OpenAPI description, with JSON errors and body limits.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { cartFlow, EdgePayError, edgePayCollections, errorResponses, type CollectionRegistry } from '../core/index.ts';
import { makeOwnerOnlyFile, type Db } from './db/index.ts';
import { ChangeHub } from './replication/index.ts';
import { mergeFollowUps, serverCollections, type CreatedFollowUps, type ServerCollection } from './replication/index.ts';
import { registerReplicationRoutes } from './replication/index.ts';
import { registerAdminRoutes } from './admin/index.ts';
import { installErrorHandling, installCardDataGuard, installStrictJsonParser, installStrictValidation, logSerializers } from './http/index.ts';
import { createMetrics, type ServerMetrics } from './http/index.ts';
import { createPaymentAuthority, type PaymentAuthority } from './payments/index.ts';
import { startForwarder, type Forwarder } from './payments/index.ts';
import type { ProcessorAdapter } from './payments/index.ts';
import { createSandboxAcquirer, type SandboxOptions } from './payments/index.ts';
import { registerPaymentRoutes } from './payments/index.ts';
import { queueLength } from './payments/index.ts';
import type { AddressInfo } from 'node:net';
import { walletDepsFor, walletPlugin, type WalletPluginOptions } from './wallet/index.ts';
import { PAYMENT_CREATED_FOLLOW_UPS } from './payments/index.ts';
import { paymentRequestsPlugin, type PaymentRequestsDeps } from './payment-requests/index.ts';
import { creditPlugin, type CreditPluginOptions } from './flows/credit/index.ts';
import { relayPlugin, type RelayPluginOptions } from './flows/relay/index.ts';
import { cartFlowPlugin, cartPaymentMethod } from './flows/cart/index.ts';
import { issuerPlugin, type IssuerPluginOptions } from './issuer/index.ts';
import { elevatorPlugin } from './flows/elevator/index.ts';

/**
 * The collections this server replicates: core's declarations (default: its
 * registry), with the follow-up work of the server's contexts (payments: audit
 * and forwarding queue) and any `extra` follow-ups (tests).
 */
export function edgePayServerCollections(registry: CollectionRegistry = cartFlow.cartCollections(edgePayCollections), extra: CreatedFollowUps = {}): ServerCollection[] {
  return serverCollections(registry, mergeFollowUps(PAYMENT_CREATED_FOLLOW_UPS, extra));
}
import { BUILT_IN_PAYMENT_METHODS, type PaymentMethodDeclaration } from './payments/index.ts';
import { twoChannelPaymentMethod, twoChannelPlugin } from './flows/two-channel/index.ts';

/** The payment methods the flows declare (each flow's own, besides the built-in card terminal). */
const FLOW_PAYMENT_METHODS: readonly PaymentMethodDeclaration[] = [
  twoChannelPaymentMethod,
  // flow: cart (the phone's approval charged on the server: no card token goes down to the store)
  cartPaymentMethod,
];

export type AppOptions = {
  db: Db;
  /** The collections to replicate (default: core's registry). */
  collections?: CollectionRegistry;
  /** More follow-up SQL per collection, besides the payments context's. */
  followUps?: CreatedFollowUps;
  adminToken: string;
  /** Largest request body in bytes (default 4 MiB: a push of 1,000 payments fits). */
  bodyLimit?: number;
  /** pino logger options, or false for none (tests). */
  logger?: boolean | { level: string; file?: string };
  /** Node process metrics (CPU, heap) in /metrics; off in tests that build many apps. */
  processMetrics?: boolean;
  /** The acquirer; default the sandbox acquirer (options in `sandbox`). */
  acquirer?: ProcessorAdapter;
  sandbox?: SandboxOptions;
  /** Run the worker that forwards offline payments (default true). */
  forwarder?: boolean;
  /**
   * Requests to pay, with what they need from the wallet: by default the
   * wallet's sessions, approval proofs and units (server/wallet); tests may
   * give their own; `false` turns them off.
   */
  paymentRequests?: PaymentRequestsDeps | false;
  /** The payment methods the authority takes (default: server/payments/methods' built-in list). */
  paymentMethods?: readonly PaymentMethodDeclaration[];
  /** The wallet (rpId default `localhost`, origin default http://localhost:<listening port>, demoSignIn off). */
  wallet?: Partial<Omit<WalletPluginOptions, 'db'>>;
  /** Pay later (server/flows/credit): its settings and data key; `false` turns it off. */
  credit?: Omit<CreditPluginOptions, 'db' | 'adminToken'> | false;
  /** The relay flow (server/flows/relay): its options, or false for none. */
  relay?: Omit<RelayPluginOptions, 'db' | 'adminToken'> | false;
  /** The sandbox virtual-card issuer (hold and sweep times). */
  issuer?: Partial<Omit<IssuerPluginOptions, 'db' | 'adminToken'>>;
};

export type EdgePayServer = {
  app: FastifyInstance;
  hub: ChangeHub;
  metrics: ServerMetrics;
  authority: PaymentAuthority | undefined;
  forwarder: Forwarder | undefined;
};

export async function buildApp(options: AppOptions): Promise<EdgePayServer> {
  const bodyLimit = options.bodyLimit ?? 4 * 1024 * 1024;
  // The log holds addresses, ids and gateway names: the owner's only (0600), made before pino opens it 0644.
  if (typeof options.logger === 'object' && options.logger.file) makeOwnerOnlyFile(options.logger.file);
  const logger =
    options.logger === false || options.logger === undefined
      ? false
      : {
          level: typeof options.logger === 'object' ? options.logger.level : 'info',
          // JSON lines to a file instead of stdout (the card-data scan reads it).
          ...(typeof options.logger === 'object' && options.logger.file ? { file: options.logger.file } : {}),
          // Credentials travel in this header; it must never reach a log line.
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          // The URL and error messages with card numbers redacted (issue 25).
          serializers: logSerializers,
        };
  const app = Fastify({ logger, bodyLimit, trustProxy: false });
  const metrics = createMetrics(options.processMetrics ?? false);
  const hub = new ChangeHub(options.db);
  await hub.start();
  const collections = new Map(edgePayServerCollections(options.collections, options.followUps).map((c) => [c.name, c]));

  installErrorHandling(app, bodyLimit);
  // Before any route: strict JSON bodies, no card numbers anywhere, no coercion of bodies (input-guard.ts says why).
  installStrictJsonParser(app);
  installCardDataGuard(app);
  installStrictValidation(app);
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      info: { title: 'EdgePay central server', version: '0.1.0', description: 'Replication, enrolment and operator routes.' },
      components: {
        securitySchemes: {
          gatewayCredential: { type: 'http', scheme: 'bearer', description: 'gw_<gatewayId>.<secret>, from enrolment' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'EDGEPAY_ADMIN_TOKEN' },
        },
      },
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/healthz', { schema: { summary: 'Liveness and database reachability', tags: ['ops'], response: errorResponses(503) } }, async () => {
    try {
      await options.db.query('SELECT 1');
      return { status: 'ok', database: options.db.kind };
    } catch (cause) {
      throw new EdgePayError('STORAGE_CLOSED', { collectionName: 'database', operation: 'SELECT 1' }, { cause });
    }
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'] } }, async (_req, reply) => {
    metrics.liveStreams.set(hub.size);
    if (collections.has('payments')) metrics.forwardQueue.set(await queueLength(options.db));
    if (authority) {
      metrics.decisionBatches.set(authority.decisionBatches.batches);
      metrics.decisionsBatched.set(authority.decisionBatches.items);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerReplicationRoutes(app, { db: options.db, hub, collections, metrics });
  registerAdminRoutes(app, { db: options.db, adminToken: options.adminToken, collections });
  // The wallet: WebAuthn needs a domain (never an IP) and the page's exact origin, known once the server listens.
  await app.register(
    walletPlugin({ rpId: 'localhost', origin: () => `http://localhost:${(app.server.address() as AddressInfo | null)?.port ?? 0}`, demoSignIn: false, ...options.wallet, db: options.db }),
  );

  // The payment authority, when this server replicates payments.
  const paymentsCollection = collections.get('payments');
  const authority = paymentsCollection
    ? createPaymentAuthority({
        db: options.db,
        payments: paymentsCollection,
        acquirer: options.acquirer ?? createSandboxAcquirer(options.db, options.sandbox),
        // The flows' methods join the built-in ones (a flow declares its own, server/flows/<flow>/).
        methods: [...(options.paymentMethods ?? BUILT_IN_PAYMENT_METHODS), ...FLOW_PAYMENT_METHODS],
      })
    : undefined;
  if (authority) registerPaymentRoutes(app, { db: options.db, authority, adminToken: options.adminToken });
  if (options.paymentRequests !== false) {
    const deps = options.paymentRequests ?? walletDepsFor(options.db);
    await app.register(paymentRequestsPlugin({ db: options.db, ...deps }));
  }
  // The five flows (server/flows/<flow>/): each registers its Fastify plugin here, on its own line.
  // flow: elevator
  await app.register(issuerPlugin({ db: options.db, adminToken: options.adminToken, ...options.issuer }));
  if (options.paymentRequests !== false) await app.register(elevatorPlugin({ db: options.db, adminToken: options.adminToken }));

  // flow: cart
  if (authority && options.paymentRequests !== false) await app.register(cartFlowPlugin({ db: options.db, hub, authority }));

  // flow: two-channel
  await app.register(twoChannelPlugin({ db: options.db, adminToken: options.adminToken, authority }));

  // flow: relay
  if (options.relay !== false) await app.register(relayPlugin({ db: options.db, adminToken: options.adminToken, ...options.relay }));

  // flow: credit
  if (options.credit !== false) await app.register(creditPlugin({ db: options.db, adminToken: options.adminToken, ...options.credit }));

  const forwarder = authority && options.forwarder !== false ? await startForwarder(options.db, authority, { log: (msg, err) => app.log.warn({ err }, msg) }) : undefined;

  // Before the HTTP server waits for open connections: live streams never end
  // by themselves, so they are ended here, or close() would wait forever.
  app.addHook('preClose', async () => {
    await forwarder?.stop();
    await hub.stop();
  });
  return { app, hub, metrics, authority, forwarder };
}
