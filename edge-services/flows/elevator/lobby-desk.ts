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
  EdgePayError,
  floorOfUnit,
  LOBBY_FINAL_STEPS,
  type BusCommandResult,
  type DeliveryView,
  type Envelope,
  type LobbyEntry,
  type LobbyState,
  type LobbyStep,
} from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';
import type { GatewayBus } from '../../bus/index.ts';
import { deliveryClient, type DeliveryClient } from './delivery-client.ts';

export type LobbyConfig = {
  server: SyncEndpoint;
  currency: string;
  terminalId: string;
  elevatorId: string;
  /** The floor of the lobby (where goods are loaded); default 0. */
  lobbyFloor?: number;
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

  constructor(private readonly bus: Bus, private readonly config: LobbyConfig) {
    this.client = deliveryClient(config.server);
    this.state = { step: 'idle', entry: null, currency: config.currency, deliveryId: null, merchantName: null, car: null, refunded: false, reason: null, version: 0 };
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
    this.set({ step: 'sending', entry: clean, deliveryId: null, merchantName: null, car: null, refunded: false, reason: null });
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
    this.set({ step: 'idle', entry: keep, deliveryId: null, merchantName: null, car: null, refunded: false, reason: null });
    return this.state;
  }

  stop(): void {
    this.stopped = true;
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
      result = await this.terminalCharge(id, delivery);
    } catch {
      result = { reference: id, outcome: 'timeout' };
    }
    if (result.outcome !== 'approved') {
      const reason = result.outcome === 'declined' ? (result.declineReason ?? 'declined') : result.outcome;
      await this.retry(() => this.client.chargeFailed(id, reason));
      return this.go('card-declined', { reason });
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
      const call = car === undefined ? undefined : await this.bus.command(this.config.elevatorId, 'elevator.call', { reference: id, fromFloor: lobby, toFloor: floor, car, confirmLoad: true, confirmUnload: true }).catch(() => undefined);
      if (!call?.accepted) {
        await this.retry(() => this.client.refund(id, 'no-elevator'));
        return this.go('elevator-fault', { refunded: true, reason: call?.reason ?? 'no-car' });
      }
      this.go('elevator-coming', { car: { car: call.car, floor: lobby } });
      let loaded = false;
      for (;;) {
        const e = await next();
        const p = e.payload as Record<string, unknown>;
        if (p['car'] !== call.car) continue;
        if (e.type === 'elevator.position' && this.state.car) this.set({ car: { car: call.car, floor: Number(p['floor']) } });
        if (p['reference'] !== id) continue;
        if (e.type === 'elevator.loading') {
          this.go('load-goods');
          this.loadConfirm = () => {
            this.loadConfirm = undefined;
            loaded = true;
            this.go('on-the-way');
            void this.bus.command(this.config.elevatorId, 'elevator.confirm-load', { reference: id }).catch(() => undefined);
          };
        } else if (e.type === 'elevator.arrived') {
          this.go('arrived', { car: { car: call.car, floor: Number(p['floor']) } });
        } else if (e.type === 'elevator.unloaded') {
          if (p['taken'] === true) {
            await this.retry(() => this.client.delivered(id));
            return this.go('delivered');
          }
          await this.retry(() => this.client.refund(id, 'not-taken'));
          return this.go('not-taken', { refunded: true });
        } else if (e.type === 'elevator.aborted') {
          this.loadConfirm = undefined;
          await this.retry(() => this.client.refund(id, 'elevator-fault'));
          return this.go('elevator-fault', { refunded: true, reason: loaded || p['loaded'] === true ? 'goods-return' : 'before-loading' });
        }
      }
    } finally {
      off();
    }
  }

  /** Calls the server until it answers (a few tries over ~10 s): the step is idempotent at the server. */
  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof ServerUnreachable) || attempt >= 20) throw err;
        await sleep(500);
      }
    }
  }
}
