/**
 * The flow's routes:
 *
 *   gateway (its credential):
 *     POST /v1/two-channel/sessions                 start a payment for a heard code (Idempotency-Key)
 *     GET  /v1/two-channel/sessions/:id?waitMs=     the session, waiting up to waitMs (≤ 30 s) for its outcome
 *     POST /v1/two-channel/sessions/:id/cancel      the device gave up (nobody confirmed, the car left)
 *   phone (wallet session, CSRF on POST):
 *     GET  /wallet/api/two-channel/dongles          my dongles
 *     POST /wallet/api/two-channel/dongles          pair {serial, code}
 *     POST /wallet/api/two-channel/dongles/:id/unpair  unpair for good: its secrets destroyed, its waiting payments cancelled
 *     GET  /wallet/api/two-channel/pending          my requests that a dongle confirms
 *     POST /wallet/api/two-channel/requests/:id/confirm {code, presence}
 *   operator (admin token):
 *     POST /admin/two-channel/dongles               the maker registers a dongle {serial, identityKey (hex), otpSecret (base32)}
 *     GET  /admin/two-channel/flags                 codes heard at two sites at once or outside their window
 *     POST /admin/two-channel/rotate-keys           re-seal every secret under the current key
 */
import type { FastifyInstance } from 'fastify';
import * as OTPAuth from 'otpauth';
import { twoChannel, type twoChannel as TC } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import { adminTokenCheck, requireGateway } from '../../auth/index.ts';
import type { Keyring, OtpPolicy } from '../../otp/index.ts';
import { requestHash } from '../../payments/index.ts';
import { requireWalletSession, walletUserOf } from '../../wallet/index.ts';
import type { CodeResolver } from './code-resolver.ts';
import { donglesOf, pairDongle, provisionDongle, rotateDongleKeys, unpairDongle } from './dongles.ts';
import { afterUnpair, awaitSession, cancelSession, confirmSession, flagsSince, pendingOf, startSession, type FlowDeps } from './sessions.ts';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const error = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } } } as const;
const errors = { 400: error, 401: error, 403: error, 404: error, 409: error, 423: error, 429: error, 503: error };
const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    state: { type: 'string' },
    presence: { type: 'string' },
    requestId: { type: 'string' },
    amount: { type: 'integer' },
    currency: { type: 'string' },
    expiresAt: { type: 'string' },
    paymentId: { type: ['string', 'null'] },
    declineReason: { type: ['string', 'null'] },
  },
} as const;
const sessionResponse = { type: 'object', properties: { session: sessionSchema } } as const;
const byId = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } } as const;
const idempotencyHeader = {
  type: 'object',
  required: ['idempotency-key'],
  properties: { 'idempotency-key': { type: 'string', minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$' } },
} as const;
const security: Record<string, string[]>[] = [{ gatewayCredential: [] }];

export function registerTwoChannelRoutes(app: FastifyInstance, deps: FlowDeps & { adminToken: string; otpPolicy?: OtpPolicy; keyring: () => Keyring; resolver: CodeResolver; db: Db }): void {
  const { db } = deps;
  const walletSession = requireWalletSession(db);
  const admin = adminTokenCheck(deps.adminToken);
  const tags = ['two-channel'];

  app.post(
    twoChannel.TWO_CHANNEL_PATHS.sessions,
    {
      schema: {
        summary: "A payment device heard a dongle: ask its owner to confirm with the dongle's code",
        tags,
        security,
        headers: idempotencyHeader,
        body: {
          type: 'object',
          required: ['code', 'amount', 'currency', 'merchantName', 'place', 'rssi'],
          additionalProperties: false,
          properties: {
            code: { type: 'string', pattern: twoChannel.EPHEMERAL_ID_PATTERN },
            amount: { type: 'integer', minimum: 1 },
            currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            merchantName: text(200),
            place: {
              type: 'object',
              required: ['kind', 'label'],
              additionalProperties: false,
              properties: { kind: { type: 'string', enum: [...twoChannel.TWO_CHANNEL_PLACE_KINDS] }, label: text(100) },
            },
            rssi: { type: 'integer', minimum: -127, maximum: 20 },
          },
        },
        response: { 201: sessionResponse, ...errors },
      },
    },
    async (request, reply) => {
      const gateway = await requireGateway(db, request.headers.authorization);
      deps.keyring();
      const body = request.body as TC.StartTwoChannelBody;
      const session = await startSession(deps, gateway, request.headers['idempotency-key'] as string, requestHash('two-channel-start', body), body);
      return reply.status(201).send({ session });
    },
  );

  app.get(
    '/v1/two-channel/sessions/:id',
    {
      schema: {
        summary: 'A two-channel session, waiting up to waitMs for its outcome',
        tags,
        security,
        params: byId,
        querystring: { type: 'object', additionalProperties: false, properties: { waitMs: { type: 'integer', minimum: 0, maximum: 30_000 } } },
        response: { 200: sessionResponse, ...errors },
      },
    },
    async (request) => {
      const gateway = await requireGateway(db, request.headers.authorization);
      const { id } = request.params as { id: string };
      return { session: await awaitSession(deps, gateway, id, (request.query as { waitMs?: number }).waitMs ?? 0) };
    },
  );

  app.post(
    '/v1/two-channel/sessions/:id/cancel',
    { schema: { summary: 'The device gave up on a two-channel payment', tags, security, params: byId, response: { 200: sessionResponse, ...errors } } },
    async (request) => {
      const gateway = await requireGateway(db, request.headers.authorization);
      return { session: await cancelSession(db, gateway, (request.params as { id: string }).id) };
    },
  );

  app.get(twoChannel.TWO_CHANNEL_PATHS.dongles, { preHandler: walletSession, schema: { summary: 'My dongles', tags: ['wallet'] } }, async (request) => ({
    dongles: await donglesOf(db, walletUserOf(request).userId),
  }));

  app.post(
    twoChannel.TWO_CHANNEL_PATHS.dongles,
    {
      preHandler: walletSession,
      schema: {
        summary: 'Pair a dongle: its serial and the code it shows now',
        tags: ['wallet'],
        body: {
          type: 'object',
          required: ['serial', 'code'],
          additionalProperties: false,
          properties: { serial: { type: 'string', pattern: twoChannel.DONGLE_SERIAL_PATTERN }, code: { type: 'string', pattern: twoChannel.OTP_CODE_PATTERN } },
        },
        response: { 201: { type: 'object', properties: { dongle: { type: 'object', additionalProperties: true } } }, ...errors },
      },
    },
    async (request, reply) => {
      const { serial, code } = request.body as TC.PairDongleBody;
      const dongle = await pairDongle(db, deps.keyring(), walletUserOf(request).userId, serial, code, deps.otpPolicy);
      deps.resolver.invalidate();
      return reply.status(201).send({ dongle });
    },
  );

  app.post(
    '/wallet/api/two-channel/dongles/:id/unpair',
    {
      preHandler: walletSession,
      schema: {
        summary: 'Unpair my dongle for good: its secrets are destroyed, its payments waiting for a confirmation cancelled',
        tags: ['wallet'],
        params: byId,
        response: { 200: { type: 'object', properties: { unpaired: { type: 'string' }, cancelledSessions: { type: 'integer' } } }, ...errors },
      },
    },
    async (request) => {
      const unpaired = await unpairDongle(db, walletUserOf(request).userId, (request.params as { id: string }).id);
      deps.resolver.invalidate();
      await afterUnpair(db, unpaired.cancelled);
      return { unpaired: unpaired.dongleId, cancelledSessions: unpaired.cancelled.length };
    },
  );

  app.get(twoChannel.TWO_CHANNEL_PATHS.pending, { preHandler: walletSession, schema: { summary: 'My requests to pay that a dongle confirms', tags: ['wallet'] } }, async (request) => ({
    pending: await pendingOf(db, walletUserOf(request).userId),
  }));

  app.post(
    '/wallet/api/two-channel/requests/:id/confirm',
    {
      preHandler: walletSession,
      schema: {
        summary: "Confirm a dongle payment with the dongle's code and the number on the device",
        tags: ['wallet'],
        params: byId,
        body: {
          type: 'object',
          required: ['code', 'presence'],
          additionalProperties: false,
          properties: { code: { type: 'string', pattern: twoChannel.OTP_CODE_PATTERN }, presence: { type: 'string', pattern: twoChannel.PRESENCE_PATTERN } },
        },
        response: errors,
      },
    },
    async (request) => {
      return confirmSession(deps, walletUserOf(request).userId, (request.params as { id: string }).id, request.body as TC.ConfirmTwoChannelBody);
    },
  );

  app.post(
    twoChannel.TWO_CHANNEL_PATHS.adminDongles,
    {
      preHandler: admin,
      schema: {
        summary: 'The maker registers a dongle (its secrets are sealed at once)',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        body: {
          type: 'object',
          required: ['serial', 'identityKey', 'otpSecret'],
          additionalProperties: false,
          properties: {
            serial: { type: 'string', pattern: twoChannel.DONGLE_SERIAL_PATTERN },
            identityKey: { type: 'string', pattern: '^[0-9a-f]{32}$' },
            otpSecret: { type: 'string', pattern: '^[A-Z2-7]{26,104}$' },
            rotationExponent: { type: 'integer', minimum: 0, maximum: 15 },
          },
        },
        response: { 201: { type: 'object', properties: { dongle: { type: 'object', additionalProperties: true } } }, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body as { serial: string; identityKey: string; otpSecret: string; rotationExponent?: number };
      const dongle = await provisionDongle(db, deps.keyring(), {
        serial: body.serial,
        identityKey: twoChannel.fromHex(body.identityKey),
        otpSecret: new Uint8Array(OTPAuth.Secret.fromBase32(body.otpSecret).bytes),
        ...(body.rotationExponent === undefined ? {} : { rotationExponent: body.rotationExponent }),
      });
      return reply.status(201).send({ dongle });
    },
  );

  app.get(
    twoChannel.TWO_CHANNEL_PATHS.adminFlags,
    { preHandler: admin, schema: { summary: 'Codes heard at two sites at once or outside their window', tags: ['admin'], security: [{ adminToken: [] }] } },
    async () => ({
      flags: await flagsSince(db),
    }),
  );

  app.post(
    '/admin/two-channel/rotate-keys',
    { preHandler: admin, schema: { summary: 'Re-seal every dongle secret under the current key', tags: ['admin'], security: [{ adminToken: [] }] } },
    async () => {
      const rotated = await rotateDongleKeys(db, deps.keyring());
      deps.resolver.invalidate();
      return rotated;
    },
  );
}
