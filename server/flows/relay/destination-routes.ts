/**
 * The sandbox destinations' doors: what a relay terminal (direct) or a POS
 * program (through its agent) submits a code to. A submission needs the grant
 * of the open relay of that code (Bearer), so nothing reaches a destination
 * that the relay did not order, and only once.
 *
 *   POST /relay/destinations/:destination/submit {reference, code, operation, amount?, points?}
 */
import type { FastifyInstance } from 'fastify';
import { EdgePayError, type relay } from '../../../core/index.ts';
import type { RelayDestination } from './destinations/destination.ts';
import type { RelayService } from './relay-service.ts';
import { submitBody } from './schemas.ts';

export function registerDestinationRoutes(app: FastifyInstance, deps: { service: RelayService; destinations: ReadonlyMap<string, RelayDestination> }): void {
  app.post(
    '/relay/destinations/:destination/submit',
    {
      schema: {
        summary: "Submit a relayed code to a sandbox destination (the relay's grant as Bearer)",
        tags: ['relay'],
        params: { type: 'object', properties: { destination: { type: 'string', maxLength: 64 } }, required: ['destination'] },
        body: submitBody,
      },
    },
    async (request) => {
      const destination = deps.destinations.get((request.params as { destination: string }).destination);
      if (!destination) throw new EdgePayError('RELAY_GRANT_INVALID');
      const body = request.body as relay.DestinationSubmit;
      const header = request.headers.authorization ?? '';
      const grant = header.startsWith('Bearer ') ? header.slice(7) : '';
      const { siteId } = await deps.service.checkGrant(destination.id, grant, body.reference, body.code);
      const { userId: _payer, ...answer } = await destination.submit({ ...body, siteId });
      // Who paid stays between the destination and the relay: the shop gets the answer without the payer.
      return { answer };
    },
  );
}
