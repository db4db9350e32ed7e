/**
 * A device's end of the bus: what drivers, simulators and real devices' adapters
 * use (wire: edge-services/bus/PROTOCOL.md). CURVE client on both sockets (the
 * gateway's public key is pinned), a DEALER for commands with a random routing
 * id of its own (128 bits, never the device id: the gateway binds it to this
 * device when the MAC'd hello arrives, and nobody who does not know it can
 * take it over), an XPUB for events.
 *
 * Events are held back until the gateway's subscription has arrived (XPUB sees
 * it) and while the gateway is away (revocation of another device rebinds the
 * gateway's sockets): a plain PUB would drop them silently in both cases.
 */
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import {
  EdgePayError,
  REPLY_TYPE,
  busCommands,
  checkCommand,
  checkEvent,
  checkReply,
  isEdgePayError,
  type BusCommandParams,
  type BusCommandResult,
  type BusCommandType,
  type BusEventPayload,
  type BusEventType,
  type DeviceKind,
  type Envelope,
} from '../../core/index.ts';
import { deriveMacKey, type MacKey } from './curve-keys.ts';
import { DEFAULT_EVENT_BATCH_BYTES, EventBatcher } from './event-batcher.ts';
import { SerialSender } from './serial-sender.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, decodeCommandFrames, encodeFrames, encodeReply, makeEnvelope } from './wire.ts';

/** Everything a device needs to join the bus; the gateway hands it out at enrolment. */
export type DeviceCredentials = {
  deviceId: string;
  kind: DeviceKind;
  publicKey: string;
  secretKey: string;
  gatewayPublicKey: string;
  commandEndpoint: string;
  eventEndpoint: string;
};

export type CommandHandler<T extends BusCommandType> = (params: BusCommandParams<T>, envelope: Envelope) => BusCommandResult<T> | Promise<BusCommandResult<T>>;

/** A refusal a handler throws; `code` goes to the gateway as the reply's error code. */
export class DeviceCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Events queued in ZeroMQ per connection before it drops them. */
export const EVENT_HIGH_WATER_MARK = 100_000;
/** Events kept while nobody subscribes; beyond this the oldest go (and are counted). */
const MAX_HELD_EVENTS = 10_000;
/** A hello older than this when the first connection comes up is sent again (the gateway refuses one 30 s old). */
const HELLO_REFRESH_MS = 10_000;
/** Replies of commands that are not idempotent remembered, should their id come again. */
const REPLY_CACHE_SIZE = 256;

export type DeviceClientOptions = {
  model: string;
  firmware: string;
  context?: zmq.Context;
  /** Most UTF-8 bytes of events coalesced into one message (default 16 KiB); 0 sends every event on its own. */
  eventBatchBytes?: number;
  /** A hello queued longer than this when the first connection comes up is sent again (default 10 s; tests). */
  helloRefreshMs?: number;
};

export class DeviceBusClient {
  readonly credentials: DeviceCredentials;
  readonly #dealer: zmq.Dealer;
  readonly #xpub: zmq.XPublisher;
  readonly #dealerOut: SerialSender;
  readonly #xpubOut: SerialSender;
  readonly #events: EventBatcher;
  readonly #macKey: MacKey;
  readonly #handlers = new Map<string, CommandHandler<BusCommandType>>();
  /** Reply bodies of the last commands that are not idempotent, by command id (a retry gets the first answer). */
  readonly #replies = new Map<string, string | Promise<string>>();
  /** Envelope JSON of events published while the gateway is not subscribed. */
  readonly #held: string[] = [];
  readonly #loops: Promise<void>[] = [];
  #subscribers = 0;
  #closed = false;
  /** Events dropped because too many were held while nobody subscribed. */
  eventsDiscarded = 0;

  private constructor(credentials: DeviceCredentials, options: DeviceClientOptions) {
    this.credentials = credentials;
    const curve = {
      curveServerKey: credentials.gatewayPublicKey,
      curvePublicKey: credentials.publicKey,
      curveSecretKey: credentials.secretKey,
      linger: 0,
      ...(options.context ? { context: options.context } : {}),
    };
    // A fresh routing id per socket; it must not start with a zero byte (libzmq's own ids do).
    this.#dealer = new zmq.Dealer({ ...curve, routingId: `r${randomBytes(16).toString('hex')}`, maxMessageSize: 2 * DEFAULT_MAX_MESSAGE_BYTES });
    // A burst of events (a cart's frames, a reader's advertisements) must queue, not be dropped at the default 1000.
    this.#xpub = new zmq.XPublisher({ ...curve, sendHighWaterMark: EVENT_HIGH_WATER_MARK });
    this.#dealerOut = new SerialSender(this.#dealer);
    this.#xpubOut = new SerialSender(this.#xpub);
    this.#macKey = deriveMacKey(credentials.secretKey, credentials.gatewayPublicKey, 'gateway');
    this.#events = new EventBatcher(this.#xpubOut, this.#macKey, options.eventBatchBytes ?? DEFAULT_EVENT_BATCH_BYTES);
    // Every device answers pings (the catalog sends device.ping to all kinds).
    const started = performance.now();
    this.#handlers.set('device.ping', () => ({ uptimeMs: Math.round(performance.now() - started) }));
  }

  /**
   * Connects (ZeroMQ connects in the background and reconnects by itself) and
   * says hello on both sockets. Resolves at once: events wait for the gateway.
   */
  static connect(credentials: DeviceCredentials, options: DeviceClientOptions): DeviceBusClient {
    const client = new DeviceBusClient(credentials, options);
    const hello = { kind: credentials.kind, model: options.model, firmware: options.firmware };
    // The hello below waits in the DEALER's queue for the first connection. After a reconnect (the gateway
    // restarted, or reopened its sockets after a revocation) the gateway may no longer know this connection:
    // say hello again, so that commands reach this device even before it next replies.
    // The queued hello is refused as stale (PROTOCOL.md, check 7) if the gateway took longer than its
    // freshness window to come up: then the first connection gets a fresh one too.
    let handshakes = 0;
    const queuedAt = Date.now();
    const refreshAfter = options.helloRefreshMs ?? HELLO_REFRESH_MS;
    client.#dealer.events.on('handshake', () => {
      const stale = handshakes++ === 0 && Date.now() - queuedAt > refreshAfter;
      if ((handshakes > 1 || stale) && !client.#closed) void client.#sendOnDealer(makeEnvelope('device.hello', credentials.deviceId, hello));
    });
    client.#dealer.connect(credentials.commandEndpoint);
    client.#xpub.connect(credentials.eventEndpoint);
    client.#loops.push(client.#readCommands(), client.#readSubscriptions());
    void client.#sendOnDealer(makeEnvelope('device.hello', credentials.deviceId, hello));
    void client.publish('device.hello', hello);
    return client;
  }

  get deviceId(): string {
    return this.credentials.deviceId;
  }

  /** True once the gateway subscribes to this device's events. */
  get subscribed(): boolean {
    return this.#subscribers > 0;
  }

  handle<T extends BusCommandType>(type: T, handler: CommandHandler<T>): void {
    const spec = busCommands[type];
    if (!(spec.to as readonly DeviceKind[]).includes(this.credentials.kind)) throw new EdgePayError('BUS_COMMAND_UNKNOWN', { type });
    this.#handlers.set(type, handler as unknown as CommandHandler<BusCommandType>);
  }

  /**
   * Validates before sending: a device that breaks its own protocol hears it here, not from the gateway's drop log.
   * Not an async function: a burst of events would pay one more promise per event for it.
   */
  publish<T extends BusEventType>(type: T, payload: BusEventPayload<T>): Promise<void> {
    if (this.#closed) return Promise.reject(new EdgePayError('BUS_CLOSED'));
    let body: string;
    try {
      const envelope = makeEnvelope(type, this.credentials.deviceId, payload as object);
      const check = checkEvent(envelope as Envelope, this.credentials.kind);
      if (!check.ok) throw new EdgePayError('BUS_MESSAGE_INVALID', { type, detail: check.detail });
      body = JSON.stringify(envelope);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#subscribers > 0) return this.#events.send(body);
    this.#held.push(body);
    if (this.#held.length > MAX_HELD_EVENTS) {
      this.#held.shift();
      this.eventsDiscarded++;
    }
    return Promise.resolve();
  }

  /** Event messages sent and the envelopes they carried (a batch carries several). */
  get eventCounts(): { messages: number; envelopes: number } {
    return { messages: this.#events.messages, envelopes: this.#events.envelopes };
  }

  /** Sends raw frames on the event socket, bypassing every check: for tests of the gateway's defences only. */
  sendRawEvent(frames: Buffer[]): Promise<void> {
    return this.#xpubOut.send(frames);
  }

  /** The MAC of arbitrary bytes under this device's key: for tests that forge messages. */
  macFor(body: Buffer): Promise<[Buffer, Buffer]> {
    return import('./curve-keys.ts').then(({ macOf }) => [body, macOf(this.#macKey, body)]);
  }

  /** Resolves once the gateway has subscribed (or rejects after timeoutMs). */
  async whenSubscribed(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#subscribers === 0) {
      if (Date.now() > deadline) throw new Error(`${this.credentials.deviceId}: the gateway did not subscribe within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#dealer.close();
    this.#xpub.close();
    await Promise.allSettled(this.#loops);
  }

  #sendOnDealer(envelope: Envelope<object>): Promise<void> {
    return this.#dealerOut.send(encodeFrames(envelope, this.#macKey)).catch(() => undefined);
  }

  async #readSubscriptions(): Promise<void> {
    try {
      for await (const [message] of this.#xpub) {
        // XPUB hands us subscribe (0x01 + topic) and unsubscribe (0x00 + topic) messages.
        if (!message || message.length === 0) continue;
        if (message[0] === 1) this.#subscribers++;
        else if (message[0] === 0) this.#subscribers = Math.max(0, this.#subscribers - 1);
        if (this.#subscribers > 0) {
          const held = this.#held.splice(0);
          for (const body of held) void this.#events.send(body).catch(() => undefined);
        }
      }
    } catch {
      // Closing the socket ends the loop.
    }
  }

  async #readCommands(): Promise<void> {
    const dealer = this.#dealer;
    try {
      // receive() rather than `for await`: the iterator wraps each message in one more async call and result object.
      for (;;) {
        const frames = await dealer.receive();
        // Only the gateway can send here (CURVE, its key pinned): no MAC. Malformed, or not for us: ignore.
        const decoded = decodeCommandFrames(frames, DEFAULT_MAX_MESSAGE_BYTES);
        if (!decoded.ok || decoded.envelope.deviceId !== this.credentials.deviceId) continue;
        this.#answer(decoded.envelope);
      }
    } catch {
      // Closing the socket ends the loop.
    }
  }

  #answer(command: Envelope): void {
    // Only a command that is not idempotent needs its first answer remembered: running an idempotent one
    // again for a repeated id (a retry) answers the same by definition, and remembering every ping's reply
    // would keep 256 replies alive through every garbage collection.
    const remember = busCommands[command.type as BusCommandType]?.idempotent === false;
    let reply = remember ? this.#replies.get(command.id) : undefined;
    if (reply === undefined) {
      reply = this.#run(command);
      if (remember) {
        this.#replies.set(command.id, reply);
        if (this.#replies.size > REPLY_CACHE_SIZE) this.#replies.delete(this.#replies.keys().next().value!);
      }
    }
    // Most handlers answer at once: their reply goes out in this turn, without waiting for a promise.
    if (typeof reply === 'string') this.#sendReply(reply);
    else void reply.then(this.#sendReply, () => undefined);
  }

  #sendReply = (body: string): void => {
    this.#dealerOut.send([body]).catch(() => undefined);
  };

  /**
   * Runs a command and gives the body of its reply (a result or an error; never
   * throws or rejects): at once when the handler returns a value, as a promise
   * when it returns one.
   */
  #run(command: Envelope): string | Promise<string> {
    const check = checkCommand(command, this.credentials.kind);
    if (!check.ok) return this.#failure(command, check.reason === 'payload' ? 'BUS_MESSAGE_INVALID' : 'BUS_COMMAND_UNKNOWN', check.detail);
    const handler = this.#handlers.get(command.type);
    if (!handler) return this.#failure(command, 'BUS_COMMAND_UNKNOWN', `${this.credentials.deviceId} does not handle ${command.type}`);
    let result: BusCommandResult<BusCommandType> | Promise<BusCommandResult<BusCommandType>>;
    try {
      result = handler(command.payload as never, command);
    } catch (err) {
      return this.#thrown(command, err);
    }
    if (isPromiseLike(result))
      return Promise.resolve(result).then(
        (value) => this.#success(command, value),
        (err: unknown) => this.#thrown(command, err),
      );
    return this.#success(command, result);
  }

  /** The reply to a handler's result, checked as the gateway will check it; never throws (a result JSON cannot hold is INTERNAL). */
  #success(command: Envelope, result: BusCommandResult<BusCommandType>): string {
    try {
      const envelope = makeEnvelope(REPLY_TYPE, this.credentials.deviceId, { ok: true, result }, command.id);
      const replyCheck = checkReply(envelope as Envelope, command.type);
      if (!replyCheck.ok) return this.#failure(command, 'INTERNAL', `the device produced an invalid result: ${replyCheck.detail}`);
      return encodeReply(envelope);
    } catch (err) {
      return this.#thrown(command, err);
    }
  }

  #thrown(command: Envelope, err: unknown): string {
    if (err instanceof DeviceCommandError || isEdgePayError(err)) return this.#failure(command, err.code, err.message);
    return this.#failure(command, 'INTERNAL', err instanceof Error ? err.message : String(err));
  }

  #failure(command: Envelope, code: string, message: string): string {
    return encodeReply(makeEnvelope(REPLY_TYPE, this.credentials.deviceId, { ok: false, error: { code, message: message.slice(0, 500) } }, command.id));
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
