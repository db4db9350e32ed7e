/**
 * The issuer's HTTP entrances: its public key (terminals seal their
 * authorisations to it), the card network's authorisation route (called by a
 * card terminal's payment module with its sealed request), the admin route
 * that enrols a terminal's key, and the sweeper of expired cards and
 * approvals nobody captured.
 */
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses, type AuthorisationBody } from '../../core/index.ts';
import { adminTokenCheck } from '../auth/index.ts';
import type { Db } from '../db/index.ts';
import { authorise, DEFAULT_HOLD_SECONDS } from './authorise.ts';
import { enrolTerminal, issuerKeys } from './keys.ts';
import { sweepIssuer } from './settle.ts';

export type IssuerPluginOptions = {
  db: Db;
  adminToken: string;
  /** Seconds an approval stays held without capture before it is reversed (default 120). */
  holdSeconds?: number;
  /** How often expired cards and stale approvals are swept (ms, default 1000; 0: never, tests sweep themselves). */
  sweepMs?: number;
};

const tags = ['issuer'];
const box = {
  type: 'object',
  additionalProperties: false,
  required: ['iv', 'ct', 'tag'],
  properties: { epk: { type: 'string', maxLength: 200 }, iv: { type: 'string', maxLength: 64 }, ct: { type: 'string', maxLength: 4096 }, tag: { type: 'string', maxLength: 64 } },
} as const;
const idText = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export function issuerPlugin(opts: IssuerPluginOptions): FastifyPluginAsync {
  return async (app) => {
    const { db } = opts;
    const holdSeconds = opts.holdSeconds ?? DEFAULT_HOLD_SECONDS;
    app.get('/issuer/public-key', { schema: { summary: "The sandbox issuer's X25519 public key (base64 SPKI)", tags } }, async () => ({ publicKey: (await issuerKeys(db)).publicKey }));
    app.post(
      '/issuer/authorisations',
      {
        schema: {
          summary: "Authorise a charge of a virtual card (the card network's call; the card data sealed to the issuer)",
          tags,
          body: { type: 'object', additionalProperties: false, required: ['terminalId', 'authorisationId', 'box'], properties: { terminalId: idText, authorisationId: idText, box } },
          response: errorResponses(400, 401, 409),
        },
      },
      async (request) => authorise(db, request.body as AuthorisationBody),
    );
    app.put(
      '/admin/issuer/terminals/:terminalId',
      {
        preHandler: adminTokenCheck(opts.adminToken),
        schema: {
          summary: "Enrol a card terminal's X25519 public key (cards are sealed to it)",
          tags: ['admin'],
          security: [{ adminToken: [] }],
          params: { type: 'object', required: ['terminalId'], properties: { terminalId: idText } },
          body: { type: 'object', additionalProperties: false, required: ['publicKey'], properties: { publicKey: { type: 'string', maxLength: 200 } } },
        },
      },
      async (request) => {
        const { terminalId } = request.params as { terminalId: string };
        await enrolTerminal(db, terminalId, (request.body as { publicKey: string }).publicKey);
        return { terminalId };
      },
    );

    const sweepMs = opts.sweepMs ?? 1000;
    if (sweepMs > 0) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        sweepIssuer(db, holdSeconds)
          .catch((err) => app.log.warn({ err }, 'issuer sweep failed'))
          .finally(() => (running = false));
      }, sweepMs);
      timer.unref();
      app.addHook('preClose', async () => clearInterval(timer));
    }
  };
}
