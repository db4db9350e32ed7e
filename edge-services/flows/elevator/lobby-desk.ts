/**
 * The lobby terminal's orchestration (the elevator flow on the building
 * gateway): the courier's entry goes to the server, which asks the orderer;
 * on approval the sealed card goes to the card terminal, which charges it;
 * the captured charge sends the goods elevator (a car in service) to the
 * orderer's floor, and the screen follows each step. Every failure ends in a
 * step the courier sees, with the money given back where it was taken.
 *
 * The gateway never opens the card (it is sealed to the terminal's key) and
 * never learns who the orderer is: only the floor, once they approved.
 */
import { randomUUID } from 'node:crypto';
import {
  courierCodeOfQr,
  EdgePayError,
  LOBBY_FINAL_STEPS,
  type BusCommandResult,
  type DeliveryView,
  type Envelope,
  type GatewayProgressStage,
  type LobbyEntry,
  type LobbyState,
  type LobbyStep,
  type RefundReason,
} from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';
import type { GatewayBus } from '../../bus/index.ts';
import { deliveryClient, type DeliveryClient } from './delivery-client.ts';
import { SettlementOutbox, type LocalDocumentStore, type Settlement } from './settlement-outbox.ts';

export type LobbyConfig = {
  server: SyncEndpoint;
  currency: string;
  terminalId: string;
  elevatorId: string;
  /** The floor of the lobby (where goods are loaded); default 0. */
  lobbyFloor?: number;
  /** The gateway's ledger: refunds and voids the server could not take are kept there (none: memory only). */
  store?: LocalDocumentStore;
  /** Tries of a settlement before it waits in the outbox (500 ms apart; default 20). */
  serverTries?: number;
  /** How often the outbox is sent again while it holds something (default 5 s). */
  outboxRetryMs?: number;
};

type Bus = Pick<GatewayBus, 'command' | 'onEvent'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LobbyDesk {
  private state: LobbyState;
  private readonly client: DeliveryClient;
  private readonly listeners = new Set<(s: LobbyState) => void>();
  private running: Promise<void> | undefined;
  private loadConfirm: (() => void) | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private readonly outbox: SettlementOutbox;
  private outboxTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Progress reports go to the server one after another, in order. */
  private progressChain: Promise<unknown> = Promise.resolve();
  private readonly offScanner: () => void;

  constructor(
    private readonly bus: Bus,
    private readonly config: LobbyConfig,
  ) {
    this.client = deliveryClient(config.server);
    this.outbox = new SettlementOutbox(config.store);
    this.state = {
      step: 'idle',
      entry: null,
      currency: config.currency,
      deliveryId: null,
      merchantName: null,
      car: null,
      refunded: false,
      reason: null,
      scan: null,
      settlementQueued: false,
      version: 0,
    };
    // The lobby's scanner on the bus (as the kiosk's): a company app's QR code names the courier's merchant.
    this.offScanner = bus.onEvent((e) => {
      if (e.type !== 'scanner.scan') return;
      const p = e.payload as { code: string; complete?: boolean };
      if (p.complete === false) return; // cut short by an unplug: it could read as another code
      const courierCode = courierCodeOfQr(p.code);
      if (courierCode) this.set({ scan: { courierCode, n: (this.state.scan?.n ?? 0) + 1 } });
    });
  }

  /** Sends what the outbox kept from before a restart (the runtime calls it once the desk is made). */
  start(): void {
    this.scheduleFlush(0);
  }

  view(): LobbyState {
    return this.state;
  }

  onChange(listener: (s: LobbyState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the running delivery has ended (tests, the bench). */
  async settled(): Promise<LobbyState> {
    await this.running;
    return this.state;
  }

  private set(patch: Partial<LobbyState>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    for (const l of this.listeners) l(this.state);
  }

  private go(step: LobbyStep, patch: Partial<LobbyState> = {}): void {
    this.set({ ...patch, step });
  }

  /** The courier's entry: starts a delivery and answers at once with the first step. */
  request(entry: LobbyEntry): LobbyState {
    if (this.running && !LOBBY_FINAL_STEPS.includes(this.state.step)) throw new EdgePayError('ELEVATOR_LOBBY_BUSY');
    const courierCode = entry.courierCode.trim();
    const unit = entry.unit.trim();
    if (!courierCode || courierCode.length > 64 || !/^[0-9A-Za-z-]{1,16}$/.test(unit) || !Number.isSafeInteger(entry.amount) || entry.amount <= 0) {
      throw new EdgePayError('ELEVATOR_ENTRY_INVALID');
    }
    const clean = { courierCode, unit, amount: entry.amount };
    this.set({ step: 'sending', entry: clean, deliveryId: null, merchantName: null, car: null, refunded: false, reason: null, settlementQueued: false });
    this.running = this.run(clean).catch(() => this.go('server-unreachable'));
    return this.state;
  }

  /** The courier put the goods in the car. */
  confirmLoad(): LobbyState {
    if (this.state.step !== 'load-goods' || !this.loadConfirm) throw new EdgePayError('ELEVATOR_DELIVERY_STATE', { state: this.state.step });
    this.loadConfirm();
    return this.state;
  }

  /** Back to an empty screen (after an outcome). The entry is kept only for `server-unreachable`, so the courier can send it again. */
  reset(): LobbyState {
    if (!LOBBY_FINAL_STEPS.includes(this.state.step)) throw new EdgePayError('ELEVATOR_LOBBY_BUSY');
    const keep = this.state.step === 'server-unreachable' ? this.state.entry : null;
    this.set({ step: 'idle', entry: keep, deliveryId: null, merchantName: null, car: null, refunded: false, reason: null, settlementQueued: false, scan: null });
    return this.state;
  }

  stop(): void {
    this.stopped = true;
    this.stopping.abort();
    this.offScanner();
    clearTimeout(this.outboxTimer);
  }

  /** The settlements still owed to the server (tests, the operator). */
  pendingSettlements(): Promise<Settlement[]> {
    return this.outbox.list();
  }

  /** Sends every kept settlement once; what the server still cannot take stays for the next round. */
  flushOutbox(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        for (const item of await this.outbox.list()) {
          if (this.stopped) return;
          try {
            await this.send(item);
            await this.outbox.remove(item.id, item.action);
          } catch (err) {
            if (err instanceof ServerUnreachable) continue;
            // The server refused it for good (e.g. the delivery is in another final state): nothing more to send.
            await this.outbox.remove(item.id, item.action);
          }
        }
      } finally {
        this.flushing = undefined;
        const left = (await this.outbox.list().catch(() => [])).length;
        if (this.state.settlementQueued && left === 0 && !this.stopped) this.set({ settlementQueued: false, refunded: this.state.step !== 'card-declined' });
        if (left > 0) this.scheduleFlush(this.config.outboxRetryMs ?? 5_000);
      }
    })();
    return this.flushing;
  }

  private scheduleFlush(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.outboxTimer);
    this.outboxTimer = setTimeout(() => void this.flushOutbox().catch(() => undefined), ms);
    this.outboxTimer.unref();
  }

  private send(item: Settlement): Promise<DeliveryView> {
    if (item.action === 'refund') return this.client.refund(item.id, item.reason);
    if (item.action === 'charge-failed') return this.client.chargeFailed(item.id, item.reason);
    return this.client.delivered(item.id);
  }

  /**
   * A refund, void or close: written to the outbox first, then sent with a
   * few tries; answers false when the server could not be reached (the
   * outbox keeps it and sends it later, after a restart too).
   */
  private async settle(item: Settlement): Promise<boolean> {
    await this.outbox.add(item);
    try {
      await this.retry(() => this.send(item));
    } catch (err) {
      if (!(err instanceof ServerUnreachable)) throw err;
      this.scheduleFlush(this.config.outboxRetryMs ?? 5_000);
      return false;
    }
    await this.outbox.remove(item.id, item.action);
    return true;
  }

  /** Tells the server where the goods are (for the orderer's wallet); in order, never holding the delivery up. */
  private report(id: string, stage: GatewayProgressStage, car?: number, floor?: number): Promise<unknown> {
    const body = { stage, ...(car === undefined ? {} : { car }), ...(floor === undefined ? {} : { floor }) };
    this.progressChain = this.progressChain.then(() => this.client.progress(id, body)).catch(() => undefined);
    return this.progressChain;
  }

  /**
   * At the floor: follows the delivery (long polls) until the orderer taps
   * "goods taken out" on the phone, then tells the controller. The unload
   * timeout (the controller's own) ends it otherwise.
   */
  private async watchUnload(id: string, ended: AbortSignal): Promise<void> {
    await this.progressChain; // "arrived" is at the server before the orderer can confirm
    const signal = AbortSignal.any([ended, this.stopping.signal]);
    while (!signal.aborted) {
      let d: DeliveryView;
      try {
        d = await this.client.follow(id, 'charged', 20_000, 'arrived', signal);
      } catch {
        if (!signal.aborted) await sleep(500);
        continue;
      }
      if (d.state !== 'charged') return;
      if (d.progress?.stage === 'unload-confirmed') {
        await this.bus.command(this.config.elevatorId, 'elevator.confirm-unload', { reference: id }).catch(() => undefined);
        return;
      }
    }
  }

  private async run(entry: LobbyEntry): Promise<void> {
    const id = randomUUID();
    let delivery: DeliveryView;
    try {
      delivery = await this.client.create({ id, courierCode: entry.courierCode, unit: entry.unit, amount: entry.amount, currency: this.config.currency });
    } catch (err) {
      if (err instanceof ServerUnreachable) return this.go('server-unreachable');
      const code = err instanceof EdgePayError ? err.code : 'INTERNAL';
      if (code === 'ELEVATOR_COURIER_UNKNOWN') return this.go('courier-unknown');
      if (code === 'ELEVATOR_TOO_MANY_TRIES') return this.go('too-many-tries');
      return this.go('server-unreachable', { reason: 'refused' });
    }
    this.set({ deliveryId: id, merchantName: delivery.merchant.name });
    if (delivery.state === 'no-orderer') return this.go('unit-unavailable');
    this.go('waiting-orderer');
    while (delivery.state === 'waiting' && !this.stopped) {
      try {
        delivery = await this.client.follow(id, 'waiting');
      } catch (err) {
        if (!(err instanceof ServerUnreachable)) throw err;
        await sleep(500); // the delivery goes on at the server; ask again
      }
    }
    if (delivery.state === 'declined') return this.go('declined');
    if (delivery.state === 'expired') return this.go('no-answer');
    if (delivery.state !== 'card-ready' || !delivery.card || delivery.floor === null) return this.go('card-declined', { reason: delivery.reason ?? delivery.state });
    this.go('approved');
    await this.charge(delivery);
  }

  private async charge(delivery: DeliveryView): Promise<void> {
    const id = delivery.id;
    const card = delivery.card!;
    let result: BusCommandResult<'terminal.charge'>;
    try {
      await this.bus.command(this.config.terminalId, 'terminal.load-card', { reference: id, merchantId: delivery.merchant.id, card });
      this.go('card-ready');
      this.go('charging');
      void this.report(id, 'charging');
      result = await this.terminalCharge(id, delivery);
    } catch {
      result = { reference: id, outcome: 'timeout' };
    }
    if (result.outcome !== 'approved') {
      const reason = result.outcome === 'declined' ? (result.declineReason ?? 'declined') : result.outcome;
      const sent = await this.settle({ id, action: 'charge-failed', reason, since: new Date().toISOString() });
      return this.go('card-declined', { reason, settlementQueued: !sent });
    }
    try {
      await this.retry(() => this.client.capture(id));
    } catch {
      // The issuer holds no approval for the card (or the server refused): nothing was taken.
      return this.go('card-declined', { reason: 'not-captured' });
    }
    await this.sendElevator(id, delivery.floor!);
  }

  /** terminal.charge is never resent; after a timeout the terminal is asked what happened. */
  private async terminalCharge(id: string, delivery: DeliveryView): Promise<BusCommandResult<'terminal.charge'>> {
    try {
      return await this.bus.command(this.config.terminalId, 'terminal.charge', { reference: id, amount: { amount: delivery.amount, currency: delivery.currency } }, { timeoutMs: 30_000 });
    } catch (err) {
      if (!(err instanceof EdgePayError && err.code === 'BUS_COMMAND_TIMEOUT')) throw err;
      const looked = await this.bus.command(this.config.terminalId, 'terminal.lookup', { reference: id });
      return looked.outcome === 'unknown' ? { reference: id, outcome: 'timeout' } : looked;
    }
  }

  private async pickCar(): Promise<number | undefined> {
    const { cars } = await this.bus.command(this.config.elevatorId, 'elevator.status', {});
    const lobby = this.config.lobbyFloor ?? 0;
    // A busy or faulted car is not used: no faults, idle, door closed, empty.
    const free = cars.filter((c) => c.faults.length === 0 && c.direction === 'idle' && c.door === 'closed' && c.loadKg === 0);
    free.sort((a, b) => Math.abs(a.floor - lobby) - Math.abs(b.floor - lobby));
    return free[0]?.car;
  }

  private async sendElevator(id: string, floor: number): Promise<void> {
    const lobby = this.config.lobbyFloor ?? 0;
    const ended = new AbortController();
    const events: Envelope[] = [];
    let wake: (() => void) | undefined;
    const off = this.bus.onEvent((e) => {
      if (e.deviceId !== this.config.elevatorId) return;
      events.push(e);
      wake?.();
    });
    const next = async (): Promise<Envelope> => {
      while (events.length === 0) await new Promise<void>((r) => (wake = r));
      return events.shift()!;
    };
    try {
      const car = await this.pickCar().catch(() => undefined);
      const call =
        car === undefined
          ? undefined
          : await this.bus.command(this.config.elevatorId, 'elevator.call', { reference: id, fromFloor: lobby, toFloor: floor, car, confirmLoad: true, confirmUnload: true }).catch(() => undefined);
      if (!call?.accepted) {
        const sent = await this.refund(id, 'no-elevator');
        return this.go('elevator-fault', { refunded: sent, settlementQueued: !sent, reason: call?.reason ?? 'no-car' });
      }
      this.go('elevator-coming', { car: { car: call.car, floor: lobby } });
      void this.report(id, 'elevator-coming', call.car, lobby);
      let loaded = false;
      for (;;) {
        const e = await next();
        const p = e.payload as Record<string, unknown>;
        if (p['car'] !== call.car) continue;
        if (e.type === 'elevator.position' && this.state.car) this.set({ car: { car: call.car, floor: Number(p['floor']) } });
        if (p['reference'] !== id) continue;
        if (e.type === 'elevator.loading') {
          this.go('load-goods');
          void this.report(id, 'load-goods', call.car, Number(p['floor']));
          this.loadConfirm = () => {
            this.loadConfirm = undefined;
            loaded = true;
            this.go('on-the-way');
            void this.report(id, 'on-the-way', call.car, lobby);
            void this.bus.command(this.config.elevatorId, 'elevator.confirm-load', { reference: id }).catch(() => undefined);
          };
        } else if (e.type === 'elevator.arrived') {
          this.go('arrived', { car: { car: call.car, floor: Number(p['floor']) } });
          void this.report(id, 'arrived', call.car, Number(p['floor']));
          void this.watchUnload(id, ended.signal);
        } else if (e.type === 'elevator.unloaded') {
          ended.abort();
          if (p['taken'] === true) {
            const sent = await this.settle({ id, action: 'delivered', since: new Date().toISOString() });
            return this.go('delivered', { settlementQueued: !sent });
          }
          const sent = await this.refund(id, 'not-taken');
          return this.go('not-taken', { refunded: sent, settlementQueued: !sent });
        } else if (e.type === 'elevator.aborted') {
          ended.abort();
          this.loadConfirm = undefined;
          const sent = await this.refund(id, 'elevator-fault');
          return this.go('elevator-fault', { refunded: sent, settlementQueued: !sent, reason: loaded || p['loaded'] === true ? 'goods-return' : 'before-loading' });
        }
      }
    } finally {
      ended.abort();
      off();
    }
  }

  private refund(id: string, reason: RefundReason): Promise<boolean> {
    return this.settle({ id, action: 'refund', reason, since: new Date().toISOString() });
  }

  /** Calls the server until it answers (a few tries over ~10 s): the step is idempotent at the server. */
  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    const tries = this.config.serverTries ?? 20;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof ServerUnreachable) || attempt >= tries || this.stopped) throw err;
        await sleep(500);
      }
    }
  }
}
