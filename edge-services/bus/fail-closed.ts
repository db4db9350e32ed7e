/**
 * The gateway opens no CURVE server socket unless a ZAP handler is answering
 * on the same ZeroMQ context: without one, libzmq would admit any CURVE
 * client (DESIGN.md section 5, fail closed).
 */
import type * as zmq from 'zeromq';
import { EdgePayError } from '../../core/index.ts';
import type { CurveKeyPair } from './curve-keys.ts';
import type { ZapHandler } from './zap-handler.ts';

export function assertZapHandler(zap: ZapHandler | undefined, context: zmq.Context, socket: string, endpoint: string): asserts zap is ZapHandler {
  if (!zap || !zap.running || zap.context !== context) {
    throw new EdgePayError('BUS_ZAP_HANDLER_MISSING', { socket, endpoint });
  }
}

/** Options every gateway socket that takes connections gets: CURVE server, ZAP domain, enforced ZAP. */
export function curveServerOptions(zap: ZapHandler, keys: CurveKeyPair, maxMessageBytes: number) {
  return {
    context: zap.context,
    curveServer: true,
    curvePublicKey: keys.publicKey,
    curveSecretKey: keys.secretKey,
    zapDomain: zap.domain,
    // libzmq refuses handshakes when no handler answers, even if the handler dies after we checked.
    zapEnforceDomain: true,
    // libzmq closes a connection that sends a bigger message; the bus's own, smaller limit counts and drops first.
    maxMessageSize: 2 * maxMessageBytes,
    // ZMTP heartbeats: a device whose machine died (no TCP FIN) is dropped within seconds, so its
    // routing id frees up and commands to it fail fast instead of queueing.
    heartbeatInterval: 2_000,
    heartbeatTimeout: 6_000,
    linger: 0,
  } as const;
}
