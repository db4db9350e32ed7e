/**
 * A destination: the service that honours an app's codes (a payment-code
 * issuer, a membership service). Adapters behind one interface, so a real
 * issuer's or loyalty provider's API takes a sandbox's place. Every call is
 * idempotent by `reference` (the relay's id): a repeated submit gets the first
 * answer, a reverse of something already reversed or never received answers
 * the same, and a reverse that comes first makes a later submit decline
 * (`reversed`): the closed loop that barcode-pay schemes ask of merchants.
 */
import type { relay } from '../../../../core/index.ts';

export type DestinationRecord = relay.DestinationAnswer & { userId?: string };

export interface RelayDestination {
  readonly id: string;
  readonly takes: 'payment-code' | 'membership';
  submit(request: relay.DestinationSubmit & { siteId: string }): Promise<DestinationRecord>;
  /** What the destination holds for `reference` (`unknown`: nothing). */
  query(reference: string): Promise<DestinationRecord>;
  /** Undo what is open for `reference`, or make sure it never happens. */
  reverse(reference: string, siteId: string): Promise<DestinationRecord>;
}

type RecordRow = { status: string; reason: string | null; user_id: string | null; amount: string | null; currency: string | null; points: number | null; balance: number | null };

export function recordOf(reference: string, row: RecordRow | undefined): DestinationRecord {
  if (!row) return { reference, status: 'unknown' };
  return {
    reference,
    status: row.status as DestinationRecord['status'],
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.user_id ? { userId: row.user_id } : {}),
    ...(row.amount !== null && row.currency ? { amount: { amount: Number(row.amount), currency: row.currency as 'KRW' } } : {}),
    ...(row.points !== null ? { points: row.points } : {}),
    ...(row.balance !== null ? { balance: row.balance } : {}),
  };
}

export const RECORD_COLUMNS = 'status, reason, user_id, amount, currency, points, balance';
