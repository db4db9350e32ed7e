/**
 * Starts the whole gateway side of the bus in the right order: a ZeroMQ
 * context of its own, the enrolled-device table, the ZAP handler on that
 * context, then the sockets (which refuse to open without the handler).
 */
import * as zmq from 'zeromq';
import type { DeviceKind } from '../../core/index.ts';
import type { BusLogger } from './bus-metrics.ts';
import type { CurveKeyPair } from './curve-keys.ts';
import type { DeviceCredentials } from './device-client.ts';
import { EnrolledDevices } from './enrolled-devices.ts';
import { GatewayBus } from './gateway-bus.ts';
import { startZapHandler, type ZapDecision, type ZapHandler } from './zap-handler.ts';

export type StartBusOptions = {
  /** Default: a fresh key pair (devices enrolled through this bus get its public key). */
  keys?: CurveKeyPair;
  /** Default `tcp://127.0.0.1:*` each (free ports). */
  commandEndpoint?: string;
  eventEndpoint?: string;
  maxMessageBytes?: number;
  log?: BusLogger;
  onZapDecision?: (decision: ZapDecision) => void;
};

export type RunningBus = {
  readonly bus: GatewayBus;
  readonly devices: EnrolledDevices;
  readonly zap: ZapHandler;
  readonly context: zmq.Context;
  readonly gatewayPublicKey: string;
  /** Makes a key pair for a new device, enrols its public key and returns what the device needs to connect. */
  enrollNewDevice(deviceId: string, kind: DeviceKind): DeviceCredentials;
  stop(): Promise<void>;
};

export async function startBus(options: StartBusOptions = {}): Promise<RunningBus> {
  const context = new zmq.Context();
  const devices = new EnrolledDevices();
  const keys = options.keys ?? zmq.curveKeyPair();
  const zap = await startZapHandler({ context, devices, ...(options.onZapDecision ? { onDecision: options.onZapDecision } : {}) });
  let bus: GatewayBus;
  try {
    bus = await GatewayBus.open({
      context,
      zap,
      devices,
      keys,
      ...(options.commandEndpoint ? { commandEndpoint: options.commandEndpoint } : {}),
      ...(options.eventEndpoint ? { eventEndpoint: options.eventEndpoint } : {}),
      ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (err) {
    await zap.stop();
    throw err;
  }
  return {
    bus,
    devices,
    zap,
    context,
    gatewayPublicKey: keys.publicKey,
    enrollNewDevice(deviceId, kind) {
      const pair = zmq.curveKeyPair();
      devices.enroll({ deviceId, kind, publicKey: pair.publicKey });
      return {
        deviceId,
        kind,
        publicKey: pair.publicKey,
        secretKey: pair.secretKey,
        gatewayPublicKey: keys.publicKey,
        commandEndpoint: bus.endpoints.commands,
        eventEndpoint: bus.endpoints.events,
      };
    },
    async stop() {
      await bus.close();
      await zap.stop();
    },
  };
}
