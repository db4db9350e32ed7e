/**
 * Every error answer is JSON `{code, message, details?}` with a code from
 * core's registry. Malformed requests are 4xx, never 5xx; an unexpected error
 * is a 500 INTERNAL whose details stay in the log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { EdgePayError, hasCardNumber, redactCardNumbers, toEdgePayError } from '../../core/index.ts';

/**
 * An error answer never echoes a card number (issue 25): a framework message
 * or a detail that quotes input has them redacted, and the details dropped.
 */
export function withoutCardNumbers<T extends { message: string; details?: unknown }>(body: T): T {
  if (!hasCardNumber(JSON.stringify(body))) return body;
  const { details: _dropped, ...rest } = body;
  return { ...rest, message: redactCardNumbers(body.message) } as T;
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = toEdgePayError(err, { bodyLimit });
    if (mapped.code === 'INTERNAL') request.log.error({ err }, 'unexpected error');
    else request.log.info({ code: mapped.code }, 'request refused');
    void reply.status(mapped.httpStatus).send(withoutCardNumbers(mapped.toJSON()));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new EdgePayError('NOT_FOUND').toJSON());
  });
}
