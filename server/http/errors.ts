/**
 * Every error answer is JSON `{code, message, details?}` with a code from
 * core's registry. Malformed requests are 4xx, never 5xx; an unexpected error
 * is a 500 INTERNAL whose details stay in the log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { EdgePayError, isEdgePayError } from '../../core/index.ts';

export function toEdgePayError(err: FastifyError | Error, bodyLimit: number): EdgePayError {
  if (isEdgePayError(err)) return err as EdgePayError;
  const f = err as FastifyError & { validation?: { message?: string; instancePath?: string }[]; validationContext?: string };
  switch (f.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new EdgePayError('REQUEST_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new EdgePayError('REQUEST_TOO_LARGE', { limit: bodyLimit });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new EdgePayError('REQUEST_BAD_JSON');
  }
  if (f.validation) {
    const first = f.validation[0];
    const where = `${f.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return new EdgePayError('REQUEST_INVALID', { reason: `${where} ${first?.message ?? 'is invalid'}` });
  }
  // Body parser errors (bad JSON) come as SyntaxError with a 400 status.
  if (err instanceof SyntaxError || (f.statusCode === 400 && /JSON/i.test(err.message))) return new EdgePayError('REQUEST_BAD_JSON');
  if (f.statusCode && f.statusCode >= 400 && f.statusCode < 500) {
    return new EdgePayError('REQUEST_INVALID', { reason: err.message.slice(0, 200) });
  }
  return new EdgePayError('INTERNAL');
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = toEdgePayError(err, bodyLimit);
    if (mapped.code === 'INTERNAL') request.log.error({ err }, 'unexpected error');
    else request.log.info({ code: mapped.code }, 'request refused');
    void reply.status(mapped.httpStatus).send(mapped.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new EdgePayError('NOT_FOUND').toJSON());
  });
}
