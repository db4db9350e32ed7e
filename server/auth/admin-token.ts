/**
 * The one check of the operator's admin token (EDGEPAY_ADMIN_TOKEN), used as
 * the preHandler of every admin route. Constant-time: the comparison must not
 * tell an attacker how many leading characters were right.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { EdgePayError } from '../../core/index.ts';

export function adminTokenCheck(adminToken: string): (request: FastifyRequest) => Promise<void> {
  const expected = Buffer.from(adminToken);
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new EdgePayError('AUTH_REQUIRED');
  };
}
