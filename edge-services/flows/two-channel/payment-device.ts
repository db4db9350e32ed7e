/**
 * A card-less payment device (a fuel pump, a parking gate, a kiosk) on a
 * gateway with a BLE reader: the gateway's side of the two-channel flow.
 *
 * It keeps the dongles its reader hears (core's SightingTable: the strongest
 * fresh signal above the threshold wins, stale sightings expire). When a
 * payment starts it takes that dongle's code and asks the server
 * (`POST /v1/two-channel/sessions`, its own key so a retry is safe); it shows
 * the presence number the server answers with and waits for the outcome
 * (long poll); then it releases the pump, or says why not.
 *
 * With `displayId` the device itself is on the bus too (device kind
 * `payment-device`, its PROTOCOL.md): a person asking to pay there
 * (`paydev.pay-wanted`) starts a payment, every state is shown on its display
 * (`paydev.show`: the presence number, the outcome), and an authorised payment
 * releases the fuel or opens the barrier (`paydev.release`, once per payment).
 *
 * Offline it says at once that it needs the server (a refused connection,
 * the network switch's cut, or no answer within `startTimeoutMs`), and nothing
 * is charged: the server never heard of the payment. Only the server can
 * resolve a code, check the owner's one-time code and charge a card, so there
 * is nothing a device could do alone.
 */
import { EdgePayError, isEdgePayError, edgePayErrorFromJSON, twoChannel, uuidV7, type twoChannel as TC } from '../../../core/index.ts';
import type { GatewayBus } from '../../bus/index.ts';

export type PaymentDeviceState =
  | { phase: 'idle' }
  | { phase: 'asking-phone'; amount: number; presence: string; sessionId: string; expiresAt: string }
  | { phase: 'authorised'; amount: number; sessionId: string; paymentId: string }
  | { phase: 'declined'; amount: number; sessionId: string; reason: string }
  | { phase: 'refused'; code: string; message: string };

export type PaymentDeviceConfig = {
  bus: GatewayBus;
  /** The BLE reader's device id on the bus. */
  readerId: string;
  /** The card-less payment device's id on the bus (display, release); without it the gateway's caller drives pay(). */
  displayId?: string;
  server: { url: string; credential: string };
  place: { kind: TC.TwoChannelPlaceKind; label: string };
  merchantName: string;
  currency: string;
  policy?: TC.SightingPolicy;
  /** How long the start may take before the device says it needs the server (ms). */
  startTimeoutMs?: number;
};

export class TwoChannelPaymentDevice {
  readonly sightings: twoChannel.SightingTable;
  /** When each code was first heard in its current stay (the bench's start of advert-to-approval). */
  readonly firstHeard = new Map<string, number>();
  #state: PaymentDeviceState = { phase: 'idle' };
  #listeners = new Set<(s: PaymentDeviceState) => void>();
  #heard = new Set<(code: string) => void>();
  #offBus: () => void;
  #offDisplay: () => void = () => undefined;

  private constructor(readonly config: PaymentDeviceConfig) {
    this.sightings = new twoChannel.SightingTable(config.policy ?? twoChannel.DEFAULT_SIGHTING_POLICY);
    this.#offBus = config.bus.onEvent((envelope, device) => {
      if (envelope.type !== 'ble.advertisement' || device.deviceId !== config.readerId) return;
      const p = envelope.payload as { deviceCode: string; rssi: number; address: string; txPower?: number };
      const now = Date.now();
      const last = this.sightings.inRange(now).find((s) => s.code === p.deviceCode);
      if (!last) this.firstHeard.set(p.deviceCode, now);
      this.sightings.add({ code: p.deviceCode, rssi: p.rssi, heardAt: now, address: p.address, ...(p.txPower === undefined ? {} : { txPower: p.txPower }) });
      for (const l of this.#heard) l(p.deviceCode);
    });
  }

  /** Starts listening: the reader scans, dropping what is far weaker than the threshold already at the radio. */
  static async start(config: PaymentDeviceConfig): Promise<TwoChannelPaymentDevice> {
    const device = new TwoChannelPaymentDevice(config);
    if (config.displayId) device.#driveDisplay(config.displayId);
    const minRssi = Math.max(-127, (config.policy ?? twoChannel.DEFAULT_SIGHTING_POLICY).minRssi - 15);
    await config.bus.command(config.readerId, 'ble.scan', { enabled: true, minRssi });
    return device;
  }

  #driveDisplay(displayId: string): void {
    const { bus } = this.config;
    // One payment at a time at one device: a second request while one is under way waits for it.
    let paying: Promise<unknown> = Promise.resolve();
    this.#offDisplay = bus.onEvent((envelope, device) => {
      if (envelope.type !== 'paydev.pay-wanted' || device.deviceId !== displayId) return;
      const { amount } = envelope.payload as { amount: number };
      paying = paying.then(() => this.pay(amount)).catch(() => undefined);
    });
    const show = (s: PaymentDeviceState) => {
      const params =
        s.phase === 'asking-phone'
          ? { screen: s.phase, presence: s.presence, amount: s.amount }
          : s.phase === 'authorised'
            ? { screen: s.phase, amount: s.amount }
            : s.phase === 'declined'
              ? { screen: s.phase, amount: s.amount, message: s.reason.slice(0, 200) }
              : s.phase === 'refused'
                ? { screen: s.phase, message: s.message.slice(0, 200) }
                : { screen: s.phase };
      // The display is best effort (a payment is decided by the server, not by what a screen shows).
      void bus.command(displayId, 'paydev.show', params).catch(() => undefined);
      if (s.phase === 'authorised') void bus.command(displayId, 'paydev.release', { paymentId: s.paymentId, amount: s.amount }).catch(() => undefined);
    };
    this.#listeners.add(show);
  }

  state(): PaymentDeviceState {
    return this.#state;
  }

  /** Called with each advertisement's code as the device records it (a pump may start when a car arrives; the bench does). */
  onHeard(listener: (code: string) => void): () => void {
    this.#heard.add(listener);
    return () => this.#heard.delete(listener);
  }

  onState(listener: (s: PaymentDeviceState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(s: PaymentDeviceState): PaymentDeviceState {
    this.#state = s;
    for (const l of this.#listeners) l(s);
    return s;
  }

  async #call(method: 'GET' | 'POST', path: string, init: { key?: string; body?: unknown; timeoutMs: number }): Promise<TC.TwoChannelSessionView> {
    let res: Response;
    try {
      res = await fetch(this.config.server.url + path, {
        method,
        headers: {
          authorization: 'Bearer ' + this.config.server.credential,
          ...(init.key ? { 'idempotency-key': init.key } : {}),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(init.timeoutMs),
      });
    } catch {
      throw new EdgePayError('TWO_CHANNEL_NEEDS_SERVER');
    }
    const json = await res.json().catch(() => undefined);
    if (res.status >= 500 || json === undefined) throw new EdgePayError('TWO_CHANNEL_NEEDS_SERVER');
    if (res.status >= 400) throw edgePayErrorFromJSON(json);
    return (json as TC.TwoChannelSessionResponse).session;
  }

  /**
   * One payment of `amount` (minor units) for the dongle closest to the
   * device now. Resolves with the final state: authorised (release the pump),
   * declined, or refused (no dongle, needs the server, a flagged code...).
   */
  async pay(amount: number): Promise<PaymentDeviceState> {
    this.#set({ phase: 'idle' });
    const best = this.sightings.pick(Date.now());
    if (!best) return this.#refuse(new EdgePayError('TWO_CHANNEL_NO_DONGLE'));
    const key = uuidV7();
    let session: TC.TwoChannelSessionView;
    try {
      session = await this.#call('POST', twoChannel.TWO_CHANNEL_PATHS.sessions, {
        key,
        body: { code: best.code, amount, currency: this.config.currency, merchantName: this.config.merchantName, place: this.config.place, rssi: best.rssi },
        timeoutMs: this.config.startTimeoutMs ?? 3_000,
      });
    } catch (err) {
      return this.#refuse(err);
    }
    this.#set({ phase: 'asking-phone', amount, presence: session.presence, sessionId: session.id, expiresAt: session.expiresAt });
    for (;;) {
      try {
        session = await this.#call('GET', `${twoChannel.TWO_CHANNEL_PATHS.session(session.id)}?waitMs=20000`, { timeoutMs: 30_000 });
      } catch (err) {
        // The server went away while the phone was answering: the payment is decided there (or not at all); ask again.
        if (isEdgePayError(err, 'TWO_CHANNEL_NEEDS_SERVER') && Date.parse(session.expiresAt) > Date.now()) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        return this.#refuse(err);
      }
      if (session.state === 'approved' && session.paymentId) return this.#set({ phase: 'authorised', amount, sessionId: session.id, paymentId: session.paymentId });
      if (session.state !== 'waiting') return this.#set({ phase: 'declined', amount, sessionId: session.id, reason: session.declineReason ?? session.state });
    }
  }

  /** The device gives up on the payment it is asking for (the car left). */
  async cancel(): Promise<void> {
    const s = this.#state;
    if (s.phase !== 'asking-phone') return;
    await this.#call('POST', twoChannel.TWO_CHANNEL_PATHS.cancel(s.sessionId), { timeoutMs: 5_000 }).catch(() => undefined);
  }

  #refuse(err: unknown): PaymentDeviceState {
    if (!isEdgePayError(err)) throw err;
    return this.#set({ phase: 'refused', code: err.code, message: err.message });
  }

  async stop(): Promise<void> {
    this.#offBus();
    this.#offDisplay();
    await this.config.bus.command(this.config.readerId, 'ble.scan', { enabled: false }).catch(() => undefined);
  }
}
