/**
 * The gateway's end of the device bus (wire: edge-services/bus/PROTOCOL.md).
 *
 * - Events: a SUB socket bound on `eventEndpoint`; devices connect XPUB/PUB to it.
 * - Commands: a ROUTER bound on `commandEndpoint`; devices connect a DEALER with a
 *   random routing id of their own (a secret of that socket: it travels only
 *   inside the CURVE session). The first MAC-verified message on it (the hello)
 *   binds that routing id to the device; commands go to the routing id bound to
 *   the device, and later messages from it are the device's without verifying
 *   their MACs again. The reply comes back with the command's id.
 *
 * Both sockets are CURVE servers behind the ZAP handler (fail closed), and every
 * message is checked in this order: size, envelope, MAC under the claimed
 * device's key (or the routing id bound to it), the type's schema for that
 * device's kind, then freshness and novelty (ReplayGuard: a stale or repeated
 * message is never acted on). Whatever fails is dropped and counted, and so is
 * every handshake the sockets refuse; nothing a device sends can throw out of here.
 */
import * as zmq from 'zeromq';
import {
  EdgePayError,
  REPLY_TYPE,
  busCommands,
  checkCommand,
  checkEvent,
  checkReply,
  type BusCommandParams,
  type BusCommandResult,
  type BusCommandType,
  type BusDropReason,
  type Envelope,
} from '../../core/index.ts';
import { BusMetrics, type BusLogger, type BusMetricsSnapshot } from './bus-metrics.ts';
import { ReplayGuard, type ReplayGuardOptions } from './replay-guard.ts';
import { deriveMacKey, type CurveKeyPair, type MacKey } from './curve-keys.ts';
import type { EnrolledDevice, EnrolledDevices } from './enrolled-devices.ts';
import { bindWhenFree } from './bind.ts';
import { assertZapHandler, curveServerOptions } from './fail-closed.ts';
import { SerialSender } from './serial-sender.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, decodeBoundFrames, decodeEventFrames, decodeFrames, encodeCommand, makeEnvelope } from './wire.ts';
import type { ZapHandler } from './zap-handler.ts';
import { gatewayLog } from '../logging/gateway-log.ts';

export type GatewayBusOptions = {
  /** Must be the context the ZAP handler is bound on. */
  context: zmq.Context;
  zap: ZapHandler | undefined;
  devices: EnrolledDevices;
  /** The gateway's CURVE key pair; devices are given its public key. */
  keys: CurveKeyPair;
  /** Default `tcp://127.0.0.1:*` (a free port). Use `tcp://0.0.0.0:PORT` to serve the LAN. */
  commandEndpoint?: string;
  eventEndpoint?: string;
  maxMessageBytes?: number;
  log?: BusLogger;
  /** Clock, ms since the epoch: the freshness window of device messages and the drop log's once-a-minute limit. */
  now?: () => number;
  /** Freshness window and remembered ids per device (defaults: 30 s old, 5 s ahead, 16,384 ids). */
  replay?: ReplayGuardOptions;
};

export type CommandOptions = {
  /** Per attempt; default: the command's timeoutMs from the catalog. */
  timeoutMs?: number;
  /** Extra attempts after a timeout; default 2. Ignored (0) for commands that are not idempotent. */
  retries?: number;
};

export type BusEventListener = (envelope: Envelope, device: EnrolledDevice) => void;

export type DevicePresence = { deviceId: string; kind: string; firstSeen: number; lastSeen: number };

/** What a send to a device without a bound connection fails with: nothing left the gateway. */
const NOT_BOUND = Object.assign(new Error('no connection of this device has said hello'), { code: 'EHOSTUNREACH' });

/**
 * One attempt of a command waiting for its reply. A plain record and methods of
 * GatewayBus rather than closures per attempt: a command is the bus's hot path.
 */
type Pending = {
  readonly id: string;
  readonly deviceId: string;
  readonly type: BusCommandType;
  readonly body: string;
  readonly idempotent: boolean;
  readonly attempt: number;
  readonly timeoutMs: number;
  /** performance.now() after which the attempt has timed out (see SWEEP_MS). */
  readonly deadline: number;
  /** Whether any copy of this attempt reached a connected device. */
  delivered: boolean;
  readonly resolve: (reply: Envelope | EdgePayError) => void;
  resend: NodeJS.Timeout | undefined;
};

/**
 * How often waiting commands are checked against their deadlines: one interval
 * timer while any command waits, instead of a Timeout object per attempt (made
 * and cleared on every round trip). A timeout fires at most this much late.
 */
const SWEEP_MS = 10;

export class GatewayBus {
  readonly endpoints: { readonly commands: string; readonly events: string };
  // Replaced by fresh sockets when a revocation drops every connection (see #reopen).
  #router: zmq.Router;
  #sub: zmq.Subscriber;
  readonly #routerOut: SerialSender;
  readonly #options: GatewayBusOptions;
  readonly #maxBytes: number;
  readonly #metrics: BusMetrics;
  readonly #replays: ReplayGuard;
  readonly #now: () => number;
  // Keyed by the enrolment record itself: re-enrolling makes a new record (and a new key), revoking removes it from `devices`.
  readonly #macKeys = new WeakMap<EnrolledDevice, MacKey>();
  readonly #pending = new Map<string, Pending>();
  /** Runs while commands wait (see SWEEP_MS). */
  #sweep: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<BusEventListener>();
  readonly #presence = new Map<string, DevicePresence>();
  /**
   * Command-socket routing ids (latin1 of the bytes) bound to the enrolment record
   * whose MAC-verified message last came from them, and each device's current one.
   * Kept across a reopen: a routing id is a secret of the device's socket, so only
   * that socket can present it on a fresh connection. A revocation or re-enrolment
   * (a new record) makes a binding stale.
   */
  readonly #routes = new Map<string, EnrolledDevice>();
  readonly #routeOf = new Map<string, { key: string; id: Buffer }>();
  #loops: Promise<void>[] = [];
  readonly #stopRevokeWatch: () => void;
  #rebinding: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: GatewayBusOptions, router: zmq.Router, sub: zmq.Subscriber, maxBytes: number) {
    this.#options = options;
    this.#router = router;
    this.#sub = sub;
    this.#maxBytes = maxBytes;
    this.#routerOut = new SerialSender(router);
    this.#metrics = new BusMetrics(options.log ?? ((line, fields) => gatewayLog('bus').warn(fields ?? {}, line)), options.now);
    this.#replays = new ReplayGuard(options.replay);
    this.#now = options.now ?? Date.now;
    watchHandshakes(router, sub, this.#metrics);
    this.endpoints = { commands: router.lastEndpoint!, events: sub.lastEndpoint! };
    this.#loops.push(this.#readCommands(), this.#readEvents());
    // Revoking through EnrolledDevices directly must drop the connection too.
    this.#stopRevokeWatch = options.devices.onRevoke((device) => void this.#onRevoked(device));
  }

  /** Opens both sockets; throws BUS_ZAP_HANDLER_MISSING (and opens nothing) without a running ZAP handler on the same context. */
  static async open(options: GatewayBusOptions): Promise<GatewayBus> {
    const commandEndpoint = options.commandEndpoint ?? 'tcp://127.0.0.1:*';
    const eventEndpoint = options.eventEndpoint ?? 'tcp://127.0.0.1:*';
    assertZapHandler(options.zap, options.context, 'ROUTER', commandEndpoint);
    assertZapHandler(options.zap, options.context, 'SUB', eventEndpoint);
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const { router, sub } = await bindSockets(options.zap, options, maxBytes, commandEndpoint, eventEndpoint);
    return new GatewayBus(options, router, sub, maxBytes);
  }

  /** Called for every valid event; returns an unsubscribe function. A throwing listener is logged, never fatal. */
  onEvent(listener: BusEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the first event that matches, or rejects after timeoutMs. */
  waitForEvent(predicate: (envelope: Envelope, device: EnrolledDevice) => boolean, timeoutMs: number): Promise<Envelope> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no matching bus event within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onEvent((envelope, device) => {
        if (!predicate(envelope, device)) return;
        clearTimeout(timer);
        stop();
        resolve(envelope);
      });
    });
  }

  metrics(): BusMetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** Devices that have sent at least one valid message since they were last revoked. */
  presence(): DevicePresence[] {
    return [...this.#presence.values()].map((p) => ({ ...p }));
  }

  /**
   * Sends a command and resolves with the device's result. Times out per
   * attempt; retries (same id, so the device can recognise a repeat) only
   * when the catalog marks the command idempotent.
   */
  async command<T extends BusCommandType>(deviceId: string, type: T, params: BusCommandParams<T>, options: CommandOptions = {}): Promise<BusCommandResult<T>> {
    if (this.#closed) throw new EdgePayError('BUS_CLOSED');
    const device = this.#options.devices.get(deviceId);
    if (!device) throw new EdgePayError('BUS_DEVICE_UNKNOWN', { deviceId });
    const spec = busCommands[type];
    const envelope = makeEnvelope(type, deviceId, params);
    const check = checkCommand(envelope as Envelope, device.kind);
    if (!check.ok) throw new EdgePayError('BUS_MESSAGE_INVALID', { type, detail: check.detail });
    const timeoutMs = options.timeoutMs ?? spec.timeoutMs;
    const attempts = 1 + (spec.idempotent ? Math.max(0, options.retries ?? 2) : 0);
    const body = encodeCommand(envelope);

    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) this.#metrics.commandRetries++;
      const reply = await new Promise<Envelope | EdgePayError>((resolve) => {
        const deadline = performance.now() + timeoutMs;
        const pending: Pending = { id: envelope.id, deviceId, type, body, idempotent: spec.idempotent, attempt, timeoutMs, deadline, delivered: false, resolve, resend: undefined };
        this.#pending.set(envelope.id, pending);
        this.#sweep ??= setInterval(this.#sweepExpired, SWEEP_MS);
        this.#sendAttempt(pending);
      });
      if (reply instanceof EdgePayError) {
        if (reply.code === 'BUS_COMMAND_TIMEOUT' || (reply.code === 'BUS_DEVICE_NOT_CONNECTED' && spec.idempotent)) {
          this.#metrics.commandTimeouts++;
          if (attempt < attempts) continue;
        }
        throw reply;
      }
      const payload = reply.payload as { ok: true; result: BusCommandResult<T> } | { ok: false; error: { code: string; message: string } };
      if (payload.ok) return payload.result;
      throw new EdgePayError('BUS_COMMAND_FAILED', { deviceId, type, deviceCode: payload.error.code, deviceMessage: payload.error.message });
    }
    throw new EdgePayError('INTERNAL', { reason: 'unreachable' });
  }

  /** Ends an attempt with its reply or error (once: later calls find it gone from #pending). */
  #settle(pending: Pending, value: Envelope | EdgePayError): void {
    if (this.#pending.get(pending.id) !== pending) return;
    if (pending.resend !== undefined) clearTimeout(pending.resend);
    this.#pending.delete(pending.id);
    pending.resolve(value);
  }

  #sweepExpired = (): void => {
    const now = performance.now();
    // Settling deletes the entry being visited, which a Map iteration allows.
    for (const pending of this.#pending.values()) {
      if (pending.deadline <= now) this.#onAttemptTimeout(pending);
    }
    if (this.#pending.size === 0) this.#stopSweep();
  };

  #stopSweep(): void {
    if (this.#sweep === undefined) return;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  #onAttemptTimeout(pending: Pending): void {
    const { deviceId, type, timeoutMs, attempt } = pending;
    this.#settle(pending, pending.delivered ? new EdgePayError('BUS_COMMAND_TIMEOUT', { deviceId, type, timeoutMs, attempts: attempt }) : new EdgePayError('BUS_DEVICE_NOT_CONNECTED', { deviceId }));
  }

  #resendAttempt = (pending: Pending): void => {
    pending.resend = undefined;
    if (this.#pending.get(pending.id) === pending) this.#sendAttempt(pending);
  };

  #sendAttempt(pending: Pending): void {
    // Looked up at every send: the device may have reconnected with a new socket (and routing id) meanwhile.
    const route = this.#currentRoute(pending.deviceId);
    if (!route) {
      this.#sendFailed(pending, NOT_BOUND);
      return;
    }
    this.#metrics.commandsSent++;
    this.#routerOut.send([route.id, pending.body]).then(
      () => {
        pending.delivered = true;
      },
      (err: unknown) => this.#sendFailed(pending, err),
    );
  }

  #sendFailed(pending: Pending, err: unknown): void {
    if (this.#pending.get(pending.id) !== pending) return;
    const code = (err as { code?: string }).code;
    // EHOSTUNREACH: no connection with that routing id, or none bound to the device yet; EAGAIN: its queue
    // is full (it stopped reading); EBUSY: the socket is being bound after a revocation (nothing was sent).
    const unreachable = code === 'EHOSTUNREACH' || code === 'EAGAIN' || code === 'EBUSY';
    if (unreachable && pending.idempotent) {
      // The device may be reconnecting (driver restart, gateway rebind): try again within this attempt.
      pending.resend = setTimeout(this.#resendAttempt, 50, pending);
      return;
    }
    this.#settle(
      pending,
      unreachable
        ? new EdgePayError('BUS_DEVICE_NOT_CONNECTED', { deviceId: pending.deviceId })
        : this.#closed
          ? new EdgePayError('BUS_CLOSED')
          : new EdgePayError('INTERNAL', { reason: String(err) }, { cause: err }),
    );
  }

  /**
   * Revokes a device: its key leaves the enrolment (the ZAP handler refuses its
   * next handshake and its MAC no longer verifies) and its current connections
   * are dropped. libzmq cannot close one peer's connection, so both listening
   * endpoints are unbound and bound again, which closes every connection accepted
   * on them; the other devices reconnect by themselves within ZeroMQ's reconnect
   * interval (100 ms by default) and pass the ZAP handler again.
   */
  async revoke(deviceId: string): Promise<boolean> {
    const known = this.#options.devices.revoke(deviceId);
    await this.#rebinding;
    return known;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopRevokeWatch();
    for (const pending of [...this.#pending.values()]) this.#settle(pending, new EdgePayError('BUS_CLOSED'));
    this.#stopSweep();
    await this.#rebinding.catch(() => undefined);
    this.#routerOut.retarget(undefined);
    this.#router.close();
    this.#sub.close();
    await Promise.allSettled(this.#loops);
  }

  #macKey(device: EnrolledDevice): MacKey {
    let key = this.#macKeys.get(device);
    if (!key) {
      key = deriveMacKey(this.#options.keys.secretKey, device.publicKey, device.deviceId);
      this.#macKeys.set(device, key);
    }
    return key;
  }

  #keyFor = (deviceId: string): MacKey | undefined => {
    const device = this.#options.devices.get(deviceId);
    return device ? this.#macKey(device) : undefined;
  };

  #bind(key: string, routingId: Buffer, device: EnrolledDevice): void {
    const previous = this.#routeOf.get(device.deviceId);
    if (previous?.key === key && this.#routes.get(key) === device) return;
    if (previous) this.#routes.delete(previous.key);
    this.#routes.set(key, device);
    this.#routeOf.set(device.deviceId, { key, id: routingId });
  }

  /** The routing id commands to the device go to, if a connection of its current enrolment is bound. */
  #currentRoute(deviceId: string): { key: string; id: Buffer } | undefined {
    const route = this.#routeOf.get(deviceId);
    const device = this.#options.devices.get(deviceId);
    return route && device && this.#routes.get(route.key) === device ? route : undefined;
  }

  #unbind(deviceId: string): void {
    const route = this.#routeOf.get(deviceId);
    if (!route) return;
    this.#routeOf.delete(deviceId);
    if (this.#routes.get(route.key)?.deviceId === deviceId) this.#routes.delete(route.key);
  }

  #drop(reason: BusDropReason, detail: string, deviceId: string | undefined): void {
    this.#metrics.drop(reason, detail, deviceId);
  }

  #seen(device: EnrolledDevice): void {
    const now = Date.now();
    const presence = this.#presence.get(device.deviceId);
    if (presence) presence.lastSeen = now;
    else this.#presence.set(device.deviceId, { deviceId: device.deviceId, kind: device.kind, firstSeen: now, lastSeen: now });
  }

  #deliver(envelope: Envelope, device: EnrolledDevice): void {
    for (const listener of this.#listeners) {
      try {
        listener(envelope, device);
      } catch (err) {
        gatewayLog('bus').error({ event: 'bus-listener-failed', type: envelope.type, err }, 'an event listener threw');
      }
    }
  }

  // Both readers call receive() rather than `for await`: the socket's async
  // iterator wraps each message in one more async call and result object.
  async #readEvents(): Promise<void> {
    const sub = this.#sub;
    try {
      for (;;) {
        const frames = await sub.receive();
        this.#metrics.eventMessages++;
        // One envelope or a batch of them (one device's events coalesced into one message); each is checked and counted on its own.
        const { envelopes, failures } = decodeEventFrames(frames, this.#maxBytes, this.#keyFor);
        for (const failure of failures) this.#drop(failure.reason, failure.detail, failure.deviceId);
        if (envelopes.length === 0) continue;
        const device = this.#options.devices.get(envelopes[0]!.deviceId)!;
        const now = this.#now();
        let accepted = false;
        for (const envelope of envelopes) accepted = this.#acceptEvent(envelope, device, now, false) || accepted;
        // Once per message, not per envelope of a batch: they all arrived now, from this device.
        if (accepted) this.#seen(device);
      }
    } catch (err) {
      if (!this.#closed && !sub.closed) gatewayLog('bus').error({ event: 'bus-socket-failed', socket: 'event', err }, 'event socket failed');
    }
  }

  /** An event from an authenticated device: checked against its kind's catalog, for freshness and novelty, then counted and delivered. */
  #acceptEvent(envelope: Envelope, device: EnrolledDevice, now: number, markSeen = true): boolean {
    const check = checkEvent(envelope, device.kind);
    if (!check.ok) {
      this.#drop(check.reason, check.detail, device.deviceId);
      return false;
    }
    const replay = this.#replays.check(device.deviceId, envelope.id, envelope.ts, now);
    if (replay !== undefined) {
      this.#drop(replay.reason, replay.detail, device.deviceId);
      return false;
    }
    this.#metrics.received++;
    if (markSeen) this.#seen(device);
    this.#deliver(envelope, device);
    return true;
  }

  async #readCommands(): Promise<void> {
    const router = this.#router;
    try {
      for (;;) {
        const frames = await router.receive();
        // The routing id first, then the message's own frames.
        const routingId = frames.shift()!;
        const key = routingId.toString('latin1');
        const bound = this.#routes.get(key);
        let envelope: Envelope;
        let device: EnrolledDevice;
        if (frames.length === 1) {
          // No MAC: taken only from a connection that proved its device with one before (nobody else can present its routing id).
          if (bound === undefined || this.#options.devices.get(bound.deviceId) !== bound) {
            this.#drop('unauthenticated', 'a message without a MAC on a connection that has not said hello', undefined);
            continue;
          }
          const decoded = decodeBoundFrames(frames, this.#maxBytes);
          if (!decoded.ok) {
            this.#drop(decoded.reason, decoded.detail, decoded.deviceId ?? bound.deviceId);
            continue;
          }
          if (decoded.envelope.deviceId !== bound.deviceId) {
            this.#drop('unauthenticated', 'the connection belongs to another device', decoded.envelope.deviceId);
            continue;
          }
          envelope = decoded.envelope;
          device = bound;
        } else {
          const decoded = decodeFrames(frames, this.#maxBytes, this.#keyFor);
          if (!decoded.ok) {
            this.#drop(decoded.reason, decoded.detail, decoded.deviceId);
            continue;
          }
          envelope = decoded.envelope;
          device = this.#options.devices.get(envelope.deviceId)!;
          // The MAC proved the device: commands to it go to this connection from now on.
          this.#bind(key, routingId, device);
        }
        if (envelope.type === REPLY_TYPE) this.#onReply(envelope, device);
        else if (envelope.type === 'device.hello') this.#acceptEvent(envelope, device, this.#now());
        else this.#drop('unknown-type', `${envelope.type} does not belong on the command socket`, device.deviceId);
      }
    } catch (err) {
      if (!this.#closed && !router.closed) gatewayLog('bus').error({ event: 'bus-socket-failed', socket: 'command', err }, 'command socket failed');
    }
  }

  #onReply(envelope: Envelope, device: EnrolledDevice): void {
    const pending = this.#pending.get(envelope.id);
    if (!pending || pending.deviceId !== device.deviceId) {
      this.#drop('unexpected-reply', 'no command with this id is waiting (late, duplicate or foreign)', device.deviceId);
      return;
    }
    // A reply's id is its command's, taken once (the pending command goes when settled); its age is still checked.
    const stale = this.#replays.checkFresh(envelope.ts, this.#now());
    if (stale !== undefined) {
      this.#drop(stale.reason, stale.detail, device.deviceId);
      return;
    }
    this.#metrics.received++;
    this.#seen(device);
    const check = checkReply(envelope, pending.type);
    if (!check.ok) {
      this.#drop(check.reason, check.detail, device.deviceId);
      // The device did answer, with something unusable: waiting or retrying would not help.
      this.#settle(pending, new EdgePayError('BUS_MESSAGE_INVALID', { type: pending.type, detail: check.detail }));
      return;
    }
    this.#settle(pending, envelope);
  }

  async #onRevoked(device: EnrolledDevice): Promise<void> {
    this.#presence.delete(device.deviceId);
    this.#replays.forget(device.deviceId);
    this.#unbind(device.deviceId);
    for (const pending of [...this.#pending.values()]) {
      if (pending.deviceId === device.deviceId) this.#settle(pending, new EdgePayError('BUS_DEVICE_NOT_CONNECTED', { deviceId: device.deviceId }));
    }
    const previous = this.#rebinding;
    this.#rebinding = previous
      .then(() => this.#reopen())
      .catch((err: unknown) => {
        gatewayLog('bus').error({ event: 'bus-reopen-failed', deviceId: device.deviceId, err }, 'could not reopen the bus sockets after a revocation');
      });
    await this.#rebinding;
  }

  /**
   * Drops every connection by closing both sockets and binding fresh ones on
   * the same endpoints. Not unbind/bind on the same sockets: libzmq 4.3.5
   * aborts the whole process now and then (pipe.cpp:355, `_state ==
   * term_ack_sent || _state == term_req_sent2`) when a listener is unbound
   * while its connections carry traffic and their peers reconnect; closing the
   * socket terminates its pipes the ordinary way. The new sockets are swapped
   * in at once (sends meanwhile fail with EBUSY during the bind and count as
   * "not connected", which idempotent commands retry), and their readers start
   * once they are bound.
   */
  async #reopen(): Promise<void> {
    if (this.#closed) return;
    const zap = this.#options.zap;
    const usable = zap !== undefined && zap.running && zap.context === this.#options.context;
    const { router, sub, bound } = usable ? openSockets(zap, this.#options, this.#maxBytes) : {};
    this.#router.close();
    this.#sub.close();
    this.#routerOut.retarget(router);
    // Fail closed here too: the revoked device's connection is gone, but without a running ZAP handler no new socket opens.
    if (!router || !sub || !bound) throw new EdgePayError('BUS_ZAP_HANDLER_MISSING', { socket: 'ROUTER', endpoint: this.endpoints.commands });
    this.#router = router;
    this.#sub = sub;
    watchHandshakes(router, sub, this.#metrics);
    try {
      // The port is ours again once libzmq's I/O thread has reaped the old listener (bindWhenFree retries until then).
      await bound(this.endpoints.commands, this.endpoints.events);
    } catch (err) {
      router.close();
      sub.close();
      throw err;
    }
    if (this.#closed) return;
    this.#loops = [...this.#loops.slice(-2), this.#readCommands(), this.#readEvents()];
  }
}

/**
 * The gateway's two sockets, not yet bound: CURVE servers behind the ZAP handler.
 * mandatory: sending to a device that is not connected fails at once instead of vanishing.
 * handover: a device that reconnects takes its routing id over from its own dead connection.
 * sendTimeout 0: zeromq.js would otherwise wait forever for an unknown routing id instead of failing.
 */
function openSockets(zap: ZapHandler, options: GatewayBusOptions, maxBytes: number) {
  const common = curveServerOptions(zap, options.keys, maxBytes);
  const router = new zmq.Router({ ...common, mandatory: true, handover: true, sendTimeout: 0 });
  const sub = new zmq.Subscriber({ ...common, receiveHighWaterMark: 100_000 });
  const bound = async (commandEndpoint: string, eventEndpoint: string) => {
    await bindWhenFree(router, commandEndpoint);
    await bindWhenFree(sub, eventEndpoint);
    sub.subscribe();
  };
  return { router, sub, bound };
}

/**
 * Counts the handshakes the sockets refuse. libzmq reports them on the socket's
 * monitor (one event per refused connection attempt, never per message): a ZAP
 * refusal as `handshake:error:auth`, a CURVE handshake that does not decrypt
 * (wrong gateway key pinned, garbage) as `handshake:error:protocol` — those never
 * reach the ZAP handler, so its own counts would miss them. The observers end with
 * their socket.
 */
function watchHandshakes(router: zmq.Router, sub: zmq.Subscriber, metrics: BusMetrics): void {
  for (const socket of [router, sub]) {
    socket.events.on('handshake:error:auth', (event) => metrics.handshakeRefused('auth', event.address));
    socket.events.on('handshake:error:protocol', (event) => metrics.handshakeRefused('protocol', event.address));
    socket.events.on('handshake:error:other', (event) => metrics.handshakeRefused('other', event.address));
  }
}

async function bindSockets(zap: ZapHandler, options: GatewayBusOptions, maxBytes: number, commandEndpoint: string, eventEndpoint: string) {
  const { router, sub, bound } = openSockets(zap, options, maxBytes);
  try {
    await bound(commandEndpoint, eventEndpoint);
  } catch (err) {
    router.close();
    sub.close();
    throw err;
  }
  return { router, sub };
}
