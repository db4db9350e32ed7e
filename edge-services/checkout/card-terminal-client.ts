/**
 * Charging a card through the card terminal on the bus (protocol:
 * edge-services/simulators/card-terminal/PROTOCOL.md). A charge is never sent
 * twice: if its answer does not come in time, we ask with `terminal.lookup`
 * (safe to retry) and, if the terminal is still waiting for a card, cancel.
 */
import { EdgePayError, isEdgePayError, type Money } from '../../core/index.ts';
import type { GatewayBus } from '../bus/index.ts';

export type CardResult =
  | { outcome: 'approved'; token: string; bin: string; last4: string }
  | { outcome: 'declined'; reason: string; bin?: string; last4?: string }
  | { outcome: 'cancelled' | 'timeout' };

export type CardTerminal = { charge(reference: string, amount: Money): Promise<CardResult> };

export function busCardTerminal(bus: GatewayBus, deviceId: string, options: { chargeTimeoutMs?: number } = {}): CardTerminal {
  const toResult = (r: { outcome: string; token?: string; bin?: string; last4?: string; declineReason?: string }): CardResult | undefined => {
    if (r.outcome === 'approved' && r.token && r.bin && r.last4) return { outcome: 'approved', token: r.token, bin: r.bin, last4: r.last4 };
    if (r.outcome === 'declined') return { outcome: 'declined', reason: r.declineReason ?? 'declined', ...(r.bin ? { bin: r.bin } : {}), ...(r.last4 ? { last4: r.last4 } : {}) };
    if (r.outcome === 'cancelled' || r.outcome === 'timeout') return { outcome: r.outcome };
    return undefined;
  };
  return {
    async charge(reference, amount) {
      try {
        const r = await bus.command(
          deviceId,
          'terminal.charge',
          { reference, amount: { amount: amount.amount, currency: amount.currency } },
          {
            ...(options.chargeTimeoutMs ? { timeoutMs: options.chargeTimeoutMs } : {}),
          },
        );
        const result = toResult(r as any);
        if (result) return result;
        throw new EdgePayError('TERMINAL_UNAVAILABLE', { reason: 'unexpected answer ' + (r as any).outcome });
      } catch (err) {
        if (!isEdgePayError(err, 'BUS_COMMAND_TIMEOUT')) {
          if (isEdgePayError(err) && err.code.startsWith('TERMINAL_')) throw err;
          throw new EdgePayError('TERMINAL_UNAVAILABLE', { reason: (err as Error).message }, { cause: err });
        }
      }
      // No answer in time: never resend the charge; find out what happened.
      try {
        const r = await bus.command(deviceId, 'terminal.lookup', { reference });
        const result = toResult(r as any);
        if (result) return result;
        await bus.command(deviceId, 'terminal.cancel', { reference });
        return { outcome: 'cancelled' };
      } catch (err) {
        throw new EdgePayError('TERMINAL_UNAVAILABLE', { reason: (err as Error).message }, { cause: err });
      }
    },
  };
}
