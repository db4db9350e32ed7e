/**
 * The ZAP handler (ZeroMQ RFC 27) for the gateway's CURVE server sockets.
 *
 * libzmq asks `inproc://zeromq.zap.01` on the socket's own context whether to
 * admit each CURVE handshake. We answer 200 only for a public key enrolled in
 * EnrolledDevices, with the device id as User-Id; everything else gets 400.
 * inproc endpoints are per context, so the handler must be bound on the very
 * Context the bus sockets use; the bus checks that before binding (fail closed),
 * and sets ZMQ_ZAP_ENFORCE_DOMAIN so that libzmq itself refuses handshakes if
 * the handler goes away later.
 *
 * Request frames (after the ROUTER's routing id and the empty delimiter):
 *   version "1.0", request id, domain, address, identity, mechanism, credentials...
 * Reply: version, request id, status code, status text, user id, metadata.
 */
import * as zmq from 'zeromq';
import { bindWhenFree } from './bind.ts';
import { z85Encode } from './curve-keys.ts';
import type { EnrolledDevices } from './enrolled-devices.ts';
import { gatewayLog } from '../logging/gateway-log.ts';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
export const ZAP_DOMAIN = 'edgepay-bus';

export type ZapDecision = { admitted: boolean; deviceId?: string; reason: string; address: string };

export type ZapHandler = {
  readonly context: zmq.Context;
  readonly domain: string;
  /** True from start until stop(); the bus refuses to bind without a running handler. */
  readonly running: boolean;
  readonly counts: { readonly admitted: number; readonly refused: number };
  stop(): Promise<void>;
};

export type ZapHandlerOptions = {
  context: zmq.Context;
  devices: EnrolledDevices;
  domain?: string;
  /** Told about every decision (for logs and tests). */
  onDecision?: (decision: ZapDecision) => void;
};

const ZAP_VERSION = '1.0';

export async function startZapHandler(options: ZapHandlerOptions): Promise<ZapHandler> {
  const domain = options.domain ?? ZAP_DOMAIN;
  const socket = new zmq.Router({ context: options.context, linger: 0 });
  try {
    await bindWhenFree(socket, ZAP_ENDPOINT);
  } catch (err) {
    socket.close();
    throw err;
  }
  const counts = { admitted: 0, refused: 0 };
  let running = true;

  function decide(frames: Buffer[]): ZapDecision {
    const [, , version, , requestDomain, address, , mechanism, publicKey] = frames;
    const where = address?.toString() ?? '';
    if (version?.toString() !== ZAP_VERSION) return { admitted: false, reason: 'unsupported ZAP version', address: where };
    if (requestDomain?.toString() !== domain) return { admitted: false, reason: 'wrong ZAP domain', address: where };
    if (mechanism?.toString() !== 'CURVE' || !publicKey || publicKey.length !== 32) {
      return { admitted: false, reason: 'only CURVE is accepted', address: where };
    }
    const device = options.devices.byPublicKey(z85Encode(publicKey));
    if (!device) return { admitted: false, reason: 'key not enrolled', address: where };
    return { admitted: true, deviceId: device.deviceId, reason: 'OK', address: where };
  }

  const loop = (async () => {
    for await (const frames of socket) {
      const [routingId, delimiter, version, requestId] = frames;
      if (!routingId || !delimiter || !version || !requestId) continue;
      const decision = decide(frames);
      if (decision.admitted) counts.admitted++;
      else counts.refused++;
      options.onDecision?.(decision);
      await socket.send([routingId, delimiter, ZAP_VERSION, requestId, decision.admitted ? '200' : '400', decision.reason, decision.deviceId ?? '', Buffer.alloc(0)]);
    }
  })().catch((err: unknown) => {
    // Closing the socket ends the loop quietly; anything else means nobody answers any more,
    // so stop claiming to run (libzmq then refuses handshakes: ZAP_ENFORCE_DOMAIN).
    running = false;
    if (!socket.closed) gatewayLog('bus').error({ event: 'zap-handler-stopped', err }, 'ZAP handler stopped');
  });

  return {
    context: options.context,
    domain,
    get running() {
      return running && !socket.closed;
    },
    counts,
    async stop() {
      running = false;
      socket.close();
      await loop;
    },
  };
}
